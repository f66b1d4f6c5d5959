/* fixingaholed: the sampling daemon. Started by the client on demand (or by
 * hand with --foreground), it listens on a per-user Unix socket and exits
 * after an idle period. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sockpath.h"
#include "daemon/server.h"

#define EXIT_USAGE 2
#define EXIT_ALREADY_RUNNING 3

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fixingaholed [--foreground] [--socket PATH] [--idle-timeout SECONDS]\n"
            "  --foreground         stay attached to the terminal, log to stderr\n"
            "  --socket PATH        listen here (default: $FIXINGAHOLE_SOCKET, else\n"
            "                       $XDG_RUNTIME_DIR/fixingahole/daemon.sock, else\n"
            "                       /tmp/fixingahole-UID/daemon.sock)\n"
            "  --idle-timeout S     exit after S seconds without clients (default 60, 0 = never)\n"
            "exit status: 0 ok, 1 failure, 2 usage error, 3 a daemon already listens there\n");
}

/* Detaches from the terminal before binding the socket: the kernel records
 * the listener's pid at listen() (clients read it with SO_PEERCRED and name
 * it as the script's ptracer), so the process that listens must be the one
 * that stays. The first process waits on a pipe for the outcome and exits
 * with it, so whoever started us can connect as soon as it returns.
 * Returns the pipe's write end, in the detached process only. */
static int detach_begin(void)
{
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        perror("fixingaholed: pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fixingaholed: fork");
        exit(1);
    }
    if (pid > 0) {
        close(ready[1]);
        char status = 1;
        if (read(ready[0], &status, 1) != 1)
            status = 1;
        _exit(status);
    }
    close(ready[0]);
    setsid();
    if (fork() > 0)
        _exit(0);
    return ready[1];
}

/* Reports the outcome to the waiting first process, then leaves the
 * terminal: stdin and stdout to /dev/null, stderr to the log. */
static void detach_finish(int ready_fd, char status, const char *log_path)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (write(ready_fd, &status, 1) != 1)
        perror("fixingaholed: report readiness");
    close(ready_fd);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    dup2(log >= 0 ? log : null, STDERR_FILENO);
    if (chdir("/") < 0)
        perror("fixingaholed: chdir /");
}

static int parse_args(int argc, char **argv, struct server_config *config, char *path,
                      size_t pathlen)
{
    static const struct option options[] = {
        {"foreground", no_argument, NULL, 'f'},
        {"socket", required_argument, NULL, 's'},
        {"idle-timeout", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'f':
            config->foreground = 1;
            break;
        case 's':
            snprintf(path, pathlen, "%s", optarg);
            break;
        case 'i':
            config->idle_timeout_s = (int)strtol(optarg, &end, 10);
            if (*end || config->idle_timeout_s < 0) {
                fprintf(stderr, "fixingaholed: --idle-timeout: not a number of seconds: %s\n",
                        optarg);
                return -1;
            }
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct server_config config = {.idle_timeout_s = 60};
    char path[PATH_MAX] = "";
    char err[512];
    if (parse_args(argc, argv, &config, path, sizeof(path)) < 0)
        return EXIT_USAGE;
    if (path[0])
        setenv("FIXINGAHOLE_SOCKET", path, 1);
    if (sockpath_resolve(path, sizeof(path), 1, err, sizeof(err)) < 0) {
        fprintf(stderr, "fixingaholed: %s\n", err);
        return 1;
    }
    config.socket_path = path;
    signal(SIGPIPE, SIG_IGN);
    int ready_fd = config.foreground ? -1 : detach_begin();
    int fd = server_listen(path, err, sizeof(err));
    char status = fd >= 0 ? 0 : fd == -EADDRINUSE ? EXIT_ALREADY_RUNNING : 1;
    if (fd < 0)
        fprintf(stderr, "fixingaholed: %s\n", err);
    if (ready_fd >= 0) {
        char log_path[PATH_MAX + 8];
        snprintf(log_path, sizeof(log_path), "%s.log", path);
        detach_finish(ready_fd, status, log_path);
    }
    if (fd < 0)
        return status;
    int rc = server_run(fd, &config);
    close(fd);
    unlink(path);
    return rc < 0 ? 1 : 0;
}
