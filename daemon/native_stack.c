/* Unwinding held threads for --native (see native_stack.h). */
#include "daemon/native_stack.h"

#include <stdlib.h>

#include "daemon/native_merge.h"
#include "daemon/native_syms.h"

/* Deep enough for a numpy call under a few Python-C-Python round trips;
 * deeper native frames are left out (the Python frames are kept). */
#define NATIVE_MAX_DEPTH 128

struct native_stack {
    struct unwinder *unwinder; /* not ours */
    struct native_syms *syms;
    uint64_t pcs[NATIVE_MAX_DEPTH];
    uint32_t npcs;
    struct native_frame frames[NATIVE_MAX_DEPTH];
    int named; /* frames hold the names of the last capture's pcs */
};

struct native_stack *native_stack_new(pid_t pid, struct pywalk *walk, const char *debug_dirs,
                                      struct unwinder *unwinder)
{
    struct native_stack *ns = calloc(1, sizeof(*ns));
    if (!ns)
        return NULL;
    ns->unwinder = unwinder;
    ns->syms = native_syms_new(pid, walk, debug_dirs);
    if (!ns->unwinder || !ns->syms) {
        native_stack_free(ns);
        return NULL;
    }
    return ns;
}

void native_stack_free(struct native_stack *ns)
{
    if (!ns)
        return;
    native_syms_free(ns->syms);
    free(ns);
}

int native_stack_capture(struct native_stack *ns, pid_t tid)
{
    ns->npcs = 0;
    ns->named = 0;
    unw_cursor_t cursor;
    if (unwinder_begin(ns->unwinder, tid, &cursor) < 0)
        return 0;
    do {
        unw_word_t ip;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        ns->pcs[ns->npcs++] = (uint64_t)ip;
    } while (ns->npcs < NATIVE_MAX_DEPTH && unw_step(&cursor) > 0);
    unwinder_end(ns->unwinder);
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
