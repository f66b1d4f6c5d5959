/* One build's struct offsets kept in a small text file, so that a daemon
 * started afresh need not read DWARF again (dwarf_cache.h):
 *
 *     fixingahole offsets 1
 *     reader <stamp>
 *     version_hex 0x030b02f0
 *     runtime.interpreters_head 40
 *     ...            (every field of pyoff_fields, by name)
 *
 * The stamp names the program that read the DWARF (its own build id): a
 * file written by another build, whose reader may have differed, is not
 * used. A file is used only when it names every field once and nothing
 * else, and its offsets pass pyoff_validate: a damaged or hostile file is
 * a miss, never a wrong layout. */
#ifndef FAH_SYMBOLS_OFFSETS_FILE_H
#define FAH_SYMBOLS_OFFSETS_FILE_H

#include "symbols/pyoffsets.h"

/* Writes off to path through a temporary file renamed over it, so that a
 * reader never sees half a file. Returns 0 or a negative errno code. */
int offsets_file_write(const char *path, const char *stamp, const struct py_offsets *off);

/* Fills off (family and line table from its version) from path written
 * under the same stamp. Returns 0; -ENOENT when there is no such file;
 * -ESTALE when another build wrote it; -EBADMSG when it is malformed,
 * incomplete or fails validation; other negative errno codes. */
int offsets_file_read(const char *path, const char *stamp, struct py_offsets *off);

#endif
