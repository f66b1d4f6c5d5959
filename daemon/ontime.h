/* Ticks on time: while a session samples, its thread runs at the lowest
 * SCHED_FIFO priority when the daemon may take it (root, or
 * CAP_SYS_NICE), so that a tick is read when it is due, not when a busy
 * machine next frees a CPU. How late a starved daemon wakes depends on the
 * target (a thread that blocks frees a CPU), and reads that late find a
 * thread just blocked more often than the reverse: the bias
 * docs/time-kinds.md measures. `realtime = no` in the daemon's config
 * keeps the ordinary policy. */
#ifndef FAH_DAEMON_ONTIME_H
#define FAH_DAEMON_ONTIME_H

#include <stdint.h>

struct on_time {
    int policy; /* the thread's policy before ontime_begin, -1: unchanged */
    int priority;
};

/* Raises the calling thread if `wanted` and allowed. Returns 1 if it now
 * runs at SCHED_FIFO, 0 if not (not wanted, or refused: EPERM). */
int ontime_begin(int wanted, struct on_time *saved);

/* Puts the calling thread back as ontime_begin found it. */
void ontime_end(const struct on_time *saved);

/* Where the next tick's wait counts from, once the tick due at deadline_ns
 * is done at now_ns: that deadline, or now when the daemon is more than
 * period_ns behind (a stopped target, a daemon short of CPU, ticks dearer
 * than the period). Missed ticks are not fired back to back: they would
 * all see the same moment, and at SCHED_FIFO a daemon that cannot keep
 * the rate would hold a CPU. */
uint64_t ontime_catch_up(uint64_t deadline_ns, uint64_t period_ns, uint64_t now_ns);

#endif
