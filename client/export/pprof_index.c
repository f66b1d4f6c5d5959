/* Linear probing at most half full: lookups stay short, and entries are
 * never removed, so no tombstones are needed. */
#include "client/export/pprof_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PPROF_INDEX_FIRST_SLOTS 64

size_t pprof_index_slot(const struct pprof_index *x, uint64_t hash, pprof_index_equal equal,
                        const void *ctx, const void *key)
{
    size_t mask = x->nslots - 1, i = hash & mask;
    while (x->slots[i] && !equal(ctx, x->slots[i] - 1, key))
        i = (i + 1) & mask;
    return i;
}

int pprof_index_reserve(struct pprof_index *x, void **array, size_t elem, pprof_index_hash hash,
                        const void *ctx)
{
    if (x->n < x->cap)
        return 0;
    size_t nslots = x->nslots ? x->nslots * 2 : PPROF_INDEX_FIRST_SLOTS;
    void *grown = realloc(*array, nslots / 2 * elem);
    if (!grown)
        return -ENOMEM;
    *array = grown;
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    free(x->slots);
    x->slots = slots;
    x->nslots = nslots;
    x->cap = nslots / 2;
    /* Entries are distinct: each goes to the first empty slot of its run. */
    for (size_t k = 0; k < x->n; k++) {
        size_t i = hash(ctx, k) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    return 0;
}

void pprof_index_free(struct pprof_index *x)
{
    free(x->slots);
    memset(x, 0, sizeof(*x));
}
