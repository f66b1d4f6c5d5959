/* The client's receive loop (see collect.h). */
#include "client/link/collect.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/msgio.h"
#include "common/procfs.h"
#include "common/proto.h"
#include "symbols/pyoffsets.h"
#include "symbols/pyversion.h"

/* After the script exits, how long to wait for the daemon's last samples. */
#define COLLECT_DRAIN_MS 5000
#define COLLECT_POLL_MS 10
/* After asking the daemon to stop, how long to wait for its SESSION_END. */
#define COLLECT_STOP_WAIT_S 5.0

volatile sig_atomic_t collect_interrupted;

struct collector {
    struct profile *p;
    pid_t child; /* 0 when following a process that is not ours */
    pid_t pid;   /* the target */
    struct collect_result *out;
    int ended;  /* SESSION_END received */
    int stop_sent; /* we asked for the end ourselves */
    uint64_t ticks_seen, last_tick_ns; /* the tick count when no SESSION_END comes */
    int exited; /* the child has exited (reaped only once the session is over) */
    struct proto_sample sample;
    struct proto_heap heap;
};

static int on_target(struct collector *c, const struct msgio_msg *m)
{
    struct proto_target t;
    if (proto_decode_target(m->payload, m->length, &t) < 0)
        return -EBADMSG;
    char link[64], exe[4096];
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)c->pid);
    ssize_t n = readlink(link, exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (profile_set_string(&c->p->python_version, t.version) < 0 ||
        profile_set_string(&c->p->offsets_source, pyoff_source_name(t.source)) < 0 ||
        profile_set_string(&c->p->python_executable, n > 0 ? exe : t.binary) < 0)
        return -ENOMEM;
    char note[96];
    if (pyver_untested_note(t.version_hex, note, sizeof(note)) &&
        profile_set_string(&c->p->offsets_note, note) < 0)
        return -ENOMEM;
    return 0;
}

/* The thread table's figures: every sample counts here, whatever --gil
 * keeps; a carried part is no new observation. */
static int count_thread(struct profile *p, const struct proto_sample *s)
{
    struct profile_thread *t = profile_thread_of(p, s->tid);
    if (!t)
        return -ENOMEM;
    if (!(s->flags & PROTO_SAMPLE_CARRIED))
        profile_thread_observe(t, (double)s->wall_ns / 1e9, (s->flags & PROTO_SAMPLE_GIL) != 0);
    t->cpu_seconds += (double)s->cpu_ns / 1e9;
    t->gil_wait_seconds += (double)s->gil_wait_ns / 1e9;
    return 0;
}

static int on_sample(struct collector *c, const struct msgio_msg *m)
{
    struct proto_sample *s = &c->sample;
    if (proto_decode_sample(m->payload, m->length, s) < 0)
        return -EBADMSG;
    if (c->ticks_seen == 0 || s->time_ns != c->last_tick_ns) {
        c->ticks_seen++;
        c->last_tick_ns = s->time_ns;
    }
    struct profile_frame frames[PROTO_MAX_FRAMES];
    for (uint32_t i = 0; i < s->nframes; i++) {
        if (s->frames[i].code_id >= c->p->ncodes)
            return -EBADMSG; /* the daemon sends a code before naming it */
        frames[i] = (struct profile_frame){s->frames[i].code_id, s->frames[i].line};
    }
    const double seconds[TIME_KINDS] = {(double)s->python_ns / 1e9, (double)s->native_ns / 1e9,
                                        (double)s->system_ns / 1e9, (double)s->idle_ns / 1e9,
                                        (double)s->gil_wait_ns / 1e9};
    if (count_thread(c->p, s) < 0)
        return -ENOMEM;
    /* --gil: the profile keeps only time of threads holding the GIL. */
    if (c->p->gil_only && !(s->flags & PROTO_SAMPLE_GIL))
        return 0;
    int rc = profile_add_stack(c->p, s->tid, frames, s->nframes, s->unplaced, 1, seconds);
    profile_set_thread_pid(c->p, s->tid, s->pid);
    if (s->unplaced > 0 && s->unplaced < PROFILE_UNPLACED_REASONS)
        for (int k = 0; k < TIME_KINDS; k++)
            c->p->unplaced[s->unplaced][k] += seconds[k];
    /* Where the main thread is now: a carried part is where it was, and a
     * thread not read this tick may have moved since its stack was read. */
    if (rc == 0 && s->tid == (uint32_t)c->child &&
        !(s->flags & (PROTO_SAMPLE_CARRIED | PROTO_SAMPLE_NOT_READ))) {
        long stack = profile_intern_stack(c->p, s->tid, frames, s->nframes, s->unplaced);
        if (stack < 0 || profile_mem_main_seen(c->p, stack, (double)s->time_ns / 1e9) < 0)
            return -ENOMEM;
    }
    return rc;
}

/* The memory messages (proto.h 120-139): RSS at every tick, heap samples
 * under --memory. */
static int on_memory(struct collector *c, const struct msgio_msg *m)
{
    struct proto_rss rss;
    struct proto_heap_free fr;
    struct proto_heap_stats st;
    struct profile_frame frames[PROTO_MAX_FRAMES];
    switch (m->type) {
    case PROTO_RSS:
        if (proto_decode_rss(m->payload, m->length, &rss) < 0)
            return -EBADMSG;
        return profile_mem_rss(c->p, (double)rss.time_ns / 1e9, rss.rss_bytes);
    case PROTO_HEAP: {
        struct proto_heap *h = &c->heap;
        if (proto_decode_heap(m->payload, m->length, h) < 0)
            return -EBADMSG;
        for (uint32_t i = 0; i < h->nframes; i++) {
            if (h->frames[i].code_id >= c->p->ncodes)
                return -EBADMSG;
            frames[i] = (struct profile_frame){h->frames[i].code_id, h->frames[i].line};
        }
        return profile_mem_heap(c->p, (double)h->time_ns / 1e9, h->tid, frames, h->nframes,
                                h->weight, h->addr, (h->flags & PROTO_HEAPF_NATIVE) != 0,
                                h->kind == PROTO_HEAP_COPY);
    }
    case PROTO_HEAP_FREE:
        if (proto_decode_heap_free(m->payload, m->length, &fr) < 0)
            return -EBADMSG;
        return profile_mem_free_block(c->p, (double)fr.time_ns / 1e9, fr.addr);
    default:
        if (proto_decode_heap_stats(m->payload, m->length, &st) < 0)
            return -EBADMSG;
        c->p->memory.heap_samples = st.samples;
        c->p->memory.heap_truncated = st.truncated;
        c->p->memory.heap_unwaited = st.dropped;
        profile_mem_set_window(c->p, st.window);
        return 0;
    }
}

static int on_process(struct collector *c, const struct msgio_msg *m)
{
    struct proto_process pr;
    if (proto_decode_process(m->payload, m->length, &pr) < 0)
        return -EBADMSG;
    struct profile_process proc = {.pid = pr.pid, .ppid = pr.ppid,
                                   .root = (pr.flags & PROTO_PROCESS_ROOT) != 0,
                                   .python = (pr.flags & PROTO_PROCESS_PYTHON) != 0,
                                   .exited = (pr.flags & PROTO_PROCESS_EXITED) != 0,
                                   .start_s = (double)pr.start_ns / 1e9,
                                   .end_s = (double)pr.end_ns / 1e9,
                                   .cpu_s = (double)pr.cpu_ns / 1e9,
                                   .max_rss_bytes = pr.max_rss_bytes,
                                   .command = (char *)pr.command,
                                   .python_version = (char *)pr.python,
                                   .note = (char *)pr.note};
    return profile_process_set(&c->p->processes, &proc);
}

static int on_end(struct collector *c, const struct msgio_msg *m)
{
    struct proto_end e;
    if (proto_decode_end(m->payload, m->length, &e) < 0)
        return -EBADMSG;
    c->p->samples = e.ticks;
    c->p->errors = e.errors;
    c->ended = 1;
    if (profile_mem_settle(c->p) < 0)
        return -ENOMEM;
    /* Someone else ended it (`fixingahole stop`, a daemon shutdown): that
     * is a Ctrl-C from afar, and a script we started gets the SIGINT the
     * terminal would have sent. */
    if (e.reason == PROTO_END_STOPPED && !c->stop_sent) {
        collect_interrupted = 1;
        snprintf(c->out->message, sizeof(c->out->message), "%s", e.detail);
        if (c->child > 0)
            kill(c->child, SIGINT);
    }
    if (e.reason == PROTO_END_FAILED) {
        c->out->session_failed = 1;
        snprintf(c->out->message, sizeof(c->out->message), "%s", e.detail);
    }
    return 0;
}

static int on_message(struct collector *c, const struct msgio_msg *m)
{
    struct proto_code code;
    uint32_t u32;
    uint64_t u64;
    const char *text;
    switch (m->type) {
    case PROTO_SESSION_STARTED:
        return proto_decode_session_started(m->payload, m->length, &u32, &u64);
    case PROTO_TARGET:
        return on_target(c, m);
    case PROTO_CODE:
        if (proto_decode_code(m->payload, m->length, &code) < 0)
            return -EBADMSG;
        if (profile_set_code(c->p, code.code_id, code.file, code.qualname, code.firstlineno) < 0)
            return -ENOMEM;
        if (code.flags & PROTO_CODE_NATIVE)
            profile_mark_native(c->p, code.code_id);
        if (code.flags & PROTO_CODE_GAP)
            profile_mark_gap(c->p, code.code_id);
        return 0;
    case PROTO_THREAD:
        if (proto_decode_thread(m->payload, m->length, &u32, &text) < 0)
            return -EBADMSG;
        return profile_set_thread(c->p, u32, text);
    case PROTO_SAMPLE:
        return on_sample(c, m);
    case PROTO_SESSION_END:
        return on_end(c, m);
    case PROTO_PROCESS:
        return on_process(c, m);
    case PROTO_SCRIPT_SPAN: {
        uint64_t start_ns, end_ns;
        if (proto_decode_script_span(m->payload, m->length, &start_ns, &end_ns) < 0)
            return -EBADMSG;
        c->p->memory.script_start = (double)start_ns / 1e9;
        if (end_ns)
            c->p->memory.script_end = (double)end_ns / 1e9;
        return 0;
    }
    case PROTO_RSS:
    case PROTO_HEAP:
    case PROTO_HEAP_FREE:
    case PROTO_HEAP_STATS:
        return on_memory(c, m);
    case PROTO_ERROR:
        if (proto_decode_error(m->payload, m->length, &text) < 0)
            return -EBADMSG;
        c->out->session_failed = 1;
        snprintf(c->out->message, sizeof(c->out->message), "%s", text);
        c->ended = 1;
        return 0;
    default:
        return -EBADMSG;
    }
}

/* Notes that the script has exited, without reaping it: until the
 * session is over its zombie keeps the final CPU clock from which the
 * daemon tells the process's exit apart (the freeing of its memory, which
 * no thread's counter sees: unseencpu.h). */
static void note_if_exited(struct collector *c, uint64_t start_ns)
{
    siginfo_t info;
    info.si_pid = 0;
    if (waitid(P_PID, (id_t)c->child, &info, WEXITED | WNOHANG | WNOWAIT) < 0 ||
        info.si_pid != c->child)
        return;
    c->exited = 1;
    c->out->wall_seconds = clock_seconds_since(start_ns);
}

/* Waits for the script to exit (the daemon vanished: it runs on), then
 * reaps it: its status and rusage. */
static void reap_child(struct collector *c, uint64_t start_ns)
{
    while (!c->exited) {
        usleep(20000);
        note_if_exited(c, start_ns);
    }
    int status;
    while (wait4(c->child, &status, 0, &c->out->usage) < 0)
        if (errno != EINTR)
            return;
    c->out->script_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
        collect_interrupted = 1;
}

/* Receives and handles one message, waiting up to timeout_ms. Returns what
 * msgio_recv returned, or -1 when the connection broke or the daemon sent
 * a malformed message (out->message says which); *rc gets the handler's
 * result. */
static int receive_one(struct collector *c, int fd, struct msgio_msg *m, int timeout_ms, int *rc)
{
    int got = msgio_recv(fd, m, timeout_ms);
    if (got > 0)
        *rc = on_message(c, m);
    if (got < 0 || *rc == -EBADMSG) {
        snprintf(c->out->message, sizeof(c->out->message), "%s",
                 got < 0 ? "the daemon went away mid-session (the connection broke)"
                         : "the daemon sent a malformed message");
        return -1;
    }
    return got;
}

int collect_run(int fd, pid_t child, struct profile *p, struct collect_result *out)
{
    return collect_run_refresh(fd, child, p, out, NULL, NULL, 0);
}

int collect_run_refresh(int fd, pid_t child, struct profile *p, struct collect_result *out,
                        void (*refresh)(void *ctx, const struct profile *p, double elapsed_s),
                        void *ctx, double refresh_s)
{
    double last_refresh = 0;
    /* From the session's start, as every time in the stream: the script's
     * end mark can then never come after its exit. */
    uint64_t start_ns = out->origin_ns ? out->origin_ns : clock_monotonic_ns();
    struct collector c = {.p = p, .child = child, .pid = child, .out = out};
    struct msgio_msg m = {0};
    int drain_ms = 0, rc = 0;
    /* Nothing follows SESSION_END: read until it, then only wait. */
    while (!c.ended) {
        /* The poll period is how late the script's exit is noticed, which
         * every run pays once. */
        int got = receive_one(&c, fd, &m, COLLECT_POLL_MS, &rc);
        if (got < 0)
            break;
        if (rc == -ENOMEM)
            break;
        if (!c.exited)
            note_if_exited(&c, start_ns);
        else if (got == 0 && (drain_ms += COLLECT_POLL_MS) >= COLLECT_DRAIN_MS)
            break;
        if (refresh && !c.exited && clock_seconds_since(start_ns) - last_refresh >= refresh_s) {
            last_refresh = clock_seconds_since(start_ns);
            refresh(ctx, p, last_refresh);
        }
    }
    if (!c.ended) {
        p->samples = c.ticks_seen;
        out->daemon_lost = 1;
        if (!out->message[0])
            snprintf(out->message, sizeof(out->message), "the daemon did not end the session");
    }
    reap_child(&c, start_ns);
    msgio_msg_free(&m);
    return rc == -ENOMEM ? rc : 0;
}

static int send_stop(int fd)
{
    struct proto_buf out;
    proto_buf_init(&out);
    proto_begin(&out, PROTO_STOP);
    int rc = msgio_send(fd, &out);
    proto_buf_free(&out);
    return rc;
}

int collect_follow(int fd, const struct collect_follow *f, struct profile *p,
                   struct collect_result *out)
{
    uint64_t start_ns = clock_monotonic_ns();
    struct collector c = {.p = p, .pid = f->pid, .out = out};
    struct msgio_msg m = {0};
    int rc = 0;
    double stop_sent_at = -1, last_refresh = 0, last_rss = -1;
    int left = 0; /* a watcher chose to leave */
    uint64_t peak_rss = 0;
    while (!c.ended) {
        int got = receive_one(&c, fd, &m, 50, &rc);
        if (got < 0)
            break;
        if (rc == -ENOMEM)
            break;
        double now = clock_seconds_since(start_ns);
        if (now - last_rss >= 0.25) {
            uint64_t now_peak; /* the target may be gone at the end */
            if (procfs_peak_rss(f->pid, &now_peak) == 0 && now_peak > peak_rss)
                peak_rss = now_peak;
            last_rss = now;
        }
        if (f->refresh && now - last_refresh >= f->refresh_s) {
            p->wall_seconds = f->elapsed_offset_s + now;
            p->max_rss_bytes = peak_rss;
            f->refresh(f->ctx, p, now);
            last_refresh = now;
        }
        int want_stop = collect_interrupted || (f->duration_s > 0 && now >= f->duration_s);
        if (want_stop && !f->owner) {
            left = 1; /* a watcher leaves; the session goes on */
            break;
        }
        if (want_stop && stop_sent_at < 0) {
            stop_sent_at = now;
            c.stop_sent = 1;
            if (send_stop(fd) < 0)
                break;
        }
        if (stop_sent_at >= 0 && now - stop_sent_at > COLLECT_STOP_WAIT_S)
            break;
    }
    out->wall_seconds = clock_seconds_since(start_ns);
    out->usage.ru_maxrss = (long)(peak_rss / 1024u);
    if (!c.ended && !left) {
        p->samples = c.ticks_seen;
        out->daemon_lost = 1;
        if (!out->message[0])
            snprintf(out->message, sizeof(out->message), "the daemon did not end the session");
    }
    msgio_msg_free(&m);
    return rc == -ENOMEM ? rc : 0;
}
