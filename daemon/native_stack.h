/* A held thread's native stack for --native, in two phases as the
 * thread's stop must be short: while it is stopped, unwind it with
 * libunwind-ptrace (through the target's own objects and their unwind
 * tables) and keep the raw PCs only; once it runs again, name them
 * (native_syms.h) and merge them into its Python stack (native_merge.h). */
#ifndef FAH_DAEMON_NATIVE_STACK_H
#define FAH_DAEMON_NATIVE_STACK_H

#include <sys/types.h>

#include "daemon/pywalk.h"
#include "daemon/threadstop.h"

struct native_stack;

/* walk must outlive it; debug_dirs as elfaddr_open's. NULL when out of
 * memory or when libunwind cannot make an address space. */
struct native_stack *native_stack_new(pid_t pid, struct pywalk *walk, const char *debug_dirs);
void native_stack_free(struct native_stack *ns);

/* Unwinds thread tid, which must be ptrace-stopped, keeping its PCs
 * (innermost first) for native_stack_merge. Returns how many. */
int native_stack_capture(struct native_stack *ns, pid_t tid);

/* Names the PCs of the last capture and merges them into stack, the same
 * thread's Python stack read at that stop. Returns 0 or a negative errno
 * code (the stack is then left as it was). */
int native_stack_merge(struct native_stack *ns, struct pywalk_stack *stack);

/* Both phases for a sample: captures the held thread's native stack,
 * releases the thread (adding how long it was stopped to *released_ns),
 * then merges. A stack that cannot be named stays Python only. */
void native_stack_add(struct native_stack *ns, struct thread_hold *hold,
                      struct pywalk_stack *stack, uint64_t *released_ns);

#endif
