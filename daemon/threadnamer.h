/* When to read threading's names of a process's threads, and what each
 * thread was called. A thread enters threading._active as it starts to
 * run, a moment after its thread state exists, and a short one (a request
 * handler) may be gone by the next tick. So a thread is looked up at the
 * tick that first lists it, again at ticks spaced further and further
 * apart while it is missing, and its name is kept once found: its samples
 * may go out after it has ended. Every second _active is read anyway, to
 * follow renames. One reading per tick at most, of the dict found before
 * (pythreadname.h); sys.modules only once a second. */
#ifndef FAH_DAEMON_THREADNAMER_H
#define FAH_DAEMON_THREADNAMER_H

#include <stdint.h>

#include "daemon/pythreadname.h"

/* What one thread was called, and when to look for it again. */
struct thread_name {
    char name[PYTHREADNAME_LEN]; /* "" not found yet */
    uint64_t retry_ns;           /* look it up at a tick at or after this; 0 now */
    int misses;                  /* readings in a row that lacked it */
};

struct thread_namer {
    struct pythreadnames *names; /* the last reading; owned */
    uint64_t read_ns;            /* when it was made; 0 never */
    uint64_t looked_up_ns;       /* when _active was last found anew */
    int unimported;              /* the last reading found no threading module */
};

/* A namer reading through obj (its memory and layout). 0, or -ENOMEM. */
int threadnamer_init(struct thread_namer *n, struct pyobj obj);
void threadnamer_free(struct thread_namer *n);

/* What thread tn wants at now_ns: 0 nothing, THREADNAME_RETRY a reading
 * again, THREADNAME_FIRST its first reading. */
#define THREADNAME_RETRY 1
#define THREADNAME_FIRST 2
int threadname_wanted(const struct thread_name *tn, uint64_t now_ns);

/* Reads the interpreter at interp's _active when renames are due, or for
 * the most any thread wants (wanted, as threadname_wanted says): a first
 * reading always, a retry unless the last reading found no threading
 * module less than a second ago. Returns 1 when it read (then call
 * threadname_update for each thread), else 0. */
int threadnamer_read(struct thread_namer *n, uint64_t interp, int wanted, uint64_t now_ns);

/* After a reading: tn takes the name of the thread whose ident (its
 * pthread_t) is ident, or, when the reading lacks it and it has no name
 * yet, is looked up again after a delay that doubles from half of
 * period_ns up to 100 ms. A name found once is kept when the thread leaves _active (it
 * does so as it ends). */
void threadname_update(const struct thread_namer *n, struct thread_name *tn, uint64_t ident,
                       uint64_t now_ns, uint64_t period_ns);

#endif
