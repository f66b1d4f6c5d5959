/* Starting a target process for a live test and knowing, without sleeping,
 * when it is ready: the target writes a line on its stdout (a pipe) once it
 * reached the state the test needs, or, for a program that cannot say so,
 * the test learns that exec() has happened from a close-on-exec pipe. A
 * timeout only bounds a failure. */
#ifndef FAH_TEST_SPAWN_READY_H
#define FAH_TEST_SPAWN_READY_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a target may take to get ready before the test gives up. */
#define TEST_READY_TIMEOUT_MS 30000

/* Forks and execs argv[0] with stdin on /dev/null and stdout on a pipe whose
 * read end goes to *out_fd. Returns the pid, or -1. */
static inline pid_t test_spawn_piped(char *const argv[], int *out_fd)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(fds[1], 1);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    *out_fd = fds[0];
    return pid;
}

/* Reads fd until a line equal to `line` arrives. Returns 0, or -1 on end of
 * file, error or timeout. */
static inline int test_wait_line(int fd, const char *line, int timeout_ms)
{
    char buf[512];
    size_t have = 0, want = strlen(line);
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (poll(&p, 1, timeout_ms) == 1) {
        char *nl;
        ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        while ((nl = strchr(buf, '\n')) != NULL) {
            size_t len = (size_t)(nl - buf);
            if (len == want && memcmp(buf, line, want) == 0)
                return 0;
            have -= len + 1;
            memmove(buf, nl + 1, have + 1);
        }
        if (have == sizeof(buf) - 1)
            have = 0; /* an over-long line is not ours */
    }
    return -1;
}

/* Spawns argv and waits for its "ready" line. Returns the pid, or -1 (the
 * process, if any, is killed and reaped). */
static inline pid_t test_spawn_ready(char *const argv[])
{
    int fd = -1;
    pid_t pid = test_spawn_piped(argv, &fd);

    if (pid < 0)
        return -1;
    if (test_wait_line(fd, "ready", TEST_READY_TIMEOUT_MS) != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    close(fd);
    return pid;
}

/* Forks and execs argv[0]; returns once exec has succeeded (the
 * close-on-exec pipe reads end of file), or -1 if it failed. */
static inline pid_t test_spawn_execed(char *const argv[])
{
    int fds[2], err = 0;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        execv(argv[0], argv);
        err = errno;
        if (write(fds[1], &err, sizeof(err)) < 0)
            _exit(126);
        _exit(127);
    }
    close(fds[1]);
    if (pid > 0 && read(fds[0], &err, sizeof(err)) > 0) {
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    close(fds[0]);
    return pid;
}

#endif
