/* `fixingahole profile`: find the script, start it stopped, hand it to the
 * daemon, collect the stream, write the reports, return the script's status. */
#include "client/run_profile.h"

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

#include "client/collect.h"
#include "client/daemon_link.h"
#include "client/findscript.h"
#include "client/profile.h"
#include "client/results.h"
#include "client/spawn.h"
#include "common/msgio.h"
#include "common/proto.h"

/* Where a run reads and writes: the root is the current folder, results go
 * to <root>/performance unless --output-directory says otherwise. */
struct run_paths {
    char root[PATH_MAX];
    char output[PATH_MAX + 16];
    char script[PATH_MAX];
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
    char err[1024];
    if (!getcwd(paths->root, sizeof(paths->root))) {
        fail("getcwd: %s", strerror(errno));
        return EXIT_PROFILER;
    }
    if (o->output_dir && o->output_dir[0] == '/')
        snprintf(paths->output, sizeof(paths->output), "%s", o->output_dir);
    else
        snprintf(paths->output, sizeof(paths->output), "%s/%s", paths->root,
                 o->output_dir ? o->output_dir : "performance");
    const char *skip[] = {paths->output};
    if (findscript_resolve(o->script, paths->root, skip, 1, paths->script, sizeof(paths->script),
                           err, sizeof(err)) < 0) {
        fail("%s", err);
        return EXIT_NOINPUT;
    }
    return 0;
}

/* The interpreter's command line: python SCRIPT ARGS... */
static char **script_argv(const struct profile_options *o, const char *script)
{
    char **argv = calloc((size_t)o->nscript_args + 3, sizeof(char *));
    if (!argv)
        return NULL;
    argv[0] = (char *)o->python;
    argv[1] = (char *)script;
    for (int i = 0; i < o->nscript_args; i++)
        argv[2 + i] = o->script_args[i];
    return argv;
}

static int request_session(int fd, pid_t pid, const struct profile_options *o, char *err,
                           size_t errlen)
{
    struct proto_buf out;
    proto_buf_init(&out);
    proto_begin(&out, PROTO_PROFILE);
    proto_put_i32(&out, (int32_t)pid);
    proto_put_u32(&out, o->rate_hz);
    proto_put_u32(&out, o->idle ? PROTO_FLAG_IDLE : 0);
    proto_put_u32(&out, (uint32_t)o->offsets);
    proto_put_str(&out, o->debug_dirs ? o->debug_dirs : "");
    int rc = msgio_send(fd, &out);
    proto_buf_free(&out);
    struct msgio_msg in = {0};
    uint32_t id;
    const char *text;
    if (rc == 0)
        rc = msgio_recv(fd, &in, 10000);
    if (rc > 0 && in.type == PROTO_SESSION_STARTED &&
        proto_decode_session_started(in.payload, in.length, &id) == 0)
        rc = 0;
    else if (rc > 0 && in.type == PROTO_ERROR &&
             proto_decode_error(in.payload, in.length, &text) == 0)
        rc = (snprintf(err, errlen, "daemon: %s", text), -EPROTO);
    else
        rc = (snprintf(err, errlen, "daemon: did not start the session"), -EPROTO);
    msgio_msg_free(&in);
    return rc;
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
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
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
    if (profile_set_string(&p->script, paths->script) < 0 ||
        profile_set_string(&p->mode, o->memory ? "memory" : "cpu") < 0)
        return -ENOMEM;
    return 0;
}

/* Starts the child stopped, hands it over, resumes it. Returns the child's
 * pid, or a negative code after printing why. */
static pid_t start_script(int fd, pid_t daemon_pid, const struct profile_options *o,
                          const struct run_paths *paths)
{
    char err[1024];
    char **argv = script_argv(o, paths->script);
    struct spawned child;
    if (!argv || spawn_stopped(argv, daemon_pid, &child, err, sizeof(err)) < 0) {
        free(argv);
        fail("%s", argv ? err : "out of memory");
        return -1;
    }
    free(argv);
    if (request_session(fd, child.pid, o, err, sizeof(err)) < 0) {
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

int run_profile(const struct profile_options *o)
{
    struct run_paths paths;
    int status = resolve_paths(o, &paths);
    if (status)
        return status;
    pid_t daemon_pid;
    char err[1024];
    int fd = daemon_link_open(&daemon_pid, err, sizeof(err));
    if (fd < 0) {
        fail("cannot reach the daemon: %s", err);
        return EXIT_PROFILER;
    }
    catch_interrupts();
    pid_t child = start_script(fd, daemon_pid, o, &paths);
    if (child < 0) {
        close(fd);
        return EXIT_PROFILER;
    }
    struct profile *p = profile_new();
    struct collect_result result = {0};
    if (!p || collect_run(fd, child, p, &result) < 0) {
        fail("%s", "out of memory while collecting samples");
        status = EXIT_PROFILER;
    }
    close(fd);
    if (!status)
        status = report_outcome(&result, p);
    struct results_request rr = {.output = paths.output, .source = paths.script,
                                 .root = paths.root, .detailed = o->detailed,
                                 .include_idle = o->idle, .trace = o->trace};
    if (!status && fill_run_facts(p, o, &paths, &result) < 0)
        status = EXIT_PROFILER;
    if (!status && results_write(p, &rr, paths.results, sizeof(paths.results), err,
                                 sizeof(err)) < 0) {
        fail("%s", err);
        status = EXIT_PROFILER;
    }
    if (!status)
        status = result.script_status;
    profile_free(p);
    return status;
}
