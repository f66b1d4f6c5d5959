/* Struct layouts from DWARF (libdw): finds the debug info of a binary
 * (embedded, or a detached <debugdir>/.build-id/xx/yyyy.debug file), collects
 * the named struct, typedef and enum definitions in one pass over the units,
 * and answers member offsets, sizes and enumerator values. */
#ifndef FAH_SYMBOLS_DWARF_OFFSETS_H
#define FAH_SYMBOLS_DWARF_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "symbols/pyoffsets.h"

struct dwoff;

/* Opens the DWARF for the ELF file at path: its own sections if it has
 * them, else the detached file named by its build id in each folder of
 * debug_dirs (colon-separated; NULL means /usr/lib/debug), checked to carry
 * the same build id. Returns 0 with *out set (free with dwoff_close),
 * -ENOENT when no debug info is found, other negative errno codes. */
int dwoff_open(const char *path, const char *debug_dirs, struct dwoff **out, char *err,
               size_t errlen);
void dwoff_close(struct dwoff *d);

/* The file the debug info was read from. */
const char *dwoff_debug_path(const struct dwoff *d);

/* Collects the complete definitions of `names` in one pass over all units,
 * stopping as soon as each is found. A name may list alternatives, "a|b",
 * and matches a struct or union tag, a typedef of a complete struct or
 * union, or an enum tag. Later calls add to what was collected. Returns the
 * number of names found. */
int dwoff_scan(struct dwoff *d, const char *const *names, size_t count);

/* Time and units of the scans so far, for benchmarks and reports. */
void dwoff_scan_stats(const struct dwoff *d, uint64_t *nanoseconds, uint64_t *units);

/* Byte offset of a member path ("interpreters.head", "ob_base.ob_size"; a
 * path step may list alternatives: "threads.head|tstate_head" is tried as a
 * whole, left to right) in the collected type `type` (spelt as given to
 * dwoff_scan). Anonymous struct and union members are looked through.
 * Returns 0, or -ENOENT. */
int dwoff_member(struct dwoff *d, const char *type, const char *path, int32_t *offset);

/* sizeof the collected type. Returns 0, or -ENOENT. */
int dwoff_size(struct dwoff *d, const char *type, int32_t *size);

/* The value of enumerator `name` in the collected enum `type`. Returns 0,
 * or -ENOENT. */
int dwoff_enumerator(struct dwoff *d, const char *type, const char *name, int64_t *value);

/* Fills every field of *off that Python version_hex has (see pyoffsets.h)
 * from the DWARF, scanning for the types it needs; off->version_hex is set,
 * the other fields are cleared first. Returns 0, or -ENOENT when a type the
 * version needs is missing (err names it). Does not validate. */
int dwoff_fill(struct dwoff *d, uint32_t version_hex, struct py_offsets *off, char *err,
               size_t errlen);

#endif
