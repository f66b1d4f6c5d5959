/* struct py_offsets housekeeping: clearing, choosing the frame family from
 * the version, checking that a filled struct has what its walker reads, and
 * naming every field so generators and tests can iterate over them. */
#include "symbols/pyoffsets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FIELD(name) { #name, offsetof(struct py_offsets, name) }

const struct pyoff_field pyoff_fields[] = {
    FIELD(runtime.interpreters_head),
    FIELD(runtime.gil),
    FIELD(interp.next),
    FIELD(interp.threads_head),
    FIELD(interp.ceval_gil),
    FIELD(interp.modules),
    FIELD(thread.size),
    FIELD(thread.next),
    FIELD(thread.interp),
    FIELD(thread.frame),
    FIELD(thread.cframe),
    FIELD(thread.current_frame),
    FIELD(thread.thread_id),
    FIELD(thread.native_thread_id),
    FIELD(thread.unique_id),
    FIELD(cframe.current_frame),
    FIELD(frame_object.back),
    FIELD(frame_object.code),
    FIELD(frame_object.lasti),
    FIELD(iframe.size),
    FIELD(iframe.code),
    FIELD(iframe.previous),
    FIELD(iframe.instr_ptr),
    FIELD(iframe.owner),
    FIELD(iframe.owner_cstack),
    FIELD(iframe.owner_interpreter),
    FIELD(iframe.is_entry),
    FIELD(code.size),
    FIELD(code.filename),
    FIELD(code.name),
    FIELD(code.qualname),
    FIELD(code.firstlineno),
    FIELD(code.linetable),
    FIELD(code.code_adaptive),
    FIELD(code.bytecode),
    FIELD(bytes.size),
    FIELD(bytes.sval),
    FIELD(unicode.length),
    FIELD(unicode.state),
    FIELD(unicode.ascii_size),
    FIELD(unicode.compact_size),
    FIELD(object.ob_type),
    FIELD(gil.size),
    FIELD(gil.last_holder),
    FIELD(gil.locked),
    FIELD(gil.switch_number),
    FIELD(dict.ma_keys),
    FIELD(dict.ma_values),
    FIELD(dict.dk_size),
    FIELD(dict.dk_log2_size),
    FIELD(dict.dk_log2_index_bytes),
    FIELD(dict.dk_kind),
    FIELD(dict.dk_nentries),
    FIELD(dict.dk_indices),
    FIELD(dict.entry_size),
    FIELD(dict.unicode_entry_size),
    FIELD(dict.values),
    FIELD(module.md_dict),
    FIELD(type.tp_basicsize),
    FIELD(type.tp_dictoffset),
    FIELD(type.tp_flags),
    FIELD(type.ht_cached_keys),
    FIELD(long_obj.ob_size),
    FIELD(long_obj.lv_tag),
    FIELD(long_obj.digit),
};
const size_t pyoff_nfields = sizeof(pyoff_fields) / sizeof(pyoff_fields[0]);

/* Every int32_t member must be listed above, or clear() and the generated
 * tables would silently miss it: the struct is the three header words plus
 * the listed fields. */
_Static_assert(sizeof(struct py_offsets) ==
                   sizeof(uint32_t) + 2 * sizeof(int) +
                       sizeof(pyoff_fields) / sizeof(pyoff_fields[0]) * sizeof(int32_t),
               "pyoff_fields must list every offset of struct py_offsets");

const struct pyoff_field *pyoff_field_by_name(const char *name)
{
    for (size_t i = 0; i < pyoff_nfields; i++)
        if (strcmp(pyoff_fields[i].name, name) == 0)
            return &pyoff_fields[i];
    return NULL;
}

void pyoff_clear(struct py_offsets *off)
{
    memset(off, 0, sizeof(*off));
    off->family = PYFAMILY_UNKNOWN;
    off->linetable = LINETABLE_UNKNOWN;
    for (size_t i = 0; i < pyoff_nfields; i++)
        pyoff_put(off, &pyoff_fields[i], PYOFF_ABSENT);
}

int pyoff_set_family(struct py_offsets *off)
{
    unsigned major = (off->version_hex >> 24) & 0xff;
    unsigned minor = (off->version_hex >> 16) & 0xff;

    if (major != 3)
        return -ENOTSUP;
    switch (minor) {
    case 8:
    case 9:
        off->family = PYFAMILY_FRAME_OBJECT;
        off->linetable = LINETABLE_LNOTAB;
        return 0;
    case 10:
        off->family = PYFAMILY_FRAME_OBJECT;
        off->linetable = LINETABLE_310;
        return 0;
    case 11:
    case 12:
        off->family = PYFAMILY_INTERP_FRAME;
        off->linetable = LINETABLE_LOCATIONS;
        return 0;
    case 13:
        off->family = PYFAMILY_CURRENT_FRAME;
        off->linetable = LINETABLE_LOCATIONS;
        return 0;
    case 14:
        off->family = PYFAMILY_TAGGED_FRAME;
        off->linetable = LINETABLE_LOCATIONS;
        return 0;
    default:
        return -ENOTSUP;
    }
}

enum pyinstance_dict pyoff_instance_dict(const struct py_offsets *off)
{
    unsigned minor = (off->version_hex >> 16) & 0xff;

    if ((off->version_hex >> 24) != 3 || minor < 8)
        return PYINSTANCE_UNKNOWN;
    if (minor <= 10)
        return PYINSTANCE_DICTOFFSET;
    if (minor == 11)
        return PYINSTANCE_MANAGED;
    if (minor == 12)
        return PYINSTANCE_DICT_OR_VALUES;
    return PYINSTANCE_INLINE;
}

void pyoff_set_family_newest(struct py_offsets *off)
{
    off->family = PYFAMILY_TAGGED_FRAME;
    off->linetable = LINETABLE_LOCATIONS;
}

/* Fields every family reads: the interpreter and thread lists, code object
 * names and lines, and the string and bytes objects behind them. */
static const char *const common_fields[] = {
    "runtime.interpreters_head", "interp.next",      "interp.threads_head",
    "thread.next",               "thread.interp",    "thread.thread_id",
    "code.filename",             "code.name",        "code.firstlineno",
    "code.linetable",            "bytes.size",       "bytes.sval",
    "unicode.length",            "unicode.state",    "unicode.ascii_size",
    "unicode.compact_size",      "object.ob_type",   NULL,
};

static const char *const frame_object_fields[] = {
    "thread.frame", "frame_object.back", "frame_object.code", "frame_object.lasti", NULL,
};

/* Interpreter frames (3.11+); qualname and the adaptive code array arrived
 * with them. */
static const char *const iframe_fields[] = {
    "thread.native_thread_id", "iframe.size", "iframe.code", "iframe.previous",
    "iframe.instr_ptr",        "iframe.owner", "code.qualname", "code.code_adaptive",
    NULL,
};

static const char *const cframe_fields[] = {"thread.cframe", "cframe.current_frame", NULL};

static const char *const current_frame_fields[] = {"thread.current_frame", NULL};

/* 3.12+ push shim frames owned by the C stack that the walker must skip. */
static const char *const cstack_fields[] = {"iframe.owner_cstack", NULL};

/* 3.14 gives the interpreter's entry frame an owner of its own. */
static const char *const tagged_fields[] = {"iframe.owner_interpreter", NULL};

static int check_fields(const struct py_offsets *off, const char *const *names, char *err,
                        size_t errlen)
{
    for (; *names; names++) {
        const struct pyoff_field *f = pyoff_field_by_name(*names);
        if (!f || pyoff_get(off, f) < 0) {
            snprintf(err, errlen, "offsets: missing %s", *names);
            return -EINVAL;
        }
    }
    return 0;
}

int pyoff_validate(const struct py_offsets *off, char *err, size_t errlen)
{
    unsigned minor = (off->version_hex >> 16) & 0xff;
    int rc;

    if (off->family == PYFAMILY_UNKNOWN || off->linetable == LINETABLE_UNKNOWN) {
        snprintf(err, errlen, "offsets: missing frame family for version 0x%08x",
                 off->version_hex);
        return -EINVAL;
    }
    rc = check_fields(off, common_fields, err, errlen);
    if (rc)
        return rc;
    switch (off->family) {
    case PYFAMILY_FRAME_OBJECT:
        return check_fields(off, frame_object_fields, err, errlen);
    case PYFAMILY_INTERP_FRAME:
        rc = check_fields(off, iframe_fields, err, errlen);
        if (!rc)
            rc = check_fields(off, cframe_fields, err, errlen);
        /* 3.11 marks C-stack boundaries with is_entry, not an owner value. */
        if (!rc && minor >= 12)
            rc = check_fields(off, cstack_fields, err, errlen);
        return rc;
    case PYFAMILY_CURRENT_FRAME:
    case PYFAMILY_TAGGED_FRAME:
        rc = check_fields(off, iframe_fields, err, errlen);
        if (!rc)
            rc = check_fields(off, current_frame_fields, err, errlen);
        if (!rc)
            rc = check_fields(off, cstack_fields, err, errlen);
        if (!rc && off->family == PYFAMILY_TAGGED_FRAME)
            rc = check_fields(off, tagged_fields, err, errlen);
        return rc;
    default:
        snprintf(err, errlen, "offsets: unknown frame family %d", (int)off->family);
        return -EINVAL;
    }
}

const char *pyoff_source_name(enum pyoff_source source)
{
    switch (source) {
    case PYOFF_SOURCE_DWARF:
        return "dwarf";
    case PYOFF_SOURCE_DEBUG_OFFSETS:
        return "debug-offsets";
    case PYOFF_SOURCE_TABLE:
        return "table";
    default:
        return "none";
    }
}

int pyoff_parse_pref(const char *text, enum pyoff_pref *pref)
{
    static const struct {
        const char *name;
        enum pyoff_pref pref;
    } prefs[] = {
        {"auto", PYOFF_PREF_AUTO},
        {"dwarf", PYOFF_PREF_DWARF},
        {"debug-offsets", PYOFF_PREF_DEBUG_OFFSETS},
        {"table", PYOFF_PREF_TABLE},
    };

    if (!text)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++) {
        if (strcmp(text, prefs[i].name) == 0) {
            *pref = prefs[i].pref;
            return 0;
        }
    }
    return -EINVAL;
}
