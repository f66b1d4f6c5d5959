/* The daemon's end of the allocation sampler preloaded into a --memory
 * target (client/alloc/, common/alloc_abi.h): opens the library's pipes
 * through /proc/PID/fd, reads its events, reads the allocating thread's
 * Python stack while that thread waits, and acknowledges. */
#ifndef FAH_DAEMON_HEAP_LINK_H
#define FAH_DAEMON_HEAP_LINK_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/pywalk.h"
#include "daemon/sampler.h"

enum heap_event_kind {
    HEAP_EVENT_ALLOC = 1,
    HEAP_EVENT_COPY = 2,
    HEAP_EVENT_FREE = 3,
};

/* One event, as handed to the session. */
struct heap_event {
    uint64_t time_ns; /* CLOCK_MONOTONIC, as the target saw it */
    uint32_t tid;
    uint32_t kind;    /* enum heap_event_kind */
    uint32_t flags;   /* PROTO_HEAPF_* */
    uint64_t weight, size, addr;
    const struct pywalk_stack *stack; /* NULL for FREE or when not found */
};

/* Returns 0 to go on, negative to stop draining. */
typedef int (*heap_emit_fn)(void *ctx, const struct heap_event *ev);

struct heap_link;

/* NULL when out of memory. Nothing is opened yet. */
struct heap_link *heap_link_new(pid_t pid);
void heap_link_free(struct heap_link *h);

/* Opens the target's pipes once the library has made them and said hello.
 * Returns 1 when attached (now or before), 0 when not yet, or a negative
 * errno code when the descriptors are not the library's (give up). */
int heap_link_attach(struct heap_link *h);

/* The descriptor to poll for events, or -1 before attaching. */
int heap_link_fd(const struct heap_link *h);

/* Handles every event waiting in the pipe: for a sampled allocation or copy
 * reads the thread's stack through the sampler's walker, emits, then
 * acknowledges. Returns 0, -EPIPE once the target closed its end, or the
 * emitter's negative code. */
int heap_link_drain(struct heap_link *h, struct sampler *s, heap_emit_fn emit, void *ctx);

/* Counters: samples received, whose stack was partial or missing, and
 * events lost or unwaited; the window the library samples with (0 before
 * its hello). */
void heap_link_counts(const struct heap_link *h, uint64_t *samples, uint64_t *truncated,
                      uint64_t *unwaited, uint64_t *window);

#endif
