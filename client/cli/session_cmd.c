/* The session commands (see session_cmd.h). `watch` follows a copy of the
 * session's own stream (the daemon fans it out) and builds the same struct
 * profile the owner builds, summarised as --live does, so the live view is
 * the owner's summary, not an approximation of it. */
#include "client/cli/session_cmd.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/link/collect.h"
#include "client/link/control.h"
#include "client/model/profile.h"
#include "client/model/summary.h"
#include "client/report/live.h"
#include "client/report/report_text.h"
#include "client/run/launch.h"
#include "common/exit_codes.h"
#include "common/sig.h"

static int parse_session_id(const char *text, uint32_t *id)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (!*text || *end || text[0] == '-' || v == 0 || v > UINT32_MAX)
        return -1;
    *id = (uint32_t)v;
    return 0;
}

static void user_name(uint32_t uid, char *out, size_t len)
{
    struct passwd *pw = getpwuid((uid_t)uid);
    if (pw)
        snprintf(out, len, "%s", pw->pw_name);
    else
        snprintf(out, len, "%u", (unsigned)uid);
}

int session_cmd_list(int argc, char **argv)
{
    (void)argv;
    if (argc != 2) {
        fprintf(stderr, "usage: fixingahole sessions\n");
        return EXIT_USAGE;
    }
    struct control_session *list = NULL;
    char err[1024];
    int n = control_list(&list, err, sizeof(err));
    if (n == -ENOENT) {
        printf("no sessions: %s\n", err);
        return 0;
    }
    if (n < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_PROFILER;
    }
    if (n == 0)
        printf("no sessions\n");
    else
        printf("%-6s %-8s %-10s %-8s %6s %9s %8s %8s  %s\n", "ID", "PID", "USER", "MODE", "RATE",
               "ELAPSED", "SAMPLES", "WATCHERS", "COMMAND");
    for (int i = 0; i < n; i++) {
        const struct proto_session_info *s = &list[i].info;
        char user[64];
        user_name(s->owner_uid, user, sizeof(user));
        printf("%-6u %-8d %-10s %-8s %6u %8.1fs %8llu %8u  %s\n", (unsigned)s->session_id,
               (int)s->pid, user, s->kind == PROTO_KIND_ATTACH ? "attach" : "profile",
               (unsigned)s->rate_hz, (double)s->elapsed_ns / 1e9, (unsigned long long)s->ticks,
               (unsigned)s->watchers, list[i].command);
    }
    free(list);
    return 0;
}

int session_cmd_stop(int argc, char **argv)
{
    uint32_t id;
    if (argc != 3 || parse_session_id(argv[2], &id) < 0) {
        fprintf(stderr, "usage: fixingahole stop SESSION (a session id from fixingahole "
                        "sessions)\n");
        return EXIT_USAGE;
    }
    char err[1024];
    pid_t daemon_pid;
    int fd = control_request(PROTO_STOP_SESSION, 1, id, &daemon_pid, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return fd == -ENOENT ? EXIT_NOINPUT : EXIT_PROFILER;
    }
    struct msgio_msg m = {0};
    int rc = control_answer(fd, &m, err, sizeof(err));
    if (rc == 0 && (m.type != PROTO_DONE || proto_decode_empty(m.payload, m.length) < 0)) {
        snprintf(err, sizeof(err), "the daemon sent an unexpected answer");
        rc = -EBADMSG;
    }
    msgio_msg_free(&m);
    close(fd);
    if (rc < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return rc == -EPROTO ? EXIT_NOINPUT : EXIT_PROFILER;
    }
    printf("asked session %u to stop: its owner writes the report\n", (unsigned)id);
    return 0;
}

/* A session `profile` started runs the script under the bootstrap, whose
 * frames the owner's report leaves out: so does the watcher's. The
 * bootstrap is known by its file name among the code objects. */
const char *session_bootstrap_of(const struct profile *p)
{
    for (size_t i = 0; i < p->ncodes; i++) {
        const char *file = p->codes[i].file;
        const char *base = file ? strrchr(file, '/') : NULL;
        if (base && strcmp(base + 1, LAUNCH_BOOTSTRAP_NAME) == 0)
            return file;
    }
    return "";
}

void session_watch_print(const struct watch_view *w, const struct profile *p, double elapsed_s,
                         const char *state)
{
    struct summary_options so = {.root = w->root};
    struct profile *copy = live_snapshot(p, session_bootstrap_of(p), p->wall_seconds);
    if (copy)
        copy->max_rss_bytes = p->max_rss_bytes;
    struct summary *s = copy ? summary_new(copy, &so) : NULL;
    if (w->tty)
        fputs("\033[H\033[2J", stdout); /* redraw in place */
    printf("== session %u, pid %d, %s, %.1f s ==\n", (unsigned)w->id, (int)w->info.pid, state,
           (double)w->info.elapsed_ns / 1e9 + elapsed_s);
    if (s) {
        /* Until the session ends, the program still runs. */
        struct report_text_options brief = {.running = strcmp(state, "ended") != 0,
                                            .paint = paint_for_fd(fileno(stdout))};
        report_text_write(stdout, copy, s, &brief);
        summary_free(s);
    }
    profile_free(copy);
    fflush(stdout);
}

static void on_refresh(void *ctx, const struct profile *p, double elapsed_s)
{
    session_watch_print(ctx, p, elapsed_s, "running");
}

static void on_sigint(int sig)
{
    (void)sig;
    collect_interrupted = 1;
}

int session_watch_find(struct watch_view *w, char *err, size_t errlen)
{
    struct control_session *list = NULL;
    int n = control_list(&list, err, errlen);
    if (n < 0)
        return n;
    int found = 0;
    for (int i = 0; i < n && !found; i++) {
        if (list[i].info.session_id == w->id) {
            w->info = list[i].info;
            found = 1;
        }
    }
    free(list);
    if (!found) {
        snprintf(err, errlen, "session %u: no such session of yours (see fixingahole sessions)",
                 (unsigned)w->id);
        return -ENOENT;
    }
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/cwd", (int)w->info.pid);
    ssize_t len = readlink(link, w->root, sizeof(w->root) - 1);
    if (len <= 0)
        snprintf(w->root, sizeof(w->root), "/");
    else
        w->root[len] = '\0';
    return 0;
}

static int parse_watch(int argc, char **argv, struct watch_view *w, double *every)
{
    int have_id = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--every") == 0 && i + 1 < argc) {
            char *end;
            *every = strtod(argv[++i], &end);
            if (*end || !(*every >= 0.1) || *every > 3600)
                return -1;
        } else if (!have_id && parse_session_id(argv[i], &w->id) == 0) {
            have_id = 1;
        } else {
            return -1;
        }
    }
    return have_id ? 0 : -1;
}

int session_cmd_watch(int argc, char **argv)
{
    struct watch_view w = {0};
    double every = 1.0;
    if (parse_watch(argc, argv, &w, &every) < 0) {
        fprintf(stderr, "usage: fixingahole watch SESSION [--every SECONDS] (a session id "
                        "from fixingahole sessions; SECONDS from 0.1, default 1)\n");
        return EXIT_USAGE;
    }
    char err[1024];
    int rc = session_watch_find(&w, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return rc == -ENOENT ? EXIT_NOINPUT : EXIT_PROFILER;
    }
    pid_t daemon_pid;
    int fd = control_request(PROTO_WATCH, 1, w.id, &daemon_pid, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_PROFILER;
    }
    sig_install(SIGINT, on_sigint);
    sig_install(SIGPIPE, SIG_IGN);
    w.tty = isatty(STDOUT_FILENO);
    struct profile *p = profile_new();
    struct collect_result r = {0};
    struct collect_follow f = {.pid = w.info.pid, .owner = 0, .refresh = on_refresh, .ctx = &w,
                               .refresh_s = every,
                               .elapsed_offset_s = (double)w.info.elapsed_ns / 1e9};
    int status = 0;
    if (!p || collect_follow(fd, &f, p, &r) < 0) {
        fprintf(stderr, "fixingahole: out of memory while following the session\n");
        status = EXIT_PROFILER;
    } else if (r.session_failed && !p->python_version) {
        fprintf(stderr, "fixingahole: %s\n", r.message);
        status = EXIT_PROFILER;
    } else {
        p->wall_seconds = (double)w.info.elapsed_ns / 1e9 + r.wall_seconds;
        p->max_rss_bytes = (uint64_t)r.usage.ru_maxrss * 1024u;
        session_watch_print(&w, p, r.wall_seconds, collect_interrupted ? "left" : "ended");
        if (r.daemon_lost)
            printf("session %u ended abruptly: its owner left, or the daemon went away\n",
                   (unsigned)w.id);
        else if (!collect_interrupted)
            printf("session %u ended\n", (unsigned)w.id);
    }
    close(fd);
    profile_free(p);
    return status;
}
