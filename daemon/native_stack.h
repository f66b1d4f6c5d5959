/* A held thread's native stack for --native, in two phases as the
 * thread's stop must be short: while it is stopped, unwind it with
 * libunwind-ptrace (through the target's own objects and their unwind
 * tables) and keep the raw PCs only; once it runs again, name them
 * (native_syms.h) and merge them into its Python stack (native_merge.h).
 * The sampler drives the phases (it may stop the thread again between). */
#ifndef FAH_DAEMON_NATIVE_STACK_H
#define FAH_DAEMON_NATIVE_STACK_H

#include <sys/types.h>

#include "daemon/pywalk.h"
#include "daemon/threadstop.h"
#include "daemon/unwinder.h"

struct native_stack;

/* walk and unwinder (the process's, shared with oncpu.h's test) must
 * outlive it; debug_dirs as elfaddr_open's. NULL when out of memory. */
struct native_stack *native_stack_new(pid_t pid, struct pywalk *walk, const char *debug_dirs,
                                      struct unwinder *unwinder);
void native_stack_free(struct native_stack *ns);

/* Unwinds thread tid, which must be ptrace-stopped, keeping its PCs
 * (innermost first) for native_stack_merge. Returns how many. */
int native_stack_capture(struct native_stack *ns, pid_t tid);

/* Names the PCs of the last capture (once the thread runs again: a PC
 * met for the first time costs a symbol lookup). Returns how many of them
 * are frames of the evaluation loop, or a negative errno code. */
int native_stack_name(struct native_stack *ns);

/* Merges the named frames of the last capture into stack, the same
 * thread's Python stack read at that stop; not into a stack with its
 * middle left out (pywalk_stack's elided). */
void native_stack_merge(struct native_stack *ns, struct pywalk_stack *stack);

#endif
