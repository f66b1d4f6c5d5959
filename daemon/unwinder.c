/* Unwinding held threads through libunwind-ptrace (see unwinder.h). */
#include "daemon/unwinder.h"

#include <errno.h>
#include <stdlib.h>

#include "daemon/rmem.h"

/* Threads whose handles are kept between unwinds. */
#define UNWINDER_KEPT_THREADS 16

struct kept_handle {
    pid_t tid;
    void *upt;     /* _UPT_create's, NULL: free slot */
    uint64_t used; /* when last used (unwind count) */
};

struct unwinder {
    unw_accessors_t accessors; /* libunwind-ptrace's, memory read through mem */
    unw_addr_space_t space;
    struct rmem_proc *mem; /* page-cached reads of the held thread's process */
    struct rmem mem_ops;
    struct kept_handle threads[UNWINDER_KEPT_THREADS];
    uint64_t unwinds;
    struct unwinder_stats stats;
};

/* The unwinder of the unwind under way in this thread of the daemon (each
 * session has its own thread), for the memory accessor, which libunwind
 * hands only libunwind-ptrace's own argument. Set for one unwind. */
static _Thread_local struct unwinder *unwinding;

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
                      void *arg)
{
    struct unwinder *u = unwinding;
    if (!write && u) {
        u->stats.words++;
        if (rmem_read(&u->mem_ops, addr, val, sizeof(*val)) == 0) {
            u->stats.words_paged++;
            return 0;
        }
    }
    return _UPT_access_mem(as, addr, val, write, arg);
}

struct unwinder *unwinder_new(pid_t pid)
{
    struct unwinder *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->accessors = _UPT_accessors;
    u->accessors.access_mem = access_mem;
    u->space = unw_create_addr_space(&u->accessors, 0);
    u->mem = rmem_proc_new(pid);
    if (!u->space || !u->mem) {
        unwinder_free(u);
        return NULL;
    }
    u->mem_ops = rmem_proc_ops(u->mem);
    /* Unwind info read once per object, not at every unwind. */
    unw_set_caching_policy(u->space, UNW_CACHE_GLOBAL);
    return u;
}

void unwinder_free(struct unwinder *u)
{
    if (!u)
        return;
    for (int i = 0; i < UNWINDER_KEPT_THREADS; i++)
        if (u->threads[i].upt)
            _UPT_destroy(u->threads[i].upt);
    if (u->space)
        unw_destroy_addr_space(u->space);
    rmem_proc_free(u->mem);
    free(u);
}

/* The handle of tid, made when new; the least recently used one gives
 * way. NULL when out of memory. */
static void *handle_of(struct unwinder *u, pid_t tid)
{
    struct kept_handle *victim = &u->threads[0];
    for (int i = 0; i < UNWINDER_KEPT_THREADS; i++) {
        struct kept_handle *t = &u->threads[i];
        if (t->upt && t->tid == tid) {
            t->used = u->unwinds;
            return t->upt;
        }
        if (!t->upt || t->used < victim->used)
            victim = t;
    }
    if (victim->upt)
        _UPT_destroy(victim->upt);
    *victim = (struct kept_handle){.tid = tid, .upt = _UPT_create(tid), .used = u->unwinds};
    u->stats.handles += victim->upt != NULL;
    return victim->upt;
}

int unwinder_begin(struct unwinder *u, pid_t tid, unw_cursor_t *cursor)
{
    u->unwinds++;
    void *upt = handle_of(u, tid);
    if (!upt)
        return -ENOMEM;
    /* The stack moved since the last unwind; the tables did not, but
     * telling them apart costs more than reading them again. */
    rmem_proc_invalidate(u->mem);
    unwinding = u;
    if (unw_init_remote(cursor, u->space, upt) != 0) {
        unwinding = NULL;
        return -EIO;
    }
    return 0;
}

void unwinder_end(struct unwinder *u)
{
    (void)u;
    unwinding = NULL;
}

void unwinder_stats(const struct unwinder *u, struct unwinder_stats *out)
{
    *out = u->stats;
}
