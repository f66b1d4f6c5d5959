/* Reading one thread's Python stack at a sampling tick, consistently with
 * the thread's state: under a ptrace hold, from memory read after the
 * stop; unheld, checked and retried; and when that fails for a running
 * thread, stopped again and read once more. */
#ifndef FAH_DAEMON_STACKREAD_H
#define FAH_DAEMON_STACKREAD_H

#include <stdint.h>

#include "daemon/pywalk.h"
#include "daemon/rmem.h"
#include "daemon/sampler.h"
#include "daemon/threadstop.h"

/* mem and walk (walking through mem) belong to the caller. */
struct stackread {
    struct rmem_proc *mem;
    struct pywalk *walk;
    struct sampler_walk_stats stats;
    /* Pages read ahead with other memory (stackread_read_ahead) for the
     * next walk of the thread state ahead_tstate, while the cache stays at
     * ahead_generation, and its check read after them (struct
     * pywalk_tail), which stands while the target has not been read since
     * (rmem_proc_syscalls still at tail_syscalls). */
    uint64_t ahead_tstate, ahead_generation;
    struct pywalk_tail tail;
    uint64_t tail_syscalls;
};

/* The parts of pages a thread's previous walk used: its next walk reads
 * them ahead, in one system call (rmem_proc_prefetch). Start from {0}. */
struct stackread_pages {
    struct rmem_page_use page[RMEM_TRACE_MAX];
    size_t n;
};

/* Reads first_pages (the caller's: the thread listing's) and the pages of
 * walk_pages in one system call, afresh: an unheld walk of tstate that
 * comes next (nothing read afresh in between) takes its pages from there
 * instead of reading them again. Its check reads the newest frame afresh
 * at its end, so the frames are checked over a span that holds what the
 * caller did in between; or, when last (the thread's last stack, or NULL)
 * still names its newest frame and the walk needs nothing else read, the
 * same call reads that check after the pages (struct pywalk_tail) and the
 * walk makes no system call at all. */
void stackread_read_ahead(struct stackread *r, uint64_t tstate,
                          const struct stackread_pages *first_pages,
                          const struct stackread_pages *walk_pages,
                          const struct pywalk_stack *last);

/* Walks the thread state at tstate into out: held (the thread is stopped)
 * in one walk from memory read from now on; unheld, checked (see
 * pywalk_stack_checked) and walked again while it moved, up to
 * STACKREAD_WALK_ATTEMPTS walks in all. Returns 0,
 * -E2BIG over the depth cap, -EAGAIN torn, or a read error; out keeps the
 * frames read before a failure, flagged truncated. */
int stackread_walk(struct stackread *r, uint64_t tstate, int held, struct stackread_pages *pages,
                   struct pywalk_stack *out);

/* For a thread walked unheld (out of stackread_walk) and stopped since:
 * whether it still stands at the walk's instruction (pywalk_same_place),
 * read afresh. 0 yes, -EAGAIN it moved on, or a read error. */
int stackread_same_place(struct stackread *r, uint64_t tstate, const struct pywalk_stack *walked);

/* After a failed walk (result rc) of a thread that is running: releases
 * its hold if any (the time it was stopped goes to *released_ns) and then
 * gives it a moment to run past what made the walk fail, unless it ran
 * free since the walk (ran_free: walked unheld, not stopped since); stops
 * it and walks it again, twice at most. Returns the new result, or rc
 * when it cannot be stopped; *hold is held on return when the stop
 * succeeded. */
int stackread_rehold(struct stackread *r, uint64_t tstate, int rc, int ran_free,
                     struct thread_hold *hold, uint64_t *released_ns,
                     struct stackread_pages *pages, struct pywalk_stack *out);

#endif
