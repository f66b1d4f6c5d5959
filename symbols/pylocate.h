/* Finding the interpreter in a process or in a binary: which ELF holds
 * _PyRuntime, where it is loaded, the Python version (learnt without running
 * anything) and the struct offsets for that build. */
#ifndef FAH_SYMBOLS_PYLOCATE_H
#define FAH_SYMBOLS_PYLOCATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbols/pyoffsets.h"

#define PYLOC_MAX_TEXT_RANGES 8

/* An address range [start, end) in the target. */
struct addr_range {
    uint64_t start;
    uint64_t end;
};

struct py_target {
    pid_t pid;                 /* 0 when located from a file alone */
    char binary[PATH_MAX];     /* the ELF holding _PyRuntime, as the target names it */
    char version[24];          /* "3.11.7", or "3.11" when only the minor is known */
    uint32_t version_hex;      /* PY_VERSION_HEX; patch level 0 when unknown */
    char abiflags[8];          /* from the file name: "" or "d" (debug build) */
    uint64_t load_bias;        /* runtime address minus link-time address */
    uint64_t runtime_addr;     /* &_PyRuntime in the target (link-time for files) */
    uint64_t code_type_addr;   /* &PyCode_Type in the target, 0 if unknown */
    char build_id[72];         /* GNU build id of `binary` in hex, "" if none */
    /* Executable mappings of the interpreter (python binary and libpython):
     * a PC inside them is interpreter time, outside is native time. */
    struct addr_range text[PYLOC_MAX_TEXT_RANGES];
    int ntext;
    enum pyoff_source source;
    /* Where the offsets came from, for logs: the DWARF file, or the table
     * entry and how it matched ("table 3.9.18 (same minor version)"). */
    char source_detail[PATH_MAX + 64];
    struct py_offsets off;
};

/* Locates the interpreter in a live process, reading /proc/PID/maps and the
 * binaries through /proc/PID/root (or /proc/PID/map_files for a file deleted
 * since it was mapped). Never attaches or executes anything. The candidates
 * are the executable and any mapped libpython; the first that defines
 * _PyRuntime is the interpreter. pref chooses the offset sources (AUTO:
 * DWARF, then _Py_DebugOffsets for 3.13+, then the generated tables; a
 * forced source alone). debug_dirs: colon-separated folders holding
 * .build-id/xx/yyyy.debug files (NULL: /usr/lib/debug, then the target's
 * own under /proc/PID/root). Returns 0, -ENOENT
 * when the process has no Python interpreter mapped (yet), -ENOTSUP for an
 * unsupported Python version (outside 3.8-3.14, free-threaded) or one the
 * file does not reveal, -ENODATA when no allowed source has offsets for the
 * build, -EAGAIN while the loader is still mapping the interpreter (look
 * again), -ESRCH when the process is gone, -EINVAL for pid <= 0, other
 * negative errno codes otherwise; err gets one line of explanation. */
int pyloc_locate_pid(pid_t pid, enum pyoff_pref pref, const char *debug_dirs,
                     struct py_target *out, char *err, size_t errlen);

/* The same for an interpreter binary on disk (executable or libpython; an
 * executable linked against libpython leads to the library, found through
 * its RUNPATH): addresses are link-time (load_bias 0), text ranges are the
 * executable PT_LOAD segments. -ENOEXEC when path is not ELF. */
int pyloc_locate_file(const char *path, enum pyoff_pref pref, const char *debug_dirs,
                      struct py_target *out, char *err, size_t errlen);

/* True when pc lies in the interpreter's executable mappings. */
int pyloc_pc_in_interpreter(const struct py_target *target, uint64_t pc);

#endif
