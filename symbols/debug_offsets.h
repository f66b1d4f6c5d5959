/* _Py_DebugOffsets (3.13+): the table of struct offsets CPython keeps as the
 * first member of _PyRuntimeState for out-of-process tools. Its own layout
 * changes between minor versions, so it is parsed per minor version. Pure
 * functions over a byte buffer (the static initialiser of _PyRuntime read
 * from the binary, or live memory). */
#ifndef FAH_SYMBOLS_DEBUG_OFFSETS_H
#define FAH_SYMBOLS_DEBUG_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "symbols/pyoffsets.h"

/* "xdebugpy": the cookie that starts the struct. */
#define DBGOFF_COOKIE "xdebugpy"
#define DBGOFF_COOKIE_LEN 8

/* Bytes to read at &_PyRuntime to cover every layout this parser knows. */
size_t dbgoff_max_size(void);

/* The version field, when buf starts with the cookie. Returns 0, or -ENOENT
 * when there is no cookie (Python < 3.13, or not _PyRuntime), -EINVAL when
 * buf is too short. */
int dbgoff_peek_version(const void *buf, size_t len, uint32_t *version_hex);

/* One uint64_t of the layout: "thread_state.current_frame" at byte pos. */
struct dbgoff_slot {
    char name[64];
    uint32_t pos;
};

/* The layout for a minor version (13, 14): up to max slots in order, the
 * count and the struct's total size. Returns 0, or -ENOTSUP. Tests compare
 * it with the DWARF of struct _Py_DebugOffsets. */
int dbgoff_layout(unsigned minor, struct dbgoff_slot *slots, size_t max, size_t *count,
                  uint32_t *total_size);

/* Parses the struct at the start of buf: checks the cookie, the version
 * (3.13 or 3.14) and that every offset lies inside the size its group
 * declares, then fills *off (cleared first; version_hex from the struct,
 * family set). Returns 0, -ENOENT without a cookie, -ENOTSUP for another
 * version or a free-threaded build, -EINVAL for a short or inconsistent
 * buffer; err says which. */
int dbgoff_parse(const void *buf, size_t len, struct py_offsets *off, char *err, size_t errlen);

#endif
