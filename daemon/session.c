/* A profiling session's life: find the interpreter, tick, stream, end. */
#include "daemon/session.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/msgio.h"
#include "common/proto.h"
#include "common/strhash.h"
#include "common/xorshift.h"
#include "daemon/attach.h"
#include "daemon/children.h"
#include "daemon/codeids.h"
#include "daemon/endmark.h"
#include "daemon/heap_link.h"
#include "daemon/locate_wait.h"
#include "daemon/ontime.h"
#include "daemon/pythreadname.h"
#include "daemon/proctree.h"
#include "daemon/registry.h"
#include "daemon/sampler.h"
#include "daemon/stream_msg.h"
#include "daemon/taskstat.h"
#include "daemon/tickwait.h"

#define SESSION_MAX_NAMED_THREADS 4096
/* Threads whose threading name was sent (and is followed for renames). */
#define SESSION_MAX_PYNAMED 512

struct session {
    int fd;
    const struct session_request *req;
    uint64_t start_ns;
    struct sampler *sampler;
    struct codeids codes;           /* the session's code ids, all processes */
    struct codeids_proc root_codes; /* the target's walker ids mapped to them */
    struct proctree *tree;          /* the target and its descendants */
    struct children *children;      /* their samplers; NULL under --no-children */
    char root_python[24];           /* the target's Python version */
    struct proto_buf msg; /* the message being built */
    struct buf batch;     /* messages since the last send, sent in one write */
    uint32_t named[SESSION_MAX_NAMED_THREADS];
    pid_t named_pid[SESSION_MAX_NAMED_THREADS]; /* the process of each */
    size_t nnamed;
    struct {
        uint32_t tid;
        char name[PYTHREADNAME_LEN];
    } pynamed[SESSION_MAX_PYNAMED];
    size_t npynamed;
    uint64_t rng;
    struct heap_link *heap; /* --memory: the target's allocation sampler */
    int heap_polls;         /* quick attempts made to find it */
    uint64_t flushed_ns;    /* when the batch was last sent */
    int statm_fd;           /* the target's /proc/PID/statm, kept open */
    int exit_fd;            /* a pidfd of the target, readable once it exited; -1 none */
    uint64_t rss_due_ns;    /* when the tick that last read it was due */
    int on_time;            /* its thread samples at SCHED_FIFO (ontime.h) */
    struct tickwait wait;   /* what a tick waits on */
};

/* Ticks' messages wait in the batch at most this long, or until it holds
 * this much: a write wakes the client, which costs both of us more than
 * the write itself at high rates. */
#define SESSION_FLUSH_GAP_NS 20000000u
#define SESSION_FLUSH_BYTES 65536u

/* The RSS is read at a tick at most once per this gap between the ticks'
 * planned times: the shortest jittered period at the default 100 Hz
 * (every tick there reads it), and
 * at 1 kHz a read at every tick was 5% of the daemon's CPU for readings
 * 1 ms apart that the reports bin far coarser (memory.md). */
#define SESSION_RSS_GAP_NS 5000000u

/* While the allocation sampler has not said hello, look for it this often
 * rather than at ticks: its first sample waits for our answer (see
 * client/alloc/fah_alloc.c). Bounded, for a library that never shows. */
#define HEAP_HELLO_POLL_NS 1000000u
#define HEAP_HELLO_MAX_POLLS 2000

/* Appends the finished message in s->msg to the tick's batch. */
static int batch_add(struct session *s)
{
    if (proto_finish(&s->msg) < 0)
        return -ENOMEM;
    return buf_append(&s->batch, s->msg.wire.data, s->msg.wire.len);
}

static int batch_flush(struct session *s)
{
    registry_forward(s->req->registry, s->req->entry, s->batch.data, s->batch.len);
    int rc = msgio_send_all(s->fd, s->batch.data, s->batch.len);
    s->batch.len = 0;
    s->flushed_ns = clock_monotonic_ns();
    return rc;
}

/* Sends the batch once it is due (see SESSION_FLUSH_GAP_NS). */
static int batch_flush_due(struct session *s)
{
    if (s->batch.len < SESSION_FLUSH_BYTES &&
        clock_monotonic_ns() - s->flushed_ns < SESSION_FLUSH_GAP_NS)
        return 0;
    return batch_flush(s);
}

static int announce_code(void *ctx, uint32_t id, const struct pywalk_code *code)
{
    struct session *s = ctx;
    stream_msg_code(&s->msg, id, code);
    return batch_add(s);
}

/* Code objects first seen this tick go out before the samples naming them. */
static int queue_new_codes(struct session *s, struct pywalk *walk, struct codeids_proc *codes)
{
    return codeids_map_new(&s->codes, codes, walk, announce_code, s) < 0 ? -ENOMEM : 0;
}

/* The sampler of the session's process pid: its own, or a child's. */
static struct sampler *sampler_of(struct session *s, pid_t pid)
{
    return pid == s->req->pid ? s->sampler : children_sampler(s->children, pid);
}

/* Remembers that thread tid was last sent as name under threading's
 * naming (rename_thread compares with it). Returns 0 when it cannot. */
static int note_pyname(struct session *s, uint32_t tid, const char *name)
{
    size_t i = 0;
    while (i < s->npynamed && s->pynamed[i].tid != tid)
        i++;
    if (i < s->npynamed && strcmp(s->pynamed[i].name, name) == 0)
        return 0;
    if (i == s->npynamed) {
        if (i == SESSION_MAX_PYNAMED)
            return 0;
        s->npynamed++;
        s->pynamed[i].tid = tid;
    }
    snprintf(s->pynamed[i].name, sizeof(s->pynamed[i].name), "%s", name);
    return 1;
}

/* A thread's name goes out before its first sample: threading's when the
 * ticks have read it, else its OS name (comm). A short thread's samples
 * often go out after it has ended (held: periodbuf.h), so this is the
 * name it keeps. */
static int queue_thread_name(struct session *s, pid_t pid, uint32_t tid)
{
    for (size_t i = 0; i < s->nnamed; i++)
        if (s->named[i] == tid)
            return 0;
    char name[PYTHREADNAME_LEN];
    struct sampler *sampler = sampler_of(s, pid);
    int python = sampler && sampler_thread_name(sampler, tid, name, sizeof(name)) == 0;
    if (s->nnamed == SESSION_MAX_NAMED_THREADS ||
        (!python && (!sampler || sampler_thread_comm(sampler, tid, name, sizeof(name)) < 0) &&
         taskstat_comm(pid, tid, name, sizeof(name)) < 0))
        return 0;
    if (python)
        note_pyname(s, tid, name);
    s->named_pid[s->nnamed] = pid;
    s->named[s->nnamed++] = tid;
    proto_encode_thread(&s->msg, tid, name);
    return batch_add(s);
}

/* The name threading gives a thread replaces the one sent first, and
 * follows renames: the client keeps the latest name of each thread. */
static int rename_thread(struct session *s, pid_t pid, uint32_t tid)
{
    char name[PYTHREADNAME_LEN];
    struct sampler *sampler = sampler_of(s, pid);
    if (!sampler || sampler_thread_name(sampler, tid, name, sizeof(name)) < 0 ||
        !note_pyname(s, tid, name))
        return 0;
    proto_encode_thread(&s->msg, tid, name);
    return batch_add(s);
}

/* After a tick, every thread seen so far, by its threading name. */
static int name_python_threads(struct session *s)
{
    for (size_t i = 0; i < s->nnamed; i++)
        if (rename_thread(s, s->named_pid[i], s->named[i]) < 0)
            return -ENOMEM;
    return 0;
}

static int emit_proc_sample(void *ctx, pid_t pid, struct pywalk *walk, struct codeids_proc *codes,
                            const struct thread_sample *sample)
{
    struct session *s = ctx;
    if (queue_new_codes(s, walk, codes) < 0 || queue_thread_name(s, pid, sample->tid) < 0)
        return -ENOMEM;
    uint64_t when = sample->time_ns ? sample->time_ns : clock_monotonic_ns();
    stream_msg_sample(&s->msg, pid, codes, sample, when, s->start_ns);
    return batch_add(s);
}

static int emit_sample(void *ctx, const struct thread_sample *sample)
{
    struct session *s = ctx;
    return emit_proc_sample(s, s->req->pid, sampler_walker(s->sampler), &s->root_codes, sample);
}

static int emit_heap(void *ctx, const struct heap_event *ev)
{
    struct session *s = ctx;
    if (queue_new_codes(s, sampler_walker(s->sampler), &s->root_codes) < 0 ||
        (ev->kind != HEAP_EVENT_FREE && queue_thread_name(s, s->req->pid, ev->tid) < 0))
        return -ENOMEM;
    stream_msg_heap(&s->msg, &s->root_codes, ev, s->start_ns);
    return batch_add(s);
}

/* A short digest of what was said about a process: a member is reported
 * again when it changes (found to run Python, found not to, exited). */
static uint64_t report_digest(uint32_t flags, const char *note)
{
    return strhash_add(STRHASH_INIT ^ flags, note) | 1; /* 0: never reported */
}

/* PROCESS messages for the tree's members whose standing changed, or for
 * all of them (the session's end, with their final facts). */
static int report_processes(struct session *s, int all)
{
    for (size_t i = 0; s->tree && i < proctree_count(s->tree); i++) {
        struct proctree_proc *p = proctree_at(s->tree, i);
        if (!all && p->reported_final)
            continue; /* exited, and said so: nothing changes any more */
        const char *python = s->root_python, *note = "";
        if (!p->root)
            children_describe(s->children, i, &python, &note);
        uint64_t digest = report_digest((uint32_t)p->exited << 1 | (python[0] != 0), note);
        if (!all && p->reported == digest)
            continue;
        p->reported = digest;
        p->reported_final = p->exited;
        stream_msg_process(&s->msg, p, python, note, s->start_ns);
        if (batch_add(s) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* The descendants at a tick: each sampled; after a scan of the tree, new
 * ones found and changes told. */
static int tree_tick(struct session *s, uint64_t planned_ns)
{
    uint64_t now = clock_monotonic_ns();
    int scanned = s->tree ? proctree_scan(s->tree, now, 0) : 0;
    if (scanned < 0)
        return -ENOMEM;
    if (s->children &&
        children_tick(s->children, s->tree, now, planned_ns, emit_proc_sample, s) < 0)
        return -ENOMEM;
    return scanned ? report_processes(s, 0) : 0;
}

/* Attaches to the allocation sampler once it is there (its hello read and
 * answered), dropping the link if fds 1000.. are not the library's.
 * Returns 1 while it is still awaited. */
static int heap_attach(struct session *s)
{
    if (!s->heap || !s->sampler)
        return 0;
    int rc = heap_link_attach(s->heap);
    if (rc < 0) {
        heap_link_free(s->heap);
        s->heap = NULL;
    }
    return rc == 0;
}

static int send_rss(struct session *s)
{
    int64_t rss = taskstat_rss_bytes(s->req->pid, &s->statm_fd);
    if (rss < 0)
        return 0;
    stream_msg_rss(&s->msg, clock_monotonic_ns(), s->start_ns, (uint64_t)rss);
    return batch_add(s) < 0 ? -ENOMEM : 0;
}

/* Memory at the tick due at due_ns: the RSS (at most every
 * SESSION_RSS_GAP_NS of planned time); under
 * --memory, attach to the target's allocation sampler once it is there,
 * and take what it sent. */
static int memory_tick(struct session *s, uint64_t due_ns)
{
    if (due_ns - s->rss_due_ns >= SESSION_RSS_GAP_NS) {
        s->rss_due_ns = due_ns;
        if (send_rss(s) < 0)
            return -ENOMEM;
    }
    heap_attach(s);
    int rc = s->heap && s->sampler ? heap_link_drain(s->heap, s->sampler, emit_heap, s) : 0;
    return rc == -EPIPE ? 0 : rc;
}

/* The target is gone: what its sampler wrote last is still in the pipe. */
static void memory_finish(struct session *s)
{
    if (!s->heap || !s->sampler)
        return;
    for (int i = 0; i < 1000 && heap_link_drain(s->heap, s->sampler, emit_heap, s) == 0; i++)
        ;
    stream_msg_heap_stats(&s->msg, s->heap);
    batch_add(s);
}

/* When the script's own code started and ended, as far as its bootstrap
 * marked them: every reader of the stream measures memory over that span. */
static void send_script_span(struct session *s)
{
    struct script_marks marks;
    if (endmark_read(s->req->end_mark, s->req->owner, &marks) < 0 || marks.start_ns < s->start_ns)
        return;
    proto_encode_script_span(&s->msg, marks.start_ns - s->start_ns,
                             marks.end_ns ? marks.end_ns - s->start_ns : 0);
    batch_add(s);
}

static void send_end(struct session *s, uint32_t reason, const char *detail)
{
    memory_finish(s);
    if (s->tree && proctree_scan(s->tree, clock_monotonic_ns(), 1) > 0)
        report_processes(s, 1);
    send_script_span(s);
    struct proto_end end = {.reason = reason,
                            .ticks = s->sampler ? sampler_ticks(s->sampler) : 0,
                            .errors = s->sampler ? sampler_errors(s->sampler) : 0,
                            .detail = detail};
    proto_encode_end(&s->msg, &end);
    if (batch_add(s) == 0)
        batch_flush(s);
}

static void send_target(struct session *s, const struct py_target *target)
{
    stream_msg_target(&s->msg, target);
    batch_add(s);
}

static uint64_t period_ns(const struct session *s)
{
    return CLOCK_NS_PER_SEC / s->req->rate_hz;
}

/* The next interval: the period, give or take 50%, so the sampler never
 * falls into step with a loop of a similar period. Each tick's jitter
 * moves the next one's phase against such a loop; the phase must wander
 * over the whole loop within a few ticks, or consecutive ticks see the
 * loop at much the same moment and a run's shares vary with where that
 * moment fell. At +-25% a thread alternating 5 ms naps and 5 ms GIL waits,
 * sampled at 100 Hz, kept its phase for tens of ticks: the nap's share
 * varied with an sd about twice the sampling noise (simulated:
 * docs/time-kinds.md). */
static uint64_t jittered_period(struct session *s)
{
    uint64_t period = period_ns(s);
    uint64_t spread = period;
    return period - spread / 2 + (spread ? xorshift64_next(&s->rng) % spread : 0);
}

/* A pidfd of pid (pidfd_open, Linux 5.3), or -1: a tick waits on it too,
 * so that the session ends as soon as the target exits, not up to a
 * period later (every run's end waited for that). */
static int open_exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -1 : (int)fd;
#else
    (void)pid;
    return -1;
#endif
}

/* Waits until deadline_ns while listening to the client. Returns 0 at the
 * deadline or once the target exited, PROTO_END_STOPPED when the client
 * asked to stop, -1 when it left. */
static int wait_tick(struct session *s, uint64_t deadline_ns, struct msgio_msg *in)
{
    for (;;) {
        uint64_t now = clock_monotonic_ns();
        if (now >= deadline_ns)
            return 0;
        uint64_t until = deadline_ns;
        if (s->heap_polls < HEAP_HELLO_MAX_POLLS && heap_attach(s)) {
            s->heap_polls++;
            if (deadline_ns - now > HEAP_HELLO_POLL_NS)
                until = now + HEAP_HELLO_POLL_NS;
        }
        tickwait_follow(&s->wait, TICKWAIT_CLIENT, s->fd);
        tickwait_follow(&s->wait, TICKWAIT_HEAP, s->heap ? heap_link_fd(s->heap) : -1);
        tickwait_follow(&s->wait, TICKWAIT_EXIT, s->exit_fd);
        int ready = tickwait_wait(&s->wait, until);
        int client = ready > 0 && (ready & 1 << TICKWAIT_CLIENT);
        int heap = ready > 0 && (ready & 1 << TICKWAIT_HEAP);
        if (ready > 0 && (ready & 1 << TICKWAIT_EXIT) && !client && !heap) {
            tickwait_follow(&s->wait, TICKWAIT_EXIT, -1);
            close(s->exit_fd); /* it only ends this one wait early */
            s->exit_fd = -1;
            return 0; /* exited: this tick finds it gone */
        }
        if (heap) {
            if (heap_link_drain(s->heap, s->sampler, emit_heap, s) == -ENOMEM ||
                batch_flush(s) < 0)
                return -1;
            if (!client)
                continue;
        }
        if (!client)
            continue;
        int rc = msgio_recv(s->fd, in, 0);
        if (rc < 0)
            return -1;
        if (rc > 0 && in->type == PROTO_STOP && in->length == 0)
            return PROTO_END_STOPPED;
        if (rc > 0)
            return -1; /* nothing else is valid mid-session: drop the peer */
    }
}

/* The samples the samplers hold for their threads' clock periods
 * (daemon/periodbuf.h), sent before the session ends with the target
 * still running: its last tenth of a second or so. */
static void release_held(struct session *s)
{
    if (sampler_release_held(s->sampler, emit_sample, s) == 0)
        children_release_held(s->children, emit_proc_sample, s);
}

static void sample_until_done(struct session *s)
{
    struct msgio_msg in = {0};
    uint64_t deadline = clock_monotonic_ns();
    for (;;) {
        deadline += jittered_period(s);
        int waited = wait_tick(s, deadline, &in);
        if (waited < 0)
            break;
        if (waited == PROTO_END_STOPPED) {
            release_held(s);
            send_end(s, PROTO_END_STOPPED, "stopped by the client");
            break;
        }
        const char *stop = registry_entry_stop_reason(s->req->entry);
        if (stop) {
            release_held(s);
            send_end(s, PROTO_END_STOPPED, stop);
            break;
        }
        int rc = sampler_tick(s->sampler, clock_monotonic_ns(), deadline, emit_sample, s);
        if (rc == 0)
            rc = name_python_threads(s);
        if (rc == 0)
            rc = memory_tick(s, deadline);
        if (rc == 0)
            rc = tree_tick(s, deadline);
        if (rc == -ESRCH) {
            send_end(s, PROTO_END_EXITED, "the target exited");
            break;
        }
        if ((rc < 0 && rc != -ESRCH) || batch_flush_due(s) < 0)
            break;
        registry_entry_set_ticks(s->req->entry, sampler_ticks(s->sampler));
        /* Behind by more than a period, it goes on from now, and so waits
         * half a period at least (the jitter's shortest)
         * before the next tick. */
        deadline = ontime_catch_up(deadline, period_ns(s), clock_monotonic_ns());
    }
    msgio_msg_free(&in);
}

/* One line per session in the daemon's log: how the walks fared, so that
 * torn reads and their retries can be measured on real programs. */
static void log_walks(const struct session *s)
{
    struct sampler_walk_stats w;
    sampler_walk_stats(s->sampler, &w);
    fprintf(stderr,
            "fixingaholed: pid %d: %" PRIu64 " ticks, %" PRIu64 " failed walks; unheld walks %"
            PRIu64 ", retried %" PRIu64 ", torn at every try %" PRIu64 "; stopped again %" PRIu64
            ", failed again %" PRIu64 "; stopped at %" PRIu64 " samples, held %.1f ms; %" PRIu64
            " memory reads; CPU clocks: %s; ticks: %s\n",
            (int)s->req->pid, sampler_ticks(s->sampler), sampler_errors(s->sampler), w.unheld,
            w.retried, w.torn, w.reheld, w.reheld_failed, w.stopped_samples,
            (double)w.stopped_ns / 1e6, w.reads,
            sampler_exact_clocks(s->sampler) ? "perf counters" : "process clock and schedstat",
            s->on_time ? "SCHED_FIFO" : "ordinary policy");
}

void session_run(int fd, const struct session_request *req)
{
    uint32_t session_id = registry_entry_id(req->entry);
    struct session s = {.fd = fd, .req = req, .start_ns = clock_monotonic_ns(), .statm_fd = -1,
                        .exit_fd = -1, .wait = {.epoll_fd = -1}};
    s.rng = s.start_ns | 1;
    proto_buf_init(&s.msg);
    buf_init(&s.batch);
    proto_encode_session_started(&s.msg, session_id, s.start_ns);
    if (batch_add(&s) < 0 || batch_flush(&s) < 0)
        goto out;

    struct py_target target;
    char err[512];
    int rc = req->attach ? attach_locate(req, &target, err, sizeof(err))
                         : locate_wait(fd, req, &target, err, sizeof(err));
    if (rc < 0) {
        if (rc != -ECONNRESET)
            send_end(&s, PROTO_END_FAILED, err);
        goto out;
    }
    send_target(&s, &target);
    /* Where the layout came from: a DWARF read costs a spawned script a
     * quarter second held still, a cached one nothing. */
    fprintf(stderr, "fixingaholed: pid %d: Python %s (%s), offsets: %s\n", (int)req->pid,
            target.version, target.binary, target.source_detail);
    /* The RSS the interpreter started with, read as soon as it is located
     * (the first tick comes a period or more later, once the sampler is
     * set up): what a script allocates at once is growth from here. */
    if (send_rss(&s) < 0)
        goto out;
    snprintf(s.root_python, sizeof(s.root_python), "%s", target.version);
    s.sampler = sampler_new(req->pid, &target);
    s.tree = proctree_new(req->pid, !(req->flags & PROTO_FLAG_NO_CHILDREN), s.start_ns);
    if (!(req->flags & PROTO_FLAG_NO_CHILDREN))
        s.children = children_new(req);
    if (s.sampler && req->fallback_clocks)
        sampler_refuse_exact_clocks(s.sampler);
    if (s.sampler && !req->attach)
        sampler_set_spawned(s.sampler);
    if (s.sampler)
        sampler_set_period(s.sampler, period_ns(&s));
    s.exit_fd = open_exit_fd(req->pid);
    if (s.sampler)
        sampler_set_end_mark(s.sampler, req->end_mark, req->owner);
    if (s.sampler && (req->flags & PROTO_FLAG_MEMORY))
        s.heap = heap_link_new(req->pid);
    if (s.sampler && (req->flags & PROTO_FLAG_NATIVE) &&
        sampler_enable_native(s.sampler, req->debug_dirs) < 0) {
        sampler_free(s.sampler);
        s.sampler = NULL;
    }
    if (!s.sampler || !s.tree || (!s.children && !(req->flags & PROTO_FLAG_NO_CHILDREN))) {
        send_end(&s, PROTO_END_FAILED, "sampler: out of memory");
        goto out;
    }
    if (tickwait_open(&s.wait) < 0) {
        send_end(&s, PROTO_END_FAILED, "sampler: no epoll set for the ticks' wait");
        goto out;
    }
    struct on_time scheduling;
    s.on_time = ontime_begin(req->realtime, &scheduling);
    sample_until_done(&s);
    ontime_end(&scheduling);
    log_walks(&s);
out:
    heap_link_free(s.heap);
    children_free(s.children);
    proctree_free(s.tree);
    codeids_proc_free(&s.root_codes);
    codeids_free(&s.codes);
    sampler_free(s.sampler);
    proto_buf_free(&s.msg);
    buf_free(&s.batch);
    if (s.statm_fd >= 0)
        close(s.statm_fd);
    if (s.exit_fd >= 0)
        close(s.exit_fd);
    tickwait_close(&s.wait);
}
