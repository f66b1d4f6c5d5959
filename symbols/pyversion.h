/* The Python version of an interpreter binary, read from the file, never by
 * running it: Py_Version (3.11+), the _Py_DebugOffsets header (3.13+), or
 * the file name (libpythonX.Y, pythonX.Y) refined by the PY_VERSION string
 * in .rodata. */
#ifndef FAH_SYMBOLS_PYVERSION_H
#define FAH_SYMBOLS_PYVERSION_H

#include <stddef.h>
#include <stdint.h>

#include "symbols/elfsym.h"

#define PYVER_MIN_MINOR 8
#define PYVER_MAX_MINOR 14

struct pyver {
    uint32_t hex;       /* PY_VERSION_HEX; 0 when unknown */
    int patch_known;    /* 0: only major.minor are known (hex has micro 0) */
    int free_threaded;  /* a Py_GIL_DISABLED build ("t" flag or the struct) */
    int has_debug_offsets; /* _PyRuntime starts with the _Py_DebugOffsets cookie */
    char abiflags[8];   /* from the file name: "", "d", "t", "td" */
};

/* Reads the version of the opened ELF. `name` is the path the target knows
 * the file by (the file name fallback and the ABI flags come from it);
 * runtime is _PyRuntime's symbol, or NULL when the file has none. */
void pyver_detect(struct elfsym *ef, const char *name, const struct elfsym_symbol *runtime,
                  struct pyver *out);

/* Major and minor (PY_VERSION_HEX with micro 0) from a file name such as
 * "python3.11d" or "/usr/lib/libpython3.9.so.1.0", with its ABI flags; 0
 * when the name carries no version. */
uint32_t pyver_from_name(const char *path, char *abiflags, size_t flaglen);

/* "3.11.7", "3.13.0rc2"; "3.9" when !patch_known. */
void pyver_format(uint32_t hex, int patch_known, char *buf, size_t len);

/* True for 3.8 to 3.14. */
int pyver_supported(uint32_t hex);

/* True for a 3.x newer than every version this profiler was tested with
 * (3.15+): supported only through the _Py_DebugOffsets it publishes. */
int pyver_newer_than_known(uint32_t hex);

/* The one-line refusal of a free-threaded build: "Python 3.14.10
 * free-threaded build (3.14t) is not supported: ..." (docs/python-3.14.md). */
void pyver_free_threaded_refusal(uint32_t hex, int patch_known, char *buf, size_t len);

/* For a version newer than every tested one, "offsets from _Py_DebugOffsets
 * of an untested version 3.15" in buf and returns 1; otherwise buf = "" and
 * returns 0. The profile and `inspect` carry the text. */
int pyver_untested_note(uint32_t hex, char *buf, size_t len);

#endif
