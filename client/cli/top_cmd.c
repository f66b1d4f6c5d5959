/* The top command (see top_cmd.h). A number names one of the caller's
 * sessions when one has that id, a session that already follows that pid
 * is watched (the daemon samples a process once), and otherwise the pid is
 * attached to as `attach` does, with the same sampler: the view costs the
 * target nothing beyond normal sampling. q, Ctrl-C and SIGTERM leave; when
 * the target exits, the last view stays, marked, until q. */
#include "client/cli/top_cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli/cli.h"
#include "client/cli/session_cmd.h"
#include "client/cli/top_term.h"
#include "client/link/collect.h"
#include "client/link/control.h"
#include "client/link/daemon_link.h"
#include "client/report/top_render.h"
#include "client/report/top_view.h"
#include "common/exit_codes.h"
#include "common/procfs.h"
#include "common/sig.h"

/* How often keys are read and the view may redraw. */
#define TOP_POLL_S 0.1

struct top_run {
    unsigned long number;      /* as given: a session id or a pid */
    unsigned rate_hz;          /* when attaching */
    double window_s, every_s;
    struct watch_view w;       /* the session followed and the target's folder */
    int owner;                 /* we attached: q stops the session */
    struct top_view view;
    struct top_term term;
    double last_draw, elapsed_s;
    size_t stacks_drawn;       /* stacks at the last update */
    int paused, quit, resized;
};

static volatile sig_atomic_t top_signalled, top_resized, top_suspended;

static void on_signal(int sig)
{
    (void)sig;
    top_signalled = 1;
    collect_interrupted = 1;
}

static void on_resize(int sig)
{
    (void)sig;
    top_resized = 1;
}

static void on_suspend(int sig)
{
    (void)sig;
    top_suspended = 1;
}

/* Ctrl-Z: the shell gets its terminal back as it was, and the view
 * returns on fg. Returns 1 when it did (the screen needs a redraw). */
static int suspend_if_asked(struct top_term *term)
{
    if (!top_suspended)
        return 0;
    top_suspended = 0;
    top_term_leave(term);
    sig_install(SIGTSTP, SIG_DFL);
    raise(SIGTSTP); /* stops here until SIGCONT */
    sig_install(SIGTSTP, on_suspend);
    top_term_enter(term);
    return 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fixingahole top PID|SESSION [--window SECONDS] [--every SECONDS]\n"
            "                       [--rate HZ]\n"
            "\n"
            "A full-screen live view of a running Python process: its threads and its\n"
            "hottest functions and lines over the last SECONDS (--window, default 5)\n"
            "and in total (since top attached, or since a watched session began), with\n"
            "their Python/native/system split. A number that is the id of one of your\n"
            "sessions (fixingahole sessions) is that session; a pid that a session\n"
            "already samples is watched; any other pid is attached to with the normal\n"
            "sampler (--rate HZ, default 100) until you quit, and runs on.\n"
            "\n"
            "keys: w sort by the window, t by the total, c own time or with callees,\n"
            "< > the previous or next column, p pause, q quit. When the process exits\n"
            "the last view stays, marked, until q.\n"
            "Without a terminal on stdout it prints `watch`'s text summary every\n"
            "--every SECONDS (default 1) until the process exits or Ctrl-C.\n"
            "\n"
            "exit status: 0 ok (also after q, Ctrl-C or SIGTERM); 64 usage error;\n"
            "66 no such process or session; 70 the profiler failed (not a Python\n"
            "process, not permitted, the daemon went away).\n");
}

static int parse_seconds(const char *opt, const char *text, double lo, double *out, char *err,
                         size_t errlen)
{
    char *end;
    double v = strtod(text, &end);
    if (!*text || *end || !(v >= lo) || v > 3600) {
        snprintf(err, errlen, "%s: expected %g to 3600 seconds, got '%s'", opt, lo, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_option(int argc, char **argv, int *i, struct top_run *t, char *err,
                        size_t errlen)
{
    const char *opt = argv[*i];
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "%s: needs a value", opt);
        return -1;
    }
    const char *value = argv[++*i];
    if (strcmp(opt, "--window") == 0)
        return parse_seconds(opt, value, 1, &t->window_s, err, errlen);
    if (strcmp(opt, "--every") == 0)
        return parse_seconds(opt, value, 0.1, &t->every_s, err, errlen);
    char *end;
    long rate = strtol(value, &end, 10);
    if (!*value || *end || rate < 1 || rate > CLI_MAX_RATE_HZ) {
        snprintf(err, errlen, "--rate: expected 1 to %d samples per second, got '%s'",
                 CLI_MAX_RATE_HZ, value);
        return -1;
    }
    t->rate_hz = (unsigned)rate;
    return 0;
}

/* 0, 1 after --help, -1 with err. */
static int parse(int argc, char **argv, struct top_run *t, char *err, size_t errlen)
{
    int have_number = 0;
    t->rate_hz = CLI_DEFAULT_RATE_HZ;
    t->window_s = 5;
    t->every_s = 1;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        char *end;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(arg, "--window") == 0 || strcmp(arg, "--every") == 0 ||
            strcmp(arg, "--rate") == 0) {
            if (parse_option(argc, argv, &i, t, err, errlen) < 0)
                return -1;
            continue;
        }
        unsigned long v = strtoul(arg, &end, 10);
        if (have_number || !*arg || *end || arg[0] == '-' || v == 0 || v > INT32_MAX) {
            snprintf(err, errlen, "%s: %s (see fixingahole top --help)", arg,
                     have_number || arg[0] == '-' ? "unexpected argument"
                                                  : "not a process or session id");
            return -1;
        }
        t->number = v;
        have_number = 1;
    }
    if (!have_number) {
        snprintf(err, errlen, "no process or session id (see fixingahole top --help)");
        return -1;
    }
    return 0;
}

/* Which session to watch, if any: the one with that id, else one that
 * already samples that pid. 1 found, 0 none, or a negative code. */
static int find_existing(struct top_run *t, char *err, size_t errlen)
{
    struct control_session *list = NULL;
    int n = control_list(&list, err, errlen);
    if (n == -ENOENT)
        return 0; /* no daemon: nothing runs yet */
    if (n < 0)
        return n;
    int found = -1;
    for (int i = 0; i < n && found < 0; i++)
        if (list[i].info.session_id == t->number)
            found = i;
    for (int i = 0; i < n && found < 0; i++)
        if (list[i].info.pid == (int32_t)t->number)
            found = i;
    if (found >= 0)
        t->w.id = list[found].info.session_id;
    free(list);
    return found >= 0;
}

static void target_folder(struct top_run *t)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/cwd", (int)t->w.info.pid);
    ssize_t len = readlink(link, t->w.root, sizeof(t->w.root) - 1);
    if (len <= 0)
        snprintf(t->w.root, sizeof(t->w.root), "/");
    else
        t->w.root[len] = '\0';
}

/* Connects to the session to follow: the stream's fd, or a negative code
 * with err (-ENOENT/-ESRCH: no such session or process). */
static int connect_session(struct top_run *t, char *err, size_t errlen)
{
    pid_t daemon_pid;
    int rc = find_existing(t, err, errlen);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if ((rc = session_watch_find(&t->w, err, errlen)) < 0)
            return rc;
        return control_request(PROTO_WATCH, 1, t->w.id, &daemon_pid, err, errlen);
    }
    t->owner = 1;
    t->w.info.pid = (int32_t)t->number;
    if (kill((pid_t)t->number, 0) < 0 && errno == ESRCH) {
        snprintf(err, errlen, "%lu: no such process, nor a session of yours", t->number);
        return -ESRCH;
    }
    target_folder(t);
    int fd = daemon_link_open(&daemon_pid, err, errlen);
    if (fd < 0)
        return fd;
    struct control_sampling o = {.rate_hz = t->rate_hz, .offsets = PYOFF_PREF_AUTO,
                                 .no_children = 1};
    int id = control_start_session(fd, PROTO_ATTACH, (pid_t)t->number, &o, NULL, err, errlen);
    if (id < 0) {
        close(fd);
        return id == -EPROTO ? -EPERM : id; /* the daemon's refusal: a profiler failure */
    }
    t->w.id = (uint32_t)id;
    return fd;
}

/* Without a terminal: `watch`'s text, every --every seconds. */
static void on_text_refresh(void *ctx, const struct profile *p, double elapsed_s)
{
    struct top_run *t = ctx;
    if (p->python_version)
        session_watch_print(&t->w, p, elapsed_s, "running");
}

static void draw(struct top_run *t, const struct profile *p, const char *state)
{
    struct top_screen s = {.paint = paint_for_fd(STDOUT_FILENO), .pid = t->w.info.pid,
                           .session_id = t->w.id, .rate_hz = t->owner ? t->rate_hz : 0,
                           .elapsed_s = (double)t->w.info.elapsed_ns / 1e9 + t->elapsed_s,
                           .state = state, .root = t->w.root,
                           /* A watcher is sent the session's earlier
                            * samples (as many as the daemon keeps): they
                            * count in the total, and in the window until
                            * it slides past them. */
                           .since = t->owner ? "top began" : "the session began"};
    top_term_size(&s.cols, &s.rows);
    top_render(stdout, &t->view, p, &s);
}

static void leave(struct top_run *t)
{
    t->quit = 1;
    collect_interrupted = 1; /* collect_follow stops (owner) or leaves (watcher) */
    top_term_leave(&t->term);
}

/* Handles the keys typed since the last call: 1 when the view changed. */
static int handle_keys(struct top_run *t)
{
    static const enum top_column next[TOP_COLUMNS] = {TOP_WINDOW_CALLS, TOP_TOTAL_SELF,
                                                      TOP_TOTAL_CALLS, TOP_WINDOW_SELF};
    enum top_column sort = t->view.sort;
    int key, changed = 0;
    while ((key = top_term_key(&t->term)) >= 0) {
        if (key == 'q' || key == 'Q') {
            leave(t);
            return 0;
        }
        if (key == 'p' || key == 'P' || key == ' ')
            t->paused = !t->paused;
        else if (key == 'w')
            sort = sort == TOP_WINDOW_CALLS || sort == TOP_TOTAL_CALLS ? TOP_WINDOW_CALLS
                                                                       : TOP_WINDOW_SELF;
        else if (key == 't')
            sort = sort == TOP_WINDOW_CALLS || sort == TOP_TOTAL_CALLS ? TOP_TOTAL_CALLS
                                                                       : TOP_TOTAL_SELF;
        else if (key == 'c')
            sort = (enum top_column)(sort ^ 1); /* self <-> calls of the same span */
        else if (key == '>')
            sort = next[sort];
        else if (key == '<')
            sort = next[next[next[sort]]];
        else
            continue;
        changed = 1;
    }
    if (sort != t->view.sort)
        top_view_sort(&t->view, sort);
    return changed;
}

static void update_view(struct top_run *t, const struct profile *p, double now)
{
    t->view.bootstrap = session_bootstrap_of(p); /* known once its code came */
    top_view_update(&t->view, p, now);
    t->last_draw = now;
    t->stacks_drawn = p->nstacks;
}

static void on_screen_refresh(void *ctx, const struct profile *p, double elapsed_s)
{
    struct top_run *t = ctx;
    if (t->quit)
        return;
    if (top_signalled) {
        leave(t);
        return;
    }
    int redraw = handle_keys(t);
    if (t->quit)
        return;
    if (top_resized || suspend_if_asked(&t->term)) {
        top_resized = 0;
        redraw = 1;
    }
    t->elapsed_s = elapsed_s;
    /* The first samples are drawn as soon as they come, then every
     * --every seconds. */
    int first = t->stacks_drawn == 0 && p->nstacks > 0;
    if (!t->paused && (first || elapsed_s - t->last_draw >= t->every_s)) {
        update_view(t, p, elapsed_s);
        redraw = 1;
    }
    if (redraw)
        draw(t, p, t->paused ? "paused" : "running");
}

/* The session ended by itself: the last view stays, marked, until q (or
 * a signal); without keys there is nobody to wait for. */
static void keep_last_view(struct top_run *t, const struct profile *p,
                           const struct collect_result *r)
{
    char state[96];
    if (r->daemon_lost)
        snprintf(state, sizeof(state), "the daemon went away · q quits");
    else
        snprintf(state, sizeof(state), "%s · q quits",
                 procfs_exited(t->w.info.pid) ? "process exited" : "session ended");
    t->elapsed_s = r->wall_seconds;
    update_view(t, p, r->wall_seconds);
    draw(t, p, state);
    while (t->term.keys && !top_signalled) {
        if (top_resized || suspend_if_asked(&t->term)) {
            top_resized = 0;
            draw(t, p, state);
        }
        if (top_term_wait(&t->term, 200) > 0) {
            int key = top_term_key(&t->term);
            if (key == 'q' || key == 'Q' || key < 0)
                break; /* < 0: the terminal went away */
        }
    }
}

static int follow(int fd, struct top_run *t, int screen)
{
    struct profile *p = profile_new();
    struct collect_result r = {0};
    struct collect_follow f = {.pid = t->w.info.pid, .owner = t->owner, .ctx = t,
                               .refresh = screen ? on_screen_refresh : on_text_refresh,
                               .refresh_s = screen ? TOP_POLL_S : t->every_s,
                               .elapsed_offset_s = (double)t->w.info.elapsed_ns / 1e9};
    int status = 0;
    if (!p || collect_follow(fd, &f, p, &r) < 0) {
        top_term_leave(&t->term);
        fprintf(stderr, "fixingahole: out of memory while following the session\n");
        profile_free(p);
        return EXIT_PROFILER;
    }
    if (screen && !t->quit && !r.session_failed)
        keep_last_view(t, p, &r);
    top_term_leave(&t->term);
    if (r.session_failed || (r.daemon_lost && !p->python_version)) {
        fprintf(stderr, "fixingahole: %s\n", r.message);
        status = EXIT_PROFILER;
    } else if (!screen && p->python_version) {
        p->wall_seconds = (double)t->w.info.elapsed_ns / 1e9 + r.wall_seconds;
        session_watch_print(&t->w, p, r.wall_seconds, collect_interrupted ? "left" : "ended");
    }
    if (r.daemon_lost && p->python_version) {
        fprintf(stderr, "fixingahole: %s\n", r.message);
        status = EXIT_PROFILER;
    }
    profile_free(p);
    return status;
}

int top_cmd_main(int argc, char **argv)
{
    struct top_run *t = calloc(1, sizeof(*t));
    char err[1024];
    if (!t) {
        fprintf(stderr, "fixingahole: out of memory\n");
        return EXIT_PROFILER;
    }
    int status = parse(argc, argv, t, err, sizeof(err));
    if (status != 0) {
        if (status < 0)
            fprintf(stderr, "fixingahole: %s\n", err);
        free(t);
        return status < 0 ? EXIT_USAGE : 0;
    }
    sig_install(SIGINT, on_signal);
    sig_install(SIGTERM, on_signal);
    sig_install(SIGHUP, on_signal);
    sig_install(SIGWINCH, on_resize);
    sig_install(SIGPIPE, SIG_IGN);
    int fd = connect_session(t, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        free(t);
        return fd == -ESRCH || fd == -ENOENT ? EXIT_NOINPUT : EXIT_PROFILER;
    }
    int screen = isatty(STDOUT_FILENO);
    top_view_init(&t->view, t->window_s, "");
    if (screen && top_term_enter(&t->term) < 0)
        screen = 0;
    if (screen)
        sig_install(SIGTSTP, on_suspend);
    status = follow(fd, t, screen);
    close(fd);
    top_view_free(&t->view);
    free(t);
    return status;
}
