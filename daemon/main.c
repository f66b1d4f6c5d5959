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

/* Detaches from the terminal; the first parent exits 0 once the socket is
 * bound, so whoever started us can connect as soon as we return. */
static void daemonize(const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fixingaholed: fork");
        exit(1);
    }
    if (pid > 0)
        _exit(0);
    setsid();
    if (fork() > 0)
        _exit(0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
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
    int fd = server_listen(path, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "fixingaholed: %s\n", err);
        return fd == -EADDRINUSE ? EXIT_ALREADY_RUNNING : 1;
    }
    if (!config.foreground) {
        char log_path[PATH_MAX + 8];
        snprintf(log_path, sizeof(log_path), "%s.log", path);
        daemonize(log_path);
    }
    int rc = server_run(fd, &config);
    close(fd);
    unlink(path);
    return rc < 0 ? 1 : 0;
}
