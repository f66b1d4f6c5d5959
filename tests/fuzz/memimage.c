/* Reading and writing recorded memory images (see memimage.h). */
#include "tests/fuzz/memimage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
    const uint8_t *p;
    size_t left;
};

static int take(struct cursor *c, void *out, size_t n)
{
    if (c->left < n)
        return -EINVAL;
    memcpy(out, c->p, n);
    c->p += n;
    c->left -= n;
    return 0;
}

static int parse_fields(struct memimage *img, struct cursor *c)
{
    uint16_t nfields;
    if (take(c, &nfields, 2) < 0)
        return -EINVAL;
    for (uint16_t i = 0; i < nfields; i++) {
        uint8_t len;
        char name[256];
        int32_t value;
        if (take(c, &len, 1) < 0 || take(c, name, len) < 0 || take(c, &value, 4) < 0)
            return -EINVAL;
        name[len] = '\0';
        const struct pyoff_field *field = pyoff_field_by_name(name);
        if (field) /* a field this build no longer has is left out */
            pyoff_put(&img->off, field, value);
    }
    return 0;
}

static int by_addr(const void *a, const void *b)
{
    const struct memimage_region *x = a, *y = b;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

static int parse_regions(struct memimage *img, struct cursor *c)
{
    uint32_t n;
    if (take(c, &n, 4) < 0 || n > MEMIMAGE_MAX_REGIONS)
        return -EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        struct memimage_region *r = &img->regions[i];
        uint32_t len;
        if (take(c, &r->addr, 8) < 0 || take(c, &len, 4) < 0 || c->left < len)
            return -EINVAL;
        r->len = len;
        r->data = c->p;
        c->p += len;
        c->left -= len;
    }
    img->nregions = n;
    qsort(img->regions, n, sizeof(img->regions[0]), by_addr);
    return 0;
}

int memimage_parse(struct memimage *img, const uint8_t *data, size_t size)
{
    struct cursor c = {data, size};
    char magic[8];
    memset(img, 0, sizeof(*img));
    pyoff_clear(&img->off);
    if (take(&c, magic, 8) < 0 || memcmp(magic, MEMIMAGE_MAGIC, 8) != 0 ||
        take(&c, &img->version_hex, 4) < 0 || take(&c, &img->runtime_addr, 8) < 0 ||
        take(&c, &img->code_type_addr, 8) < 0 || parse_fields(img, &c) < 0 ||
        parse_regions(img, &c) < 0)
        return -EINVAL;
    img->off.version_hex = img->version_hex;
    return 0;
}

/* The region holding [addr, addr + len), or NULL. */
static const struct memimage_region *find(const struct memimage *img, uint64_t addr, size_t len)
{
    size_t lo = 0, hi = img->nregions;
    while (lo < hi) { /* the last region starting at or below addr */
        size_t mid = lo + (hi - lo) / 2;
        if (img->regions[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct memimage_region *r = &img->regions[lo - 1];
    uint64_t into = addr - r->addr;
    return into <= r->len && len <= r->len - into ? r : NULL;
}

static int image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct memimage *img = ctx;
    img->reads++;
    const struct memimage_region *r = find(img, addr, len);
    if (!r)
        return -EFAULT;
    if (len)
        memcpy(buf, r->data + (addr - r->addr), len);
    return 0;
}

struct rmem memimage_ops(struct memimage *img)
{
    return (struct rmem){.read = image_read, .forget = NULL, .ctx = img};
}

static int put(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -EIO;
}

int memimage_write(FILE *f, const struct memimage *img)
{
    uint16_t nfields = 0;
    for (size_t i = 0; i < pyoff_nfields; i++)
        nfields += pyoff_get(&img->off, &pyoff_fields[i]) != PYOFF_ABSENT;
    uint32_t nregions = (uint32_t)img->nregions;
    int rc = put(f, MEMIMAGE_MAGIC, 8) | put(f, &img->version_hex, 4) |
             put(f, &img->runtime_addr, 8) | put(f, &img->code_type_addr, 8) |
             put(f, &nfields, 2);
    for (size_t i = 0; i < pyoff_nfields; i++) {
        int32_t value = pyoff_get(&img->off, &pyoff_fields[i]);
        uint8_t len = (uint8_t)strlen(pyoff_fields[i].name);
        if (value != PYOFF_ABSENT)
            rc |= put(f, &len, 1) | put(f, pyoff_fields[i].name, len) | put(f, &value, 4);
    }
    rc |= put(f, &nregions, 4);
    for (size_t i = 0; i < img->nregions; i++) {
        uint32_t len = (uint32_t)img->regions[i].len;
        rc |= put(f, &img->regions[i].addr, 8) | put(f, &len, 4) |
              put(f, img->regions[i].data, len);
    }
    return rc ? -EIO : 0;
}
