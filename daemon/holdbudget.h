/* How often a process may be stopped for a thread's PC: on average at most
 * one stop per `gap_ns` of planned tick time, with a credit of at most
 * `burst_ns` saved up for ticks that come close together.
 *
 * A fixed minimum gap between two stops would serve a fixed period, but
 * the ticks are jittered (session.c): they come 0.5 to 1.5 periods
 * apart, and a fixed gap would deny stops to ticks that come early
 * although the rate of ticks is within the rate of stops allowed. The
 * budget lets every tick stop one thread while the rate stays under the
 * budget's, and above it spreads the stops out as the gap did. */
#ifndef FAH_DAEMON_HOLDBUDGET_H
#define FAH_DAEMON_HOLDBUDGET_H

#include <stdint.h>

struct hold_budget {
    uint64_t gap_ns;   /* one stop's worth of planned time */
    uint64_t burst_ns; /* the most credit kept: burst_ns / gap_ns stops in a row */
    uint64_t next_ns;  /* a stop is allowed at a tick due at or after this; 0: any */
};

/* A budget of one stop per gap_ns, saving up to burst_ns. */
struct hold_budget holdbudget_make(uint64_t gap_ns, uint64_t burst_ns);

/* Whether a tick due at due_ns may stop a thread. */
int holdbudget_allows(const struct hold_budget *b, uint64_t due_ns);

/* A tick due at due_ns stopped a thread. */
void holdbudget_spend(struct hold_budget *b, uint64_t due_ns);

#endif
