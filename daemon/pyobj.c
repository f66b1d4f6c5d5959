/* Reading dicts, attributes and ints of the target (see pyobj.h). */
#include "daemon/pyobj.h"

#include <errno.h>
#include <string.h>

#include "daemon/pystr.h"

/* Longest key compared, in bytes: attribute and module names. */
#define PYOBJ_MAX_KEY 64
/* No object header or instance dict offset is larger. */
#define PYOBJ_MAX_OFFSET 4096
/* An int of more 30-bit digits does not fit 64 bits. */
#define PYOBJ_MAX_DIGITS 3

static const char *const needed_fields[] = {
    "dict.ma_keys", "dict.ma_values", "dict.dk_nentries", "dict.dk_indices",
    "dict.entry_size", "module.md_dict", "type.tp_basicsize", "type.tp_flags",
    "long_obj.digit", "interp.modules", NULL,
};

int pyobj_known(const struct py_offsets *off)
{
    for (const char *const *name = needed_fields; *name; name++) {
        const struct pyoff_field *f = pyoff_field_by_name(*name);
        if (!f || pyoff_get(off, f) < 0)
            return 0;
    }
    switch (pyoff_instance_dict(off)) {
    case PYINSTANCE_DICTOFFSET:
        return off->dict.dk_size >= 0 && off->type.tp_dictoffset >= 0 &&
               off->long_obj.ob_size >= 0;
    case PYINSTANCE_UNKNOWN:
        return 0;
    default:
        return off->dict.dk_log2_index_bytes >= 0 && off->dict.dk_kind >= 0 &&
               off->dict.unicode_entry_size > 0 && off->dict.values >= 0 &&
               off->type.ht_cached_keys >= 0 &&
               (off->long_obj.ob_size >= 0 || off->long_obj.lv_tag >= 0);
    }
}

static int read_u64(const struct pyobj *o, uint64_t addr, uint64_t *v)
{
    return rmem_read(o->mem, addr, v, sizeof(*v));
}

static int read_u8(const struct pyobj *o, uint64_t addr, uint8_t *v)
{
    return rmem_read(o->mem, addr, v, sizeof(*v));
}

/* Where a keys object's entries are and how they are laid out. */
struct dict_keys {
    uint64_t entries; /* entry 0 */
    uint64_t count;   /* dk_nentries: used and deleted slots */
    uint32_t size;    /* bytes per entry */
    uint32_t key_at;  /* key and value pointers within an entry */
};

/* Up to 3.10 the index table has dk_size slots of 1, 2 or 4 bytes (8 only
 * past 2^32 slots); from 3.11 its size is 2^dk_log2_index_bytes, and
 * unicode-keyed tables drop the hash from their entries. */
static int index_bytes(const struct pyobj *o, uint64_t keys, uint64_t *bytes, int *general)
{
    const struct py_offsets *off = o->off;
    if (off->dict.dk_size >= 0) {
        uint64_t size;
        int rc = read_u64(o, keys + (uint64_t)off->dict.dk_size, &size);
        if (rc < 0)
            return rc;
        if (size == 0 || size > 4 * (uint64_t)PYOBJ_MAX_ENTRIES || (size & (size - 1)))
            return -EINVAL;
        *bytes = size * (size <= 0xff ? 1 : size <= 0xffff ? 2 : 4);
        *general = 1;
        return 0;
    }
    uint8_t log2_bytes, kind;
    int rc = read_u8(o, keys + (uint64_t)off->dict.dk_log2_index_bytes, &log2_bytes);
    if (rc == 0)
        rc = read_u8(o, keys + (uint64_t)off->dict.dk_kind, &kind);
    if (rc < 0)
        return rc;
    if (log2_bytes > 24)
        return -EINVAL;
    *bytes = 1ull << log2_bytes;
    *general = kind == 0; /* DICT_KEYS_GENERAL */
    return 0;
}

static int read_keys(const struct pyobj *o, uint64_t keys, struct dict_keys *k)
{
    uint64_t nentries, bytes = 0;
    int general = 0;
    if (!keys)
        return -EINVAL;
    int rc = read_u64(o, keys + (uint64_t)o->off->dict.dk_nentries, &nentries);
    if (rc == 0)
        rc = index_bytes(o, keys, &bytes, &general);
    if (rc < 0)
        return rc;
    if (nentries > PYOBJ_MAX_ENTRIES)
        return -E2BIG;
    k->entries = keys + (uint64_t)o->off->dict.dk_indices + bytes;
    k->count = nentries;
    /* {hash, key, value} or {key, value} */
    k->size = (uint32_t)(general ? o->off->dict.entry_size : o->off->dict.unicode_entry_size);
    k->key_at = general ? 8 : 0;
    return k->size >= k->key_at + 16 ? 0 : -EINVAL;
}

/* Walks the entries of keys; values is a split table's values array (its
 * PyDictValues), 0 for a combined table whose entries hold the values. */
static int walk_entries(const struct pyobj *o, uint64_t keys, uint64_t values,
                        pyobj_item_fn fn, void *ctx)
{
    struct dict_keys k;
    int rc = read_keys(o, keys, &k);
    if (rc < 0)
        return rc;
    uint64_t values_at = values + (uint64_t)(o->off->dict.values > 0 ? o->off->dict.values : 0);
    for (uint64_t i = 0; i < k.count; i++) {
        uint64_t entry = k.entries + i * k.size, key, value;
        if ((rc = read_u64(o, entry + k.key_at, &key)) < 0)
            return rc;
        if (!key)
            continue; /* deleted */
        rc = values ? read_u64(o, values_at + 8 * i, &value)
                    : read_u64(o, entry + k.key_at + 8, &value);
        if (rc < 0)
            return rc;
        if (value && (rc = fn(ctx, key, value)) != 0)
            return rc;
    }
    return 0;
}

int pyobj_dict_items(const struct pyobj *o, uint64_t dict, pyobj_item_fn fn, void *ctx)
{
    uint64_t keys, values;
    int rc = read_u64(o, dict + (uint64_t)o->off->dict.ma_keys, &keys);
    if (rc == 0)
        rc = read_u64(o, dict + (uint64_t)o->off->dict.ma_values, &values);
    return rc < 0 ? rc : walk_entries(o, keys, values, fn, ctx);
}

struct lookup {
    const struct pyobj *o;
    const char *name;
    uint64_t value;
};

static int match_key(void *ctx, uint64_t key, uint64_t value)
{
    struct lookup *l = ctx;
    char text[PYOBJ_MAX_KEY];
    if (pystr_read(l->o->mem, l->o->off, key, text, sizeof(text)) < 0 ||
        strcmp(text, l->name) != 0)
        return 0;
    l->value = value;
    return 1;
}

/* The value of name in keys (with values, as walk_entries). */
static int entries_get(const struct pyobj *o, uint64_t keys, uint64_t values, const char *name,
                       uint64_t *value)
{
    struct lookup l = {.o = o, .name = name};
    int rc = walk_entries(o, keys, values, match_key, &l);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -ENOENT;
    *value = l.value;
    return 0;
}

int pyobj_dict_get(const struct pyobj *o, uint64_t dict, const char *name, uint64_t *value)
{
    uint64_t keys, values;
    int rc = read_u64(o, dict + (uint64_t)o->off->dict.ma_keys, &keys);
    if (rc == 0)
        rc = read_u64(o, dict + (uint64_t)o->off->dict.ma_values, &values);
    return rc < 0 ? rc : entries_get(o, keys, values, name, value);
}

/* Values that share their type's cached keys (3.11+). */
static int shared_values_get(const struct pyobj *o, uint64_t type, uint64_t values,
                             const char *name, uint64_t *value)
{
    uint64_t keys;
    int rc = read_u64(o, type + (uint64_t)o->off->type.ht_cached_keys, &keys);
    return rc < 0 ? rc : entries_get(o, keys, values, name, value);
}

/* The managed dict pointer (3.11+), if the dict exists. */
static int managed_dict_get(const struct pyobj *o, uint64_t obj, const char *name,
                            uint64_t *value)
{
    uint64_t dict;
    int rc = read_u64(o, obj + (uint64_t)(int64_t)PYINSTANCE_MANAGED_DICT_AT, &dict);
    if (rc < 0)
        return rc;
    return dict ? pyobj_dict_get(o, dict, name, value) : -ENOENT;
}

/* 3.13+: values right after the object while `valid`, else the dict. */
static int inline_get(const struct pyobj *o, uint64_t obj, uint64_t type, const char *name,
                      uint64_t *value)
{
    uint64_t basicsize;
    uint8_t valid;
    int rc = read_u64(o, type + (uint64_t)o->off->type.tp_basicsize, &basicsize);
    if (rc < 0)
        return rc;
    if (basicsize < 16 || basicsize > PYOBJ_MAX_OFFSET)
        return -EINVAL;
    if ((rc = read_u8(o, obj + basicsize + PYDICTVALUES_VALID, &valid)) < 0)
        return rc;
    if (valid)
        return shared_values_get(o, type, obj + basicsize, name, value);
    return managed_dict_get(o, obj, name, value);
}

/* 3.8-3.10: a dict pointer at tp_dictoffset. */
static int dictoffset_get(const struct pyobj *o, uint64_t obj, uint64_t type, const char *name,
                          uint64_t *value)
{
    uint64_t where, dict;
    int rc = read_u64(o, type + (uint64_t)o->off->type.tp_dictoffset, &where);
    if (rc < 0)
        return rc;
    if ((int64_t)where <= 0 || where > PYOBJ_MAX_OFFSET)
        return -ENOTSUP; /* no dict, or one at the end of a variable-size object */
    if ((rc = read_u64(o, obj + where, &dict)) < 0)
        return rc;
    return dict ? pyobj_dict_get(o, dict, name, value) : -ENOENT;
}

/* 3.11: the dict, else values behind a second pointer. 3.12: one word,
 * the dict or (odd) the values' address minus one. */
static int managed_get(const struct pyobj *o, uint64_t obj, uint64_t type, const char *name,
                       uint64_t *value)
{
    uint64_t word, values;
    int rc = read_u64(o, obj + (uint64_t)(int64_t)PYINSTANCE_MANAGED_DICT_AT, &word);
    if (rc < 0)
        return rc;
    if (o->layout == PYINSTANCE_DICT_OR_VALUES) {
        if (word & 1)
            return shared_values_get(o, type, word + 1, name, value);
        return word ? pyobj_dict_get(o, word, name, value) : -ENOENT;
    }
    if (word)
        return pyobj_dict_get(o, word, name, value);
    rc = read_u64(o, obj + (uint64_t)(int64_t)PYINSTANCE_MANAGED_VALUES_AT, &values);
    if (rc < 0)
        return rc;
    return values ? shared_values_get(o, type, values, name, value) : -ENOENT;
}

int pyobj_attr(const struct pyobj *o, uint64_t obj, const char *name, uint64_t *value)
{
    uint64_t type, flags;
    int rc = read_u64(o, obj + (uint64_t)o->off->object.ob_type, &type);
    if (rc < 0)
        return rc;
    if (o->layout == PYINSTANCE_DICTOFFSET)
        return dictoffset_get(o, obj, type, name, value);
    if ((rc = read_u64(o, type + (uint64_t)o->off->type.tp_flags, &flags)) < 0)
        return rc;
    if (o->layout == PYINSTANCE_INLINE && (flags & PYTPFLAGS_INLINE_VALUES))
        return inline_get(o, obj, type, name, value);
    if (!(flags & PYTPFLAGS_MANAGED_DICT))
        return -ENOTSUP;
    if (o->layout == PYINSTANCE_INLINE)
        return managed_dict_get(o, obj, name, value);
    return managed_get(o, obj, type, name, value);
}

/* The digit count and sign: ob_size up to 3.11, lv_tag from 3.12. */
static int long_digits(const struct pyobj *o, uint64_t addr, uint64_t *ndigits)
{
    uint64_t word;
    int tagged = o->off->long_obj.lv_tag >= 0;
    int rc = read_u64(o, addr + (uint64_t)(tagged ? o->off->long_obj.lv_tag
                                                   : o->off->long_obj.ob_size), &word);
    if (rc < 0)
        return rc;
    if (!tagged) {
        if ((int64_t)word < 0)
            return -ERANGE;
        *ndigits = word;
        return 0;
    }
    if ((word & 3) == 2)
        return -ERANGE; /* negative */
    *ndigits = (word & 3) == 1 ? 0 : word >> 3;
    return 0;
}

int pyobj_long(const struct pyobj *o, uint64_t addr, uint64_t *value)
{
    uint64_t ndigits;
    uint32_t digits[PYOBJ_MAX_DIGITS];
    int rc = long_digits(o, addr, &ndigits);
    if (rc < 0)
        return rc;
    if (ndigits > PYOBJ_MAX_DIGITS)
        return -ERANGE;
    if (ndigits && (rc = rmem_read(o->mem, addr + (uint64_t)o->off->long_obj.digit, digits,
                                   ndigits * sizeof(digits[0]))) < 0)
        return rc;
    uint64_t v = 0;
    for (uint64_t i = ndigits; i-- > 0;) {
        if (digits[i] >> 30 || (v >> 34) != 0)
            return digits[i] >> 30 ? -EINVAL : -ERANGE;
        v = v << 30 | digits[i];
    }
    *value = v;
    return 0;
}
