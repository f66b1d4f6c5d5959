/* Code object cache: a hash table from code address to the newest id seen
 * there, and entries in fixed-size blocks so that pointers
 * handed out stay valid while the cache grows. */
#include "daemon/pycode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hashtab.h"
#include "daemon/pystr.h"

#define PYCODE_MAX (1u << 20)            /* ids; more is a runaway target */
#define PYCODE_MAX_LINETABLE (1u << 20)  /* bytes; a larger one is torn memory */
#define PYCODE_SPAN_MAX 1024             /* code object bytes we copy */
#define BLOCK 256                        /* entries per block */

struct entry {
    struct pycode pc;
    /* What the code object held when read: the validity check. */
    uint64_t addr, filename, name, qualname, linetable;
    int32_t firstlineno;
    /* The last check: when, and a frame running the object then. */
    uint64_t checked_ns, vouch_frame;
    int64_t vouch_offset;
};

struct pycode_cache {
    const struct rmem *mem;
    const struct py_offsets *off;
    uint64_t code_type_addr;
    size_t span; /* bytes of the code object holding every field we read */

    struct hashtab index; /* code address -> the newest entry's id */
    struct entry **blocks;
    uint32_t nblocks, count;

    char file_buf[PYSTR_MAX_UTF8];
    char name_buf[PYSTR_MAX_UTF8];
};

static void widen(size_t *span, int32_t off, size_t width)
{
    if (off < 0 || (size_t)off + width > PYCODE_SPAN_MAX)
        *span = SIZE_MAX;
    else if (*span != SIZE_MAX && (size_t)off + width > *span)
        *span = (size_t)off + width;
}

struct pycode_cache *pycode_cache_new(const struct rmem *mem, const struct py_offsets *off,
                                      uint64_t code_type_addr)
{
    size_t span = 0;

    widen(&span, off->code.filename, 8);
    widen(&span, off->code.name, 8);
    if (off->code.qualname != PYOFF_ABSENT)
        widen(&span, off->code.qualname, 8);
    widen(&span, off->code.firstlineno, 4);
    widen(&span, off->code.linetable, 8);
    if (code_type_addr)
        widen(&span, off->object.ob_type, 8);
    if (span == SIZE_MAX || off->bytes.size < 0 || off->bytes.sval < 0)
        return NULL;

    struct pycode_cache *cache = calloc(1, sizeof(*cache));
    if (!cache)
        return NULL;
    cache->mem = mem;
    cache->off = off;
    cache->code_type_addr = code_type_addr;
    cache->span = span;
    return cache;
}

static struct entry *entry_at(const struct pycode_cache *cache, uint32_t id)
{
    return &cache->blocks[id / BLOCK][id % BLOCK];
}

void pycode_cache_free(struct pycode_cache *cache)
{
    if (!cache)
        return;
    for (uint32_t id = 0; id < cache->count; id++) {
        struct entry *e = entry_at(cache, id);
        free(e->pc.pub.file);
        free(e->pc.pub.qualname);
        free((void *)e->pc.table);
    }
    for (uint32_t b = 0; b < cache->nblocks; b++)
        free(cache->blocks[b]);
    free(cache->blocks);
    hashtab_free(&cache->index);
    free(cache);
}

const struct pycode *pycode_get(const struct pycode_cache *cache, uint32_t id)
{
    return id < cache->count ? &entry_at(cache, id)->pc : NULL;
}

uint32_t pycode_count(const struct pycode_cache *cache)
{
    return cache->count;
}

/* Makes room for entry number cache->count. */
static int reserve(struct pycode_cache *cache)
{
    uint32_t b = cache->count / BLOCK;

    if (b >= cache->nblocks) {
        uint32_t n = cache->nblocks ? cache->nblocks * 2 : 16;
        struct entry **blocks = realloc(cache->blocks, n * sizeof(struct entry *));
        if (!blocks)
            return -ENOMEM;
        memset(blocks + cache->nblocks, 0, (n - cache->nblocks) * sizeof(struct entry *));
        cache->blocks = blocks;
        cache->nblocks = n;
    }
    if (!cache->blocks[b] && !(cache->blocks[b] = malloc(BLOCK * sizeof(struct entry))))
        return -ENOMEM;
    return 0;
}

/* Where the bytecode of the code object at addr starts: inside it from
 * 3.11 (co_code_adaptive), in the bytes object co_code before, which the
 * object keeps for life: read once. 0 when unknown. */
static uint64_t bytecode_of(struct pycode_cache *cache, uint64_t addr)
{
    const struct py_offsets *off = cache->off;
    uint64_t bytes = 0;
    if (off->code.code_adaptive >= 0)
        return addr + (uint64_t)off->code.code_adaptive;
    if (off->code.bytecode < 0 ||
        rmem_read(cache->mem, addr + (uint64_t)off->code.bytecode, &bytes, sizeof(bytes)) < 0 ||
        !bytes)
        return 0;
    return bytes + (uint64_t)off->bytes.sval;
}

/* Reads the bytes object at addr (a line table) into a new buffer. */
static int read_bytes(struct pycode_cache *cache, uint64_t addr, uint8_t **out, size_t *len)
{
    const struct py_offsets *off = cache->off;
    int64_t size;
    int rc = rmem_read(cache->mem, addr + (uint64_t)off->bytes.size, &size, sizeof(size));

    if (rc < 0)
        return rc;
    /* Not -E2BIG, which a walk takes for a stack truly too deep and does
     * not retry: a size like this is a code object read torn, or freed
     * (sympy's walks found 10 MB and 2^57 here while its frames moved). */
    if (size < 0 || size > (int64_t)PYCODE_MAX_LINETABLE)
        return -EBADMSG;
    *out = malloc(size ? (size_t)size : 1);
    if (!*out)
        return -ENOMEM;
    rc = rmem_read(cache->mem, addr + (uint64_t)off->bytes.sval, *out, (size_t)size);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        return rc;
    }
    *len = (size_t)size;
    return 0;
}

/* Reads a code object not seen before (or changed) into a new entry. */
static int add(struct pycode_cache *cache, const struct entry *key, const struct pycode **out)
{
    struct entry e = *key;
    uint8_t *table = NULL;
    int rc;

    if (cache->count >= PYCODE_MAX)
        return -ENOSPC;
    rc = pystr_read(cache->mem, cache->off, key->filename, cache->file_buf,
                    sizeof(cache->file_buf));
    if (rc < 0)
        return rc;
    rc = pystr_read(cache->mem, cache->off, key->qualname ? key->qualname : key->name,
                    cache->name_buf, sizeof(cache->name_buf));
    if (rc < 0)
        return rc;
    rc = read_bytes(cache, key->linetable, &table, &e.pc.table_len);
    if (rc < 0)
        return rc;
    e.pc.table = table;
    e.pc.bytecode = bytecode_of(cache, key->addr);
    e.pc.pub.file = strdup(cache->file_buf);
    e.pc.pub.qualname = strdup(cache->name_buf);
    e.pc.pub.firstlineno = key->firstlineno;
    e.pc.id = cache->count;
    /* The index is the last thing that can fail: on failure it still names
     * the older entry for this address. */
    if (!e.pc.pub.file || !e.pc.pub.qualname || reserve(cache) < 0 ||
        hashtab_put(&cache->index, key->addr, e.pc.id) < 0) {
        free(e.pc.pub.file);
        free(e.pc.pub.qualname);
        free(table);
        return -ENOMEM;
    }

    *entry_at(cache, e.pc.id) = e;
    cache->count++;
    *out = &entry_at(cache, e.pc.id)->pc;
    return 0;
}

static uint64_t get_u64(const uint8_t *buf, int32_t off)
{
    uint64_t v;
    memcpy(&v, buf + off, sizeof(v));
    return v;
}

size_t pycode_header_len(const struct pycode_cache *cache)
{
    return cache->span;
}

int pycode_lookup_header(struct pycode_cache *cache, uint64_t addr, const uint8_t *buf,
                         const struct pycode **out)
{
    const struct py_offsets *off = cache->off;
    struct entry key = {.addr = addr};

    if (addr == 0)
        return -EINVAL;
    if (cache->code_type_addr && get_u64(buf, off->object.ob_type) != cache->code_type_addr)
        return -EINVAL;
    key.filename = get_u64(buf, off->code.filename);
    key.name = get_u64(buf, off->code.name);
    key.qualname = off->code.qualname != PYOFF_ABSENT ? get_u64(buf, off->code.qualname) : 0;
    key.linetable = get_u64(buf, off->code.linetable);
    memcpy(&key.firstlineno, buf + off->code.firstlineno, sizeof(key.firstlineno));

    uint64_t id;
    if (hashtab_get(&cache->index, addr, &id)) {
        const struct entry *e = entry_at(cache, (uint32_t)id);
        if (e->filename == key.filename && e->name == key.name &&
            e->qualname == key.qualname && e->linetable == key.linetable &&
            e->firstlineno == key.firstlineno) {
            *out = &e->pc;
            return 0;
        }
    }
    return add(cache, &key, out);
}

uint64_t pycode_bytecode_at(const struct pycode_cache *cache, uint64_t addr)
{
    uint64_t id;
    return hashtab_get(&cache->index, addr, &id) ? entry_at(cache, (uint32_t)id)->pc.bytecode : 0;
}

const struct pycode *pycode_vouched(const struct pycode_cache *cache, uint64_t addr,
                                    uint64_t frame, int64_t offset, uint64_t now_ns)
{
    uint64_t id;
    if (frame == 0 || !hashtab_get(&cache->index, addr, &id))
        return NULL;
    const struct entry *e = entry_at(cache, (uint32_t)id);
    if (e->vouch_frame != frame || e->vouch_offset != offset ||
        now_ns - e->checked_ns >= PYCODE_VOUCH_NS)
        return NULL;
    return &e->pc;
}

void pycode_vouch(struct pycode_cache *cache, uint32_t id, uint64_t frame, int64_t offset,
                  uint64_t now_ns)
{
    if (id >= cache->count)
        return;
    struct entry *e = entry_at(cache, id);
    e->checked_ns = now_ns;
    e->vouch_frame = frame;
    e->vouch_offset = offset;
}

int pycode_lookup(struct pycode_cache *cache, uint64_t addr, const struct pycode **out)
{
    uint8_t buf[PYCODE_SPAN_MAX];

    if (addr == 0)
        return -EINVAL;
    int rc = rmem_read(cache->mem, addr, buf, cache->span);
    if (rc < 0)
        return rc;
    return pycode_lookup_header(cache, addr, buf, out);
}

/* A new entry with no code object behind it (see pycode_add_native). */
static int add_stand_in(struct pycode_cache *cache, const char *object, const char *symbol,
                        int gap, uint32_t *id)
{
    if (cache->count >= PYCODE_MAX)
        return -ENOSPC;
    /* addr 0 is never looked up (pycode_lookup refuses it), so the entry
     * is never mistaken for a code object. */
    struct entry e = {.pc = {.pub = {.file = strdup(object), .qualname = strdup(symbol),
                                     .native = 1, .gap = gap},
                             .id = cache->count}};
    if (!e.pc.pub.file || !e.pc.pub.qualname || reserve(cache) < 0) {
        free(e.pc.pub.file);
        free(e.pc.pub.qualname);
        return -ENOMEM;
    }
    *entry_at(cache, e.pc.id) = e;
    cache->count++;
    *id = e.pc.id;
    return 0;
}

int pycode_add_native(struct pycode_cache *cache, const char *object, const char *symbol,
                      uint32_t *id)
{
    return add_stand_in(cache, object, symbol, 0, id);
}

int pycode_add_gap(struct pycode_cache *cache, uint32_t *id)
{
    return add_stand_in(cache, "", "(frames left out)", 1, id);
}
