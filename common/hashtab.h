/* An open-addressing hash table from nonzero uint64 keys (addresses, ids)
 * to uint64 values: linear probing, at most half full, deletion by
 * backward shift so that churn leaves no tombstones behind. */
#ifndef FAH_COMMON_HASHTAB_H
#define FAH_COMMON_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

struct hashtab_slot {
    uint64_t key; /* 0: empty */
    uint64_t value;
};

/* All zero is an empty table; it allocates on the first put. */
struct hashtab {
    struct hashtab_slot *slots;
    size_t cap, count; /* cap: 0 or a power of two */
};

void hashtab_init(struct hashtab *t);
/* Frees the slots and empties t; freeing twice is harmless. */
void hashtab_free(struct hashtab *t);
/* Empties t but keeps its slots, for a table refilled over and over. */
void hashtab_clear(struct hashtab *t);
/* Sets key's value, adding key when new. 0, -EINVAL for key 0, or -ENOMEM
 * (t unchanged). */
int hashtab_put(struct hashtab *t, uint64_t key, uint64_t value);
/* 1 with *value (when value is not NULL) set when key is there, else 0. */
int hashtab_get(const struct hashtab *t, uint64_t key, uint64_t *value);
/* Removes key: 1 with its old *value (when value is not NULL), or 0 when
 * it was not there. */
int hashtab_remove(struct hashtab *t, uint64_t key, uint64_t *value);
static inline size_t hashtab_count(const struct hashtab *t)
{
    return t->count;
}

#endif
