/* Whether a thread has left its CPU since the last look, without asking
 * its CPU. Reading a running thread's perf counter interrupts the CPU it
 * runs on (an IPI): on the VMs measured here that was the largest part of
 * a tick after the wake-up itself (13-15 us of 50-70). A thread that has
 * not been switched out since its clock was last read on a CPU is still
 * on it, and its CPU clock has moved exactly as the wall clock did.
 *
 * The kernel says so through its context-switch records (perf's
 * attr.context_switch on the thread's own counter, cpuclock_open): it
 * appends one to the counter's ring buffer each time the thread is
 * switched in or out. The buffer is mapped read-only, so the kernel runs it
 * in overwrite mode: its head moves at every record whether or not anyone
 * reads them. Each look reads the records since the previous one; a look
 * that comes too late for some (the kernel wrote over them) knows less. */
#ifndef FAH_DAEMON_SWITCHWATCH_H
#define FAH_DAEMON_SWITCHWATCH_H

#include <stdint.h>

struct switch_watch {
    const void *page; /* the counter's mapped control page, NULL: no watch */
    uint64_t seen;    /* its data head at the last look */
    int state;        /* after the newest record read: 1 on a CPU, 0 off, -1 not known */
};
#define SWITCH_WATCH_INIT {NULL, 0, -1}

/* Maps the ring buffer of fd, a counter cpuclock_open made with context
 * switch records. 0 or a negative errno code (-EPERM past the locked
 * memory perf allows, for one): the watch stays off, which only costs a
 * counter read per tick. */
int switchwatch_map(struct switch_watch *w, int fd);

/* What the thread's switches since the previous look (or the mapping) say
 * of it now. The records are the kernel's, in the order they happened: the
 * last one says whether it was switched in or out last. */
enum switch_seen {
    SWITCH_NONE = 0,     /* no switch: where it was then, it still is */
    SWITCH_LAST_IN = 1,  /* switched, and on its CPU at this look */
    SWITCH_LAST_OUT = 2, /* switched, and off CPU at this look */
    SWITCH_UNKNOWN = 3,  /* no watch, or a record it cannot read */
};
enum switch_seen switchwatch_look(struct switch_watch *w);

/* With times on the records (cpuclock_open asks for them), a look also
 * tells how long the thread was on a CPU from a moment since_ns, up to
 * now_ns: a thread stopped by us (switched out) and let go (switched in)
 * ran exactly from its switch back in, and its CPU clock need not be read.
 * Known only when every record since the previous look could be read, each
 * with its time, and the thread's state at since_ns is known: from a record
 * at or before it, from the newest record of earlier looks, from the
 * caller (on_at_since: 1 on a CPU, 0 off, -1 not known), or from the first
 * record after it (a switch out follows time on a CPU). */
struct switch_replay {
    int known;
    uint64_t on_ns; /* on a CPU between since_ns and now_ns */
    int on_now;     /* on a CPU at now_ns */
};
enum switch_seen switchwatch_look_since(struct switch_watch *w, uint64_t since_ns,
                                        int on_at_since, uint64_t now_ns,
                                        struct switch_replay *out);

void switchwatch_unmap(struct switch_watch *w);

#endif
