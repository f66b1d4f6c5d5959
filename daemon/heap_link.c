/* Reading the allocation sampler's pipe (see heap_link.h). The thread that
 * wrote a waiting event is blocked in poll() inside malloc, holding the
 * GIL, so its frame chain is exactly the allocating line and no other
 * Python thread moves meanwhile: one walk of that thread is enough. */
#include "daemon/heap_link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc_abi.h"
#include "common/clock.h"
#include "common/proto.h"
#include "daemon/taskstat.h"

#define HEAP_MAX_TASKS 4096
/* Events handled per drain before returning to the session's loop. */
#define HEAP_DRAIN_BATCH 256
/* How long the tid -> thread state map stays trusted. */
#define HEAP_THREADS_TTL_NS 200000000u

struct heap_link {
    pid_t pid;
    int ev_fd, ack_fd;
    int said_hello;
    int closed; /* the target closed its end: nothing more can come */
    uint64_t window;
    uint64_t samples, truncated, unwaited;
    uint8_t carry[sizeof(struct alloc_abi_event)];
    size_t ncarry;
    uint64_t threads_at;
    int nthreads;
    struct pywalk_thread threads[PYWALK_MAX_THREADS];
    uint32_t tids[HEAP_MAX_TASKS];
    struct pywalk_stack stack;
};

struct heap_link *heap_link_new(pid_t pid)
{
    struct heap_link *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->pid = pid;
    h->ev_fd = -1;
    h->ack_fd = -1;
    return h;
}

void heap_link_free(struct heap_link *h)
{
    if (!h)
        return;
    if (h->ev_fd >= 0)
        close(h->ev_fd);
    if (h->ack_fd >= 0)
        close(h->ack_fd);
    free(h);
}

int heap_link_fd(const struct heap_link *h)
{
    return h->said_hello && !h->closed ? h->ev_fd : -1;
}

static int open_target_fd(pid_t pid, int n, int flags)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, n);
    int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
        close(fd);
        return -ENOTSUP; /* something else sits there: not the library's */
    }
    return fd;
}

/* The library's first record proves the pipe is its own. */
static int read_hello(struct heap_link *h)
{
    struct alloc_abi_event ev;
    ssize_t n = read(h->ev_fd, &ev, sizeof(ev));
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n != (ssize_t)sizeof(ev) || ev.kind != ALLOC_EV_HELLO || ev.size != ALLOC_ABI_MAGIC ||
        ev.addr != (uint64_t)h->pid || ev.weight == 0)
        return -EPROTO;
    h->window = ev.weight;
    uint32_t hello = 0;
    if (write(h->ack_fd, &hello, sizeof(hello)) != (ssize_t)sizeof(hello))
        return -EPIPE;
    h->said_hello = 1;
    return 1;
}

int heap_link_attach(struct heap_link *h)
{
    if (h->said_hello || h->closed)
        return h->said_hello;
    if (h->ev_fd < 0) {
        int ev = open_target_fd(h->pid, ALLOC_ABI_FD_EVENTS_R, O_RDONLY);
        if (ev == -ENOTSUP)
            return ev;
        if (ev < 0)
            return 0; /* the constructor has not run yet */
        int ack = open_target_fd(h->pid, ALLOC_ABI_FD_ACK_W, O_WRONLY);
        if (ack < 0) {
            close(ev);
            return ack == -ENOTSUP ? ack : 0;
        }
        h->ev_fd = ev;
        h->ack_fd = ack;
    }
    return read_hello(h);
}

/* The thread state of tid, refreshing the map when it is stale or misses. */
static const struct pywalk_thread *thread_of(struct heap_link *h, struct sampler *s, uint32_t tid)
{
    uint64_t now = clock_monotonic_ns();
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 || now - h->threads_at > HEAP_THREADS_TTL_NS) {
            struct pywalk *w = sampler_walker(s);
            int ntids = taskstat_list(h->pid, h->tids, HEAP_MAX_TASKS);
            int n = pywalk_threads(w, h->threads, PYWALK_MAX_THREADS);
            h->nthreads = n > 0 ? n : 0;
            if (ntids > 0)
                pywalk_resolve_tids(w, h->threads, h->nthreads, h->tids, ntids);
            h->threads_at = now;
        }
        for (int i = 0; i < h->nthreads; i++)
            if (h->threads[i].tid == tid)
                return &h->threads[i];
    }
    return NULL;
}

static int handle_sample(struct heap_link *h, struct sampler *s, const struct alloc_abi_event *ev,
                         heap_emit_fn emit, void *ctx)
{
    struct heap_event out = {.time_ns = ev->time_ns, .tid = ev->tid,
                             .kind = ev->kind == ALLOC_EV_COPY ? HEAP_EVENT_COPY : HEAP_EVENT_ALLOC,
                             .weight = ev->weight, .size = ev->size, .addr = ev->addr};
    if (ev->flags & ALLOC_EVF_NATIVE)
        out.flags |= PROTO_HEAPF_NATIVE;
    if (!(ev->flags & ALLOC_EVF_WAITING)) {
        out.flags |= PROTO_HEAPF_UNWAITED;
        h->unwaited++;
    }
    h->samples++;
    sampler_forget_memory(s);
    const struct pywalk_thread *py = thread_of(h, s, ev->tid);
    h->stack.nframes = 0;
    h->stack.truncated = 0;
    if (py && pywalk_stack(sampler_walker(s), py->tstate, &h->stack) == 0 && !h->stack.truncated) {
        out.stack = &h->stack;
    } else if (!py && !sampler_script_runs(s)) {
        /* No thread state while the interpreter starts or shuts down: no
         * stack to read, none unreadable (a copy sample 3.8 ms into the
         * process, before the script started, was counted as unreadable
         * under the sanitizer build's slower daemon, in CI twice). */
        out.stack = NULL;
    } else {
        out.stack = py ? &h->stack : NULL;
        out.flags |= PROTO_HEAPF_TRUNCATED;
        h->truncated++;
    }
    int rc = emit(ctx, &out);
    if (ev->flags & ALLOC_EVF_WAITING) {
        uint32_t seq = ev->seq;
        ssize_t n = write(h->ack_fd, &seq, sizeof(seq));
        (void)n; /* a full ack pipe means nobody waits for it any more */
    }
    return rc;
}

static int handle(struct heap_link *h, struct sampler *s, const struct alloc_abi_event *ev,
                  heap_emit_fn emit, void *ctx)
{
    switch (ev->kind) {
    case ALLOC_EV_ALLOC:
    case ALLOC_EV_COPY:
        if (ev->weight == 0)
            return 0;
        return handle_sample(h, s, ev, emit, ctx);
    case ALLOC_EV_FREE: {
        struct heap_event out = {.time_ns = ev->time_ns, .tid = ev->tid,
                                 .kind = HEAP_EVENT_FREE, .addr = ev->addr};
        return emit(ctx, &out);
    }
    default:
        return 0; /* a second hello (a forked child's) or garbage: ignore */
    }
}

int heap_link_drain(struct heap_link *h, struct sampler *s, heap_emit_fn emit, void *ctx)
{
    if (!h->said_hello)
        return 0;
    if (h->closed)
        return -EPIPE;
    uint8_t buf[HEAP_DRAIN_BATCH * sizeof(struct alloc_abi_event)];
    memcpy(buf, h->carry, h->ncarry);
    ssize_t n = read(h->ev_fd, buf + h->ncarry, sizeof(buf) - h->ncarry);
    if (n == 0) {
        /* Every writer is gone (the target exited, or closed our
         * descriptors): stop polling a descriptor that stays readable. */
        close(h->ev_fd);
        close(h->ack_fd);
        h->ev_fd = h->ack_fd = -1;
        h->closed = 1;
        return -EPIPE;
    }
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    size_t have = h->ncarry + (size_t)n, off = 0;
    int rc = 0;
    for (; rc == 0 && off + sizeof(struct alloc_abi_event) <= have;
         off += sizeof(struct alloc_abi_event)) {
        struct alloc_abi_event ev;
        memcpy(&ev, buf + off, sizeof(ev));
        rc = handle(h, s, &ev, emit, ctx);
    }
    h->ncarry = rc ? 0 : have - off;
    memcpy(h->carry, buf + off, h->ncarry);
    return rc;
}

void heap_link_counts(const struct heap_link *h, uint64_t *samples, uint64_t *truncated,
                      uint64_t *unwaited, uint64_t *window)
{
    *samples = h->samples;
    *truncated = h->truncated;
    *unwaited = h->unwaited;
    *window = h->window;
}
