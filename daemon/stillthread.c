/* Telling a blocked thread that has not run since (see stillthread.h). */
#include "daemon/stillthread.h"

/* What a blocked thread runs to go back to its wait after our stop (the
 * system call restarted): 2-17 us measured here on threads waiting in an
 * Event, a Lock and time.sleep. Only the one interval after a stop gets
 * it: a thread that wakes, runs Python and blocks again within it is
 * taken for unmoved for that tick. */
#define STILL_STOP_SLACK_NS 30000u

static int is_blocked(char state)
{
    return state == 'S' || state == 'D';
}

int still_thread_check(struct still_thread *w, const struct task_stat *st)
{
    w->blocked_now = is_blocked(st->state);
    w->now_ns = st->cpu_ns;
    w->held_now = 0;
    if (!w->known || !w->blocked_now || st->cpu_ns < w->sched_ns)
        return 0;
    return st->cpu_ns - w->sched_ns <= w->slack_ns;
}

void still_thread_held(struct still_thread *w, const struct task_stat *st)
{
    w->now_ns = st->cpu_ns;
    w->held_now = 1;
}

void still_thread_kept(struct still_thread *w, int placed)
{
    w->known = placed && w->blocked_now;
    w->sched_ns = w->now_ns;
    w->slack_ns = w->held_now ? STILL_STOP_SLACK_NS : 0;
}
