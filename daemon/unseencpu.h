/* CPU time of threads no tick saw. A thread that starts and ends between
 * two ticks (a thread per request, a short-lived worker) is never
 * observed, and its CPU time would vanish from the profile without a
 * word. The process's CPU clock counts every thread's, living or gone:
 * what it gained beyond what the ticks charged to the threads they saw is
 * that time, reported as unattributed (PROTO_UNPLACED_SHORT_THREADS).
 *
 * A tick may charge a thread's CPU late: an interval is carried while the
 * thread waits for a CPU or its walk fails (up to 8 ticks each), and the
 * clock has gained it meanwhile. So a balance is reported only once it has
 * stayed positive for a settling time longer than any carry; what is left
 * when the process ends is reported then, carries that never came
 * included (they were charged nowhere either). Under half a percent of
 * the process's CPU since the last report is the two clocks' drift, and
 * is not reported (unseencpu.c). */
#ifndef FAH_DAEMON_UNSEENCPU_H
#define FAH_DAEMON_UNSEENCPU_H

#include <stdint.h>
#include <sys/types.h>

#define UNSEENCPU_READINGS 32

struct unseen_cpu {
    int known;            /* the process's clock has been read once */
    uint64_t process_ns;  /* its CPU clock at the last reading */
    uint64_t reported_ns; /* and at the last report */
    uint64_t kernel_ns;   /* its kernel time (/proc/PID/stat) at the last report */
    uint64_t charged_ns;  /* CPU the ticks charged to threads since the last reading */
    int64_t balance_ns;   /* what the clock gained beyond them, not yet reported */
    /* CPU the threads' clocks still owe the ticks (threadclock_owed, all
     * threads): a credit the ticks will still charge, less a debt they
     * charged ahead. A credit is no unseen CPU, but stood in the balance
     * until it was given back: a one-thread script reported 10.6 ms as
     * short-lived threads once credits were spread out (2d689e1). A debt
     * is left in the balance, which it keeps below what is reported. */
    int64_t owed_ns;
    /* The balance at the latest readings, and when they were due. */
    struct {
        uint64_t due_ns;
        int64_t balance_ns;
    } recent[UNSEENCPU_READINGS];
    int nrecent, newest;
};

/* A tick charged ns of CPU time to a thread it saw; or took it back (an
 * interval carried to the next tick, which charges it again). */
void unseencpu_charged(struct unseen_cpu *u, uint64_t ns);
void unseencpu_uncharged(struct unseen_cpu *u, uint64_t ns);

/* Reads the process's CPU clock at the tick due at due_ns and returns the
 * CPU time to report as no seen thread's (0: none yet), its kernel part in
 * *kernel_ns: the least balance of the readings of the last settle_ns,
 * once they span that long. from_start: the threads' clocks count from
 * their start (a process born in the session), and so does the first
 * reading; else the first reading is the origin. */
uint64_t unseencpu_take(struct unseen_cpu *u, pid_t pid, int from_start, uint64_t due_ns,
                        uint64_t settle_ns, uint64_t *kernel_ns);

/* The process has ended: what is left of the balance at its last reading,
 * less what ticks charged since (0: nothing to report), its kernel part
 * in *kernel_ns. Its clock is read once more (a zombie still has it, a
 * reaped process not): what it gained since the last reading beyond what
 * the ticks charged since is its exit, *exit_ns, all of it kernel time.
 * A thread's counter stops before its exit frees the process's memory
 * (measured on 6.18: 46 ms of CPU for 1 GiB of 4 KiB pages, 0.02 ms of it
 * counted), so that work is no unseen thread's; and no thread can start
 * once the process is exiting. The sampler takes no reading once the
 * interpreter is torn down, so that all of the exit is in this one. */
uint64_t unseencpu_finish(struct unseen_cpu *u, pid_t pid, uint64_t *kernel_ns,
                          uint64_t *exit_ns);

#endif
