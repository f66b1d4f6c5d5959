/* Which thread holds the GIL, read from the interpreter's own state: the
 * GIL's `locked` flag and `last_holder` thread state (struct
 * _gil_runtime_state), found in the runtime up to 3.11 and through the
 * interpreter's `ceval.gil` pointer from 3.12, wherever symbols/ found
 * their offsets (DWARF, _Py_DebugOffsets, tables). */
#ifndef FAH_DAEMON_PYGIL_H
#define FAH_DAEMON_PYGIL_H

#include <stdint.h>

#include "daemon/rmem.h"
#include "symbols/pyoffsets.h"

struct pygil_state {
    uint64_t addr;   /* the GIL struct; its waiters sleep on futexes inside it */
    uint32_t size;   /* its size in bytes */
    uint64_t holder; /* thread state holding it now; 0 nobody */
    uint64_t switches; /* times it went to another thread (switch_number) */
};

/* Whether off knows where the GIL is and what it holds. */
int pygil_known(const struct py_offsets *off);

/* Reads the GIL the interpreter at interp uses (runtime_addr: _PyRuntime).
 * Returns 0, -ENOTSUP when off has no GIL fields, or a read error. The
 * caller makes sure mem reads afresh (the holder changes every few ms). */
int pygil_read(const struct rmem *mem, const struct py_offsets *off, uint64_t runtime_addr,
               uint64_t interp, struct pygil_state *out);

/* Whether a futex at uaddr lies inside the GIL: a thread blocked on it
 * waits to take the GIL (its condition variable or mutex) or, dropping
 * it on request, for another thread to take it (the switch condition). */
static inline int pygil_has_futex(const struct pygil_state *gil, uint64_t uaddr)
{
    return gil->addr && uaddr >= gil->addr && uaddr < gil->addr + gil->size;
}

#endif
