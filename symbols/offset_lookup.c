/* Choosing an entry of the generated offset tables (offset_tables.c holds
 * only data, so regenerating it never touches this logic). */
#include "symbols/offset_tables.h"

#include <stdlib.h>
#include <string.h>

/* Length of the "3.11" prefix of a version string, 0 when malformed. */
static size_t minor_prefix(const char *version)
{
    const char *p = version;

    if (!p || !(*p >= '0' && *p <= '9'))
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p++ != '.' || !(*p >= '0' && *p <= '9'))
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    return (size_t)(p - version);
}

static long patch_of(const char *version)
{
    size_t n = minor_prefix(version);
    return version[n] == '.' ? strtol(version + n + 1, NULL, 10) : -1;
}

const struct offtab_entry *offtab_lookup(const char *version, const char *abiflags,
                                         const char *build_id, enum offtab_match *how)
{
    const struct offtab_entry *best = NULL;
    size_t n = minor_prefix(version);

    *how = OFFTAB_NONE;
    if (!abiflags)
        abiflags = "";
    if (build_id && *build_id) {
        for (size_t i = 0; i < offtab_count; i++) {
            if (strcmp(offtab_entries[i].build_id, build_id) == 0) {
                *how = OFFTAB_BUILD_ID;
                return &offtab_entries[i];
            }
        }
    }
    if (!n)
        return NULL;
    for (size_t i = 0; i < offtab_count; i++) {
        const struct offtab_entry *e = &offtab_entries[i];
        if (strcmp(e->abiflags, abiflags) == 0 && strcmp(e->version, version) == 0) {
            *how = OFFTAB_VERSION;
            return e;
        }
    }
    /* Same minor: layouts only change between minor versions (CPython
     * keeps the ABI within one), so the newest patch release stands in. */
    for (size_t i = 0; i < offtab_count; i++) {
        const struct offtab_entry *e = &offtab_entries[i];
        if (strcmp(e->abiflags, abiflags) != 0 || minor_prefix(e->version) != n ||
            strncmp(e->version, version, n) != 0)
            continue;
        if (!best || patch_of(e->version) > patch_of(best->version))
            best = e;
    }
    if (best)
        *how = OFFTAB_MINOR;
    return best;
}

const char *offtab_match_name(enum offtab_match how)
{
    switch (how) {
    case OFFTAB_BUILD_ID:
        return "build id";
    case OFFTAB_VERSION:
        return "exact version";
    case OFFTAB_MINOR:
        return "same minor version";
    default:
        return "none";
    }
}
