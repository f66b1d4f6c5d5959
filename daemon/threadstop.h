/* Holding one thread still for the length of a sample: PTRACE_SEIZE and
 * PTRACE_INTERRUPT, then PTRACE_DETACH. The daemon attaches only for the
 * moment it reads, so a daemon that dies leaves nothing behind: the kernel
 * detaches and the thread runs on. All calls must come from one thread. */
#ifndef FAH_DAEMON_THREADSTOP_H
#define FAH_DAEMON_THREADSTOP_H

#include <stdint.h>
#include <sys/types.h>

struct thread_hold {
    pid_t tid;
    int held;       /* attached and stopped */
    int pending_signal; /* a signal the stop intercepted, given back on release */
    /* CLOCK_MONOTONIC when the stop was asked for. The thread leaves its
     * CPU soon after, and the daemon hears of it only when it wakes from
     * waitpid: timed from then, the 20-40 us between went to the thread
     * as time off CPU, charged where it last waited (a CPU-bound script
     * at 5 kHz with every tick stopping it: 17% of its run as system time
     * on an import's read() at its start). */
    uint64_t asked_ns;
};

/* Stops tid. Returns 0 with hold->held set, -ESRCH when the thread is gone,
 * -EPERM when it may not be traced (or is traced by someone else). */
int threadstop_hold(pid_t tid, struct thread_hold *hold);

/* Reads the stopped thread's instruction and stack pointers. */
int threadstop_regs(const struct thread_hold *hold, uint64_t *pc, uint64_t *sp);

/* Lets the thread go, handing back any signal the stop intercepted.
 * Returns how long it was held (ns), from when the stop was asked for; 0
 * when it was not held: time the thread spent stopped by us is neither
 * its CPU time nor its waiting. */
uint64_t threadstop_release(struct thread_hold *hold);

#endif
