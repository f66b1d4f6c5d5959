/* A memo of struct offsets read from DWARF, keyed by the build id of the
 * binary and the debug-info folders searched. Reading Debian's compressed,
 * detached DWARF takes ~150 ms, during which a freshly spawned script is
 * held still; a long-lived daemon profiling the same interpreter again
 * should not pay it twice, and with a folder set (the daemon's cache
 * folder), neither should the next daemon: a daemon exits after a minute
 * idle, so most first profiles of a sitting start one. The entries are
 * facts about immutable files, so one target can never spoil another's;
 * thread-safe. */
#ifndef FAH_SYMBOLS_DWARF_CACHE_H
#define FAH_SYMBOLS_DWARF_CACHE_H

#include <stddef.h>

#include "symbols/pyoffsets.h"

enum dwarf_cache_hit {
    DWARF_CACHE_MISS = 0,
    DWARF_CACHE_MEMORY = 1, /* read earlier by this process */
    DWARF_CACHE_FILE = 2,   /* read from the folder's file */
};

/* Keeps every entry in folder as well, one file each (offsets_file.h),
 * stamped with stamp: the build id of the program reading the DWARF, so
 * that another build never trusts what this one read. folder must exist;
 * NULL: memory only (the default). Call before any lookup. */
void dwarf_cache_set_folder(const char *folder, const char *stamp);

/* Copies the remembered offsets into out and says where they came from;
 * with DWARF_CACHE_FILE, file (when not NULL) names the file. An empty
 * build id is never remembered. */
enum dwarf_cache_hit dwarf_cache_get(const char *build_id, const char *debug_dirs,
                                     struct py_offsets *out, char *file, size_t filelen);

/* Remembers offsets read from DWARF (the oldest entry makes room), in the
 * folder too when one is set (a failure to write is only a later miss). */
void dwarf_cache_put(const char *build_id, const char *debug_dirs, const struct py_offsets *off);

#endif
