/* Parsing _Py_DebugOffsets. Every member after the cookie is a uint64_t, so
 * a layout is its member names in order; the names follow
 * Include/internal/pycore_runtime.h (3.13) and
 * Include/internal/pycore_debug_offsets.h (3.14) of CPython, and the tests
 * check them against the DWARF of struct _Py_DebugOffsets. */
#include "symbols/debug_offsets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "symbols/pyversion.h"

/* "group:member,member;group:..." after cookie, version, free_threaded. */
static const char layout_313[] =
    "runtime_state:size,finalizing,interpreters_head;"
    "interpreter_state:size,id,next,threads_head,gc,imports_modules,sysdict,builtins,"
    "ceval_gil,gil_runtime_state,gil_runtime_state_enabled,gil_runtime_state_locked,"
    "gil_runtime_state_holder;"
    "thread_state:size,prev,next,interp,current_frame,thread_id,native_thread_id,"
    "datastack_chunk,status;"
    "interpreter_frame:size,previous,executable,instr_ptr,localsplus,owner;"
    "code_object:size,filename,name,qualname,linetable,firstlineno,argcount,localsplusnames,"
    "localspluskinds,co_code_adaptive;"
    "pyobject:size,ob_type;"
    "type_object:size,tp_name,tp_repr,tp_flags;"
    "tuple_object:size,ob_item,ob_size;"
    "list_object:size,ob_item,ob_size;"
    "dict_object:size,ma_keys,ma_values;"
    "float_object:size,ob_fval;"
    "long_object:size,lv_tag,ob_digit;"
    "bytes_object:size,ob_size,ob_sval;"
    "unicode_object:size,state,length,asciiobject_size;"
    "gc:size,collecting";

/* 3.14 adds threads_main, the code-object and thread-local-bytecode
 * generations, stackpointer/tlbc_index, co_tlbc, sets, generators, the
 * llist node and PEP 768's debugger support. */
static const char layout_314[] =
    "runtime_state:size,finalizing,interpreters_head;"
    "interpreter_state:size,id,next,threads_head,threads_main,gc,imports_modules,sysdict,"
    "builtins,ceval_gil,gil_runtime_state,gil_runtime_state_enabled,gil_runtime_state_locked,"
    "gil_runtime_state_holder,code_object_generation,tlbc_generation;"
    "thread_state:size,prev,next,interp,current_frame,thread_id,native_thread_id,"
    "datastack_chunk,status;"
    "interpreter_frame:size,previous,executable,instr_ptr,localsplus,owner,stackpointer,"
    "tlbc_index;"
    "code_object:size,filename,name,qualname,linetable,firstlineno,argcount,localsplusnames,"
    "localspluskinds,co_code_adaptive,co_tlbc;"
    "pyobject:size,ob_type;"
    "type_object:size,tp_name,tp_repr,tp_flags;"
    "tuple_object:size,ob_item,ob_size;"
    "list_object:size,ob_item,ob_size;"
    "set_object:size,used,table,mask;"
    "dict_object:size,ma_keys,ma_values;"
    "float_object:size,ob_fval;"
    "long_object:size,lv_tag,ob_digit;"
    "bytes_object:size,ob_size,ob_sval;"
    "unicode_object:size,state,length,asciiobject_size;"
    "gc:size,collecting;"
    "gen_object:size,gi_name,gi_iframe,gi_frame_state;"
    "llist_node:next,prev;"
    "debugger_support:eval_breaker,remote_debugger_support,remote_debugging_enabled,"
    "debugger_pending_call,debugger_script_path,debugger_script_path_size";

/* Header: char cookie[8]; uint64_t version; uint64_t free_threaded. */
#define HEADER_SIZE 24u
#define MAX_SLOTS 128
/* The newest layout known: a newer 3.x is read with it (see dbgoff_parse). */
#define NEWEST_MINOR 14u
/* No struct described is bigger (PyInterpreterState: ~100 KiB in 3.14). */
#define MAX_GROUP_SIZE (1u << 20)

static const char *layout_for(unsigned minor)
{
    switch (minor) {
    case 13:
        return layout_313;
    case 14:
        return layout_314;
    default:
        return NULL;
    }
}

int dbgoff_layout(unsigned minor, struct dbgoff_slot *slots, size_t max, size_t *count,
                  uint32_t *total_size)
{
    const char *p = layout_for(minor);
    char group[64];
    size_t n = 0;
    uint32_t pos = HEADER_SIZE;

    if (!p)
        return -ENOTSUP;
    while (*p) {
        size_t glen = strcspn(p, ":");
        snprintf(group, sizeof(group), "%.*s", (int)glen, p);
        p += glen + 1;
        for (;;) {
            size_t mlen = strcspn(p, ",;");
            if (n < max) {
                int w = snprintf(slots[n].name, sizeof(slots[n].name), "%s.%.*s", group,
                                 (int)mlen, p);
                if (w < 0 || (size_t)w >= sizeof(slots[n].name))
                    return -ENAMETOOLONG;
                slots[n].pos = pos;
            }
            n++;
            pos += 8;
            p += mlen;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == ';')
                p++;
            break;
        }
    }
    *count = n < max ? n : max;
    *total_size = pos;
    return n <= max ? 0 : -ENOSPC;
}

size_t dbgoff_max_size(void)
{
    static const unsigned minors[] = {13, 14};
    struct dbgoff_slot slots[MAX_SLOTS];
    size_t count, max = 0;
    uint32_t total;

    for (size_t i = 0; i < sizeof(minors) / sizeof(minors[0]); i++)
        if (dbgoff_layout(minors[i], slots, MAX_SLOTS, &count, &total) == 0 && total > max)
            max = total;
    return max;
}

static uint64_t get_u64(const void *buf, uint32_t pos)
{
    uint64_t v;
    memcpy(&v, (const char *)buf + pos, sizeof(v));
    return v;
}

int dbgoff_peek_version(const void *buf, size_t len, uint32_t *version_hex)
{
    if (len < HEADER_SIZE)
        return -EINVAL;
    if (memcmp(buf, DBGOFF_COOKIE, DBGOFF_COOKIE_LEN) != 0)
        return -ENOENT;
    *version_hex = (uint32_t)get_u64(buf, 8);
    return 0;
}

struct parse_ctx {
    const void *buf;
    const struct dbgoff_slot *slots;
    size_t count;
    char *err;
    size_t errlen;
};

static int slot_value(const struct parse_ctx *c, const char *name, uint64_t *value)
{
    for (size_t i = 0; i < c->count; i++) {
        if (strcmp(c->slots[i].name, name) == 0) {
            *value = get_u64(c->buf, c->slots[i].pos);
            return 0;
        }
    }
    snprintf(c->err, c->errlen, "_Py_DebugOffsets: layout has no %s", name);
    return -EINVAL;
}

/* group.member, checked to lie inside group.size (or inside `limit` for
 * groups without a size), stored into py_offsets field `field`. */
static int take(const struct parse_ctx *c, struct py_offsets *off, const char *field,
                const char *group, const char *member, uint64_t limit)
{
    char name[64];
    uint64_t value, size = limit;
    const struct pyoff_field *f = pyoff_field_by_name(field);

    if (!f)
        return -EINVAL;
    snprintf(name, sizeof(name), "%s.%s", group, member);
    if (slot_value(c, name, &value) != 0)
        return -EINVAL;
    if (!limit) {
        snprintf(name, sizeof(name), "%s.size", group);
        if (slot_value(c, name, &size) != 0)
            return -EINVAL;
    }
    if (strcmp(member, "size") == 0 ? (value == 0 || value > INT32_MAX) : value >= size) {
        snprintf(c->err, c->errlen, "_Py_DebugOffsets: %s.%s = %llu is out of range", group,
                 member, (unsigned long long)value);
        return -EINVAL;
    }
    pyoff_put(off, f, (int32_t)value);
    return 0;
}

/* Every group with a size: the size is plausible and every member lies
 * inside it. A layout read at the wrong positions (a newer version's with
 * members inserted) breaks this at the first group after the insertion. */
static int check_groups(const struct parse_ctx *c)
{
    for (size_t i = 0; i < c->count; i++) {
        const char *name = c->slots[i].name;
        const char *dot = strchr(name, '.');
        char size_name[64];
        uint64_t value = get_u64(c->buf, c->slots[i].pos), size;

        if (!dot)
            continue;
        snprintf(size_name, sizeof(size_name), "%.*s.size", (int)(dot - name), name);
        if (strcmp(name, size_name) == 0) {
            if (value < 8 || value > MAX_GROUP_SIZE) {
                snprintf(c->err, c->errlen, "_Py_DebugOffsets: %s = %llu is not a struct size",
                         name, (unsigned long long)value);
                return -EINVAL;
            }
            continue;
        }
        for (size_t j = 0; j < c->count; j++) {
            if (strcmp(c->slots[j].name, size_name) != 0)
                continue;
            size = get_u64(c->buf, c->slots[j].pos);
            if (value >= size) {
                snprintf(c->err, c->errlen,
                         "_Py_DebugOffsets: %s = %llu lies outside its struct (%llu bytes)", name,
                         (unsigned long long)value, (unsigned long long)size);
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* sizeof(struct _gil_runtime_state) in default builds on x86-64 glibc:
 * interval, last_holder, locked, switch_number, then two pthread
 * condition variables (48 bytes) and two mutexes (40), in 3.12-3.14
 * (Include/internal/pycore_gil.h; 208 in the DWARF of pyenv 3.12.1 and
 * 3.13.0). The debug offsets give neither it nor switch_number, the
 * unsigned long declared right after the int locked. */
#define DEFAULT_GIL_SIZE 208

/* The values of the slots names[0..n), without an error message: the
 * optional groups below are left absent when one is missing. */
static int optional_slots(const struct parse_ctx *c, const char *const *names, size_t n,
                          uint64_t *values)
{
    char err[128]; /* the message is dropped: absent groups are no error */
    struct parse_ctx quiet = *c;

    quiet.err = err;
    quiet.errlen = sizeof(err);
    for (size_t i = 0; i < n; i++)
        if (slot_value(&quiet, names[i], &values[i]) != 0)
            return -EINVAL;
    return 0;
}

/* The GIL: interpreter_state.ceval_gil is the offset of the pointer
 * interp->ceval.gil; the locked and holder slots are offsets from the
 * interpreter into its own embedded GIL, which starts at
 * gil_runtime_state: the difference places them inside the GIL struct.
 * Left absent when any of them is out of place: stacks do not need it. */
static void gil_from_debug_offsets(const struct parse_ctx *c, struct py_offsets *off)
{
    static const char *const names[] = {
        "interpreter_state.ceval_gil", "interpreter_state.gil_runtime_state",
        "interpreter_state.gil_runtime_state_locked", "interpreter_state.gil_runtime_state_holder",
        "interpreter_state.size"};
    uint64_t v[5];

    if (optional_slots(c, names, 5, v) != 0)
        return;
    uint64_t ceval_gil = v[0], base = v[1], locked = v[2], holder = v[3], interp_size = v[4];
    if (ceval_gil + 8 > interp_size || locked < base || holder < base ||
        locked - base + 16 > DEFAULT_GIL_SIZE || holder - base + 8 > DEFAULT_GIL_SIZE)
        return;
    off->interp.ceval_gil = (int32_t)ceval_gil;
    off->gil.locked = (int32_t)(locked - base);
    off->gil.last_holder = (int32_t)(holder - base);
    off->gil.switch_number = (int32_t)((locked - base + 4 + 7) & ~(uint64_t)7);
    off->gil.size = DEFAULT_GIL_SIZE;
}

/* What thread names need that the debug offsets leave out, for default
 * builds of 3.13 and 3.14 on x86-64 (checked against pyenv 3.13.0's DWARF
 * by tests/unit/symbols/test_debug_offsets.c):
 * - PyDictKeysObject (pycore_dict.h): dk_refcnt, then the uint8_t fields
 *   dk_log2_size, dk_log2_index_bytes, dk_kind, the uint32_t dk_version,
 *   then dk_usable, dk_nentries and the indices;
 * - entries: {hash, key, value}, or {key, value} in unicode-keyed dicts;
 *   PyDictValues: four uint8_t (capacity, size, embedded, valid) and the
 *   values array at the next pointer;
 * - PyModuleObject: md_dict right after the object header;
 * - PyTypeObject: tp_basicsize right after tp_name; PyHeapTypeObject:
 *   after the type come PyAsyncMethods (4 pointers), PyNumberMethods (36),
 *   PyMappingMethods (3), PySequenceMethods (10), PyBufferProcs (2), then
 *   ht_name, ht_slots, ht_qualname and ht_cached_keys. */
#define DICT_KEYS_LOG2_SIZE 8
#define DICT_KEYS_NENTRIES 24
#define DICT_KEYS_INDICES 32
#define DICT_ENTRY_SIZE 24
#define DICT_UNICODE_ENTRY_SIZE 16
#define DICT_VALUES_VALUES 8
#define HEAPTYPE_CACHED_KEYS_AFTER_TYPE ((4 + 36 + 3 + 10 + 2 + 3) * 8)

/* The objects read to name threads (see pyoffsets.h): from the debug
 * offsets where they are, else from the layouts above. Left absent when a
 * group is missing: stacks do not need them. */
static void names_from_debug_offsets(const struct parse_ctx *c, struct py_offsets *off)
{
    static const char *const names[] = {
        "interpreter_state.imports_modules", "dict_object.ma_keys", "dict_object.ma_values",
        "type_object.tp_flags", "type_object.tp_name", "type_object.size", "pyobject.size",
        "long_object.lv_tag", "long_object.ob_digit"};
    uint64_t v[9];

    if (optional_slots(c, names, 9, v) != 0 || v[5] > MAX_GROUP_SIZE || v[6] > 64)
        return;
    uint64_t modules = v[0], ma_keys = v[1], ma_values = v[2], tp_flags = v[3], tp_name = v[4],
             type_size = v[5], obj_size = v[6], lv_tag = v[7], digit = v[8];
    off->interp.modules = (int32_t)modules;
    off->dict.ma_keys = (int32_t)ma_keys;
    off->dict.ma_values = (int32_t)ma_values;
    off->dict.dk_log2_size = DICT_KEYS_LOG2_SIZE;
    off->dict.dk_log2_index_bytes = DICT_KEYS_LOG2_SIZE + 1;
    off->dict.dk_kind = DICT_KEYS_LOG2_SIZE + 2;
    off->dict.dk_nentries = DICT_KEYS_NENTRIES;
    off->dict.dk_indices = DICT_KEYS_INDICES;
    off->dict.entry_size = DICT_ENTRY_SIZE;
    off->dict.unicode_entry_size = DICT_UNICODE_ENTRY_SIZE;
    off->dict.values = DICT_VALUES_VALUES;
    off->module.md_dict = (int32_t)obj_size;
    off->type.tp_basicsize = (int32_t)tp_name + 8;
    off->type.tp_flags = (int32_t)tp_flags;
    off->type.ht_cached_keys = (int32_t)(type_size + HEAPTYPE_CACHED_KEYS_AFTER_TYPE);
    off->long_obj.lv_tag = (int32_t)lv_tag;
    off->long_obj.digit = (int32_t)digit;
}

int dbgoff_parse(const void *buf, size_t len, struct py_offsets *off, char *err, size_t errlen)
{
    static const struct {
        const char *field, *group, *member;
    } map[] = {
        {"runtime.interpreters_head", "runtime_state", "interpreters_head"},
        {"interp.next", "interpreter_state", "next"},
        {"interp.threads_head", "interpreter_state", "threads_head"},
        {"thread.size", "thread_state", "size"},
        {"thread.next", "thread_state", "next"},
        {"thread.interp", "thread_state", "interp"},
        {"thread.current_frame", "thread_state", "current_frame"},
        {"thread.thread_id", "thread_state", "thread_id"},
        {"thread.native_thread_id", "thread_state", "native_thread_id"},
        {"iframe.size", "interpreter_frame", "size"},
        {"iframe.code", "interpreter_frame", "executable"},
        {"iframe.previous", "interpreter_frame", "previous"},
        {"iframe.instr_ptr", "interpreter_frame", "instr_ptr"},
        {"iframe.owner", "interpreter_frame", "owner"},
        {"code.size", "code_object", "size"},
        {"code.filename", "code_object", "filename"},
        {"code.name", "code_object", "name"},
        {"code.qualname", "code_object", "qualname"},
        {"code.firstlineno", "code_object", "firstlineno"},
        {"code.linetable", "code_object", "linetable"},
        {"code.code_adaptive", "code_object", "co_code_adaptive"},
        {"bytes.size", "bytes_object", "ob_size"},
        {"bytes.sval", "bytes_object", "ob_sval"},
        {"unicode.length", "unicode_object", "length"},
        {"unicode.state", "unicode_object", "state"},
        {"unicode.ascii_size", "unicode_object", "asciiobject_size"},
        {"object.ob_type", "pyobject", "ob_type"},
    };
    struct dbgoff_slot slots[MAX_SLOTS];
    struct parse_ctx c = {.buf = buf, .slots = slots, .err = err, .errlen = errlen};
    uint32_t version, total;
    unsigned minor, layout;
    int rc;

    pyoff_clear(off);
    rc = dbgoff_peek_version(buf, len, &version);
    if (rc == -EINVAL) {
        snprintf(err, errlen, "_Py_DebugOffsets: %zu bytes is too short", len);
        return rc;
    }
    if (rc) {
        snprintf(err, errlen, "_Py_DebugOffsets: no \"xdebugpy\" cookie");
        return rc;
    }
    minor = (version >> 16) & 0xff;
    /* A newer 3.x is read with the newest layout known: the struct only
     * grows, and check_groups() refuses one whose members moved. */
    layout = pyver_newer_than_known(version) ? NEWEST_MINOR : minor;
    if ((version >> 24) != 3 || dbgoff_layout(layout, slots, MAX_SLOTS, &c.count, &total) != 0) {
        snprintf(err, errlen, "_Py_DebugOffsets: layout of version 0x%08x is unknown (3.13, 3.14)",
                 version);
        return -ENOTSUP;
    }
    if (get_u64(buf, 16) != 0) {
        pyver_free_threaded_refusal(version, 1, err, errlen);
        return -ENOTSUP;
    }
    if (len < total) {
        snprintf(err, errlen, "_Py_DebugOffsets: %zu bytes, 3.%u needs %u", len, layout, total);
        rc = -EINVAL;
    } else {
        off->version_hex = version;
        rc = 0;
        for (size_t i = 0; rc == 0 && i < sizeof(map) / sizeof(map[0]); i++)
            rc = take(&c, off, map[i].field, map[i].group, map[i].member, 0);
        if (rc == 0)
            rc = check_groups(&c);
    }
    if (rc && layout != minor) {
        char why[160];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen,
                 "Python %u.%u is newer than this profiler knows (3.8-3.%u) and its "
                 "_Py_DebugOffsets do not fit the 3.%u layout (%s)",
                 version >> 24, minor, NEWEST_MINOR, NEWEST_MINOR, why);
        rc = -ENOTSUP;
    }
    if (rc) {
        pyoff_clear(off);
        return rc;
    }
    /* The struct has no sizeof(PyCompactUnicodeObject) before 3.15; from
     * 3.12 on it is PyASCIIObject followed by Py_ssize_t utf8_length and
     * char *utf8 (Include/cpython/unicodeobject.h). */
    off->unicode.compact_size = off->unicode.ascii_size + 2 * 8;
    gil_from_debug_offsets(&c, off);
    names_from_debug_offsets(&c, off);
    /* Owner values are enum constants, not offsets: enum _frameowner in
     * pycore_frame.h (3.13: CSTACK = 3) and pycore_interpframe_structs.h
     * (3.14: INTERPRETER = 3, CSTACK = 4). */
    off->iframe.owner_cstack = layout == 13 ? 3 : 4;
    off->iframe.owner_interpreter = layout == 13 ? PYOFF_ABSENT : 3;
    if (layout != minor) {
        /* Untested: the newest walker family; the profile says so. */
        pyoff_set_family_newest(off);
        return 0;
    }
    rc = pyoff_set_family(off);
    if (rc) {
        snprintf(err, errlen, "_Py_DebugOffsets: version 0x%08x is not supported", version);
        return rc;
    }
    return 0;
}
