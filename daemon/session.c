/* A profiling session's life: find the interpreter, tick, stream, end. */
#include "daemon/session.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/msgio.h"
#include "common/proto.h"
#include "daemon/attach.h"
#include "daemon/heap_link.h"
#include "daemon/heap_msg.h"
#include "daemon/locate_wait.h"
#include "daemon/registry.h"
#include "daemon/sampler.h"
#include "daemon/taskstat.h"

#define SESSION_MAX_NAMED_THREADS 4096

struct session {
    int fd;
    const struct session_request *req;
    uint64_t start_ns;
    struct sampler *sampler;
    uint32_t codes_sent;
    struct proto_buf msg;   /* the message being built */
    struct proto_buf batch; /* a tick's messages, sent in one write */
    uint32_t named[SESSION_MAX_NAMED_THREADS];
    size_t nnamed;
    uint64_t rng;
    struct heap_link *heap; /* --memory: the target's allocation sampler */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Appends the finished message in s->msg to the tick's batch. */
static int batch_add(struct session *s)
{
    if (proto_finish(&s->msg) < 0)
        return -ENOMEM;
    struct proto_buf *b = &s->batch;
    if (b->len + s->msg.len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + s->msg.len)
            cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown)
            return -ENOMEM;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s->msg.data, s->msg.len);
    b->len += s->msg.len;
    return 0;
}

static int batch_flush(struct session *s)
{
    registry_forward(s->req->registry, s->req->entry, s->batch.data, s->batch.len);
    size_t off = 0;
    while (off < s->batch.len) {
        ssize_t n = send(s->fd, s->batch.data + off, s->batch.len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        off += (size_t)n;
    }
    s->batch.len = 0;
    return 0;
}

/* Code objects first seen this tick go out before the samples naming them. */
static int queue_new_codes(struct session *s)
{
    struct pywalk *walk = sampler_walker(s->sampler);
    uint32_t count = pywalk_code_count(walk);
    for (; s->codes_sent < count; s->codes_sent++) {
        const struct pywalk_code *code = pywalk_code(walk, s->codes_sent);
        proto_begin(&s->msg, PROTO_CODE);
        proto_put_u32(&s->msg, s->codes_sent);
        proto_put_i32(&s->msg, code ? code->firstlineno : 0);
        proto_put_str(&s->msg, code ? code->file : "<unknown>");
        proto_put_str(&s->msg, code ? code->qualname : "<unknown>");
        if (batch_add(s) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int queue_thread_name(struct session *s, uint32_t tid)
{
    for (size_t i = 0; i < s->nnamed; i++)
        if (s->named[i] == tid)
            return 0;
    char name[64];
    if (s->nnamed == SESSION_MAX_NAMED_THREADS ||
        taskstat_comm(s->req->pid, tid, name, sizeof(name)) < 0)
        return 0;
    s->named[s->nnamed++] = tid;
    proto_begin(&s->msg, PROTO_THREAD);
    proto_put_u32(&s->msg, tid);
    proto_put_str(&s->msg, name);
    return batch_add(s);
}

static int emit_sample(void *ctx, const struct thread_sample *sample)
{
    struct session *s = ctx;
    if (queue_new_codes(s) < 0 || queue_thread_name(s, sample->tid) < 0)
        return -ENOMEM;
    proto_begin(&s->msg, PROTO_SAMPLE);
    proto_put_u64(&s->msg, now_ns() - s->start_ns);
    proto_put_u32(&s->msg, sample->tid);
    proto_put_u32(&s->msg, sample->unplaced == PROTO_UNPLACED_WALK_FAILED ? PROTO_SAMPLE_TRUNCATED : 0);
    proto_put_u32(&s->msg, sample->unplaced);
    for (int k = 0; k < SAMPLE_KINDS; k++)
        proto_put_u64(&s->msg, sample->ns[k]);
    uint32_t n = sample->stack ? sample->stack->nframes : 0;
    if (n > PROTO_MAX_FRAMES)
        n = PROTO_MAX_FRAMES;
    proto_put_u32(&s->msg, n);
    for (uint32_t i = 0; i < n; i++) {
        proto_put_u32(&s->msg, sample->stack->frames[i].code_id);
        proto_put_i32(&s->msg, sample->stack->frames[i].line);
    }
    return batch_add(s);
}

static int emit_heap(void *ctx, const struct heap_event *ev)
{
    struct session *s = ctx;
    if (queue_new_codes(s) < 0 ||
        (ev->kind != HEAP_EVENT_FREE && queue_thread_name(s, ev->tid) < 0))
        return -ENOMEM;
    heap_msg_event(&s->msg, ev, s->start_ns);
    return batch_add(s);
}

/* Memory at a tick: the RSS always; under --memory, attach to the target's
 * allocation sampler once it is there, and take what it sent. */
static int memory_tick(struct session *s)
{
    int64_t rss = taskstat_rss_bytes(s->req->pid);
    if (rss >= 0) {
        heap_msg_rss(&s->msg, now_ns(), s->start_ns, (uint64_t)rss);
        if (batch_add(s) < 0)
            return -ENOMEM;
    }
    if (s->heap && s->sampler && heap_link_attach(s->heap) < 0) {
        heap_link_free(s->heap); /* fds 1000.. are not the library's */
        s->heap = NULL;
    }
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
    heap_msg_stats(&s->msg, s->heap);
    batch_add(s);
}

static void send_end(struct session *s, uint32_t reason, const char *detail)
{
    memory_finish(s);
    proto_begin(&s->msg, PROTO_SESSION_END);
    proto_put_u32(&s->msg, reason);
    proto_put_u64(&s->msg, s->sampler ? sampler_ticks(s->sampler) : 0);
    proto_put_u64(&s->msg, s->sampler ? sampler_errors(s->sampler) : 0);
    proto_put_str(&s->msg, detail);
    if (batch_add(s) == 0)
        batch_flush(s);
}

static void send_target(struct session *s, const struct py_target *target)
{
    proto_begin(&s->msg, PROTO_TARGET);
    proto_put_u32(&s->msg, target->version_hex);
    proto_put_u32(&s->msg, (uint32_t)target->source);
    proto_put_u64(&s->msg, target->runtime_addr);
    proto_put_str(&s->msg, target->version);
    proto_put_str(&s->msg, target->binary);
    batch_add(s);
}

/* xorshift: jitter only needs to break lockstep with periodic code. */
static uint64_t next_random(struct session *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

/* The next interval: the period, give or take 25%, so the sampler never
 * falls into step with a loop of the same period. */
static uint64_t jittered_period(struct session *s)
{
    uint64_t period = 1000000000u / s->req->rate_hz;
    uint64_t spread = period / 2;
    return period - spread / 2 + (spread ? next_random(s) % spread : 0);
}

/* Waits until deadline_ns while listening to the client. Returns 0 at the
 * deadline, PROTO_END_STOPPED when the client asked to stop, -1 when it
 * left. */
static int wait_tick(struct session *s, uint64_t deadline_ns, struct msgio_msg *in)
{
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline_ns)
            return 0;
        uint64_t left = deadline_ns - now;
        struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
        struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN},
                              {.fd = s->heap ? heap_link_fd(s->heap) : -1, .events = POLLIN}};
        int n = ppoll(p, 2, &ts, NULL);
        if (n > 0 && p[1].revents) {
            if (heap_link_drain(s->heap, s->sampler, emit_heap, s) == -ENOMEM ||
                batch_flush(s) < 0)
                return -1;
            if (!(p[0].revents))
                continue;
        }
        if (n <= 0)
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

static void sample_until_done(struct session *s)
{
    struct msgio_msg in = {0};
    uint64_t deadline = now_ns();
    for (;;) {
        deadline += jittered_period(s);
        int waited = wait_tick(s, deadline, &in);
        if (waited < 0)
            break;
        if (waited == PROTO_END_STOPPED) {
            send_end(s, PROTO_END_STOPPED, "stopped by the client");
            break;
        }
        const char *stop = registry_entry_stop_reason(s->req->entry);
        if (stop) {
            send_end(s, PROTO_END_STOPPED, stop);
            break;
        }
        int rc = sampler_tick(s->sampler, now_ns(), emit_sample, s);
        if (rc == 0)
            rc = memory_tick(s);
        if (rc == -ESRCH || taskstat_process_state(s->req->pid) == 'Z') {
            send_end(s, PROTO_END_EXITED, "the target exited");
            break;
        }
        if ((rc < 0 && rc != -ESRCH) || batch_flush(s) < 0)
            break;
        registry_entry_set_ticks(s->req->entry, sampler_ticks(s->sampler));
        uint64_t now = now_ns();
        if (deadline + 1000000000u < now)
            deadline = now; /* fell behind (target stopped?): do not burst */
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
            PRIu64 ", retried %" PRIu64 ", torn twice %" PRIu64 "; stopped again %" PRIu64
            ", failed again %" PRIu64 "\n",
            (int)s->req->pid, sampler_ticks(s->sampler), sampler_errors(s->sampler), w.unheld,
            w.retried, w.torn, w.reheld, w.reheld_failed);
}

void session_run(int fd, const struct session_request *req)
{
    uint32_t session_id = registry_entry_id(req->entry);
    struct session s = {.fd = fd, .req = req, .start_ns = now_ns()};
    s.rng = s.start_ns | 1;
    proto_buf_init(&s.msg);
    proto_buf_init(&s.batch);
    proto_begin(&s.msg, PROTO_SESSION_STARTED);
    proto_put_u32(&s.msg, session_id);
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
    s.sampler = sampler_new(req->pid, &target);
    if (s.sampler && (req->flags & PROTO_FLAG_MEMORY))
        s.heap = heap_link_new(req->pid);
    if (!s.sampler) {
        send_end(&s, PROTO_END_FAILED, "sampler: out of memory");
        goto out;
    }
    sample_until_done(&s);
    log_walks(&s);
out:
    heap_link_free(s.heap);
    sampler_free(s.sampler);
    proto_buf_free(&s.msg);
    proto_buf_free(&s.batch);
}
