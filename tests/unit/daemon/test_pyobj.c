/* Remote dicts, attributes, ints and threading._active, on fabricated
 * memory laid out as 3.10 (tp_dictoffset, dk_size), 3.11 (managed values),
 * 3.12 (dict-or-values) and 3.13 (inline values) lay them out; and the
 * reads a torn or wrong pointer would produce. */
#include <errno.h>
#include <string.h>

#include "daemon/fakemem.h"
#include "daemon/pyobj.h"
#include "daemon/pystr.h"
#include "daemon/pythreadname.h"
#include "harness.h"

#define DICT_SIZE 48
#define INDEX_BYTES 8 /* every keys object here: 8 one-byte slots */

/* Offsets shared by every layout below (x86-64 values). */
static void common_layout(struct py_offsets *o, unsigned minor)
{
    memset(o, 0xff, sizeof(*o));
    o->version_hex = 0x03000000u | minor << 16 | 0xf0u;
    o->unicode.length = 16;
    o->unicode.state = 32;
    o->unicode.ascii_size = 40;
    o->unicode.compact_size = 56;
    o->object.ob_type = 8;
    o->interp.modules = 56;
    o->dict.ma_keys = 32;
    o->dict.ma_values = 40;
    o->dict.entry_size = 24;
    o->module.md_dict = 16;
    o->type.tp_basicsize = 32;
    o->type.tp_flags = 168;
    o->long_obj.digit = 24;
    if (minor <= 10) {
        o->dict.dk_size = 8;
        o->dict.dk_nentries = 32;
        o->dict.dk_indices = 40;
        o->type.tp_dictoffset = 288;
    } else {
        o->dict.dk_log2_size = 8;
        o->dict.dk_log2_index_bytes = 9;
        o->dict.dk_kind = 10;
        o->dict.dk_nentries = 24;
        o->dict.dk_indices = 32;
        o->dict.unicode_entry_size = 16;
        o->dict.values = minor >= 13 ? 8 : 0;
        o->type.ht_cached_keys = 880;
    }
    if (minor <= 11)
        o->long_obj.ob_size = 16;
    else
        o->long_obj.lv_tag = 16;
}

/* A keys object of n entries (general: with hashes); returns it and
 * *entries, the address of entry 0. */
static uint64_t make_keys(struct fake_mem *m, const struct py_offsets *o, int n, int general,
                          uint64_t *entries)
{
    uint64_t esize = (uint64_t)(general ? o->dict.entry_size : o->dict.unicode_entry_size);
    uint64_t keys = fake_alloc(m, (size_t)o->dict.dk_indices + INDEX_BYTES + n * esize);
    if (o->dict.dk_size >= 0) {
        fake_u64(m, keys + (uint64_t)o->dict.dk_size, INDEX_BYTES);
    } else {
        fake_u8(m, keys + (uint64_t)o->dict.dk_log2_size, 3);
        fake_u8(m, keys + (uint64_t)o->dict.dk_log2_index_bytes, 3);
        fake_u8(m, keys + (uint64_t)o->dict.dk_kind, general ? 0 : 1);
    }
    fake_u64(m, keys + (uint64_t)o->dict.dk_nentries, (uint64_t)n);
    *entries = keys + (uint64_t)o->dict.dk_indices + INDEX_BYTES;
    return keys;
}

/* A combined dict of n (key, value) pairs; a 0 key is a deleted slot. */
static uint64_t make_dict(struct fake_mem *m, const struct py_offsets *o, const uint64_t *keys,
                          const uint64_t *values, int n)
{
    int general = o->dict.dk_size >= 0;
    uint64_t entries, dict = fake_alloc(m, DICT_SIZE);
    uint64_t k = make_keys(m, o, n, general, &entries);
    uint64_t esize = (uint64_t)(general ? o->dict.entry_size : o->dict.unicode_entry_size);
    for (int i = 0; i < n; i++) {
        uint64_t e = entries + (uint64_t)i * esize + (general ? 8 : 0);
        fake_u64(m, e, keys[i]);
        fake_u64(m, e + 8, values[i]);
    }
    fake_u64(m, dict + (uint64_t)o->dict.ma_keys, k);
    return dict;
}

/* An int of up to three 30-bit digits, as the version stores its size. */
static uint64_t make_long(struct fake_mem *m, const struct py_offsets *o, uint64_t v)
{
    uint64_t obj = fake_alloc(m, 40), n = 0;
    for (; v; v >>= 30, n++)
        fake_put(m, obj + (uint64_t)o->long_obj.digit + 4 * n,
                 &(uint32_t){(uint32_t)(v & 0x3fffffff)}, 4);
    if (o->long_obj.lv_tag >= 0)
        fake_u64(m, obj + (uint64_t)o->long_obj.lv_tag, n ? n << 3 : 1);
    else
        fake_u64(m, obj + (uint64_t)o->long_obj.ob_size, n);
    return obj;
}

/* A heap type whose instances share keys {"_target", "_name"}. */
static uint64_t make_type(struct fake_mem *m, const struct py_offsets *o, uint64_t flags,
                          uint64_t *cached_keys)
{
    uint64_t type = fake_alloc(m, 1024), entries;
    fake_u64(m, type + (uint64_t)o->type.tp_flags, flags);
    fake_u64(m, type + (uint64_t)o->type.tp_basicsize, 16);
    if (o->type.tp_dictoffset >= 0)
        fake_u64(m, type + (uint64_t)o->type.tp_dictoffset, 16);
    if (o->type.ht_cached_keys >= 0) {
        *cached_keys = make_keys(m, o, 2, 0, &entries);
        fake_u64(m, entries, fake_str(m, o, "_target"));
        fake_u64(m, entries + 16, fake_str(m, o, "_name"));
        fake_u64(m, type + (uint64_t)o->type.ht_cached_keys, *cached_keys);
    }
    return type;
}

static struct pyobj reader(struct rmem *mem, const struct py_offsets *o)
{
    return (struct pyobj){.mem = mem, .off = o, .layout = pyoff_instance_dict(o)};
}

static void expect_name(const struct pyobj *r, uint64_t obj, const char *want)
{
    char text[64];
    uint64_t name = 0;
    CHECK_EQ_INT(pyobj_attr(r, obj, "_name", &name), 0);
    CHECK(pystr_read(r->mem, r->off, name, text, sizeof(text)) > 0);
    CHECK_EQ_STR(text, want);
}

/* A fabricated process laid out as 3.minor, and a reader of it. Set up in
 * place and never moved: the reader points into it. */
struct process {
    struct fake_process f;
    struct pyobj r;
};

static void process_init(struct process *p, unsigned minor)
{
    fake_process_init(&p->f);
    common_layout(&p->f.o, minor);
    p->r = reader(&p->f.mem, &p->f.o);
}

/* 3.10: combined dicts by key, a deleted slot skipped, tp_dictoffset. */
static void test_dict_and_dictoffset(void)
{
    struct process p;
    process_init(&p, 10);
    struct fake_mem *m = &p.f.m;
    const struct py_offsets *o = &p.f.o;
    CHECK(pyobj_known(o));
    uint64_t keys[] = {fake_str(m, o, "_target"), 0, fake_str(m, o, "_name")};
    uint64_t values[] = {1, 0, fake_str(m, o, "loader")};
    uint64_t dict = make_dict(m, o, keys, values, 3), v = 0, cached;
    CHECK_EQ_INT(pyobj_dict_get(&p.r, dict, "_target", &v), 0);
    CHECK_EQ_INT(v, 1);
    CHECK_EQ_INT(pyobj_dict_get(&p.r, dict, "_absent", &v), -ENOENT);
    uint64_t obj = fake_alloc(m, 32);
    fake_u64(m, obj + 8, make_type(m, o, 0, &cached));
    fake_u64(m, obj + 16, dict);
    expect_name(&p.r, obj, "loader");
    /* A torn count, and keys nowhere. */
    fake_u64(m, fake_get_u64(m, dict + 32) + 32, PYOBJ_MAX_ENTRIES + 1);
    CHECK_EQ_INT(pyobj_dict_get(&p.r, dict, "_name", &v), -E2BIG);
    fake_u64(m, dict + 32, 0xdead0000);
    CHECK_EQ_INT(pyobj_dict_get(&p.r, dict, "_name", &v), -EFAULT);
    fake_fini(m);
}

/* An instance whose values share its type's keys: 3.11 (values pointer
 * at -32), 3.12 (values - 1 at -24), 3.13 (inline after the object). */
static void test_shared_values(unsigned minor)
{
    struct process p;
    process_init(&p, minor);
    struct fake_mem *m = &p.f.m;
    const struct py_offsets *o = &p.f.o;
    CHECK(pyobj_known(o));
    uint64_t cached, base = fake_alloc(m, 128), obj = base + 32;
    uint64_t flags = PYTPFLAGS_MANAGED_DICT | (minor >= 13 ? PYTPFLAGS_INLINE_VALUES : 0);
    fake_u64(m, obj + 8, make_type(m, o, flags, &cached));
    uint64_t name = fake_str(m, o, "worker-1");
    uint64_t values = minor >= 13 ? obj + 16 : fake_alloc(m, 32);
    fake_u64(m, values + (uint64_t)o->dict.values + 8, name);
    if (minor == 11)
        fake_u64(m, obj - 32, values);
    else if (minor == 12)
        fake_u64(m, obj - 24, values - 1);
    else
        fake_u8(m, values + PYDICTVALUES_VALID, 1);
    expect_name(&p.r, obj, "worker-1");
    /* 3.13: values no longer valid: the materialized dict at -24 rules. */
    if (minor >= 13) {
        uint64_t k = fake_str(m, o, "_name"), v = fake_str(m, o, "renamed");
        fake_u8(m, values + PYDICTVALUES_VALID, 0);
        fake_u64(m, obj - 24, make_dict(m, o, &k, &v, 1));
        expect_name(&p.r, obj, "renamed");
    }
    fake_fini(m);
}

static void test_longs(unsigned minor)
{
    struct process p;
    process_init(&p, minor);
    struct fake_mem *m = &p.f.m;
    const struct py_offsets *o = &p.f.o;
    uint64_t v = 1;
    CHECK_EQ_INT(pyobj_long(&p.r, make_long(m, o, 0), &v), 0);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(pyobj_long(&p.r, make_long(m, o, 0x7f1234567700ull), &v), 0);
    CHECK(v == 0x7f1234567700ull);
    uint64_t neg = make_long(m, o, 5);
    if (o->long_obj.lv_tag >= 0)
        fake_u64(m, neg + 16, 1 << 3 | 2);
    else
        fake_u64(m, neg + 16, (uint64_t)-1);
    CHECK_EQ_INT(pyobj_long(&p.r, neg, &v), -ERANGE);
    fake_fini(m);
}

/* sys.modules -> threading -> _active {ident: Thread}: names by ident. */
static void test_thread_names(void)
{
    struct process p;
    process_init(&p, 13);
    struct fake_mem *m = &p.f.m;
    const struct py_offsets *o = &p.f.o;
    static struct pythreadnames names;
    names.obj = p.r;
    uint64_t cached, type = make_type(m, o, PYTPFLAGS_MANAGED_DICT | PYTPFLAGS_INLINE_VALUES,
                                      &cached);
    uint64_t idents[2], threads[2];
    const char *given[2] = {"MainThread", "données-loader"};
    for (int i = 0; i < 2; i++) {
        uint64_t base = fake_alloc(m, 128);
        threads[i] = base + 32;
        fake_u64(m, threads[i] + 8, type);
        fake_u8(m, threads[i] + 16 + PYDICTVALUES_VALID, 1);
        fake_u64(m, threads[i] + 16 + 16, fake_str(m, o, given[i]));
        idents[i] = make_long(m, o, 0x7f0000001000ull + (uint64_t)i * 0x800000);
    }
    uint64_t k_active = fake_str(m, o, "_active"), active = make_dict(m, o, idents, threads, 2);
    uint64_t module = fake_alloc(m, 32), k_threading = fake_str(m, o, "threading");
    fake_u64(m, module + 16, make_dict(m, o, &k_active, &active, 1));
    uint64_t interp = fake_alloc(m, 128);
    fake_u64(m, interp + 56, make_dict(m, o, &k_threading, &module, 1));
    CHECK_EQ_INT(pythreadname_scan(&names, interp, 0), 2);
    CHECK_EQ_STR(pythreadname_find(&names, 0x7f0000001000ull), "MainThread");
    CHECK_EQ_STR(pythreadname_find(&names, 0x7f0000801000ull), "données-loader");
    CHECK(pythreadname_find(&names, 0x1234) == NULL);
    /* A later reading goes straight to the _active found: sys.modules now
     * lacks threading, and the names are still read... */
    uint64_t k_other = fake_str(m, o, "os");
    fake_u64(m, interp + 56, make_dict(m, o, &k_other, &module, 1));
    CHECK_EQ_INT(pythreadname_scan(&names, interp, 0), 2);
    CHECK_EQ_STR(pythreadname_find(&names, 0x7f0000001000ull), "MainThread");
    /* ...but not for another interpreter, nor when asked to look it up:
     * before threading is imported there are no names, and it says so. */
    uint64_t other_interp = fake_alloc(m, 128);
    fake_u64(m, other_interp + 56, make_dict(m, o, &k_other, &module, 1));
    CHECK_EQ_INT(pythreadname_scan(&names, other_interp, 0), -ENOENT);
    CHECK_EQ_INT(pythreadname_scan(&names, interp, 1), -ENOENT);
    CHECK(pythreadname_find(&names, 0x7f0000001000ull) == NULL);
    /* A dict that cannot be read any more is looked up again. */
    fake_u64(m, interp + 56, make_dict(m, o, &k_threading, &module, 1));
    CHECK_EQ_INT(pythreadname_scan(&names, interp, 1), 2);
    names.active = 0x10; /* unmapped */
    CHECK_EQ_INT(pythreadname_scan(&names, interp, 0), 2);
    CHECK_EQ_STR(pythreadname_find(&names, 0x7f0000801000ull), "données-loader");
    fake_fini(m);
}

int main(void)
{
    test_dict_and_dictoffset();
    for (unsigned minor = 11; minor <= 14; minor++)
        test_shared_values(minor);
    test_longs(10);
    test_longs(12);
    test_thread_names();
    return test_finish("test_pyobj");
}
