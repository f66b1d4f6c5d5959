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
    /* CLOCK_MONOTONIC when the thread stopped, as far as the daemon
     * knows: when waitpid reported it. Timed from when the stop was asked
     * for, the time until it landed (milliseconds when the thread's CPU
     * had been taken by the hypervisor) was taken from the next interval's
     * waits: a 3 ms sleep's line lost 0.3-2.3 pp of the run with little
     * steal, 6-10 pp under heavy steal. What lies between the stop and its
     * report (the daemon's own wake-up) is no wait either:
     * threadclock_interval leaves out the time of a thread that never left
     * its CPU but for our stop. */
    uint64_t stopped_ns;
};

/* Stops tid. Returns 0 with hold->held set, -ESRCH when the thread is gone,
 * -EPERM when it may not be traced (or is traced by someone else). */
int threadstop_hold(pid_t tid, struct thread_hold *hold);

/* Reads the stopped thread's instruction and stack pointers. */
int threadstop_regs(const struct thread_hold *hold, uint64_t *pc, uint64_t *sp);

/* Lets the thread go, handing back any signal the stop intercepted.
 * Returns how long it was stopped (ns), 0 when it was not held: time the
 * thread spent stopped by us is neither its CPU time nor its waiting. */
uint64_t threadstop_release(struct thread_hold *hold);

#endif
