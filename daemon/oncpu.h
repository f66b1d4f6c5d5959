/* Is a thread that is on CPU running the interpreter or native code? The
 * PC alone misleads (the interpreter and numpy both call memcpy), so when
 * it lies in a shared system library the native stack is unwound with
 * libunwind-ptrace until a frame belongs to the interpreter or to native
 * code. */
#ifndef FAH_DAEMON_ONCPU_H
#define FAH_DAEMON_ONCPU_H

#include <stdint.h>

#include "daemon/codemap.h"
#include "daemon/threadstop.h"
#include "daemon/unwinder.h"

enum oncpu_place {
    ONCPU_PYTHON = 0,
    ONCPU_NATIVE = 1,
};

struct oncpu;

/* map and unwinder (the unwinder of the threads' process, shared with
 * --native's stacks; NULL: none, a PC in a system library is then the
 * interpreter's) must outlive the classifier. NULL when out of memory. */
struct oncpu *oncpu_new(struct codemap *map, struct unwinder *unwinder);
void oncpu_free(struct oncpu *oc);

/* The thread must be held (ptrace-stopped) and pc its current PC. */
enum oncpu_place oncpu_classify(struct oncpu *oc, const struct thread_hold *hold, uint64_t pc);

#endif
