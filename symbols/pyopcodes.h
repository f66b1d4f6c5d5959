/* What a frame's current opcode says about where its thread's CPU time
 * goes. While a C-implemented callable runs (a builtin such as sorted() or
 * sum(), a method of a built-in type, an extension function), the innermost
 * Python frame stands on the call instruction that invoked it: a Python
 * callee would have pushed a newer frame. So an innermost frame on a call
 * opcode means "inside a C callable": native time, whichever binary holds
 * the callee. Opcode numbers change with every minor version (and within
 * pre-releases); this file is the one place that knows them. Facts and
 * sources: docs/time-kinds.md. */
#ifndef FAH_SYMBOLS_PYOPCODES_H
#define FAH_SYMBOLS_PYOPCODES_H

#include <stdint.h>

enum pyop_kind {
    PYOP_OTHER = 0,        /* bytecode the eval loop runs itself: Python time */
    PYOP_CALL = 1,         /* a call that runs a C callable when innermost */
    PYOP_CALL_PY = 2,      /* a call form that only pushes a Python frame */
    PYOP_EXTENDED_ARG = 3, /* a prefix: the instruction is the next code unit */
    PYOP_UNKNOWN = 4,      /* CACHE or an instrumented opcode hiding the real one */
};

/* The kind of every opcode of one CPython version. */
struct py_opcodes {
    uint8_t kind[256];
    int known; /* 0: no table for this version, every opcode is PYOP_UNKNOWN */
};

/* Fills out for the interpreter whose PY_VERSION_HEX is version_hex.
 * Returns 0, or -ENOTSUP (out->known = 0) for a version or pre-release
 * whose numbers are not known here. */
int pyopcodes_for_version(uint32_t version_hex, struct py_opcodes *out);

/* The kind an opcode of this name has in any version ("CALL_BUILTIN_O" is
 * PYOP_CALL, "CALL_PY_EXACT_ARGS" PYOP_CALL_PY): the rule the tables follow,
 * exposed so tests can hold the tables to an interpreter's own opcode map. */
enum pyop_kind pyopcodes_kind_of_name(const char *name);

static inline enum pyop_kind pyopcodes_kind(const struct py_opcodes *ops, uint8_t opcode)
{
    return (enum pyop_kind)ops->kind[opcode];
}

#endif
