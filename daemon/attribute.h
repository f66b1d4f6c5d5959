/* Whose time is it? A tick sees a thread at two instants, the previous
 * tick and this one, and knows how much of the interval between was on
 * CPU and how much off it. At a transition the two parts belong to
 * different lines: a thread that slept at the previous tick and runs now
 * slept on the previous line and runs on the current one. Pure functions. */
#ifndef FAH_DAEMON_ATTRIBUTE_H
#define FAH_DAEMON_ATTRIBUTE_H

#include <stdint.h>

enum sample_kind {
    SAMPLE_PYTHON = 0,
    SAMPLE_NATIVE = 1,
    SAMPLE_SYSTEM = 2,
    SAMPLE_IDLE = 3,
    SAMPLE_GIL_WAIT = 4, /* blocked until another thread lets go of the GIL */
    SAMPLE_KINDS = 5,
};

/* Time off CPU that one interval withholds for the next (see
 * interval_split.withheld): how much, its kind, and whose it is. */
struct withheld_off {
    uint64_t ns;
    int kind;
    /* 1: the last observation that found the thread blocked (the wait it
     * woke from); 0: the observation that withheld it */
    int to_waited;
    /* The GIL's part of it, in millionths, as the switch records of its
     * interval told (attribute_gil_ppm), when split_known */
    int split_known, gil_ppm;
};

/* What one tick saw of a thread. */
struct thread_observation {
    int valid;    /* 0: no previous observation (a new thread) */
    int running;  /* on CPU or runnable */
    int cpu_kind; /* SAMPLE_PYTHON or SAMPLE_NATIVE: where a running thread was */
    /* SAMPLE_SYSTEM, SAMPLE_IDLE or SAMPLE_GIL_WAIT: what a blocked thread
     * waited in */
    int off_kind;
    /* What a thread running at both ends of an interval waited in between:
     * SAMPLE_GIL_WAIT or SAMPLE_IDLE (see docs/time-kinds.md) */
    int gap_kind;
    int holds_gil; /* it held the GIL at this observation */
    /* A running thread was on a CPU, not waiting for one: the kernel has
     * booked every wait for a CPU it had */
    int on_cpu;
};

/* The observations of a thread that an interval can be charged to. */
struct thread_history {
    struct thread_observation prev;   /* the previous tick's; valid 0: a new thread */
    struct thread_observation ran;    /* the last that found it on a CPU; valid 0: none */
    struct thread_observation waited; /* the last that found it blocked; valid 0: none */
    /* the last that found it blocked in anything but the GIL; valid 0: none */
    struct thread_observation slept;
};

struct interval_split {
    uint64_t prev_ns[SAMPLE_KINDS]; /* charged to the previous observation's stack */
    uint64_t cur_ns[SAMPLE_KINDS];  /* charged to the current one */
    /* Charged to the stack of the last observation that found the thread
     * on a CPU: the CPU time of an interval blocked at both ends, or that
     * ends with the thread waiting for a CPU. */
    uint64_t ran_ns[SAMPLE_KINDS];
    /* Charged to the stack of the last observation that found it blocked:
     * the time a lone thread running at both ends spent off CPU between. */
    uint64_t waited_ns[SAMPLE_KINDS];
    /* Charged to the stack of the last observation that found it blocked
     * in anything but the GIL: a wait the switch records name as such when
     * neither end of the interval saw it. */
    uint64_t slept_ns[SAMPLE_KINDS];
    /* Charged to nobody yet: the time off CPU of an interval that ends with
     * the thread runnable but waiting for a CPU. The kernel books a wait
     * for a CPU (schedstat's run_delay) only when the thread gets one, so
     * that time still holds the wait in progress. The next interval,
     * once the kernel has booked it, charges the rest (interval_time's
     * carried) as the kind, and to the observation, it would have been
     * charged to now. */
    struct withheld_off withheld;
};

/* The parts of one interval of a thread, from its clocks. */
struct interval_time {
    uint64_t cpu;  /* on CPU */
    uint64_t runq; /* runnable, waiting for a CPU (a busy machine) */
    uint64_t off;  /* blocked: sleeping, I/O, or waiting on another thread */
    int alone;     /* the process has no other thread that could hold the GIL */
    /* Of cpu, the part spent in the kernel (system calls, page faults):
     * system time at the line, not Python or native. */
    uint64_t kernel;
    /* Time off CPU that the previous interval withheld (see
     * interval_split.withheld), less the wait for a CPU the kernel booked
     * since. Not part of off. */
    struct withheld_off carried;
    /* Of the time blocked since the last interval, what the thread's
     * switch records say it waited in (switchwatch.h): the GIL, anything
     * else, or not known. They set the GIL's part of off and carried when
     * they tell it (docs/time-kinds.md). */
    uint64_t waits_gil, waits_other, waits_unknown;
};

/* The GIL's part of a thread's blocked time, in millionths, from its
 * switch records; -1 when they do not tell: no blocked time, or more than
 * a tenth of it unknown. */
int attribute_gil_ppm(uint64_t gil_ns, uint64_t other_ns, uint64_t unknown_ns);

/* Splits an interval between the current observation of a thread and the
 * earlier ones its history keeps. Waiting for a CPU is charged to nobody: it
 * measures the machine's load, not the code, and would skew the shares of
 * CPU-bound functions. */
void attribute_interval(const struct thread_history *seen, const struct thread_observation *cur,
                        const struct interval_time *time, struct interval_split *out);

/* The last interval of a thread that has ended (it exited, or its
 * process did), from its last observation to its end: no observation ends
 * it, and only its CPU time is known (cpu and kernel). That goes where the
 * thread was last seen running, as an interval that ends blocked would:
 * the previous observation if it ran there, else the last that found it
 * on a CPU (ran_ns), else the previous one. A pool's worker that computes
 * until it exits, waiting for a CPU at its last ticks, is charged there. */
void attribute_last_interval(const struct thread_history *seen, const struct interval_time *time,
                             struct interval_split *out);

/* Takes off time the part of an interval beyond cap_ns of its wall_ns,
 * each of its parts in proportion, into *unseen (all zero when it is not
 * longer). Two observations a long stall apart (the daemon stopped, or
 * starved of CPU) say nothing of what ran between them: charged to them,
 * a 5 s stop would put 5 s on whatever line the next tick finds. */
void attribute_unseen_part(struct interval_time *time, uint64_t wall_ns, uint64_t cap_ns,
                           struct interval_time *unseen);

#endif
