/* Unwinding a held thread's native stack from outside, for the two users
 * of libunwind-ptrace: --native's stacks (native_stack.h) and the
 * Python-or-native test of a PC in a system library (oncpu.h). Left to
 * itself libunwind-ptrace reads the target a word per PTRACE_PEEKDATA,
 * several times each, and a handle made per unwind opens /proc/PID/maps
 * and maps the ELF file of the object it meets every time: an unwind
 * from malloc held sympy's main thread for 60-110 such reads. Here the
 * memory comes a page at a time (process_vm_readv, cached for one
 * unwind) and each thread's handle is kept, with the unwind tables of
 * the object it used last. */
#ifndef FAH_DAEMON_UNWINDER_H
#define FAH_DAEMON_UNWINDER_H

#include <libunwind-ptrace.h>
#include <stdint.h>
#include <sys/types.h>

struct unwinder;

/* For the threads of process pid. NULL when out of memory or when
 * libunwind cannot make an address space. */
struct unwinder *unwinder_new(pid_t pid);
void unwinder_free(struct unwinder *u);

/* Starts unwinding thread tid, which must be ptrace-stopped: *cursor
 * stands at its innermost frame. Returns 0, or a negative code (no
 * handle, or libunwind could not start). Every unwinder_begin that
 * returns 0 is followed by unwinder_end, once the cursor is done with,
 * on the same thread of the daemon. */
int unwinder_begin(struct unwinder *u, pid_t tid, unw_cursor_t *cursor);
void unwinder_end(struct unwinder *u);

/* How many thread handles were made, and words read, since unwinder_new:
 * what the tests check the keeping and the page reads by. */
struct unwinder_stats {
    uint64_t handles;
    uint64_t words;       /* read for libunwind */
    uint64_t words_paged; /* of them, served by the page cache */
};
void unwinder_stats(const struct unwinder *u, struct unwinder_stats *out);

#endif
