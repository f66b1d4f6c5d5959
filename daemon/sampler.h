/* One sampling tick over one target: for every thread, the time since the
 * previous tick split into Python, native, system and idle time (from the
 * thread's CPU clock and state in /proc), and its Python stack. */
#ifndef FAH_DAEMON_SAMPLER_H
#define FAH_DAEMON_SAMPLER_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/attribute.h"
#include "daemon/pywalk.h"

struct thread_sample {
    uint32_t tid;
    uint32_t unplaced;          /* PROTO_UNPLACED_*: why there is no stack; 0 placed */
    uint64_t ns[SAMPLE_KINDS];  /* the interval, split by where it went */
    const struct pywalk_stack *stack; /* NULL: no Python stack */
};

/* Called for every thread of a tick; returns 0 to go on, negative to stop. */
typedef int (*sampler_emit_fn)(void *ctx, const struct thread_sample *sample);

struct sampler;

/* target must already be located. NULL when out of memory. */
struct sampler *sampler_new(pid_t pid, const struct py_target *target);
void sampler_free(struct sampler *s);

/* Where the bootstrap marks the end of the script's own code (endmark.h),
 * and whose file that must be: once it is there, empty stacks of the main
 * thread are the interpreter's teardown; before, they are torn reads. Not
 * called (attach): the shutdown is judged from stopped empty stacks. */
void sampler_set_end_mark(struct sampler *s, const char *path, uid_t owner);

/* Samples every thread once. Returns 0, -ESRCH when the target is gone or
 * has exited (a zombie not reaped yet), or the emitter's negative code. */
int sampler_tick(struct sampler *s, uint64_t now_ns, sampler_emit_fn emit, void *ctx);

/* The walker (for code ids and their descriptions). */
struct pywalk *sampler_walker(struct sampler *s);

/* Drops the cached target memory, so that the next walk between ticks (a
 * heap sample, daemon/heap_link.c) reads the target as it is now. */
void sampler_forget_memory(struct sampler *s);

/* Ticks that ran, and thread samples whose stack could not be read
 * (PROTO_UNPLACED_WALK_FAILED; start-up and teardown are not errors). */
uint64_t sampler_ticks(const struct sampler *s);
uint64_t sampler_errors(const struct sampler *s);

/* How walks fared. Of threads that were not stopped: how many walks there
 * were, how many found the thread moved on (or unreadable) and were walked
 * again, how many were still torn then. Running threads whose walk failed
 * (torn twice, or under a hold) are stopped and walked again: how often,
 * and how often that failed too (charged as walk failed). */
struct sampler_walk_stats {
    uint64_t unheld, retried, torn;
    uint64_t reheld, reheld_failed;
};
void sampler_walk_stats(const struct sampler *s, struct sampler_walk_stats *out);

#endif
