/* The attach command (see attach.h). The target is not our child: the
 * daemon reports its exit, Ctrl-C reaches only us (the target has its own
 * terminal, or none), and both end the session with PROTO_STOP. */
#include "client/cli/attach.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cli/cli.h"
#include "client/config/config.h"
#include "client/link/collect.h"
#include "client/link/control.h"
#include "client/link/daemon_link.h"
#include "client/model/profile.h"
#include "client/report/results.h"
#include "common/exit_codes.h"
#include "common/msgio.h"
#include "common/proto.h"
#include "common/sig.h"

struct attach_run {
    struct profile_options o;
    pid_t pid;
    double duration_s;
    char cwd[PATH_MAX];      /* ours: results go under it */
    char root[PATH_MAX];     /* the target's current folder: its user code */
    char script[PATH_MAX];   /* the target's script, "" when it has none */
    char name[32];           /* pid<PID>, names the run when there is no script */
    char output[PATH_MAX + 16];
    char ignore[CLI_MAX_IGNORE][PATH_MAX];
    const char *ignore_ptrs[CONFIG_MAX_IGNORE + CLI_MAX_IGNORE];
    size_t nignore;
    struct config cfg;       /* pyproject.toml / FIXINGAHOLE_* settings */
    uint32_t session_id;
    int announced;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fixingahole attach PID [--duration SECONDS] [options]\n"
            "\n"
            "Profiles the running Python process PID until SECONDS have passed, Ctrl-C,\n"
            "or the process exits; the process keeps running afterwards. Writes\n"
            "performance/<script or pidPID>/<UTC timestamp>/ as `profile` does, with CPU\n"
            "time and RSS (--memory needs the allocation sampler preloaded at start).\n"
            "\n"
            "options: --duration SECONDS, and profile's -d, -t/-nt, -o DIR, -i DIR,\n"
            "--rate HZ, --idle, --gil, --native, --no-children, --offsets SOURCE,\n"
            "--debug-dirs DIRS, -f FORMATS (see profile --help). The process's children,\n"
            "those running already and those it starts, are sampled too unless\n"
            "--no-children.\n"
            "\n"
            "exit status: 0 ok; 64 usage error; 66 no such process; 70 the profiler failed\n"
            "(not a Python process, unsupported version, not permitted).\n");
}

static int parse_duration(const char *text, double *out, char *err, size_t errlen)
{
    char *end;
    double v = strtod(text, &end);
    if (!*text || *end || !(v > 0) || v > 86400.0 * 365) {
        snprintf(err, errlen, "--duration: expected a positive number of seconds, got '%s'", text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_pid(const char *text, pid_t *pid)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v <= 0 || v > INT32_MAX)
        return -1;
    *pid = (pid_t)v;
    return 0;
}

/* Options that make no sense for a process someone else started. */
static int refuse_spawn_options(const struct profile_options *o, char *err, size_t errlen)
{
    if (o->memory)
        snprintf(err, errlen, "--memory: heap blame is not available when attaching (the "
                              "allocator hooks go in at start); attach reports CPU time and RSS");
    else if (strcmp(o->python, "python3") != 0)
        snprintf(err, errlen, "--python: attach profiles the interpreter the process runs");
    else if (o->repeat > 1)
        snprintf(err, errlen, "--repeat: a running process cannot be run again");
    else
        return 0;
    return -1;
}

/* 0, 1 after --help, -1 with err. */
static int parse(int argc, char **argv, struct attach_run *a, char *err, size_t errlen)
{
    cli_defaults(&a->o, argc, argv);
    int have_pid = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--duration") == 0) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--duration: needs a value");
                return -1;
            }
            if (parse_duration(argv[++i], &a->duration_s, err, errlen) < 0)
                return -1;
            continue;
        }
        int rc = cli_parse_option(argc, argv, &i, &a->o, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 2) {
            usage(stdout);
            return 1;
        }
        if (rc == 1)
            continue;
        if (!have_pid && parse_pid(arg, &a->pid) == 0) {
            have_pid = 1;
            continue;
        }
        snprintf(err, errlen, "%s: %s (see fixingahole attach --help)", arg,
                 have_pid || arg[0] == '-' ? "unexpected argument" : "not a process id");
        return -1;
    }
    if (!have_pid) {
        snprintf(err, errlen, "no process id to attach to (see fixingahole attach --help)");
        return -1;
    }
    return refuse_spawn_options(&a->o, err, errlen);
}

static int read_link(const char *link, char *out, size_t len)
{
    ssize_t n = readlink(link, out, len - 1);
    if (n < 0)
        return -errno;
    out[n] = '\0';
    return 0;
}

/* The script the target runs: its first argument after the interpreter's
 * own options, when that names a file (relative to the target's folder). */
static void find_script(struct attach_run *a)
{
    char path[64], args[8192];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)a->pid);
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(args, 1, sizeof(args) - 1, f) : 0;
    if (f)
        fclose(f);
    args[n] = '\0';
    size_t at = strlen(args) + 1; /* skip the interpreter */
    while (at < n && args[at] == '-' && strcmp(args + at, "-u") != 0 &&
           strcmp(args + at, "-c") != 0 && strcmp(args + at, "-m") != 0)
        at += strlen(args + at) + 1;
    if (at >= n || args[at] == '-')
        return;
    char candidate[sizeof(a->script)];
    int len = args[at] == '/'
                  ? snprintf(candidate, sizeof(candidate), "%s", args + at)
                  : snprintf(candidate, sizeof(candidate), "%s/%s", a->root, args + at);
    struct stat st;
    if (len > 0 && (size_t)len < sizeof(candidate) && stat(candidate, &st) == 0 &&
        S_ISREG(st.st_mode))
        memcpy(a->script, candidate, (size_t)len + 1);
}

static int resolve(struct attach_run *a, char *err, size_t errlen)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/cwd", (int)a->pid);
    if (kill(a->pid, 0) < 0 && errno == ESRCH) {
        snprintf(err, errlen, "pid %d: no such process", (int)a->pid);
        return -ESRCH;
    }
    if (!getcwd(a->cwd, sizeof(a->cwd))) {
        snprintf(err, errlen, "getcwd: %s", strerror(errno));
        return -errno;
    }
    /* Another user's process hides its folder: the daemon decides whether
     * we may profile it, and everything counts as user code meanwhile. */
    if (read_link(link, a->root, sizeof(a->root)) < 0)
        snprintf(a->root, sizeof(a->root), "/");
    find_script(a);
    snprintf(a->name, sizeof(a->name), "pid%d", (int)a->pid);
    /* The same settings as `profile`: output and ignored folders from the
     * configuration; the root too when one is configured, else the
     * target's own folder holds its user code. */
    if (config_load(&a->cfg, a->cwd, err, errlen) < 0)
        return -EINVAL;
    if (a->cfg.source[0] || getenv("FIXINGAHOLE_ROOT"))
        snprintf(a->root, sizeof(a->root), "%s", a->cfg.root);
    if (a->o.output_dir)
        config_resolve(a->output, sizeof(a->output), a->cwd, a->o.output_dir);
    else
        snprintf(a->output, sizeof(a->output), "%s", a->cfg.output);
    for (size_t i = 0; i < a->cfg.nignore; i++)
        a->ignore_ptrs[a->nignore++] = a->cfg.ignore[i];
    for (int i = 0; i < a->o.nignore; i++) {
        config_resolve(a->ignore[i], sizeof(a->ignore[i]), a->cwd, a->o.ignore[i]);
        a->ignore_ptrs[a->nignore++] = a->ignore[i];
    }
    return 0;
}

static int request_attach(int fd, const struct attach_run *a, char *err, size_t errlen)
{
    /* Heap blame needs the preload a spawned script gets: not when attaching. */
    struct control_sampling o;
    cli_sampling(&a->o, &o);
    o.memory = 0;
    return control_start_session(fd, PROTO_ATTACH, a->pid, &o, NULL, err, errlen);
}

static void on_sigint(int sig)
{
    (void)sig;
    collect_interrupted = 1;
}

static int fill_facts(struct profile *p, const struct attach_run *a,
                      const struct collect_result *r)
{
    if (profile_set_command(p, (const char *const *)a->o.argv, (size_t)a->o.argc) < 0)
        return -ENOMEM;
    p->rate_hz = a->o.rate_hz;
    p->wall_seconds = r->wall_seconds;
    p->max_rss_bytes = (uint64_t)r->usage.ru_maxrss * 1024u;
    p->exit_status = 0; /* not our child: its status is its parent's to see */
    p->interrupted = collect_interrupted ? 1 : 0;
    p->include_idle = a->o.idle;
    p->detailed = a->o.detailed; /* with root: exporters summarise as the run did */
    if (profile_set_string(&p->root, a->root) < 0 ||
        (a->script[0] && profile_set_string(&p->script, a->script) < 0) ||
        profile_set_string(&p->mode, "cpu") < 0)
        return -ENOMEM;
    return 0;
}

/* Says "attached" once the interpreter is found, not before: a process
 * that is not Python gets one line, the reason. */
static void announce(void *ctx, const struct profile *p, double elapsed_s)
{
    struct attach_run *a = ctx;
    (void)elapsed_s;
    if (a->announced || !p->python_version)
        return;
    a->announced = 1;
    fprintf(stderr, "fixingahole: attached to pid %d (Python %s, session %u)%s\n", (int)a->pid,
            p->python_version, (unsigned)a->session_id,
            a->duration_s > 0 ? "" : "; Ctrl-C ends the profile, the process runs on");
}

static int collect_and_report(int fd, struct attach_run *a)
{
    char err[1024], folder[PATH_MAX];
    struct profile *p = profile_new();
    if (p)
        p->gil_only = a->o.gil_only; /* the collector filters by it */
    struct collect_result r = {0};
    struct collect_follow f = {.pid = a->pid, .duration_s = a->duration_s, .owner = 1,
                               .refresh = announce, .ctx = a, .refresh_s = 0.05};
    int status = 0;
    if (!p || collect_follow(fd, &f, p, &r) < 0) {
        fprintf(stderr, "fixingahole: out of memory while collecting samples\n");
        status = EXIT_PROFILER;
    } else if (r.session_failed) {
        fprintf(stderr, "fixingahole: %s\n", r.message);
        status = EXIT_PROFILER;
    } else if (!p->python_version) {
        fprintf(stderr, "fixingahole: %s\n",
                r.daemon_lost ? r.message : "the daemon never found the interpreter");
        status = EXIT_PROFILER;
    }
    if (!status && !r.daemon_lost && r.message[0])
        fprintf(stderr, "fixingahole: session ended: %s\n", r.message);
    if (!status && r.daemon_lost)
        fprintf(stderr, "fixingahole: %s: the profile covers only what was sampled before "
                        "(pid %d was left running)\n",
                r.message, (int)a->pid);
    struct results_request rr = {.output = a->output, .source = a->script[0] ? a->script : NULL,
                                 .name = a->name, .root = a->root, .detailed = a->o.detailed,
                                 .include_idle = a->o.idle, .trace = a->o.trace,
                                 .ignore = a->ignore_ptrs, .nignore = a->nignore};
    if (!status && fill_facts(p, a, &r) < 0) {
        fprintf(stderr, "fixingahole: out of memory\n");
        status = EXIT_PROFILER;
    }
    if (!status && results_write(p, &rr, folder, sizeof(folder), err, sizeof(err)) < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        status = EXIT_PROFILER;
    }
    if (!status && export_write_folder(p, folder, a->o.formats, a->o.nformats, err,
                                       sizeof(err)) < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        status = EXIT_PROFILER;
    }
    if (!status)
        fprintf(stderr, "fixingahole: results in %s\n", folder);
    profile_free(p);
    return status;
}

int attach_main(int argc, char **argv)
{
    struct attach_run *a = calloc(1, sizeof(*a));
    char err[2048];
    if (!a) {
        fprintf(stderr, "fixingahole: out of memory\n");
        return EXIT_PROFILER;
    }
    int status = parse(argc, argv, a, err, sizeof(err));
    if (status != 0) {
        if (status < 0)
            fprintf(stderr, "fixingahole: %s\n", err);
        config_free(&a->cfg);
        free(a);
        return status < 0 ? EXIT_USAGE : 0;
    }
    if (resolve(a, err, sizeof(err)) < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        config_free(&a->cfg);
        free(a);
        return EXIT_NOINPUT;
    }
    pid_t daemon_pid;
    int fd = daemon_link_open(&daemon_pid, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "fixingahole: cannot reach the daemon: %s\n", err);
        config_free(&a->cfg);
        free(a);
        return EXIT_PROFILER;
    }
    sig_install(SIGINT, on_sigint);
    sig_install(SIGTERM, on_sigint);
    sig_install(SIGPIPE, SIG_IGN);
    int id = request_attach(fd, a, err, sizeof(err));
    if (id < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        status = EXIT_PROFILER;
    } else {
        a->session_id = (uint32_t)id;
        status = collect_and_report(fd, a);
    }
    close(fd);
    config_free(&a->cfg);
    free(a);
    return status;
}
