/* pprof's string table: an array of copies in order of first use, with an
 * index over it so that interning costs one lookup. */
#include "client/export/pprof_strings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short, good enough for file and function names. */
static uint64_t string_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int entry_equal(const void *ctx, size_t entry, const void *key)
{
    const struct pprof_strings *t = ctx;
    return strcmp(t->strings[entry], key) == 0;
}

static uint64_t entry_hash(const void *ctx, size_t entry)
{
    const struct pprof_strings *t = ctx;
    return string_hash(t->strings[entry]);
}

int64_t pprof_strings_intern(struct pprof_strings *t, const char *s)
{
    struct pprof_index *x = &t->index;
    if (pprof_index_reserve(x, (void **)&t->strings, sizeof(*t->strings), entry_hash, t) < 0)
        return -ENOMEM;
    size_t slot = pprof_index_slot(x, string_hash(s), entry_equal, t, s);
    if (x->slots[slot])
        return x->slots[slot] - 1;
    char *copy = strdup(s);
    if (!copy)
        return -ENOMEM;
    t->strings[x->n++] = copy;
    x->slots[slot] = (uint32_t)x->n;
    return (int64_t)x->n - 1;
}

int pprof_strings_init(struct pprof_strings *t)
{
    memset(t, 0, sizeof(*t));
    if (pprof_strings_intern(t, "") == 0)
        return 0;
    pprof_strings_free(t);
    return -ENOMEM;
}

void pprof_strings_free(struct pprof_strings *t)
{
    for (size_t k = 0; k < t->index.n; k++)
        free(t->strings[k]);
    free(t->strings);
    pprof_index_free(&t->index);
    memset(t, 0, sizeof(*t));
}
