/* Forking the stopped child (see spawn.h). */
#include "client/run/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_main(char *const argv[], pid_t tracer, int report_fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PTRACER, (unsigned long)tracer, 0, 0, 0);
    raise(SIGSTOP);
    execvp(argv[0], argv);
    int e = errno;
    ssize_t ignored = write(report_fd, &e, sizeof(e));
    (void)ignored;
    _exit(127);
}

int spawn_stopped(char *const argv[], pid_t tracer, struct spawned *out, char *err,
                  size_t errlen)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -errno;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(argv, tracer, fds[1]);
    }
    close(fds[1]);
    int status;
    pid_t got;
    while ((got = waitpid(pid, &status, WUNTRACED)) < 0 && errno == EINTR)
        ;
    if (got != pid || !WIFSTOPPED(status)) {
        snprintf(err, errlen, "the child process did not stop before its exec");
        close(fds[0]);
        return -ECHILD;
    }
    out->pid = pid;
    out->exec_fd = fds[0];
    return 0;
}

int spawn_resume(struct spawned *child, const char *program, char *err, size_t errlen)
{
    kill(child->pid, SIGCONT);
    int e = 0;
    ssize_t n;
    while ((n = read(child->exec_fd, &e, sizeof(e))) < 0 && errno == EINTR)
        ;
    close(child->exec_fd);
    child->exec_fd = -1;
    if (n == (ssize_t)sizeof(e)) {
        snprintf(err, errlen, "cannot run %s: %s", program, strerror(e));
        return -e;
    }
    return 0;
}
