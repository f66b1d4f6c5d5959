/* Reading a str object of the target as UTF-8: file and function names of
 * code objects. Only compact strings (every str the compiler makes) are
 * accepted, and lengths are bounded, since the memory may be torn. */
#ifndef FAH_DAEMON_PYSTR_H
#define FAH_DAEMON_PYSTR_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/rmem.h"
#include "symbols/pyoffsets.h"

/* Longest string accepted, in code points: names and paths are far shorter,
 * a longer one is a torn read or not a str at all. */
#define PYSTR_MAX_CHARS 4096

/* A buffer this large holds any accepted string: 4 UTF-8 bytes per code
 * point and the terminating NUL. */
#define PYSTR_MAX_UTF8 (PYSTR_MAX_CHARS * 4 + 1)

/* Reads the str at addr through mem (off->unicode describes its layout) and
 * writes it to buf as NUL-terminated UTF-8. Lone surrogates (as
 * surrogateescape leaves in file names) become U+FFFD. Returns the length in
 * bytes without the NUL, or a negative errno code: -EFAULT unreadable,
 * -EBADMSG longer than PYSTR_MAX_CHARS (or a negative length), -ENOTSUP not a
 * compact str, -EILSEQ an impossible kind, a NUL or a code point beyond
 * U+10FFFF (or a non-ASCII byte in an ASCII str), -ENOSPC when buf is too
 * small (PYSTR_MAX_UTF8 always suffices), -EINVAL for unusable offsets. */
int pystr_read(const struct rmem *mem, const struct py_offsets *off, uint64_t addr,
               char *buf, size_t buflen);

#endif
