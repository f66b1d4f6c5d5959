/* The uint64-keyed hash table (see hashtab.h). */
#include "common/hashtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HASHTAB_MIN_CAP 64

/* splitmix64's finalizer: aligned addresses and small ids alike spread
 * over the low bits that the mask keeps. */
static size_t home_of(const struct hashtab *t, uint64_t key)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ull;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebull;
    key ^= key >> 31;
    return (size_t)key & (t->cap - 1);
}

/* The slot holding key, or the empty slot where it belongs. */
static size_t find(const struct hashtab *t, uint64_t key)
{
    size_t mask = t->cap - 1, i = home_of(t, key);
    while (t->slots[i].key && t->slots[i].key != key)
        i = (i + 1) & mask;
    return i;
}

void hashtab_init(struct hashtab *t)
{
    memset(t, 0, sizeof(*t));
}

void hashtab_free(struct hashtab *t)
{
    free(t->slots);
    hashtab_init(t);
}

void hashtab_clear(struct hashtab *t)
{
    if (t->slots)
        memset(t->slots, 0, t->cap * sizeof(*t->slots));
    t->count = 0;
}

static int rehash(struct hashtab *t, size_t cap)
{
    struct hashtab old = *t;
    t->slots = calloc(cap, sizeof(*t->slots));
    if (!t->slots) {
        *t = old;
        return -ENOMEM;
    }
    t->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            t->slots[find(t, old.slots[i].key)] = old.slots[i];
    free(old.slots);
    return 0;
}

int hashtab_put(struct hashtab *t, uint64_t key, uint64_t value)
{
    if (key == 0)
        return -EINVAL;
    if ((t->count + 1) * 2 > t->cap) {
        if (t->cap > SIZE_MAX / 2 / sizeof(*t->slots))
            return -ENOMEM;
        int rc = rehash(t, t->cap ? t->cap * 2 : HASHTAB_MIN_CAP);
        if (rc < 0)
            return rc;
    }
    size_t i = find(t, key);
    if (!t->slots[i].key)
        t->count++;
    t->slots[i] = (struct hashtab_slot){key, value};
    return 0;
}

int hashtab_get(const struct hashtab *t, uint64_t key, uint64_t *value)
{
    if (!t->cap || key == 0)
        return 0;
    const struct hashtab_slot *s = &t->slots[find(t, key)];
    if (!s->key)
        return 0;
    if (value)
        *value = s->value;
    return 1;
}

/* Backward shift: every entry of the run after the hole moves back to the
 * first free slot on its probe path, so lookups never stop early. */
int hashtab_remove(struct hashtab *t, uint64_t key, uint64_t *value)
{
    if (!t->cap || key == 0)
        return 0;
    size_t mask = t->cap - 1, hole = find(t, key);
    if (!t->slots[hole].key)
        return 0;
    if (value)
        *value = t->slots[hole].value;
    t->slots[hole].key = 0;
    t->count--;
    for (size_t j = (hole + 1) & mask; t->slots[j].key; j = (j + 1) & mask) {
        struct hashtab_slot moved = t->slots[j];
        t->slots[j].key = 0;
        t->slots[find(t, moved.key)] = moved;
    }
    return 1;
}
