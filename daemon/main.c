/* fixingaholed: the sampling daemon. Started by the client on demand (or by
 * hand with --foreground), it listens on a per-user Unix socket (or, with
 * `shared = yes`, on a system-wide one) and exits after an idle period. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/exit_codes.h"
#include "common/sig.h"
#include "common/sockpath.h"
#include "daemon/config.h"
#include "daemon/holdgate.h"
#include "daemon/offsets_cache.h"
#include "daemon/perfwarm.h"
#include "daemon/server.h"
#include "daemon/watchdog.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fixingaholed [--foreground] [--config FILE] [--socket PATH]\n"
            "                    [--idle-timeout SECONDS]\n"
            "  --foreground         stay attached to the terminal, log to stderr\n"
            "  --config FILE        read settings from FILE (default, when it exists:\n"
            "                       ~/.config/fixingahole/daemon.conf; see docs/daemon.md)\n"
            "  --socket PATH        listen here (default: $FIXINGAHOLE_SOCKET, else\n"
            "                       $XDG_RUNTIME_DIR/fixingahole/daemon.sock, else\n"
            "                       /tmp/fixingahole-UID/daemon.sock)\n"
            "  --idle-timeout S     exit after S seconds without clients (default 60, 0 = never)\n"
            "exit status: 0 ok, 1 failure, 3 a daemon already listens there, 64 usage error\n");
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

struct cmdline {
    int foreground;
    int idle_timeout_s; /* -1: not given */
    char socket_path[PATH_MAX];
    char config_path[PATH_MAX];
};

static int parse_args(int argc, char **argv, struct cmdline *cl)
{
    static const struct option options[] = {
        {"foreground", no_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
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
            cl->foreground = 1;
            break;
        case 'c':
            snprintf(cl->config_path, sizeof(cl->config_path), "%s", optarg);
            break;
        case 's':
            snprintf(cl->socket_path, sizeof(cl->socket_path), "%s", optarg);
            break;
        case 'i':
            cl->idle_timeout_s = (int)strtol(optarg, &end, 10);
            if (*end || !*optarg || cl->idle_timeout_s < 0) {
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

/* A shared socket's folder is readable by all but writable by us alone:
 * nobody else may put a socket of theirs in front of ours. */
static int prepare_shared_dir(const char *path, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        snprintf(err, errlen, "%s: a shared socket needs a folder of its own", path);
        return -EINVAL;
    }
    *slash = '\0';
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return -errno;
    }
    struct stat st;
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022)) {
        snprintf(err, errlen, "%s: must be a folder of uid %u that others cannot write",
                 dir, (unsigned)geteuid());
        return -EPERM;
    }
    return 0;
}

/* defaults < configuration file < command line; the socket path from
 * --socket, else $FIXINGAHOLE_SOCKET (how a client that starts us says
 * where it will connect), else the file's `socket`, else the per-user one. */
static int configure(const struct cmdline *cl, struct daemon_config *config, char *err,
                     size_t errlen)
{
    daemon_config_defaults(config);
    char path[PATH_MAX];
    int required = cl->config_path[0] != '\0';
    if (required)
        snprintf(path, sizeof(path), "%s", cl->config_path);
    else
        daemon_config_default_path(path, sizeof(path));
    if (path[0] && daemon_config_load(config, path, required, err, errlen) < 0)
        return -EINVAL;
    config->foreground = cl->foreground;
    if (cl->idle_timeout_s >= 0)
        config->idle_timeout_s = cl->idle_timeout_s;
    const char *env = getenv("FIXINGAHOLE_SOCKET");
    if (cl->socket_path[0])
        setenv("FIXINGAHOLE_SOCKET", cl->socket_path, 1);
    else if (!(env && *env) && config->socket_path[0])
        setenv("FIXINGAHOLE_SOCKET", config->socket_path, 1);
    if (config->shared) {
        env = getenv("FIXINGAHOLE_SOCKET");
        if (!env || !*env) {
            snprintf(err, errlen, "shared = yes needs a socket path (socket = ... or --socket)");
            return -EINVAL;
        }
        snprintf(config->socket_path, sizeof(config->socket_path), "%s", env);
        return prepare_shared_dir(config->socket_path, err, errlen);
    }
    return sockpath_resolve(config->socket_path, sizeof(config->socket_path), 1, err, errlen);
}

static volatile sig_atomic_t terminate_requested;

static void on_terminate(int sig)
{
    (void)sig;
    terminate_requested = 1;
}

/* Every sampled thread holds a CPU-clock counter (cpuclock.h): a few
 * targets with hundreds of threads outgrow the usual soft limit of 1024
 * descriptors, so take what the hard limit allows. */
static void raise_fd_limit(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

/* glibc raises its mmap threshold each time a large block is freed, up to
 * 32 MB, so after the first session's big buffers (tick batches, a watcher
 * history of up to 16 MB, libdw's decompressed DWARF) every later one comes
 * from a per-thread arena, whose top glibc returns only past a trim
 * threshold raised alongside. A long-lived daemon serving sessions on many
 * threads then keeps their peak: bench/soak saw an idle daemon at 5 MB
 * after 11 sessions one at a time and at 27 MB after 88 eight at a time
 * (heap in use: 28 KB). A fixed threshold keeps large blocks in their own
 * mappings, returned as they are freed. */
#define DAEMON_MMAP_THRESHOLD (128 * 1024) /* glibc's initial value */

static void keep_large_blocks_returnable(void)
{
    mallopt(M_MMAP_THRESHOLD, DAEMON_MMAP_THRESHOLD);
}

/* The watchdog that frees targets a stopped daemon holds (watchdog.h),
 * forked before any thread starts. Two settings for the tests only:
 * FIXINGAHOLE_TEST_STOP_AT_HOLD=N makes the daemon SIGSTOP itself inside
 * its Nth hold, and FIXINGAHOLE_TEST_NO_WATCHDOG=1 leaves the watchdog out,
 * to measure what it prevents. */
static void start_watchdog(void)
{
    const char *stop_at = getenv("FIXINGAHOLE_TEST_STOP_AT_HOLD");
    if (stop_at && *stop_at)
        holdgate_test_stop_at((unsigned)strtoul(stop_at, NULL, 10));
    const char *none = getenv("FIXINGAHOLE_TEST_NO_WATCHDOG");
    if (none && *none)
        return;
    char err[256];
    if (watchdog_start(err, sizeof(err)) < 0)
        fprintf(stderr, "fixingaholed: %s; a stopped daemon keeps any thread it holds stopped\n",
                err);
}

/* The struct offsets this daemon reads from DWARF are kept for the next
 * one (offsets_cache.h), unless cache = no. */
static void start_offsets_cache(const struct daemon_config *config)
{
    char folder[PATH_MAX], err[PATH_MAX + 64];
    if (config->no_cache)
        return;
    if (config->cache_dir[0])
        snprintf(folder, sizeof(folder), "%s", config->cache_dir);
    else
        daemon_config_default_cache(folder, sizeof(folder));
    if (!folder[0])
        snprintf(err, sizeof(err), "neither XDG_CACHE_HOME nor HOME is set");
    if (!folder[0] || offsets_cache_start(folder, err, sizeof(err)) < 0)
        fprintf(stderr, "fixingaholed: no offsets cache (%s): every daemon started reads an "
                        "interpreter's DWARF again\n", err);
}

int main(int argc, char **argv)
{
    struct cmdline cl = {.idle_timeout_s = -1};
    struct daemon_config config;
    char err[2 * PATH_MAX];
    if (parse_args(argc, argv, &cl) < 0)
        return EXIT_USAGE;
    if (configure(&cl, &config, err, sizeof(err)) < 0) {
        fprintf(stderr, "fixingaholed: %s\n", err);
        return 1;
    }
    sig_install(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    keep_large_blocks_returnable();
    int ready_fd = config.foreground ? -1 : detach_begin();
    int fd = server_listen(config.socket_path, config.shared, err, sizeof(err));
    char status = fd >= 0 ? 0 : fd == -EADDRINUSE ? EXIT_ALREADY_RUNNING : 1;
    if (fd < 0)
        fprintf(stderr, "fixingaholed: %s\n", err);
    if (ready_fd >= 0) {
        char log_path[PATH_MAX + 8];
        snprintf(log_path, sizeof(log_path), "%s.log", config.socket_path);
        detach_finish(ready_fd, status, log_path);
    }
    if (fd < 0)
        return status;
    start_watchdog();
    start_offsets_cache(&config);
    if (perfwarm_start() < 0)
        fprintf(stderr, "fixingaholed: no thread to open the perf warm-up counter; each "
                        "session's first CPU clock may cost 10-20 ms\n");
    /* SIGTERM and SIGINT end sessions in order, so owners get their end. */
    sig_install(SIGTERM, on_terminate);
    sig_install(SIGINT, on_terminate);
    int rc = server_run(fd, &config, &terminate_requested);
    close(fd);
    unlink(config.socket_path);
    return rc < 0 ? 1 : 0;
}
