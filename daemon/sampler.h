/* One sampling tick over one target: for every thread, the time since the
 * previous tick split into Python, native, system, idle and GIL-wait time
 * (from the thread's CPU clock and state in /proc), whether it holds the
 * GIL, and its Python stack. */
#ifndef FAH_DAEMON_SAMPLER_H
#define FAH_DAEMON_SAMPLER_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/attribute.h"
#include "daemon/pywalk.h"

struct thread_sample {
    uint32_t tid;
    uint32_t unplaced;          /* PROTO_UNPLACED_*: why there is no stack; 0 placed */
    uint32_t flags;             /* PROTO_SAMPLE_GIL, _CARRIED, _NOT_READ */
    uint64_t ns[SAMPLE_KINDS];  /* the interval, split by where it went */
    uint64_t cpu_ns;            /* the interval's CPU time; 0 in a carried part */
    /* The wall time since the thread's previous observation, the weight of
     * this one's GIL state; 0 in a carried part and for non-Python threads */
    uint64_t wall_ns;
    /* When the tick observed it (CLOCK_MONOTONIC); 0: as it is emitted.
     * A thread's samples are held until its clock period ends
     * (daemon/periodbuf.h), and keep their own time. */
    uint64_t time_ns;
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

/* The process started after the session did (a descendant): its threads'
 * CPU clocks count from their start (an exact clock from when it is
 * opened, plus what schedstat says ran before), so their first tick
 * charges all of it rather than only setting the clocks. */
void sampler_set_started_within(struct sampler *s);

/* The process was spawned stopped for this session (`profile`): started
 * within it, and all it ran before the first tick (the exec, loading and
 * initialising the interpreter) is the interpreter's start-up, charged as
 * such. Without it that CPU was charged nowhere, and the process clock's
 * reading at the first tick, the origin of the unseen-CPU balance, was up
 * to a scheduler tick stale: the difference showed as "threads too
 * short-lived to sample" on scripts that start no thread. */
void sampler_set_spawned(struct sampler *s);

/* Never opens perf task-clock counters (daemon/cpuclock.h): threads' CPU
 * time comes from the fallback clocks used when the kernel refuses them.
 * Call before the first tick. */
void sampler_refuse_exact_clocks(struct sampler *s);
/* 1 when threads' CPU time comes from perf counters, else 0. */
int sampler_exact_clocks(const struct sampler *s);

/* The nominal time between ticks (10 ms until told): how long an interval
 * must be to count as a stall of the daemon rather than sampling. */
void sampler_set_period(struct sampler *s, uint64_t period_ns);

/* --native: from now on, every running Python thread is held at each
 * tick and its samples carry its native frames (daemon/native_stack.h),
 * named with debug info from debug_dirs ("" for /usr/lib/debug). Returns
 * 0 or -ENOMEM. */
int sampler_enable_native(struct sampler *s, const char *debug_dirs);

/* Samples every thread once, at now_ns, for the tick that was due at
 * planned_ns (the GIL's shares are weighed by the schedule, not by the
 * daemon's wake-ups). Returns 0, -ESRCH when the target is gone or has
 * exited (a zombie not reaped yet), or the emitter's negative code. */
int sampler_tick(struct sampler *s, uint64_t now_ns, uint64_t planned_ns, sampler_emit_fn emit,
                 void *ctx);

/* Emits the samples each thread's clock period still holds
 * (daemon/periodbuf.h), as they stand: before a session ends with the
 * target still running. 0 or the emitter's negative code. */
int sampler_release_held(struct sampler *s, sampler_emit_fn emit, void *ctx);

/* Thread tid's OS name (comm) as the sampler first listed it: 0 and name,
 * or -ENOENT (not listed, or unreadable then). A thread's samples may go
 * out after it has ended (held: periodbuf.h), when /proc has it no more:
 * 25 of the 33 threads an HTTP server ran for 400 requests were named "?". */
int sampler_thread_comm(const struct sampler *s, uint32_t tid, char *name, size_t len);

/* The name threading gives thread tid (threading.Thread(name=...)), as
 * the ticks last read it (threadnamer.h): 0 and name, or -ENOENT (not
 * found yet, not a Python thread, or not a threading one). Kept after the
 * thread has ended, while its samples may still go out. */
int sampler_thread_name(const struct sampler *s, uint32_t tid, char *name, size_t len);

/* The walker (for code ids and their descriptions). */
struct pywalk *sampler_walker(struct sampler *s);

/* Whether the script runs: the main thread has run a module's code and
 * the interpreter is not shutting down. Before and after, a thread with no
 * thread state has no Python stack to read (start-up, teardown). */
int sampler_script_runs(const struct sampler *s);

/* Drops the cached target memory, so that the next walk between ticks (a
 * heap sample, daemon/heap_link.c) reads the target as it is now. */
void sampler_forget_memory(struct sampler *s);

/* Ticks that ran, and thread samples whose stack could not be read
 * (PROTO_UNPLACED_WALK_FAILED; start-up and teardown are not errors). */
uint64_t sampler_ticks(const struct sampler *s);
uint64_t sampler_errors(const struct sampler *s);

/* How walks fared. Of threads that were not stopped: how many walks there
 * were, how many times one found the thread moved on (or unreadable) and
 * was walked again, how many were torn at every try. Running threads whose
 * walk failed (torn at every try, or under a hold) are stopped and walked
 * again: how often, and how often that failed too (charged as walk
 * failed). And what the stops cost the target: at how many of its
 * threads' samples one was stopped, and for how long in all, from each
 * stop's arrival to its release (threadstop_release's figure; the
 * interrupt that brings a stop, 20-50 us, comes on top): on a machine
 * whose speed drifts by more than an overhead, the figure to compare. */
struct sampler_walk_stats {
    uint64_t unheld, retried, torn;
    uint64_t reheld, reheld_failed;
    uint64_t reads; /* system calls that read the target's memory */
    uint64_t stopped_samples, stopped_ns;
};
void sampler_walk_stats(const struct sampler *s, struct sampler_walk_stats *out);

#endif
