/* The DWARF offsets memo (see dwarf_cache.h). */
#include "symbols/dwarf_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define DWARF_CACHE_ENTRIES 16

struct dwarf_cache_entry {
    char key[512]; /* "<build id>|<debug dirs>" */
    struct py_offsets off;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dwarf_cache_entry cache[DWARF_CACHE_ENTRIES];
static unsigned cache_next;

/* 0 when the key does not fit: such an entry is simply not remembered. */
static int make_key(char *key, size_t len, const char *build_id, const char *debug_dirs)
{
    if (!build_id || !build_id[0])
        return 0;
    int n = snprintf(key, len, "%s|%s", build_id, debug_dirs ? debug_dirs : "");
    return n > 0 && (size_t)n < len;
}

int dwarf_cache_get(const char *build_id, const char *debug_dirs, struct py_offsets *out)
{
    char key[sizeof(cache[0].key)];
    if (!make_key(key, sizeof(key), build_id, debug_dirs))
        return 0;
    int found = 0;
    pthread_mutex_lock(&cache_lock);
    for (unsigned i = 0; i < DWARF_CACHE_ENTRIES && !found; i++)
        if (strcmp(cache[i].key, key) == 0) {
            *out = cache[i].off;
            found = 1;
        }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

void dwarf_cache_put(const char *build_id, const char *debug_dirs, const struct py_offsets *off)
{
    char key[sizeof(cache[0].key)];
    if (!make_key(key, sizeof(key), build_id, debug_dirs))
        return;
    pthread_mutex_lock(&cache_lock);
    struct dwarf_cache_entry *e = &cache[cache_next++ % DWARF_CACHE_ENTRIES];
    memcpy(e->key, key, sizeof(key));
    e->off = *off;
    pthread_mutex_unlock(&cache_lock);
}
