/* Keeping a session's sampling thread off the CPUs its target runs on. A
 * daemon that wakes on the target's CPU takes that CPU from the target at
 * every tick, and then always finds it preempted rather than running: the
 * kernel preempts a task lazily, at its next return from a system call or
 * interrupt, so a preempted thread stands after a system call far more
 * often than its time there warrants. Running elsewhere, the daemon costs
 * the target nothing and finds it on CPU. */
#ifndef FAH_DAEMON_PLACEMENT_H
#define FAH_DAEMON_PLACEMENT_H

#include <sched.h>

struct placement {
    int known;            /* allowed holds the thread's own affinity */
    cpu_set_t allowed;    /* where the thread may run at all */
    cpu_set_t avoided;    /* the target's CPUs it is kept off now */
};

/* Restricts the calling thread to its allowed CPUs other than cpus[0..n)
 * (where the target's running threads were last seen), if any remains;
 * otherwise lets it run on all of them. A system call only when the set
 * changes. */
void placement_avoid(struct placement *pl, const int *cpus, int n);

#endif
