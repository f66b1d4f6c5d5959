/* An open-addressing index over an array its caller owns (pprof's string
 * table, its functions): the caller hashes and compares entries, the index
 * finds slots and grows the array together with itself. */
#ifndef FAH_EXPORT_PPROF_INDEX_H
#define FAH_EXPORT_PPROF_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct pprof_index {
    uint32_t *slots; /* 1 + index into the array, 0 empty */
    size_t nslots;   /* 0 or a power of two */
    size_t n, cap;   /* entries in the array, and its room (nslots / 2) */
};

/* Whether entry `entry` of the caller's array (ctx) is `key`. */
typedef int (*pprof_index_equal)(const void *ctx, size_t entry, const void *key);
/* The hash of entry `entry`, as it was given to pprof_index_slot. */
typedef uint64_t (*pprof_index_hash)(const void *ctx, size_t entry);

/* The slot holding key (hash `hash`), or the empty slot where it belongs. */
size_t pprof_index_slot(const struct pprof_index *x, uint64_t hash, pprof_index_equal equal,
                        const void *ctx, const void *key);

/* Makes room for one more entry: when full, doubles the slots and
 * reallocates *array (entries of elem bytes) to the new cap, re-placing
 * every entry by its hash. Returns 0 or -ENOMEM (x and *array still
 * valid). */
int pprof_index_reserve(struct pprof_index *x, void **array, size_t elem, pprof_index_hash hash,
                        const void *ctx);

void pprof_index_free(struct pprof_index *x);

#endif
