/* Unwinding held threads for --native (see native_stack.h). */
#include "daemon/native_stack.h"

#include <errno.h>
#include <libunwind-ptrace.h>
#include <stdlib.h>

#include "daemon/native_merge.h"
#include "daemon/native_syms.h"
#include "daemon/rmem.h"

/* Deep enough for a numpy call under a few Python-C-Python round trips;
 * deeper native frames are left out (the Python frames are kept). */
#define NATIVE_MAX_DEPTH 128
/* Threads whose unwinder state is kept between samples: libunwind-ptrace
 * keeps the unwind tables of the object it used last, and reading them
 * again (the maps, the ELF file) is most of an unwind's cost. */
#define NATIVE_KEPT_THREADS 16

struct native_thread {
    pid_t tid;
    void *upt;      /* _UPT_create's, NULL: free slot */
    uint64_t used;  /* when last used (capture count) */
};

struct native_stack {
    unw_accessors_t accessors; /* libunwind-ptrace's, reading memory through mem */
    unw_addr_space_t space;
    struct rmem_proc *mem; /* page-cached reads of the stopped thread's process */
    struct rmem mem_ops;
    struct native_syms *syms;
    uint64_t pcs[NATIVE_MAX_DEPTH];
    uint32_t npcs;
    struct native_frame frames[NATIVE_MAX_DEPTH];
    int named; /* frames hold the names of the last capture's pcs */
    struct native_thread threads[NATIVE_KEPT_THREADS];
    uint64_t captures;
};

/* The unwinder of the capture under way in this thread (each session has
 * its own thread), for the memory accessor, which libunwind hands only
 * libunwind-ptrace's own argument. Set for the length of one unwind. */
static _Thread_local struct native_stack *unwinding;

/* libunwind-ptrace reads the target a word per PTRACE_PEEKDATA, most of an
 * unwind's cost: the unwind tables and the stack are read here a page at a
 * time (process_vm_readv, page-cached for one capture). */
static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
                      void *arg)
{
    if (!write && unwinding && rmem_read(&unwinding->mem_ops, addr, val, sizeof(*val)) == 0)
        return 0;
    return _UPT_access_mem(as, addr, val, write, arg);
}

struct native_stack *native_stack_new(pid_t pid, struct pywalk *walk, const char *debug_dirs)
{
    struct native_stack *ns = calloc(1, sizeof(*ns));
    if (!ns)
        return NULL;
    ns->accessors = _UPT_accessors;
    ns->accessors.access_mem = access_mem;
    ns->space = unw_create_addr_space(&ns->accessors, 0);
    ns->mem = rmem_proc_new(pid);
    if (ns->mem)
        ns->mem_ops = rmem_proc_ops(ns->mem);
    ns->syms = native_syms_new(pid, walk, debug_dirs);
    if (!ns->space || !ns->mem || !ns->syms) {
        native_stack_free(ns);
        return NULL;
    }
    /* Unwind info read once per object, not at every sample. */
    unw_set_caching_policy(ns->space, UNW_CACHE_GLOBAL);
    return ns;
}

void native_stack_free(struct native_stack *ns)
{
    if (!ns)
        return;
    for (int i = 0; i < NATIVE_KEPT_THREADS; i++)
        if (ns->threads[i].upt)
            _UPT_destroy(ns->threads[i].upt);
    if (ns->space)
        unw_destroy_addr_space(ns->space);
    native_syms_free(ns->syms);
    rmem_proc_free(ns->mem);
    free(ns);
}

/* The unwinder state of tid, made when new; the least recently used one
 * gives way. NULL when out of memory. */
static void *upt_of(struct native_stack *ns, pid_t tid)
{
    struct native_thread *victim = &ns->threads[0];
    ns->captures++;
    for (int i = 0; i < NATIVE_KEPT_THREADS; i++) {
        struct native_thread *t = &ns->threads[i];
        if (t->upt && t->tid == tid) {
            t->used = ns->captures;
            return t->upt;
        }
        if (!t->upt || t->used < victim->used)
            victim = t;
    }
    if (victim->upt)
        _UPT_destroy(victim->upt);
    *victim = (struct native_thread){.tid = tid, .upt = _UPT_create(tid), .used = ns->captures};
    return victim->upt;
}

int native_stack_capture(struct native_stack *ns, pid_t tid)
{
    ns->npcs = 0;
    ns->named = 0;
    void *upt = upt_of(ns, tid);
    if (!upt)
        return 0;
    unw_cursor_t cursor;
    /* The stack moved since the last capture; the tables did not, but
     * telling them apart costs more than reading them again. */
    rmem_proc_invalidate(ns->mem);
    unwinding = ns;
    if (unw_init_remote(&cursor, ns->space, upt) == 0) {
        do {
            unw_word_t ip;
            if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
                break;
            ns->pcs[ns->npcs++] = (uint64_t)ip;
        } while (ns->npcs < NATIVE_MAX_DEPTH && unw_step(&cursor) > 0);
    }
    unwinding = NULL;
    return (int)ns->npcs;
}

int native_stack_name(struct native_stack *ns)
{
    int evals = 0;
    for (uint32_t i = 0; i < ns->npcs; i++) {
        /* A caller's PC is a return address, which may already lie past
         * the end of its function (a call that never returns): look up
         * the call instruction instead. */
        uint64_t pc = i == 0 ? ns->pcs[i] : ns->pcs[i] - 1;
        int eval = 0;
        int64_t id = native_syms_lookup(ns->syms, pc, &eval);
        if (id < 0) {
            ns->named = 0;
            return (int)id;
        }
        ns->frames[i] = (struct native_frame){(uint32_t)id, eval};
        evals += eval != 0;
    }
    ns->named = 1;
    return evals;
}

void native_stack_merge(struct native_stack *ns, struct pywalk_stack *stack)
{
    /* A deep stack's gap leaves loop calls out of the Python frames, so
     * its native frames cannot be placed among them: it stays Python. */
    if (ns->named && !stack->elided)
        native_merge(stack, ns->frames, ns->npcs);
}
