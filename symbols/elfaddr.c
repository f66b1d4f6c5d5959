/* Address-to-function tables of ELF files (see elfaddr.h). */
#include "symbols/elfaddr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "symbols/elfsym.h"

#define ELFADDR_DEFAULT_DEBUG_DIRS "/usr/lib/debug"

struct elfaddr_func {
    uint64_t value, size;
    size_t name; /* offset into names */
};

struct elfaddr {
    struct elfaddr_func *funcs;
    size_t nfuncs, cap;
    char *names;
    size_t names_len, names_cap;
    struct elfsym_segment *segs;
    size_t nsegs;
};

static int add_function(void *ctx, const char *name, uint64_t value, uint64_t size)
{
    struct elfaddr *ea = ctx;
    size_t len = strlen(name) + 1;
    char *names = buf_grow_array(ea->names, &ea->names_cap, ea->names_len + len, 1);
    if (!names)
        return -ENOMEM;
    ea->names = names;
    struct elfaddr_func *funcs = buf_grow_array(ea->funcs, &ea->cap, ea->nfuncs + 1,
                                                sizeof(*funcs));
    if (!funcs)
        return -ENOMEM;
    ea->funcs = funcs;
    memcpy(ea->names + ea->names_len, name, len);
    ea->funcs[ea->nfuncs++] = (struct elfaddr_func){value, size, ea->names_len};
    ea->names_len += len;
    return 0;
}

static int by_address(const void *a, const void *b)
{
    const struct elfaddr_func *x = a, *y = b;
    if (x->value != y->value)
        return (x->value > y->value) - (x->value < y->value);
    /* Sized symbols first at one address: they bound the lookup. */
    return (x->size < y->size) - (x->size > y->size);
}

/* The debug file's functions, when the file names one by build id that
 * exists under one of the folders. Missing debug info is no error. */
static int add_debug_functions(struct elfaddr *ea, struct elfsym *ef, const char *debug_dirs)
{
    char id[128], errbuf[256];
    if (elfsym_build_id(ef, id, sizeof(id)) != 0 || strlen(id) < 3)
        return 0;
    char *dirs = strdup(debug_dirs && *debug_dirs ? debug_dirs : ELFADDR_DEFAULT_DEBUG_DIRS);
    if (!dirs)
        return -ENOMEM;
    int rc = 0;
    char *save = NULL;
    for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char path[4096];
        struct elfsym *debug;
        snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", dir, id, id + 2);
        if (elfsym_open(path, &debug, errbuf, sizeof(errbuf)) != 0)
            continue;
        rc = elfsym_functions(debug, add_function, ea);
        elfsym_close(debug);
        break;
    }
    free(dirs);
    return rc;
}

static int copy_segments(struct elfaddr *ea, const struct elfsym *ef)
{
    size_t n;
    const struct elfsym_segment *segs = elfsym_segments(ef, &n);
    ea->segs = calloc(n ? n : 1, sizeof(*segs));
    if (!ea->segs)
        return -ENOMEM;
    memcpy(ea->segs, segs, n * sizeof(*segs));
    ea->nsegs = n;
    return 0;
}

int elfaddr_open(const char *path, const char *debug_dirs, struct elfaddr **out, char *err,
                 size_t errlen)
{
    struct elfsym *ef = NULL;
    *out = NULL;
    struct elfaddr *ea = calloc(1, sizeof(*ea));
    if (!ea) {
        snprintf(err, errlen, "elfaddr %s: out of memory", path);
        return -ENOMEM;
    }
    int rc = elfsym_open(path, &ef, err, errlen);
    if (rc)
        goto fail;
    rc = copy_segments(ea, ef);
    if (!rc)
        rc = elfsym_functions(ef, add_function, ea);
    if (!rc)
        rc = add_debug_functions(ea, ef, debug_dirs);
    if (rc) {
        snprintf(err, errlen, "elfaddr %s: %s", path, strerror(-rc));
        goto fail;
    }
    qsort(ea->funcs, ea->nfuncs, sizeof(*ea->funcs), by_address);
    elfsym_close(ef);
    *out = ea;
    return 0;
fail:
    elfsym_close(ef);
    elfaddr_free(ea);
    return rc;
}

void elfaddr_free(struct elfaddr *ea)
{
    if (!ea)
        return;
    free(ea->funcs);
    free(ea->names);
    free(ea->segs);
    free(ea);
}

int elfaddr_vaddr_of(const struct elfaddr *ea, uint64_t offset, uint64_t *vaddr)
{
    for (size_t i = 0; i < ea->nsegs; i++) {
        const struct elfsym_segment *s = &ea->segs[i];
        if (offset >= s->offset && offset < s->offset + s->filesz) {
            *vaddr = s->vaddr + (offset - s->offset);
            return 0;
        }
    }
    return -EFAULT;
}

const char *elfaddr_function(const struct elfaddr *ea, uint64_t vaddr)
{
    size_t lo = 0, hi = ea->nfuncs;
    /* The first function above vaddr; the candidate is the one before. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ea->funcs[mid].value <= vaddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct elfaddr_func *f = &ea->funcs[lo - 1];
    /* Of several symbols at one address, by_address put the sized first. */
    while (lo - 1 > 0 && ea->funcs[lo - 2].value == f->value) {
        lo--;
        f = &ea->funcs[lo - 1];
    }
    if (f->size && vaddr >= f->value + f->size)
        return NULL;
    return ea->names + f->name;
}
