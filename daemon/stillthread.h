/* A blocked thread that has not run since its stack was last read still
 * has that stack: only the thread itself pushes and pops its frames (and
 * its native stack), and it can do neither off CPU. The kernel adds to a
 * thread's schedstat on-CPU time each time it leaves a CPU, so for a
 * thread off CPU at both reads an unchanged time means it did not run in
 * between. Pool and server programs keep most threads blocked (a
 * multiprocessing.Pool's three handler threads, the main thread waiting
 * for results): their stacks need not be read at every tick.
 *
 * One exception: a blocked thread the sampler stopped itself (--native
 * reads a blocked thread's native stack under a stop) runs a moment to
 * reach the stop and again to resume its wait. That much is allowed after
 * a stop, counted from its time read while it was stopped. */
#ifndef FAH_DAEMON_STILLTHREAD_H
#define FAH_DAEMON_STILLTHREAD_H

#include <stdint.h>

#include "daemon/taskstat.h"

struct still_thread {
    int known;         /* sched_ns is the time of a kept stack's read */
    uint64_t sched_ns; /* its on-CPU time (schedstat) then */
    uint64_t slack_ns; /* what our own stop may have added since */
    /* This tick's reading, until still_thread_kept. */
    int blocked_now;
    uint64_t now_ns;
    int held_now;
};

/* At this tick's first read of the thread (st straight from taskstat_read:
 * its schedstat time). Returns 1 when it is blocked and has not run since
 * the stack kept last (the caller uses that stack instead of reading it),
 * else 0. */
int still_thread_check(struct still_thread *w, const struct task_stat *st);

/* The thread was stopped by us and read again (st, while stopped): its
 * time from here on is the reference. */
void still_thread_held(struct still_thread *w, const struct task_stat *st);

/* The tick's stack was kept as the thread's (placed says it names
 * frames): it is the one to reuse while the thread stays blocked. */
void still_thread_kept(struct still_thread *w, int placed);

#endif
