/* Which code a program counter belongs to: the interpreter, a system
 * library that both the interpreter and extensions call (libc, libm, the
 * loader), or native code (extension modules, BLAS, JIT code). Built from
 * /proc/PID/maps and refreshed when a PC falls outside every known range
 * (the target loaded a library). */
#ifndef FAH_DAEMON_CODEMAP_H
#define FAH_DAEMON_CODEMAP_H

#include <stdint.h>
#include <sys/types.h>

#include "symbols/pylocate.h"

enum code_class {
    CODE_UNKNOWN = 0,
    CODE_INTERPRETER = 1,
    CODE_SYSTEM_LIB = 2,
    CODE_NATIVE = 3,
};

struct codemap;

/* NULL when out of memory. target gives the interpreter's text ranges. */
struct codemap *codemap_new(pid_t pid, const struct py_target *target);
void codemap_free(struct codemap *map);

/* Classifies pc, re-reading the maps once when pc is not in any range. */
enum code_class codemap_classify(struct codemap *map, uint64_t pc);

#endif
