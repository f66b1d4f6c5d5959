/* A memo of struct offsets read from DWARF, keyed by the build id of the
 * binary and the debug-info folders searched. Reading Debian's compressed,
 * detached DWARF takes ~150 ms, during which a freshly spawned script is
 * held still; a long-lived daemon profiling the same interpreter again
 * should not pay it twice. The entries are facts about immutable files, so
 * one target can never spoil another's; thread-safe. */
#ifndef FAH_SYMBOLS_DWARF_CACHE_H
#define FAH_SYMBOLS_DWARF_CACHE_H

#include "symbols/pyoffsets.h"

/* Copies the remembered offsets into out and returns 1, or returns 0. An
 * empty build id is never remembered. */
int dwarf_cache_get(const char *build_id, const char *debug_dirs, struct py_offsets *out);

/* Remembers offsets read from DWARF (the oldest entry makes room). */
void dwarf_cache_put(const char *build_id, const char *debug_dirs, const struct py_offsets *off);

#endif
