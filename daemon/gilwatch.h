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
#include "symbols/pylocate.h"

struct gilwatch {
    const struct rmem *mem;
    const struct py_offsets *off; /* must outlive the watch */
    uint64_t runtime_addr;
    int known;               /* off says where the GIL is */
    struct pygil_state last; /* as the last gilwatch_read found it */
};

/* off and mem must outlive w. */
void gilwatch_init(struct gilwatch *w, const struct py_offsets *off, uint64_t runtime_addr,
                   const struct rmem *mem);

/* Reads the GIL of the interpreter at interp into w->last; returns whether
 * the thread state tstate holds it. The caller makes sure mem reads afresh.
 * Unknown or unreadable: nobody holds it (w->last zeroed). */
int gilwatch_read(struct gilwatch *w, uint64_t interp, uint64_t tstate);

/* What a blocked thread waits in (enum sample_kind): the GIL when the futex
 * it sleeps on lies inside the GIL last read, another futex (a lock, a
 * condition, a join) idle, any other system call (I/O, sleep) system. */
int gilwatch_blocked_kind(const struct gilwatch *w, pid_t pid, uint32_t tid);

/* The kind of a gap off CPU of a thread running at both ends of its
 * interval: a GIL wait when the GIL changed hands since *switches_seen
 * (updated) and the thread ran the interpreter's own code at either end;
 * else idle. A new thread's first gap is idle. */
int gilwatch_gap_kind(const struct gilwatch *w, uint64_t *switches_seen, int in_interpreter,
                      int is_new);

#endif
