/* Struct layouts from DWARF. libpython's debug info is large (15 MB of
 * .debug_info for 3.13), so the scan only walks the top-level DIEs of each
 * unit, where C puts its type definitions, and stops as soon as every wanted
 * name has a complete definition. */
#include "symbols/dwarf_offsets.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "symbols/elfsym.h"

#define DWOFF_MAX_ALTS 4

struct wanted {
    char *spec;                        /* as given: "PyInterpreterState|_is" */
    char *alts[DWOFF_MAX_ALTS];        /* pointers into a copy of spec */
    char *copy;
    int nalts;
    int found;
    Dwarf_Die die;                     /* the struct, union or enum definition */
};

struct dwoff {
    struct elfsym *file; /* the ELF holding the debug info */
    Dwarf *dw;
    struct wanted *wanted;
    size_t nwanted;
    uint64_t scan_ns;
    uint64_t scan_units;
};

static const char default_debug_dirs[] = "/usr/lib/debug";

static int try_dwarf(const char *path, const char *want_build_id, struct dwoff *d)
{
    char err[256], id[128];
    struct elfsym *ef;
    Dwarf *dw;

    if (elfsym_open(path, &ef, err, sizeof(err)) != 0)
        return -ENOENT;
    if (want_build_id &&
        (elfsym_build_id(ef, id, sizeof(id)) != 0 || strcmp(id, want_build_id) != 0)) {
        elfsym_close(ef);
        return -ENOENT;
    }
    /* libdw decompresses SHF_COMPRESSED sections (Debian's -dbg files). */
    dw = dwarf_begin(elfsym_fd(ef), DWARF_C_READ);
    /* A stripped file may keep a debug section or two (.debug_line, or
     * .gnu_debuglink) without any compilation unit: that is no DWARF. */
    if (dw) {
        Dwarf_CU *cu = NULL;
        Dwarf_Die cudie;
        if (dwarf_get_units(dw, NULL, &cu, NULL, NULL, &cudie, NULL) != 0) {
            dwarf_end(dw);
            dw = NULL;
        }
    }
    if (!dw) {
        elfsym_close(ef);
        return -ENOENT;
    }
    d->file = ef;
    d->dw = dw;
    return 0;
}

int dwoff_open(const char *path, const char *debug_dirs, struct dwoff **out, char *err,
               size_t errlen)
{
    char id[128], *dirs = NULL, *save = NULL;
    struct elfsym *ef = NULL;
    struct dwoff *d;
    int rc;

    *out = NULL;
    d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "dwarf %s: out of memory", path);
        return -ENOMEM;
    }
    rc = elfsym_open(path, &ef, err, errlen);
    if (rc)
        goto fail;
    if (try_dwarf(path, NULL, d) == 0)
        goto found;
    if (elfsym_build_id(ef, id, sizeof(id)) != 0 || strlen(id) < 3) {
        snprintf(err, errlen, "dwarf %s: no debug info and no build id to find it by", path);
        rc = -ENOENT;
        goto fail;
    }
    dirs = strdup(debug_dirs && *debug_dirs ? debug_dirs : default_debug_dirs);
    if (!dirs) {
        rc = -ENOMEM;
        snprintf(err, errlen, "dwarf %s: out of memory", path);
        goto fail;
    }
    for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char candidate[4096];
        snprintf(candidate, sizeof(candidate), "%s/.build-id/%.2s/%s.debug", dir, id, id + 2);
        if (try_dwarf(candidate, id, d) == 0)
            goto found;
    }
    snprintf(err, errlen,
             "dwarf %s: no debug info (not embedded, no .build-id/%.2s/%s.debug in %s)", path,
             id, id + 2, debug_dirs && *debug_dirs ? debug_dirs : default_debug_dirs);
    rc = -ENOENT;
    goto fail;
found:
    free(dirs);
    elfsym_close(ef);
    *out = d;
    return 0;
fail:
    free(dirs);
    elfsym_close(ef);
    dwoff_close(d);
    return rc;
}

void dwoff_close(struct dwoff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nwanted; i++) {
        free(d->wanted[i].spec);
        free(d->wanted[i].copy);
    }
    free(d->wanted);
    if (d->dw)
        dwarf_end(d->dw);
    elfsym_close(d->file);
    free(d);
}

const char *dwoff_debug_path(const struct dwoff *d)
{
    return elfsym_path(d->file);
}

void dwoff_scan_stats(const struct dwoff *d, uint64_t *nanoseconds, uint64_t *units)
{
    *nanoseconds = d->scan_ns;
    *units = d->scan_units;
}

static struct wanted *find_wanted(struct dwoff *d, const char *spec)
{
    for (size_t i = 0; i < d->nwanted; i++)
        if (strcmp(d->wanted[i].spec, spec) == 0)
            return &d->wanted[i];
    return NULL;
}

static int add_wanted(struct dwoff *d, const char *spec)
{
    struct wanted *grown, *w;
    char *save = NULL;

    if (find_wanted(d, spec))
        return 0;
    grown = realloc(d->wanted, (d->nwanted + 1) * sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    d->wanted = grown;
    w = &d->wanted[d->nwanted];
    memset(w, 0, sizeof(*w));
    w->spec = strdup(spec);
    w->copy = strdup(spec);
    if (!w->spec || !w->copy) {
        free(w->spec);
        free(w->copy);
        return -ENOMEM;
    }
    for (char *a = strtok_r(w->copy, "|", &save); a && w->nalts < DWOFF_MAX_ALTS;
         a = strtok_r(NULL, "|", &save))
        w->alts[w->nalts++] = a;
    d->nwanted++;
    return 0;
}

/* Follows typedefs and qualifiers to the type they name. */
static int strip_type(Dwarf_Die *die)
{
    for (int depth = 0; depth < 16; depth++) {
        Dwarf_Attribute attr;
        switch (dwarf_tag(die)) {
        case DW_TAG_typedef:
        case DW_TAG_const_type:
        case DW_TAG_volatile_type:
        case DW_TAG_restrict_type:
        case DW_TAG_atomic_type:
            if (!dwarf_attr(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, die))
                return -ENOENT;
            continue;
        default:
            return 0;
        }
    }
    return -ELOOP;
}

static int is_definition(Dwarf_Die *die)
{
    int tag = dwarf_tag(die);
    return (tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
            tag == DW_TAG_enumeration_type) &&
           !dwarf_hasattr(die, DW_AT_declaration);
}

/* A top-level DIE named `name`: a definition itself, or a typedef of one. */
static void match_die(struct dwoff *d, Dwarf_Die *die, const char *name, size_t *missing)
{
    for (size_t i = 0; i < d->nwanted; i++) {
        struct wanted *w = &d->wanted[i];
        if (w->found)
            continue;
        for (int a = 0; a < w->nalts; a++) {
            Dwarf_Die target = *die;
            if (strcmp(w->alts[a], name) != 0)
                continue;
            /* A typedef to a struct this unit only declares is useless;
             * another unit will have the definition. */
            if (strip_type(&target) != 0 || !is_definition(&target))
                continue;
            w->die = target;
            w->found = 1;
            (*missing)--;
            break;
        }
    }
}

int dwoff_scan(struct dwoff *d, const char *const *names, size_t count)
{
    uint64_t t0;
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie, subdie;
    Dwarf_Half version;
    uint8_t unit_type;
    size_t missing = 0;
    int found = 0;

    for (size_t i = 0; i < count; i++)
        if (add_wanted(d, names[i]) != 0)
            return -ENOMEM;
    for (size_t i = 0; i < d->nwanted; i++)
        missing += !d->wanted[i].found;

    t0 = clock_monotonic_ns();
    while (missing > 0 &&
           dwarf_get_units(d->dw, cu, &cu, &version, &unit_type, &cudie, &subdie) == 0) {
        Dwarf_Die child;
        d->scan_units++;
        if (dwarf_child(&cudie, &child) != 0)
            continue;
        do {
            int tag = dwarf_tag(&child);
            const char *name;
            if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
                tag != DW_TAG_typedef && tag != DW_TAG_enumeration_type)
                continue;
            name = dwarf_diename(&child);
            if (name)
                match_die(d, &child, name, &missing);
        } while (missing > 0 && dwarf_siblingof(&child, &child) == 0);
    }
    d->scan_ns += clock_monotonic_ns() - t0;

    for (size_t i = 0; i < count; i++) {
        struct wanted *w = find_wanted(d, names[i]);
        found += w && w->found;
    }
    return found;
}

static Dwarf_Die *collected(struct dwoff *d, const char *type)
{
    struct wanted *w = find_wanted(d, type);
    return w && w->found ? &w->die : NULL;
}

static int member_location(Dwarf_Die *member, int64_t *loc)
{
    Dwarf_Attribute attr;
    Dwarf_Word value;
    Dwarf_Op *ops;
    size_t nops;

    /* Union members, and C11 anonymous members at the start, may omit it. */
    if (!dwarf_attr(member, DW_AT_data_member_location, &attr)) {
        *loc = 0;
        return 0;
    }
    if (dwarf_formudata(&attr, &value) == 0) {
        *loc = (int64_t)value;
        return 0;
    }
    /* Old producers write a location expression: DW_OP_plus_uconst N. */
    if (dwarf_getlocation(&attr, &ops, &nops) == 0 && nops == 1 &&
        ops[0].atom == DW_OP_plus_uconst) {
        *loc = (int64_t)ops[0].number;
        return 0;
    }
    return -ENOENT;
}

/* Finds member `name` in struct/union `type`, looking through anonymous
 * struct and union members; adds its offset to *offset and leaves its type
 * in *type. */
static int find_member(Dwarf_Die *type, const char *name, size_t namelen, int64_t *offset,
                       int depth)
{
    Dwarf_Die child;

    if (depth > 8 || dwarf_child(type, &child) != 0)
        return -ENOENT;
    do {
        const char *mname;
        int64_t loc;
        Dwarf_Attribute attr;
        Dwarf_Die mtype;

        if (dwarf_tag(&child) != DW_TAG_member || member_location(&child, &loc) != 0)
            continue;
        if (!dwarf_attr(&child, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &mtype))
            continue;
        mname = dwarf_diename(&child);
        if (mname && strlen(mname) == namelen && memcmp(mname, name, namelen) == 0) {
            *offset += loc;
            *type = mtype;
            return 0;
        }
        if (!mname && strip_type(&mtype) == 0 &&
            (dwarf_tag(&mtype) == DW_TAG_structure_type ||
             dwarf_tag(&mtype) == DW_TAG_union_type)) {
            int64_t inner = *offset + loc;
            Dwarf_Die found = mtype;
            if (find_member(&found, name, namelen, &inner, depth + 1) == 0) {
                *offset = inner;
                *type = found;
                return 0;
            }
        }
    } while (dwarf_siblingof(&child, &child) == 0);
    return -ENOENT;
}

/* One alternative: a dotted path of len bytes. */
static int member_path(Dwarf_Die *root, const char *path, size_t len, int64_t *offset)
{
    Dwarf_Die type = *root;
    const char *end = path + len;

    *offset = 0;
    while (path < end) {
        const char *dot = memchr(path, '.', (size_t)(end - path));
        size_t n = dot ? (size_t)(dot - path) : (size_t)(end - path);
        int tag;
        if (strip_type(&type) != 0)
            return -ENOENT;
        tag = dwarf_tag(&type);
        if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
            return -ENOENT;
        if (find_member(&type, path, n, offset, 0) != 0)
            return -ENOENT;
        path += n + (dot ? 1 : 0);
    }
    return 0;
}

int dwoff_member(struct dwoff *d, const char *type, const char *path, int32_t *offset)
{
    Dwarf_Die *root = collected(d, type);

    if (!root)
        return -ENOENT;
    while (*path) {
        size_t len = strcspn(path, "|");
        int64_t off;
        if (member_path(root, path, len, &off) == 0 && off >= 0 && off <= INT32_MAX) {
            *offset = (int32_t)off;
            return 0;
        }
        path += len + (path[len] == '|');
    }
    return -ENOENT;
}

int dwoff_size(struct dwoff *d, const char *type, int32_t *size)
{
    Dwarf_Die *die = collected(d, type);
    int size_bytes;

    if (!die || (size_bytes = dwarf_bytesize(die)) < 0)
        return -ENOENT;
    *size = size_bytes;
    return 0;
}

int dwoff_enumerator(struct dwoff *d, const char *type, const char *name, int64_t *value)
{
    Dwarf_Die *die = collected(d, type);
    Dwarf_Die child;

    if (!die || dwarf_tag(die) != DW_TAG_enumeration_type || dwarf_child(die, &child) != 0)
        return -ENOENT;
    do {
        const char *ename = dwarf_diename(&child);
        Dwarf_Attribute attr;
        Dwarf_Sword sv;
        if (dwarf_tag(&child) != DW_TAG_enumerator || !ename || strcmp(ename, name) != 0)
            continue;
        if (!dwarf_attr(&child, DW_AT_const_value, &attr) || dwarf_formsdata(&attr, &sv) != 0)
            return -ENOENT;
        *value = sv;
        return 0;
    } while (dwarf_siblingof(&child, &child) == 0);
    return -ENOENT;
}

/* CPython's names; "a|b" where the typedef and the tag differ or where
 * either may be the one carrying the definition. */
#define T_RUNTIME "_PyRuntimeState|pyruntimestate"
#define T_INTERP "PyInterpreterState|_is"
#define T_THREAD "PyThreadState|_ts"
#define T_CFRAME "_PyCFrame"
#define T_FRAME "PyFrameObject|_frame"
#define T_IFRAME "_PyInterpreterFrame"
#define T_CODE "PyCodeObject"
#define T_BYTES "PyBytesObject"
#define T_ASCII "PyASCIIObject"
#define T_COMPACT "PyCompactUnicodeObject"
#define T_OBJECT "PyObject|_object"
#define T_OWNER "_frameowner"
#define T_GIL "_gil_runtime_state"
#define T_DICT "PyDictObject"
#define T_DICTKEYS "_dictkeysobject|PyDictKeysObject"
#define T_DICTENTRY "PyDictKeyEntry"
#define T_DICTUENTRY "PyDictUnicodeEntry"
#define T_DICTVALUES "_dictvalues|PyDictValues"
#define T_MODULE "PyModuleObject"
#define T_TYPE "_typeobject|PyTypeObject"
#define T_HEAPTYPE "_heaptypeobject|PyHeapTypeObject"
#define T_LONG "_longobject|PyLongObject"

/* Types only thread names need: a build without them is still profiled. */
static const char *const optional_types[] = {
    T_OWNER, T_GIL, T_DICT, T_DICTKEYS, T_DICTENTRY, T_DICTUENTRY, T_DICTVALUES,
    T_MODULE, T_TYPE, T_HEAPTYPE, T_LONG,
};

static int optional_type(const char *type)
{
    for (size_t i = 0; i < sizeof(optional_types) / sizeof(optional_types[0]); i++)
        if (strcmp(optional_types[i], type) == 0)
            return 1;
    return 0;
}

/* Where each py_offsets field comes from, for the minor versions that have
 * it; member NULL means sizeof(type). */
static const struct dw_rule {
    const char *field;
    const char *type;
    const char *member;
    uint8_t min_minor, max_minor;
} dw_rules[] = {
    {"runtime.interpreters_head", T_RUNTIME, "interpreters.head", 8, 255},
    {"interp.next", T_INTERP, "next", 8, 255},
    /* 3.11 moved the thread list into a struct: threads.head. */
    {"interp.threads_head", T_INTERP, "threads.head|tstate_head", 8, 255},
    {"thread.size", T_THREAD, NULL, 8, 255},
    {"thread.next", T_THREAD, "next", 8, 255},
    {"thread.interp", T_THREAD, "interp", 8, 255},
    {"thread.frame", T_THREAD, "frame", 8, 10},
    {"thread.cframe", T_THREAD, "cframe", 11, 12},
    {"thread.current_frame", T_THREAD, "current_frame", 13, 255},
    {"thread.thread_id", T_THREAD, "thread_id", 8, 255},
    {"thread.native_thread_id", T_THREAD, "native_thread_id", 11, 255},
    {"thread.unique_id", T_THREAD, "id", 8, 10},
    {"cframe.current_frame", T_CFRAME, "current_frame", 11, 12},
    {"frame_object.back", T_FRAME, "f_back", 8, 10},
    {"frame_object.code", T_FRAME, "f_code", 8, 10},
    {"frame_object.lasti", T_FRAME, "f_lasti", 8, 10},
    {"iframe.size", T_IFRAME, NULL, 11, 255},
    /* 3.13 renamed f_code to f_executable and prev_instr to instr_ptr. */
    {"iframe.code", T_IFRAME, "f_executable|f_code", 11, 255},
    {"iframe.previous", T_IFRAME, "previous", 11, 255},
    {"iframe.instr_ptr", T_IFRAME, "instr_ptr|prev_instr", 11, 255},
    {"iframe.owner", T_IFRAME, "owner", 11, 255},
    {"iframe.is_entry", T_IFRAME, "is_entry", 11, 11},
    {"code.size", T_CODE, NULL, 8, 255},
    {"code.filename", T_CODE, "co_filename", 8, 255},
    {"code.name", T_CODE, "co_name", 8, 255},
    {"code.qualname", T_CODE, "co_qualname", 11, 255},
    {"code.firstlineno", T_CODE, "co_firstlineno", 8, 255},
    {"code.linetable", T_CODE, "co_lnotab", 8, 9},
    {"code.linetable", T_CODE, "co_linetable", 10, 255},
    {"code.code_adaptive", T_CODE, "co_code_adaptive", 11, 255},
    {"code.bytecode", T_CODE, "co_code", 8, 10},
    {"bytes.size", T_BYTES, "ob_base.ob_size", 8, 255},
    {"bytes.sval", T_BYTES, "ob_sval", 8, 255},
    {"unicode.length", T_ASCII, "length", 8, 255},
    {"unicode.state", T_ASCII, "state", 8, 255},
    {"unicode.ascii_size", T_ASCII, NULL, 8, 255},
    {"unicode.compact_size", T_COMPACT, NULL, 8, 255},
    {"object.ob_type", T_OBJECT, "ob_type", 8, 255},
    /* One GIL in the runtime up to 3.11; from 3.12 each interpreter points
     * to the one it uses (pycore_ceval_state.h: struct _ceval_state.gil). */
    {"runtime.gil", T_RUNTIME, "ceval.gil", 8, 11},
    {"interp.ceval_gil", T_INTERP, "ceval.gil", 12, 255},
    {"gil.size", T_GIL, NULL, 8, 255},
    {"gil.last_holder", T_GIL, "last_holder", 8, 255},
    {"gil.locked", T_GIL, "locked", 8, 255},
    {"gil.switch_number", T_GIL, "switch_number", 8, 255},
    {"interp.modules", T_INTERP, "imports.modules|modules", 8, 255},
    {"dict.ma_keys", T_DICT, "ma_keys", 8, 255},
    {"dict.ma_values", T_DICT, "ma_values", 8, 255},
    {"dict.dk_size", T_DICTKEYS, "dk_size", 8, 10},
    {"dict.dk_log2_size", T_DICTKEYS, "dk_log2_size", 11, 255},
    {"dict.dk_log2_index_bytes", T_DICTKEYS, "dk_log2_index_bytes", 11, 255},
    {"dict.dk_kind", T_DICTKEYS, "dk_kind", 11, 255},
    {"dict.dk_nentries", T_DICTKEYS, "dk_nentries", 8, 255},
    {"dict.dk_indices", T_DICTKEYS, "dk_indices", 8, 255},
    {"dict.entry_size", T_DICTENTRY, NULL, 8, 255},
    {"dict.unicode_entry_size", T_DICTUENTRY, NULL, 11, 255},
    {"dict.values", T_DICTVALUES, "values", 11, 255},
    {"module.md_dict", T_MODULE, "md_dict", 8, 255},
    {"type.tp_basicsize", T_TYPE, "tp_basicsize", 8, 255},
    {"type.tp_dictoffset", T_TYPE, "tp_dictoffset", 8, 10},
    {"type.tp_flags", T_TYPE, "tp_flags", 8, 255},
    {"type.ht_cached_keys", T_HEAPTYPE, "ht_cached_keys", 11, 255},
    {"long_obj.ob_size", T_LONG, "ob_base.ob_size", 8, 11},
    {"long_obj.lv_tag", T_LONG, "long_value.lv_tag", 12, 255},
    {"long_obj.digit", T_LONG, "long_value.ob_digit|ob_digit", 8, 255},
};

/* Enumerators of enum _frameowner (3.11+); 3.11 has no C-stack owner and
 * only 3.14 has an interpreter owner, so absence is not an error. */
static const struct {
    const char *field;
    const char *enumerator;
} dw_owner_rules[] = {
    {"iframe.owner_cstack", "FRAME_OWNED_BY_CSTACK"},
    {"iframe.owner_interpreter", "FRAME_OWNED_BY_INTERPRETER"},
};

#define NRULES (sizeof(dw_rules) / sizeof(dw_rules[0]))

int dwoff_fill(struct dwoff *d, uint32_t version_hex, struct py_offsets *off, char *err,
               size_t errlen)
{
    unsigned minor = (version_hex >> 16) & 0xff;
    const char *types[NRULES + 1] = {0};
    size_t ntypes = 0;

    pyoff_clear(off);
    off->version_hex = version_hex;
    for (size_t i = 0; i < NRULES; i++) {
        const struct dw_rule *r = &dw_rules[i];
        size_t j;
        if (minor < r->min_minor || minor > r->max_minor)
            continue;
        for (j = 0; j < ntypes && strcmp(types[j], r->type) != 0; j++)
            ;
        if (j == ntypes)
            types[ntypes++] = r->type;
    }
    if (minor >= 11)
        types[ntypes++] = T_OWNER;
    if (dwoff_scan(d, types, ntypes) < 0) {
        snprintf(err, errlen, "dwarf %s: out of memory", dwoff_debug_path(d));
        return -ENOMEM;
    }
    for (size_t j = 0; j < ntypes; j++) {
        int32_t unused;
        /* The GIL and thread names are extra information: a build without
         * their types still gets its stacks walked. */
        if (!optional_type(types[j]) && dwoff_size(d, types[j], &unused) != 0) {
            snprintf(err, errlen, "dwarf %s: no definition of %s", dwoff_debug_path(d), types[j]);
            return -ENOENT;
        }
    }

    for (size_t i = 0; i < NRULES; i++) {
        const struct dw_rule *r = &dw_rules[i];
        const struct pyoff_field *f = pyoff_field_by_name(r->field);
        int32_t v;
        if (minor < r->min_minor || minor > r->max_minor || !f)
            continue;
        if ((r->member ? dwoff_member(d, r->type, r->member, &v) : dwoff_size(d, r->type, &v)) == 0)
            pyoff_put(off, f, v);
    }
    for (size_t i = 0; minor >= 11 && i < sizeof(dw_owner_rules) / sizeof(dw_owner_rules[0]); i++) {
        const struct pyoff_field *f = pyoff_field_by_name(dw_owner_rules[i].field);
        int64_t v;
        if (f && dwoff_enumerator(d, T_OWNER, dw_owner_rules[i].enumerator, &v) == 0 && v >= 0 &&
            v <= INT32_MAX)
            pyoff_put(off, f, (int32_t)v);
    }
    return 0;
}
