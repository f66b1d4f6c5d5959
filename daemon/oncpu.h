/* Is a thread that is on CPU running the interpreter or native code? The
 * PC alone misleads (the interpreter and numpy both call memcpy), so when
 * it lies in a shared system library the native stack is unwound with
 * libunwind-ptrace until a frame belongs to the interpreter or to native
 * code. */
#ifndef FAH_DAEMON_ONCPU_H
#define FAH_DAEMON_ONCPU_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/codemap.h"
#include "daemon/threadstop.h"

enum oncpu_place {
    ONCPU_PYTHON = 0,
    ONCPU_NATIVE = 1,
};

struct oncpu;

/* map must outlive the classifier; pid is the process of the threads it
 * classifies. NULL when out of memory. */
struct oncpu *oncpu_new(struct codemap *map, pid_t pid);
void oncpu_free(struct oncpu *oc);

/* The thread must be held (ptrace-stopped) and pc its current PC. */
enum oncpu_place oncpu_classify(struct oncpu *oc, const struct thread_hold *hold, uint64_t pc);

#endif
