/* A fabricated sparse memory image for walker tests: regions at chosen
 * addresses, a struct rmem reading them (anything outside is -EFAULT), and
 * builders for the CPython objects the walker reads (str, bytes, code) laid
 * out by a hand-filled struct py_offsets. Test-only: aborts on misuse. */
#ifndef FAH_TEST_FAKEMEM_H
#define FAH_TEST_FAKEMEM_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/rmem.h"
#include "symbols/pyoffsets.h"

#define FAKE_MAX_REGIONS 8192

struct fake_region {
    uint64_t addr;
    size_t len;
    uint8_t *data;
};

struct fake_mem {
    struct fake_region regions[FAKE_MAX_REGIONS];
    int n;
    uint64_t next; /* bump allocator for fake_alloc */
    unsigned reads;
};

static inline void fake_die(const char *what, uint64_t addr)
{
    fprintf(stderr, "fakemem: %s @0x%llx\n", what, (unsigned long long)addr);
    abort();
}

static inline void fake_init(struct fake_mem *m)
{
    memset(m, 0, sizeof(*m));
    m->next = 0x100000;
}

static inline void fake_fini(struct fake_mem *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->regions[i].data);
    m->n = 0;
}

static inline struct fake_region *fake_find(struct fake_mem *m, uint64_t addr, size_t len)
{
    for (int i = 0; i < m->n; i++) {
        struct fake_region *r = &m->regions[i];
        if (addr >= r->addr && addr - r->addr <= r->len && len <= r->len - (addr - r->addr))
            return r;
    }
    return NULL;
}

static inline int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct fake_mem *m = ctx;
    struct fake_region *r = fake_find(m, addr, len);

    m->reads++;
    if (!r)
        return -EFAULT;
    memcpy(buf, r->data + (addr - r->addr), len);
    return 0;
}

static inline struct rmem fake_ops(struct fake_mem *m)
{
    return (struct rmem){.read = fake_read, .ctx = m};
}

/* Fabricated memory, the layout its objects follow (the test fills it in)
 * and a reader of it. Set up in place and never moved: mem points into m. */
struct fake_process {
    struct fake_mem m;
    struct py_offsets o;
    struct rmem mem;
};

static inline void fake_process_init(struct fake_process *p)
{
    fake_init(&p->m);
    p->mem = fake_ops(&p->m);
}

/* Maps len zeroed bytes at addr. */
static inline uint64_t fake_map(struct fake_mem *m, uint64_t addr, size_t len)
{
    if (m->n == FAKE_MAX_REGIONS)
        fake_die("too many regions", addr);
    struct fake_region *r = &m->regions[m->n++];
    r->addr = addr;
    r->len = len;
    r->data = calloc(1, len ? len : 1);
    return addr;
}

/* Maps len zeroed bytes somewhere new, with an unmapped gap after it. */
static inline uint64_t fake_alloc(struct fake_mem *m, size_t len)
{
    uint64_t addr = m->next;
    m->next = (addr + len + 0xff) / 0x100 * 0x100 + 0x100;
    return fake_map(m, addr, len);
}

static inline void fake_unmap(struct fake_mem *m, uint64_t addr)
{
    for (int i = 0; i < m->n; i++) {
        if (m->regions[i].addr == addr) {
            free(m->regions[i].data);
            m->regions[i] = m->regions[--m->n];
            return;
        }
    }
    fake_die("unmap of nothing", addr);
}

static inline void fake_put(struct fake_mem *m, uint64_t addr, const void *src, size_t len)
{
    struct fake_region *r = fake_find(m, addr, len);
    if (!r)
        fake_die("write outside the image", addr);
    memcpy(r->data + (addr - r->addr), src, len);
}

static inline void fake_u64(struct fake_mem *m, uint64_t addr, uint64_t v)
{
    fake_put(m, addr, &v, sizeof(v));
}

static inline uint64_t fake_get_u64(struct fake_mem *m, uint64_t addr)
{
    uint64_t v = 0;
    if (fake_read(m, addr, &v, sizeof(v)) < 0)
        fake_die("read outside the image", addr);
    return v;
}

static inline void fake_i32(struct fake_mem *m, uint64_t addr, int32_t v)
{
    fake_put(m, addr, &v, sizeof(v));
}

static inline void fake_u8(struct fake_mem *m, uint64_t addr, uint8_t v)
{
    fake_put(m, addr, &v, sizeof(v));
}

/* Decodes UTF-8 (trusted, test input) into code points; returns the count. */
static inline size_t fake_utf8_decode(const char *s, uint32_t *out, size_t max)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t n = 0;

    while (*p && n < max) {
        uint32_t cp;
        int extra;
        if (*p < 0x80) {
            cp = *p;
            extra = 0;
        } else if (*p < 0xe0) {
            cp = *p & 0x1f;
            extra = 1;
        } else if (*p < 0xf0) {
            cp = *p & 0x0f;
            extra = 2;
        } else {
            cp = *p & 0x07;
            extra = 3;
        }
        p++;
        while (extra-- > 0)
            cp = cp << 6 | (*p++ & 0x3f);
        out[n++] = cp;
    }
    return n;
}

/* Builds a compact str from code points with an explicit kind (1, 2, 4) and
 * state; the raw form lets tests make impossible strings too. */
static inline uint64_t fake_str_raw(struct fake_mem *m, const struct py_offsets *off,
                             const uint32_t *cps, size_t n, unsigned kind, uint32_t state,
                             int64_t length)
{
    int ascii = (state & PYUNICODE_ASCII_BIT) != 0;
    size_t header = (size_t)(ascii ? off->unicode.ascii_size : off->unicode.compact_size);
    uint64_t addr = fake_alloc(m, header + (n + 1) * kind);

    fake_put(m, addr + (uint64_t)off->unicode.length, &length, sizeof(length));
    fake_put(m, addr + (uint64_t)off->unicode.state, &state, sizeof(state));
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)cps[i];
        uint16_t h = (uint16_t)cps[i];
        uint32_t w = cps[i];
        void *src = kind == 1 ? (void *)&b : kind == 2 ? (void *)&h : (void *)&w;
        fake_put(m, addr + header + i * kind, src, kind);
    }
    return addr;
}

static inline uint32_t fake_state(unsigned kind, int ascii)
{
    return (uint32_t)kind << PYUNICODE_KIND_SHIFT | PYUNICODE_COMPACT_BIT |
           (ascii ? PYUNICODE_ASCII_BIT : 0);
}

/* A str holding the UTF-8 text s, in the narrowest kind, as CPython would. */
static inline uint64_t fake_str(struct fake_mem *m, const struct py_offsets *off, const char *s)
{
    static uint32_t cps[8192];
    size_t n = fake_utf8_decode(s, cps, sizeof(cps) / sizeof(cps[0]));
    uint32_t max = 0;

    for (size_t i = 0; i < n; i++)
        if (cps[i] > max)
            max = cps[i];
    unsigned kind = max < 0x100 ? 1 : max < 0x10000 ? 2 : 4;
    return fake_str_raw(m, off, cps, n, kind, fake_state(kind, max < 0x80), (int64_t)n);
}

static inline uint64_t fake_bytes(struct fake_mem *m, const struct py_offsets *off,
                           const void *data, size_t len)
{
    uint64_t addr = fake_alloc(m, (size_t)off->bytes.sval + len + 1);
    int64_t size = (int64_t)len;

    fake_put(m, addr + (uint64_t)off->bytes.size, &size, sizeof(size));
    if (len)
        fake_put(m, addr + (uint64_t)off->bytes.sval, data, len);
    return addr;
}

struct fake_code_spec {
    const char *file;
    const char *name;
    const char *qualname; /* NULL: version without co_qualname */
    int firstlineno;
    const uint8_t *table;
    size_t table_len;
    uint64_t type; /* ob_type */
    const uint8_t *bytecode; /* NULL: none written */
    size_t bytecode_len;
};

/* A code object with fresh strings and line table; code_units of bytecode
 * follow co_code_adaptive where the layout has it. */
static inline uint64_t fake_code(struct fake_mem *m, const struct py_offsets *off,
                          const struct fake_code_spec *spec)
{
    size_t size = (size_t)off->code.size;
    if (off->code.code_adaptive >= 0)
        size = (size_t)off->code.code_adaptive + 512;
    uint64_t addr = fake_alloc(m, size);

    fake_u64(m, addr + (uint64_t)off->object.ob_type, spec->type);
    fake_u64(m, addr + (uint64_t)off->code.filename, fake_str(m, off, spec->file));
    fake_u64(m, addr + (uint64_t)off->code.name, fake_str(m, off, spec->name));
    if (off->code.qualname >= 0)
        fake_u64(m, addr + (uint64_t)off->code.qualname,
                 fake_str(m, off, spec->qualname ? spec->qualname : spec->name));
    fake_i32(m, addr + (uint64_t)off->code.firstlineno, spec->firstlineno);
    fake_u64(m, addr + (uint64_t)off->code.linetable,
             fake_bytes(m, off, spec->table, spec->table_len));
    /* Bytecode inside the code object from 3.11, a bytes object before. */
    if (spec->bytecode && off->code.code_adaptive >= 0 && spec->bytecode_len <= 512)
        fake_put(m, addr + (uint64_t)off->code.code_adaptive, spec->bytecode, spec->bytecode_len);
    else if (spec->bytecode && off->code.bytecode >= 0)
        fake_u64(m, addr + (uint64_t)off->code.bytecode,
                 fake_bytes(m, off, spec->bytecode, spec->bytecode_len));
    return addr;
}

#endif
