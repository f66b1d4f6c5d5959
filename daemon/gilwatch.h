/* The GIL side of observing a thread: whether it holds the GIL now, whether
 * a blocked thread waits for it, and whether a gap off CPU between two
 * running observations was a wait for it (docs/time-kinds.md). One per
 * sampler; the GIL's layout comes from symbols/ through struct py_offsets. */
#ifndef FAH_DAEMON_GILWATCH_H
#define FAH_DAEMON_GILWATCH_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/pygil.h"
#include "daemon/rmem.h"
#include "daemon/taskstat.h"
#include "symbols/pylocate.h"

struct gilwatch {
    const struct rmem *mem;
    const struct py_offsets *off; /* must outlive the watch */
    uint64_t runtime_addr;
    int known;               /* off says where the GIL is */
    struct pygil_state last; /* as the last gilwatch_read found it */
    int current;             /* last was read since gilwatch_new_tick */
    uint64_t last_interp;    /* the interpreter whose GIL last is */
};

/* off and mem must outlive w. */
void gilwatch_init(struct gilwatch *w, const struct py_offsets *off, uint64_t runtime_addr,
                   const struct rmem *mem);

/* Reads the GIL of the interpreter at interp into w->last, which stays
 * this tick's snapshot of it. The caller makes sure mem reads afresh.
 * Unknown or unreadable: nobody holds it (w->last zeroed). */
void gilwatch_read(struct gilwatch *w, uint64_t interp);

/* A new tick: the snapshot is out of date. */
static inline void gilwatch_new_tick(struct gilwatch *w)
{
    w->current = 0;
}

/* Whether w->last is this tick's snapshot of interp's GIL. */
static inline int gilwatch_current(const struct gilwatch *w, uint64_t interp)
{
    return w->current && w->last_interp == interp;
}

/* Whether the thread state tstate held the GIL at the snapshot. */
static inline int gilwatch_held_by(const struct gilwatch *w, uint64_t tstate)
{
    return w->last.holder && w->last.holder == tstate;
}

/* What a blocked thread waits in (enum sample_kind): the GIL when the futex
 * it sleeps on lies inside the GIL last read, another futex (a lock, a
 * condition, a join) idle, any other system call (I/O, sleep) system.
 * GILWATCH_WOKE when it is no longer blocked: its wait ended between the
 * read of its state and this one, and which wait it was is gone with it. */
#define GILWATCH_WOKE (-1)
/* files: the thread's /proc files kept open between ticks (its syscall
 * file is opened there and stays), or NULL to open and close it. */
int gilwatch_blocked_kind(const struct gilwatch *w, pid_t pid, uint32_t tid,
                          struct task_files *files);

/* The kind of a gap off CPU of a thread running at both ends of its
 * interval: a GIL wait when the GIL changed hands since *switches_seen
 * (updated) and the thread ran the interpreter's own code at either end;
 * else idle. A new thread's first gap is idle. */
int gilwatch_gap_kind(const struct gilwatch *w, uint64_t *switches_seen, int in_interpreter,
                      int is_new);

#endif
