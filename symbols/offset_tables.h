/* Offsets of reference CPython builds, generated from their DWARF by
 * fixingahole-gen-tables (symbols/regen-tables.sh) into offset_tables.c:
 * the fallback for interpreters without debug info or _Py_DebugOffsets. */
#ifndef FAH_SYMBOLS_OFFSET_TABLES_H
#define FAH_SYMBOLS_OFFSET_TABLES_H

#include <stddef.h>

#include "symbols/pyoffsets.h"

struct offtab_entry {
    const char *version;  /* "3.11.7" */
    const char *abiflags; /* "" or "d" (debug build), from the file name */
    const char *build_id; /* GNU build id in hex, "" if the build had none */
    const char *binary;   /* the reference file, for messages */
    struct py_offsets off;
};

/* Generated (offset_tables.c). */
extern const struct offtab_entry offtab_entries[];
extern const size_t offtab_count;

enum offtab_match {
    OFFTAB_NONE = 0,
    OFFTAB_BUILD_ID = 1, /* the very same build */
    OFFTAB_VERSION = 2,  /* same version string and ABI flags */
    OFFTAB_MINOR = 3,    /* same minor version and ABI flags, newest patch */
};

/* The entry for a build: by build id (when given and non-empty), else by
 * exact version, else by minor version ("3.9" or "3.9.7" both match 3.9.x).
 * Entries with other ABI flags never match by version. Returns NULL when
 * nothing matches; *how says which rule matched. */
const struct offtab_entry *offtab_lookup(const char *version, const char *abiflags,
                                         const char *build_id, enum offtab_match *how);

/* "build id", "exact version", "same minor version", "none". */
const char *offtab_match_name(enum offtab_match how);

#endif
