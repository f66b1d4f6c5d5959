/* A thread's samples held from one stop that sets its exact clock on
 * schedstat to the next (threadclock_read_stopped), and then let go with
 * what that stop found settled in them.
 *
 * The clock counts time the thread did not run (steal: the hypervisor ran
 * another guest on its CPU), which schedstat, and the thread's own
 * thread_time(), leave out; a stop finds how much it counted too much (or
 * too little) since the stop before. Settled by the intervals after that
 * stop, the difference went to other stacks than the ones that had it: a
 * 0.3 s spin's before a sleep lost up to 16 ms to its teardown, or to
 * "threads too short-lived", under steal from two busy loops. Held, the
 * samples of the period take it back themselves, each in proportion to
 * the CPU time it has. */
#ifndef FAH_DAEMON_PERIODBUF_H
#define FAH_DAEMON_PERIODBUF_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/sampler.h"

struct period_record {
    struct thread_sample sample; /* its stack below, not here */
    size_t frames_at;            /* where its frames start in frames[] */
    uint32_t nframes;
    int has_stack;
};

struct period_buf {
    struct period_record *records;
    size_t n, cap;
    struct pywalk_frame *frames;
    size_t nframes, frames_cap;
    uint64_t first_ns; /* when the oldest record was held */
    uint64_t user_ns;  /* the records' Python and native time */
    uint64_t cpu_ns;   /* their CPU time (thread_sample.cpu_ns) */
};

#define PERIOD_BUF_INIT {0}

/* Holds a copy of sample (and its stack), stamped with now_ns unless it
 * has a time. 0 or -ENOMEM. */
int periodbuf_hold(struct period_buf *b, const struct thread_sample *sample, uint64_t now_ns);

/* How many samples are held, and since when (0: none). */
size_t periodbuf_count(const struct period_buf *b);
uint64_t periodbuf_since(const struct period_buf *b);

/* Emits the held samples in order, with less_ns of CPU taken out of them
 * (negative: added), shared in proportion to each one's Python and native
 * time and to its CPU time, and empties the buffer. At most all of their
 * Python and native time is taken out, and at most as much added;
 * *applied gets what was. scratch holds each stack as it is emitted.
 * Returns 0 or the emitter's negative code (the rest is dropped then). */
int periodbuf_release(struct period_buf *b, int64_t less_ns, int64_t *applied,
                      struct pywalk_stack *scratch, sampler_emit_fn emit, void *ctx);

void periodbuf_free(struct period_buf *b);

#endif
