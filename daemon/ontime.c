/* The sampling thread's scheduling while it samples, and where a late
 * tick goes on from (see ontime.h). Linux's
 * sched_setscheduler with pid 0 acts on the calling thread alone. */
#include "daemon/ontime.h"

#include <sched.h>

int ontime_begin(int wanted, struct on_time *saved)
{
    saved->policy = -1;
    struct sched_param param;
    int policy = wanted ? sched_getscheduler(0) : -1;
    if (policy < 0 || sched_getparam(0, &param) != 0)
        return 0;
    policy &= ~SCHED_RESET_ON_FORK;
    if (policy == SCHED_FIFO || policy == SCHED_RR)
        return policy == SCHED_FIFO; /* already real-time: left as it was set */
    struct sched_param fifo = {.sched_priority = sched_get_priority_min(SCHED_FIFO)};
    /* SCHED_RESET_ON_FORK: nothing the daemon starts inherits the policy. */
    if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &fifo) != 0)
        return 0;
    saved->policy = policy;
    saved->priority = param.sched_priority;
    return 1;
}

void ontime_end(const struct on_time *saved)
{
    if (saved->policy < 0)
        return;
    struct sched_param param = {.sched_priority = saved->priority};
    sched_setscheduler(0, saved->policy, &param);
}

uint64_t ontime_catch_up(uint64_t deadline_ns, uint64_t period_ns, uint64_t now_ns)
{
    return deadline_ns + period_ns < now_ns ? now_ns : deadline_ns;
}
