/* Whether a thread has left its CPU since the last look, without asking
 * its CPU. Reading a running thread's perf counter interrupts the CPU it
 * runs on (an IPI): on the VMs measured here that was the largest part of
 * a tick after the wake-up itself (13-15 us of 50-70). A thread that has
 * not been switched out since its clock was last read on a CPU is still
 * on it, and its CPU clock has moved exactly as the wall clock did.
 *
 * The kernel says so through its context-switch records (perf's
 * attr.context_switch on the thread's own counter, cpuclock_open): it
 * appends one to the counter's ring buffer each time the thread is
 * switched in or out. The buffer is mapped read-only, so the kernel runs it
 * in overwrite mode: its head moves at every record whether or not anyone
 * reads them. Each look reads the records since the previous one; a look
 * that comes too late for some (the kernel wrote over them) knows less.
 * The thread's exit is one more record (attr.task): its counter stops
 * there, so from then on the watch reads it as switched out for good,
 * whatever exit work it still runs (only the process's CPU clock sees
 * that: unseencpu.h). */
#ifndef FAH_DAEMON_SWITCHWATCH_H
#define FAH_DAEMON_SWITCHWATCH_H

#include <stdint.h>
#include <sys/types.h>

/* What a wait, from a switch out to the next switch in, was spent in. */
enum switch_wait_class {
    SWITCH_WAIT_UNKNOWN = 0, /* no sample with its switch out, or the records were lost */
    SWITCH_WAIT_GIL = 1,     /* a futex inside the GIL (struct switch_gil) */
    SWITCH_WAIT_OTHER = 2,   /* any other system call */
    SWITCH_WAIT_QUEUED = 3,  /* preempted: runnable, waiting for a CPU, no wait at all */
    SWITCH_WAIT_EXITED = 4,  /* its counter stopped at its exit: no wait, and no more CPU */
};

/* Where the GIL lies in the target, [lo, hi): a futex in it is a wait for
 * the GIL. hi 0: not known yet. */
struct switch_gil {
    uint64_t lo, hi;
};

/* Blocked time since switchwatch_take_waits, by what it was spent in. */
struct switch_waits {
    uint64_t gil_ns, other_ns, unknown_ns;
};

struct switch_watch {
    const void *page; /* the counter's mapped control page, NULL: no watch */
    uint64_t seen;    /* its data head at the last look */
    int state;        /* after the newest record read: 1 on a CPU, 0 off, -1 not known */
    uint64_t preempted_ns; /* that record's time when it is a switch out that left it runnable */
    int why_fd;       /* its switch outs sampled (switchwatch_explain), -1 not */
    const struct switch_gil *gil; /* the target's GIL (switchwatch_explain), NULL none */
    uint64_t looked_ns;       /* when it was last looked at (CLOCK_MONOTONIC) */
    uint64_t counted_ns;      /* waits are counted up to here */
    int open_class;           /* enum switch_wait_class of the wait it is in, when off */
    int sampled;              /* a switch out's sample came, its record not yet */
    uint64_t sampled_arg;     /* and the first argument it held */
    uint64_t sampled_ns;      /* and when */
    struct switch_waits waits; /* counted since the last switchwatch_take_waits */
};
#define SWITCH_WATCH_INIT {.page = NULL, .state = -1, .why_fd = -1}

/* Maps the ring buffer of fd, a counter cpuclock_open made with context
 * switch records. 0 or a negative errno code (-EPERM past the locked
 * memory perf allows, for one): the watch stays off, which only costs a
 * counter read per tick. */
int switchwatch_map(struct switch_watch *w, int fd);

/* What the thread's switches since the previous look (or the mapping) say
 * of it now. The records are the kernel's, in the order they happened: the
 * last one says whether it was switched in or out last. */
enum switch_seen {
    SWITCH_NONE = 0,     /* no switch: where it was then, it still is */
    SWITCH_LAST_IN = 1,  /* switched, and on its CPU at this look */
    SWITCH_LAST_OUT = 2, /* switched, and off CPU at this look */
    SWITCH_UNKNOWN = 3,  /* no watch, or a record it cannot read */
};
enum switch_seen switchwatch_look(struct switch_watch *w);

/* With times on the records (cpuclock_open asks for them), a look also
 * tells how long the thread was on a CPU from a moment since_ns, up to
 * now_ns: a thread stopped by us (switched out) and let go (switched in)
 * ran exactly from its switch back in, and its CPU clock need not be read.
 * Known only when every record since the previous look could be read, each
 * with its time, and the thread's state at since_ns is known: from a record
 * at or before it, from the newest record of earlier looks, from the
 * caller (on_at_since: 1 on a CPU, 0 off, -1 not known), or from the first
 * record after it (a switch out follows time on a CPU); and only when the
 * previous look came no later than since_ns, since the records it read are
 * not read again. A look with a now_ns also counts the thread's waits up
 * to it (switchwatch_take_waits). */
struct switch_replay {
    int known;
    uint64_t on_ns; /* on a CPU between since_ns and now_ns */
    int on_now;     /* on a CPU at now_ns */
};
enum switch_seen switchwatch_look_since(struct switch_watch *w, uint64_t since_ns,
                                        int on_at_since, uint64_t now_ns,
                                        struct switch_replay *out);

/* Where the kernel's records stand now (0 without a watch), for
 * switchwatch_moved_since: one load from the mapped page, no record read,
 * and the looks are not disturbed. */
uint64_t switchwatch_mark(const struct switch_watch *w);

/* Whether the kernel recorded anything for the thread since mark: it was
 * switched in or out (or exited) meanwhile. 0 without a watch. */
int switchwatch_moved_since(const struct switch_watch *w, uint64_t mark);

/* When the thread was preempted, if the newest record the looks have read
 * is a switch out that left it runnable (0 otherwise). */
uint64_t switchwatch_preempted_at(const struct switch_watch *w);

/* Asks the kernel to also sample thread tid at each of its switches out,
 * into the ring of fd (mapped by switchwatch_map), with the register that
 * holds a system call's first argument: a thread blocked in a futex
 * passed the futex's address there, and one inside the GIL is a wait for
 * the GIL (docs/time-kinds.md, "Waits told apart by the kernel"). Such a
 * sample is taken in the scheduler, so it needs kernel profiling
 * (kernel.perf_event_paranoid 1 or less, CAP_PERFMON or root). 0, or a
 * negative errno code: the records then only say when, and every wait
 * counts as unknown. gil, which must outlive the watch, says where the
 * target's GIL is, once known. */
int switchwatch_explain(struct switch_watch *w, int fd, pid_t tid, const struct switch_gil *gil);

/* The thread's blocked time counted by the looks since the previous call,
 * up to the last look's now_ns; counting starts over. A wait for a CPU
 * after a preemption is not blocked time; one after a wake-up is counted
 * with the wait it follows (the records do not say when it was woken). */
struct switch_waits switchwatch_take_waits(struct switch_watch *w);

void switchwatch_unmap(struct switch_watch *w);

#endif
