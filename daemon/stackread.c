/* Reading one thread's Python stack at a tick (see stackread.h). */
#include "daemon/stackread.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Walks of a thread that runs on while it is read: the first, and more
 * while the thread moved on meanwhile. One that tears every time is
 * stopped (stackread_rehold), which costs the thread 60-300 us and the
 * daemon more than a walk. Call-heavy code tears often: Debian's sympy at
 * 1 kHz tore 65% of first walks. With two walks half of its ticks ended
 * in a stop, with four 30%: 770 stops a run instead of 1,200, the script
 * stopped 70-270 ms instead of 120-275 ms, and the daemon's CPU no higher
 * (230-450 ms against 270-510 ms, 3-4 runs each). */
#define STACKREAD_WALK_ATTEMPTS 4
/* Between releasing a thread whose walk failed and stopping it again: long
 * enough for it to be scheduled and run past what made the walk fail. */
#define STACKREAD_REHOLD_PAUSE_NS 50000
/* Stops after a failed walk: a stop can itself land between the stores
 * that publish a new frame (stackread_rehold's caller says which), about
 * one in 200 on call-heavy 3.12 code at 1 kHz, so a second one follows a
 * failed first (5-13 walks of 2,000 lost per 2 s run with one). */
#define STACKREAD_REHOLDS 2

/* One walk from scratch: no page read before this moment (before the hold
 * that stopped the thread, or by an earlier walk) is used, since the thread
 * may have run since. Code objects stay cached by the walker: keyed by
 * address and checked against their fields at every use. A thread that is
 * not stopped runs on while it is walked: its walk is checked (the newest
 * frame read again, afresh, once the chain is read). */
static int walk_fresh(struct stackread *r, uint64_t tstate, int held,
                      struct stackread_pages *pages, struct pywalk_stack *out)
{
    int ahead = !held && tstate == r->ahead_tstate &&
                r->ahead_generation == rmem_proc_generation(r->mem);
    r->ahead_generation = 0;
    if (!ahead) {
        rmem_proc_invalidate(r->mem);
        rmem_proc_prefetch(r->mem, pages->page, pages->n);
    }
    rmem_proc_trace(r->mem);
    int rc = held    ? pywalk_stack(r->walk, tstate, out)
             : ahead ? pywalk_stack_checked_tail(r->walk, tstate, out, &r->tail)
                     : pywalk_stack_checked(r->walk, tstate, out);
    pages->n = rmem_proc_traced(r->mem, pages->page, RMEM_TRACE_MAX);
    return rc < 0 ? rc : out->truncated ? -EFAULT : 0;
}

/* struct pywalk_tail's unbroken: nothing read from the target since the
 * read that read the tail. */
static int tail_unbroken(void *ctx)
{
    const struct stackread *r = ctx;
    return rmem_proc_syscalls(r->mem) == r->tail_syscalls;
}

/* stackread_read_ahead, the walk's pages whole when whole is set. */
static void read_ahead(struct stackread *r, uint64_t tstate,
                       const struct stackread_pages *first_pages,
                       const struct stackread_pages *walk_pages, const struct pywalk_stack *last,
                       int whole)
{
    struct rmem_page_use page[2 * RMEM_TRACE_MAX];
    size_t n = first_pages->n;
    memcpy(page, first_pages->page, n * sizeof(page[0]));
    memcpy(page + n, walk_pages->page, walk_pages->n * sizeof(page[0]));
    for (size_t i = n; whole && i < n + walk_pages->n; i++) {
        page[i].lo = 0;
        page[i].hi = RMEM_PAGE_BYTES;
    }
    pywalk_tail_plan(r->walk, tstate, last, &r->tail);
    r->tail.got = rmem_proc_prefetch_around(r->mem, r->tail.before.spans,
                                            (size_t)r->tail.nbefore, page, n + walk_pages->n,
                                            r->tail.check.spans, (size_t)r->tail.check.n);
    r->tail.unbroken = tail_unbroken;
    r->tail.ctx = r;
    r->tail_syscalls = rmem_proc_syscalls(r->mem);
    r->ahead_tstate = tstate;
    r->ahead_generation = rmem_proc_generation(r->mem);
}

void stackread_read_ahead(struct stackread *r, uint64_t tstate,
                          const struct stackread_pages *first_pages,
                          const struct stackread_pages *walk_pages,
                          const struct pywalk_stack *last)
{
    read_ahead(r, tstate, first_pages, walk_pages, last, 0);
}

static const struct stackread_pages no_pages;

/* An unheld walk that found the thread moved on (or failed, which reading
 * a moving chain also causes) is done again; torn every time, the walk has
 * failed. A stack over the depth cap is not retried. */
static int walk_unheld(struct stackread *r, uint64_t tstate, struct stackread_pages *pages,
                       struct pywalk_stack *out)
{
    int rc = 0;
    r->stats.unheld++;
    for (int attempt = 0; attempt < STACKREAD_WALK_ATTEMPTS; attempt++) {
        if (attempt > 0) {
            r->stats.retried++;
            /* The walk that tore found where the thread keeps its newest
             * frame: the pages and that check in one read (struct
             * pywalk_tail), served to the walk that follows. The pages
             * whole: the thread has moved, its frames within their pages
             * too, and a part the torn walk did not use would cost a read
             * of its own, after which the tail no longer checks the walk
             * (sympy at 1 kHz: 10.5 reads a tick with the parts, 8.9-9.7
             * with whole pages). Only here: whole pages at every read
             * ahead made steady deep stacks dearer. */
            rmem_proc_invalidate(r->mem);
            read_ahead(r, tstate, &no_pages, pages, out, 1);
        }
        rc = walk_fresh(r, tstate, 0, pages, out);
        if (rc == 0 || rc == -E2BIG)
            return rc;
    }
    r->stats.torn++;
    return rc;
}

int stackread_walk(struct stackread *r, uint64_t tstate, int held, struct stackread_pages *pages,
                   struct pywalk_stack *out)
{
    return held ? walk_fresh(r, tstate, 1, pages, out) : walk_unheld(r, tstate, pages, out);
}

int stackread_same_place(struct stackread *r, uint64_t tstate, const struct pywalk_stack *walked)
{
    rmem_proc_invalidate(r->mem);
    r->ahead_generation = 0;
    return pywalk_same_place(r->walk, tstate, walked);
}

int stackread_rehold(struct stackread *r, uint64_t tstate, int rc, int ran_free,
                     struct thread_hold *hold, uint64_t *released_ns,
                     struct stackread_pages *pages, struct pywalk_stack *out)
{
    pid_t tid = hold->tid;
    for (int attempt = 0; attempt < STACKREAD_REHOLDS; attempt++) {
        /* A thread that ran free (a torn unheld walk) runs on as it was:
         * stopped at once, it stands anywhere, no pause needed. The pause
         * is a sleep and a wake-up of the daemon's, as dear as a tick's
         * own (a third of sympy's ticks at 1 kHz came here). One that we
         * held, or let go a moment ago, would be stopped where it was. */
        if (attempt > 0 || !ran_free) {
            *released_ns += threadstop_release(hold);
            struct timespec pause = {.tv_nsec = STACKREAD_REHOLD_PAUSE_NS};
            nanosleep(&pause, NULL);
        }
        if (threadstop_hold(tid, hold) < 0)
            return rc;
        r->stats.reheld++;
        rc = walk_fresh(r, tstate, 1, pages, out);
        if (rc == 0 || rc == -E2BIG)
            return rc;
        r->stats.reheld_failed++;
    }
    return rc;
}
