/* Struct offsets of one CPython build: everything the frame walker needs to
 * know about an interpreter's memory layout, in one place. Filled from DWARF
 * (dwarf_offsets.c), from _Py_DebugOffsets (debug_offsets.c) or from tables
 * generated from DWARF of reference builds (offset_tables.c). Nothing outside
 * symbols/ knows which Python version has which layout. */
#ifndef FAH_SYMBOLS_PYOFFSETS_H
#define FAH_SYMBOLS_PYOFFSETS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A field that this version does not have. */
#define PYOFF_ABSENT (-1)

enum pyoff_source {
    PYOFF_SOURCE_NONE = 0,
    PYOFF_SOURCE_DWARF = 1,
    PYOFF_SOURCE_DEBUG_OFFSETS = 2,
    PYOFF_SOURCE_TABLE = 3,
};

/* Which sources the caller allows, in preference order dwarf, debug-offsets,
 * table. PYOFF_PREF_AUTO tries all three. */
enum pyoff_pref {
    PYOFF_PREF_AUTO = 0,
    PYOFF_PREF_DWARF = 1,
    PYOFF_PREF_DEBUG_OFFSETS = 2,
    PYOFF_PREF_TABLE = 3,
};

/* How frames chain together: chosen once per target, the walker dispatches on
 * it through a function pointer. */
enum pyframe_family {
    PYFAMILY_UNKNOWN = 0,
    PYFAMILY_FRAME_OBJECT = 1,   /* 3.8-3.10: tstate->frame, PyFrameObject */
    PYFAMILY_INTERP_FRAME = 2,   /* 3.11-3.12: tstate->cframe->current_frame */
    PYFAMILY_CURRENT_FRAME = 3,  /* 3.13: tstate->current_frame, f_executable */
    PYFAMILY_TAGGED_FRAME = 4,   /* 3.14: f_executable is a tagged reference */
};

/* How a code object maps instruction offsets to lines. */
enum linetable_format {
    LINETABLE_UNKNOWN = 0,
    LINETABLE_LNOTAB = 1,     /* 3.8-3.9 co_lnotab, offsets in bytes */
    LINETABLE_310 = 2,        /* 3.10 co_linetable, offsets in bytes */
    LINETABLE_LOCATIONS = 3,  /* 3.11+ PEP 657 location table, code units */
};

/* Every offset is in bytes from the start of its struct; PYOFF_ABSENT when
 * the version has no such field. */
struct py_offsets {
    uint32_t version_hex; /* PY_VERSION_HEX, e.g. 0x030b07f0 */
    enum pyframe_family family;
    enum linetable_format linetable;

    struct {
        int32_t interpreters_head; /* _PyRuntimeState.interpreters.head */
        int32_t gil; /* _PyRuntimeState.ceval.gil: the one GIL, embedded (3.8-3.11) */
    } runtime;

    struct {
        int32_t next;         /* PyInterpreterState.next */
        int32_t threads_head; /* .tstate_head (<=3.10), .threads.head (3.11+) */
        /* .ceval.gil: pointer to the GIL this interpreter uses (3.12+,
         * where GILs belong to interpreters) */
        int32_t ceval_gil;
        int32_t modules; /* .modules (<=3.11), .imports.modules: sys.modules */
    } interp;

    struct {
        int32_t size;          /* sizeof(PyThreadState) */
        int32_t next;
        int32_t interp;
        int32_t frame;         /* PyFrameObject *frame, 3.8-3.10 */
        int32_t cframe;        /* _PyCFrame *cframe, 3.11-3.12 */
        int32_t current_frame; /* _PyInterpreterFrame *current_frame, 3.13+ */
        int32_t thread_id;     /* unsigned long (a pthread_t) */
        int32_t native_thread_id; /* Linux TID, 3.11+ */
        /* uint64_t id: no other thread state of the interpreter ever has
         * it; read (3.8-3.10) to know a thread whose TID was found once */
        int32_t unique_id;
    } thread;

    struct {
        int32_t current_frame; /* _PyCFrame.current_frame, 3.11-3.12 */
    } cframe;

    struct { /* PyFrameObject, 3.8-3.10 */
        int32_t back;
        int32_t code;
        int32_t lasti; /* int f_lasti: bytes (3.8-3.9), code units (3.10) */
    } frame_object;

    struct { /* _PyInterpreterFrame, 3.11+ */
        int32_t size;
        int32_t code;       /* f_code (3.11-3.12), f_executable (3.13+) */
        int32_t previous;
        int32_t instr_ptr;  /* prev_instr (3.11-3.12), instr_ptr (3.13+) */
        int32_t owner;      /* char owner */
        int32_t owner_cstack; /* value of FRAME_OWNED_BY_CSTACK, -1 if none */
        /* value of FRAME_OWNED_BY_INTERPRETER (3.14: the interpreter's own
         * entry frame, not Python code, skipped like C-stack frames), -1 if
         * none */
        int32_t owner_interpreter;
        /* bool is_entry (3.11 only): the first frame of one call of the
         * evaluation loop; later versions mark that with a C-stack frame */
        int32_t is_entry;
    } iframe;

    struct { /* PyCodeObject */
        int32_t size;
        int32_t filename;
        int32_t name;
        int32_t qualname;     /* 3.11+ */
        int32_t firstlineno;  /* int */
        int32_t linetable;    /* co_lnotab (3.8-3.9), co_linetable (3.10+) */
        int32_t code_adaptive; /* co_code_adaptive, 3.11+ */
        int32_t bytecode;      /* co_code, a bytes object, 3.8-3.10 */
    } code;

    struct { /* PyBytesObject */
        int32_t size; /* ob_size (PyVarObject) */
        int32_t sval;
    } bytes;

    struct { /* PyASCIIObject / PyCompactUnicodeObject */
        int32_t length;
        int32_t state;
        int32_t ascii_size;   /* sizeof(PyASCIIObject): data of compact ASCII */
        int32_t compact_size; /* sizeof(PyCompactUnicodeObject) */
    } unicode;

    struct {
        int32_t ob_type; /* PyObject.ob_type */
    } object;

    struct { /* struct _gil_runtime_state */
        int32_t size;        /* its threads wait for it on futexes inside it */
        int32_t last_holder; /* PyThreadState *: the holder while locked */
        int32_t locked;      /* int: nonzero while someone holds it */
        /* unsigned long: how often another thread took it (take_gil counts
         * a take by a thread other than last_holder) */
        int32_t switch_number;
    } gil;

    /* Objects read to name threads after threading.Thread.name (see
     * daemon/pythreadname.c): dicts, modules, instances' attributes, ints. */
    struct { /* PyDictObject, its PyDictKeysObject, PyDictValues, entries */
        int32_t ma_keys;
        int32_t ma_values;
        int32_t dk_size;             /* Py_ssize_t, 3.8-3.10 */
        int32_t dk_log2_size;        /* uint8_t, 3.11+ */
        int32_t dk_log2_index_bytes; /* uint8_t, 3.11+ */
        int32_t dk_kind;             /* uint8_t, 3.11+: 0 general entries, else unicode */
        int32_t dk_nentries;
        int32_t dk_indices;
        int32_t entry_size;          /* sizeof(PyDictKeyEntry): hash, key, value */
        int32_t unicode_entry_size;  /* sizeof(PyDictUnicodeEntry): key, value; 3.11+ */
        int32_t values;              /* PyDictValues.values, 3.11+ */
    } dict;

    struct {
        int32_t md_dict; /* PyModuleObject */
    } module;

    struct { /* PyTypeObject, PyHeapTypeObject */
        int32_t tp_basicsize;
        int32_t tp_dictoffset;
        int32_t tp_flags;
        int32_t ht_cached_keys; /* the keys its instances' values share, 3.11+ */
    } type;

    struct { /* PyLongObject */
        int32_t ob_size; /* signed digit count, 3.8-3.11 */
        int32_t lv_tag;  /* digit count << 3 | sign, 3.12+ */
        int32_t digit;   /* 30-bit digits */
    } long_obj;
};

/* Where an instance keeps its attributes: the per-version layouts of
 * CPython's object model (Include/internal/pycore_object.h). */
enum pyinstance_dict {
    PYINSTANCE_UNKNOWN = 0,
    PYINSTANCE_DICTOFFSET = 1,  /* 3.8-3.10: a dict at tp_dictoffset */
    PYINSTANCE_MANAGED = 2,     /* 3.11: dict at -24, else values at -32 */
    PYINSTANCE_DICT_OR_VALUES = 3, /* 3.12: at -24, a dict, or values - 1 (odd) */
    PYINSTANCE_INLINE = 4,      /* 3.13+: values inline at tp_basicsize, else dict at -24 */
};

/* The fixed parts of those layouts on 64-bit builds: the managed dict
 * pointer sits 3 pointers before the object (3.11+), 3.11's values pointer
 * 4 before; tp_flags bits Py_TPFLAGS_MANAGED_DICT (3.11+) and
 * Py_TPFLAGS_INLINE_VALUES (3.13+); the `valid` byte of 3.13's
 * PyDictValues (after capacity, size, embedded). */
#define PYINSTANCE_MANAGED_DICT_AT (-24)
#define PYINSTANCE_MANAGED_VALUES_AT (-32)
#define PYTPFLAGS_MANAGED_DICT (1ul << 4)
#define PYTPFLAGS_INLINE_VALUES (1ul << 2)
#define PYDICTVALUES_VALID 3

/* The instance layout of off->version_hex (3.15+ as 3.14). */
enum pyinstance_dict pyoff_instance_dict(const struct py_offsets *off);

/* The bits of PyASCIIObject.state the string reader needs; the same in every
 * supported version (interned:2, kind:3, compact:1, ascii:1 from bit 0). */
#define PYUNICODE_KIND_SHIFT 2
#define PYUNICODE_KIND_MASK 0x7u
#define PYUNICODE_COMPACT_BIT (1u << 5)
#define PYUNICODE_ASCII_BIT (1u << 6)

/* Sets every offset to PYOFF_ABSENT and the enums to unknown. */
void pyoff_clear(struct py_offsets *off);

/* Fills family and linetable from off->version_hex. Returns 0, or -ENOTSUP
 * for versions outside 3.8-3.14. */
int pyoff_set_family(struct py_offsets *off);

/* For a 3.x newer than any known (3.15+, read through _Py_DebugOffsets):
 * the newest family and line table (3.14's), keeping off->version_hex. */
void pyoff_set_family_newest(struct py_offsets *off);

/* Checks that every field the off->family walker needs is present. Returns 0
 * or -EINVAL with "offsets: missing <field>" in err. */
int pyoff_validate(const struct py_offsets *off, char *err, size_t errlen);

const char *pyoff_source_name(enum pyoff_source source);

/* Every int32_t offset field of struct py_offsets by its dotted name
 * ("thread.native_thread_id"), in declaration order: lets the table
 * generator print, and tests compare, all fields without listing them. */
struct pyoff_field {
    const char *name;
    size_t pos; /* offsetof(struct py_offsets, <name>) */
};
extern const struct pyoff_field pyoff_fields[];
extern const size_t pyoff_nfields;

static inline int32_t pyoff_get(const struct py_offsets *off, const struct pyoff_field *field)
{
    int32_t v;
    memcpy(&v, (const char *)off + field->pos, sizeof(v));
    return v;
}

static inline void pyoff_put(struct py_offsets *off, const struct pyoff_field *field, int32_t v)
{
    memcpy((char *)off + field->pos, &v, sizeof(v));
}

/* The field named `name`, or NULL. */
const struct pyoff_field *pyoff_field_by_name(const char *name);

/* Parses "auto", "dwarf", "debug-offsets" or "table"; -EINVAL otherwise. */
int pyoff_parse_pref(const char *text, enum pyoff_pref *pref);

#endif
