/* The daemon command (see daemon_cmd.h). Stopping sends SIGTERM to the pid
 * the kernel reports for the socket's peer: targets keep running, since the
 * daemon only ever holds a thread for the length of one sample. */
#include "client/daemon_cmd.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/daemon_link.h"

static int status_cmd(void)
{
    char path[PATH_MAX], err[512];
    pid_t pid;
    int fd = daemon_link_probe(&pid, path, sizeof(path), err, sizeof(err));
    if (fd == -ENOENT || fd == -ECONNREFUSED) {
        printf("no daemon is running (socket %s)\n", path);
        return 1;
    }
    if (fd < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_PROFILER;
    }
    close(fd);
    printf("daemon running: pid %d, socket %s\n", (int)pid, path);
    return 0;
}

/* Waits up to 5 s for the daemon to let go of its socket. */
static int wait_gone(pid_t pid)
{
    for (int i = 0; i < 500; i++) {
        if (kill(pid, 0) < 0 && errno == ESRCH)
            return 0;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return -ETIMEDOUT;
}

static int stop_cmd(void)
{
    char path[PATH_MAX], err[512];
    pid_t pid;
    int fd = daemon_link_probe(&pid, path, sizeof(path), err, sizeof(err));
    if (fd == -ENOENT || fd == -ECONNREFUSED) {
        printf("no daemon is running (socket %s)\n", path);
        return 0;
    }
    if (fd < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_PROFILER;
    }
    close(fd);
    if (kill(pid, SIGTERM) < 0 || wait_gone(pid) < 0) {
        fprintf(stderr, "fixingahole: could not stop the daemon (pid %d): %s\n", (int)pid,
                strerror(errno ? errno : ETIMEDOUT));
        return EXIT_PROFILER;
    }
    printf("stopped the daemon (pid %d)\n", (int)pid);
    return 0;
}

int daemon_cmd_main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "status") == 0)
        return status_cmd();
    if (argc == 3 && strcmp(argv[2], "stop") == 0)
        return stop_cmd();
    fprintf(stderr, "usage: fixingahole daemon status|stop\n");
    return EXIT_USAGE;
}
