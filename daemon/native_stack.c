/* Unwinding held threads for --native (see native_stack.h). */
#include "daemon/native_stack.h"

#include <errno.h>
#include <libunwind-ptrace.h>
#include <stdlib.h>

#include "daemon/native_merge.h"
#include "daemon/native_syms.h"

/* Deep enough for a numpy call under a few Python-C-Python round trips;
 * deeper native frames are left out (the Python frames are kept). */
#define NATIVE_MAX_DEPTH 128

struct native_stack {
    unw_addr_space_t space;
    struct native_syms *syms;
    uint64_t pcs[NATIVE_MAX_DEPTH];
    uint32_t npcs;
    struct native_frame frames[NATIVE_MAX_DEPTH];
};

struct native_stack *native_stack_new(pid_t pid, struct pywalk *walk, const char *debug_dirs)
{
    struct native_stack *ns = calloc(1, sizeof(*ns));
    if (!ns)
        return NULL;
    ns->space = unw_create_addr_space(&_UPT_accessors, 0);
    ns->syms = native_syms_new(pid, walk, debug_dirs);
    if (!ns->space || !ns->syms) {
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
    if (ns->space)
        unw_destroy_addr_space(ns->space);
    native_syms_free(ns->syms);
    free(ns);
}

int native_stack_capture(struct native_stack *ns, pid_t tid)
{
    ns->npcs = 0;
    void *upt = _UPT_create(tid);
    if (!upt)
        return 0;
    unw_cursor_t cursor;
    if (unw_init_remote(&cursor, ns->space, upt) == 0) {
        do {
            unw_word_t ip;
            if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
                break;
            ns->pcs[ns->npcs++] = (uint64_t)ip;
        } while (ns->npcs < NATIVE_MAX_DEPTH && unw_step(&cursor) > 0);
    }
    _UPT_destroy(upt);
    return (int)ns->npcs;
}

int native_stack_merge(struct native_stack *ns, struct pywalk_stack *stack)
{
    for (uint32_t i = 0; i < ns->npcs; i++) {
        /* A caller's PC is a return address, which may already lie past
         * the end of its function (a call that never returns): look up
         * the call instruction instead. */
        uint64_t pc = i == 0 ? ns->pcs[i] : ns->pcs[i] - 1;
        int eval = 0;
        int64_t id = native_syms_lookup(ns->syms, pc, &eval);
        if (id < 0)
            return (int)id;
        ns->frames[i] = (struct native_frame){(uint32_t)id, eval};
    }
    native_merge(stack, ns->frames, ns->npcs);
    return 0;
}

void native_stack_add(struct native_stack *ns, struct thread_hold *hold,
                      struct pywalk_stack *stack, uint64_t *released_ns)
{
    native_stack_capture(ns, hold->tid);
    *released_ns += threadstop_release(hold);
    native_stack_merge(ns, stack);
}
