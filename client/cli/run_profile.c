/* `fixingahole profile`: find the script, start it stopped, hand it to the
 * daemon, collect the stream, write the reports, return the script's status. */
#include "client/cli/run_profile.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/cli/repeat.h"
#include "client/config/config.h"
#include "client/config/findscript.h"
#include "client/link/collect.h"
#include "client/link/control.h"
#include "client/link/daemon_link.h"
#include "client/model/profile.h"
#include "client/model/profile_strip.h"
#include "client/report/live.h"
#include "client/report/results.h"
#include "client/run/launch.h"
#include "client/run/memsetup.h"
#include "client/run/spawn.h"
#include "common/exit_codes.h"
#include "common/msgio.h"
#include "common/proto.h"
#include "common/sig.h"

/* Where a run reads and writes: root, output and ignored folders from the
 * configuration (client/config/config.h), --output-directory and --ignore on top. */
struct run_paths {
    struct config cfg;
    char root[PATH_MAX];
    char output[PATH_MAX + 16];
    char script[PATH_MAX]; /* "" with --module */
    char name[PATH_MAX]; /* what the run's folder is named after */
    char results[PATH_MAX];
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fixingahole: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static int resolve_paths(const struct profile_options *o, struct run_paths *paths)
{
    char err[1024], cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) {
        fail("getcwd: %s", strerror(errno));
        return EXIT_PROFILER;
    }
    if (config_load(&paths->cfg, cwd, err, sizeof(err)) < 0) {
        fail("%s", err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < o->nignore; i++) {
        if (config_add_ignore(&paths->cfg, o->ignore[i], cwd) < 0) {
            fail("--ignore: too many folders");
            return EXIT_USAGE;
        }
    }
    snprintf(paths->root, sizeof(paths->root), "%s", paths->cfg.root);
    if (o->output_dir)
        config_resolve(paths->output, sizeof(paths->output), cwd, o->output_dir);
    else
        snprintf(paths->output, sizeof(paths->output), "%s", paths->cfg.output);
    if (o->module) {
        /* outdir and live name the folder after a file's stem: "NAME.py"
         * gives NAME, dots and all. */
        snprintf(paths->name, sizeof(paths->name), "%.*s.py", NAME_MAX - 3, o->module);
        return 0;
    }
    const char *skip[CONFIG_MAX_IGNORE + 1] = {paths->output};
    for (size_t i = 0; i < paths->cfg.nignore; i++)
        skip[i + 1] = paths->cfg.ignore[i];
    if (findscript_resolve(o->script, paths->root, skip, paths->cfg.nignore + 1, paths->script,
                           sizeof(paths->script), err, sizeof(err)) < 0) {
        fail("%s", err);
        return EXIT_NOINPUT;
    }
    snprintf(paths->name, sizeof(paths->name), "%s", paths->script);
    return 0;
}

static int request_session(int fd, pid_t pid, const struct profile_options *o,
                           const char *end_mark, uint64_t *origin_ns, char *err, size_t errlen)
{
    char why[512];
    struct control_sampling sampling;
    cli_sampling(o, &sampling);
    sampling.end_mark = end_mark;
    int rc = control_start_session(fd, PROTO_PROFILE, pid, &sampling, origin_ns, why,
                                   sizeof(why));
    if (rc < 0)
        snprintf(err, errlen, "daemon: %s", why);
    return rc < 0 ? rc : 0;
}

static void on_sigint(int sig)
{
    (void)sig;
    collect_interrupted = 1;
}

/* Ctrl-C belongs to the script (the terminal sends it to both of us): the
 * client only notes it, and writes the profile of what ran. */
static void catch_interrupts(void)
{
    sig_install(SIGINT, on_sigint);
    sig_install(SIGPIPE, SIG_IGN);
}

static int fill_run_facts(struct profile *p, const struct profile_options *o,
                          const struct run_paths *paths, const struct collect_result *r)
{
    if (profile_set_command(p, (const char *const *)o->argv, (size_t)o->argc) < 0)
        return -ENOMEM;
    p->rate_hz = o->rate_hz;
    p->wall_seconds = r->wall_seconds;
    p->max_rss_bytes = (uint64_t)r->usage.ru_maxrss * 1024u;
    p->exit_status = r->script_status;
    p->interrupted = collect_interrupted ? 1 : 0;
    p->include_idle = o->idle;
    p->detailed = o->detailed; /* with root: exporters summarise as the run did */
    if (profile_set_string(&p->root, paths->root) < 0 ||
        (o->module && profile_set_string(&p->module, o->module) < 0) ||
        (!o->module && profile_set_string(&p->script, paths->script) < 0) ||
        profile_set_string(&p->mode, o->memory ? "memory" : "cpu") < 0)
        return -ENOMEM;
    return 0;
}

/* Starts the child stopped, hands it over, resumes it. Returns the child's
 * pid, with the session's time origin in *origin_ns, or a negative code
 * after printing why. */
static pid_t start_script(int fd, pid_t daemon_pid, const struct profile_options *o,
                          const struct launch *l, uint64_t *origin_ns)
{
    char err[1024];
    struct spawned child;
    if (o->memory && memsetup_environment(o->precision, err, sizeof(err)) < 0) {
        fail("%s", err);
        return -1;
    }
    int spawned = spawn_stopped(l->argv, daemon_pid, &child, err, sizeof(err));
    memsetup_restore(); /* the child has its copy of the environment */
    if (spawned < 0) {
        fail("%s", err);
        return -1;
    }
    if (request_session(fd, child.pid, o, l->end_mark, origin_ns, err, sizeof(err)) < 0) {
        fail("%s", err);
        kill(child.pid, SIGKILL);
        kill(child.pid, SIGCONT);
        waitpid(child.pid, NULL, 0);
        return -1;
    }
    if (spawn_resume(&child, o->python, err, sizeof(err)) < 0) {
        fail("%s", err);
        waitpid(child.pid, NULL, 0);
        return -1;
    }
    return child.pid;
}

static int report_outcome(const struct collect_result *r, const struct profile *p)
{
    if (r->session_failed) {
        fail("%s", r->message);
        return EXIT_PROFILER;
    }
    if (r->daemon_lost)
        fprintf(stderr, "fixingahole: %s: the profile covers only what was sampled before\n",
                r->message);
    if (!p->python_version) {
        fail("%s", "the daemon never found a Python interpreter in the script's process");
        return EXIT_PROFILER;
    }
    return 0;
}

/* One run: script started through the bootstrap, profile collected,
 * results folder written (its path left in paths->results). */
static int run_once(const struct profile_options *o, struct run_paths *paths_)
{
    struct run_paths paths = *paths_;
    int status = 0;
    pid_t daemon_pid;
    char err[1024];
    struct launch launch;
    struct launch_options lo = {.python = o->python, .script_args = o->script_args,
                                .nscript_args = o->nscript_args, .log_level = o->log_level,
                                .no_matplotlib = (o->no_plots & CLI_NOPLOTS_MATPLOTLIB) != 0,
                                .no_plotly = (o->no_plots & CLI_NOPLOTS_PLOTLY) != 0,
                                .module = o->module};
    int lrc = launch_prepare(&launch, &lo, o->module ? NULL : paths.script, err, sizeof(err));
    if (lrc < 0) {
        fail("%s", err);
        launch_cleanup(&launch);
        return lrc == -EINVAL ? EXIT_NOINPUT : EXIT_PROFILER; /* a broken notebook */
    }
    int fd = daemon_link_open(&daemon_pid, err, sizeof(err));
    if (fd < 0) {
        fail("cannot reach the daemon: %s", err);
        launch_cleanup(&launch);
        return EXIT_PROFILER;
    }
    catch_interrupts();
    uint64_t origin_ns = 0;
    pid_t child = start_script(fd, daemon_pid, o, &launch, &origin_ns);
    if (child < 0) {
        close(fd);
        launch_cleanup(&launch);
        return EXIT_PROFILER;
    }
    struct profile *p = profile_new();
    if (p && o->memory) /* known before the stream: thinning needs it */
        profile_mem_set_window(p, memsetup_window(o->precision));
    if (p)
        p->gil_only = o->gil_only; /* the collector filters by it */
    struct collect_result result = {.origin_ns = origin_ns};
    struct live live = {.bootstrap = launch.bootstrap, .pid = child, .trace = o->trace,
                        .so = {.root = paths.root, .detailed = o->detailed,
                               .include_idle = o->idle, .nignore = paths.cfg.nignore,
                               .ignore = (const char *const *)paths.cfg.ignore}};
    int live_on = o->live_seconds && live_init(&live, paths.output, paths.name) == 0;
    if (!p || collect_run_refresh(fd, child, p, &result, live_on ? live_refresh : NULL, &live,
                                  o->live_seconds) < 0) {
        fail("%s", "out of memory while collecting samples");
        status = EXIT_PROFILER;
    }
    close(fd);
    if (!status)
        status = report_outcome(&result, p);
    if (!status)
        profile_strip_frames(p, launch.bootstrap);
    struct results_request rr = {.output = paths.output,
                                 .source = o->module ? NULL : paths.script,
                                 .name = paths.name,
                                 .root = paths.root, .detailed = o->detailed,
                                 .include_idle = o->idle, .trace = o->trace,
                                 .ignore = (const char *const *)paths.cfg.ignore,
                                 .nignore = paths.cfg.nignore, .logs = launch.logs,
                                 .log_records = launch_count_log_records(launch.logs)};
    if (!status && fill_run_facts(p, o, &paths, &result) < 0)
        status = EXIT_PROFILER;
    if (!status && results_write(p, &rr, paths.results, sizeof(paths.results), err,
                                 sizeof(err)) < 0) {
        fail("%s", err);
        status = EXIT_PROFILER;
    }
    if (!status && export_write_folder(p, paths.results, o->formats, o->nformats, err,
                                       sizeof(err)) < 0) {
        fail("%s", err);
        status = EXIT_PROFILER;
    }
    if (!status)
        status = result.script_status;
    if (live_on)
        live_finish(&live);
    snprintf(paths_->results, sizeof(paths_->results), "%s", paths.results);
    profile_free(p);
    launch_cleanup(&launch);
    return status;
}

int run_profile(const struct profile_options *o)
{
    struct run_paths paths;
    memset(&paths, 0, sizeof(paths));
    int status = resolve_paths(o, &paths);
    if (status) {
        config_free(&paths.cfg);
        return status;
    }
    unsigned runs = o->repeat ? o->repeat : 1;
    char **folders = calloc(runs, sizeof(char *));
    unsigned done = 0;
    for (; folders && done < runs && !collect_interrupted; done++) {
        paths.results[0] = '\0';
        status = run_once(o, &paths);
        if (!paths.results[0] || !(folders[done] = strdup(paths.results)))
            break;
    }
    if (runs > 1 && done > 0 && folders) {
        char err[1024];
        if (repeat_report((const char *const *)folders, done, paths.root, err, sizeof(err)) < 0) {
            fail("%s", err);
            status = status ? status : EXIT_PROFILER;
        }
    }
    for (unsigned i = 0; folders && i < runs; i++)
        free(folders[i]);
    free(folders);
    config_free(&paths.cfg);
    return status;
}
