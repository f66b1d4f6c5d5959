/* The DWARF offsets memo (see dwarf_cache.h). */
#include "symbols/dwarf_cache.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/strhash.h"
#include "symbols/offsets_file.h"

#define DWARF_CACHE_ENTRIES 16

struct dwarf_cache_entry {
    char key[512]; /* "<build id>|<debug dirs>" */
    struct py_offsets off;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dwarf_cache_entry cache[DWARF_CACHE_ENTRIES];
static unsigned cache_next;
static char cache_folder[PATH_MAX / 2]; /* "": memory only */
static char cache_stamp[128];

void dwarf_cache_set_folder(const char *folder, const char *stamp)
{
    pthread_mutex_lock(&cache_lock);
    cache_folder[0] = '\0';
    if (folder && stamp && stamp[0] && strlen(folder) < sizeof(cache_folder) &&
        strlen(stamp) < sizeof(cache_stamp)) {
        snprintf(cache_folder, sizeof(cache_folder), "%s", folder);
        snprintf(cache_stamp, sizeof(cache_stamp), "%s", stamp);
    }
    pthread_mutex_unlock(&cache_lock);
}

/* 0 when the key does not fit: such an entry is simply not remembered. */
static int make_key(char *key, size_t len, const char *build_id, const char *debug_dirs)
{
    if (!build_id || !build_id[0])
        return 0;
    int n = snprintf(key, len, "%s|%s", build_id, debug_dirs ? debug_dirs : "");
    return n > 0 && (size_t)n < len;
}

/* FOLDER/<build id>-<hash of the debug dirs>.offsets; 0 without a folder
 * or for a build id that is not plain hex (it names a file). */
static int file_of(char *path, size_t len, const char *build_id, const char *debug_dirs)
{
    if (!cache_folder[0] || strspn(build_id, "0123456789abcdef") != strlen(build_id))
        return 0;
    int n = snprintf(path, len, "%s/%s-%016llx.offsets", cache_folder, build_id,
                     (unsigned long long)strhash_add(STRHASH_INIT, debug_dirs ? debug_dirs : ""));
    return n > 0 && (size_t)n < len;
}

static void remember(const char *key, const struct py_offsets *off)
{
    struct dwarf_cache_entry *e = &cache[cache_next++ % DWARF_CACHE_ENTRIES];
    memcpy(e->key, key, sizeof(e->key));
    e->off = *off;
}

enum dwarf_cache_hit dwarf_cache_get(const char *build_id, const char *debug_dirs,
                                     struct py_offsets *out, char *file, size_t filelen)
{
    char key[sizeof(cache[0].key)], path[PATH_MAX];
    if (!make_key(key, sizeof(key), build_id, debug_dirs))
        return DWARF_CACHE_MISS;
    enum dwarf_cache_hit hit = DWARF_CACHE_MISS;
    pthread_mutex_lock(&cache_lock);
    for (unsigned i = 0; i < DWARF_CACHE_ENTRIES && !hit; i++)
        if (strcmp(cache[i].key, key) == 0) {
            *out = cache[i].off;
            hit = DWARF_CACHE_MEMORY;
        }
    if (!hit && file_of(path, sizeof(path), build_id, debug_dirs) &&
        offsets_file_read(path, cache_stamp, out) == 0) {
        remember(key, out);
        hit = DWARF_CACHE_FILE;
        if (file)
            snprintf(file, filelen, "%s", path);
    }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

void dwarf_cache_put(const char *build_id, const char *debug_dirs, const struct py_offsets *off)
{
    char key[sizeof(cache[0].key)], path[PATH_MAX];
    if (!make_key(key, sizeof(key), build_id, debug_dirs))
        return;
    pthread_mutex_lock(&cache_lock);
    remember(key, off);
    if (file_of(path, sizeof(path), build_id, debug_dirs))
        offsets_file_write(path, cache_stamp, off);
    pthread_mutex_unlock(&cache_lock);
}
