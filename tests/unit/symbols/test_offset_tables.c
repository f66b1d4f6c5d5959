/* offset_tables: the lookup rules, the generated entries' own consistency,
 * and that every entry whose build is on this machine still equals what its
 * DWARF says (a stale checked-in table fails here). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pyinterp.h"
#include "symbols/dwarf_offsets.h"
#include "symbols/elfsym.h"
#include "symbols/offset_tables.h"

static uint32_t hex_of_version(const char *v)
{
    unsigned major = 0, minor = 0, micro = 0;
    sscanf(v, "%u.%u.%u", &major, &minor, &micro);
    return major << 24 | minor << 16 | micro << 8;
}

static void test_entries_are_consistent(void)
{
    CHECK(offtab_count > 0);
    for (size_t i = 0; i < offtab_count; i++) {
        const struct offtab_entry *e = &offtab_entries[i];
        struct py_offsets copy = e->off;
        char err[256];

        CHECK_EQ_INT(e->off.version_hex & 0xffffff00u, hex_of_version(e->version));
        CHECK_EQ_INT(pyoff_set_family(&copy), 0);
        CHECK_EQ_INT(copy.family, e->off.family);
        CHECK_EQ_INT(copy.linetable, e->off.linetable);
        if (pyoff_validate(&e->off, err, sizeof(err)) != 0) {
            fprintf(stderr, "entry %s %s: %s\n", e->version, e->binary, err);
            CHECK(0);
        }
    }
}

static void test_lookup_rules(void)
{
    enum offtab_match how;
    const struct offtab_entry *e;

    for (size_t i = 0; i < offtab_count; i++) {
        const struct offtab_entry *want = &offtab_entries[i];
        char minor[16];
        long best_patch = -1;

        if (want->build_id[0]) {
            /* The same build wins even when the version says otherwise. */
            e = offtab_lookup("3.99.0", "x", want->build_id, &how);
            CHECK(e == want);
            CHECK_EQ_INT(how, OFFTAB_BUILD_ID);
        }
        e = offtab_lookup(want->version, want->abiflags, "00ff", &how);
        CHECK(e != NULL);
        CHECK_EQ_INT(how, OFFTAB_VERSION);
        if (e) {
            CHECK_EQ_STR(e->version, want->version);
            CHECK_EQ_STR(e->abiflags, want->abiflags);
        }
        /* Minor only ("3.9", as for 3.8-3.10 files of unknown patch
         * level): the newest patch release of that minor. */
        snprintf(minor, sizeof(minor), "%.*s", (int)(strchr(strchr(want->version, '.') + 1, '.') -
                                                      want->version),
                 want->version);
        for (size_t j = 0; j < offtab_count; j++)
            if (strncmp(offtab_entries[j].version, minor, strlen(minor)) == 0 &&
                offtab_entries[j].version[strlen(minor)] == '.' &&
                strcmp(offtab_entries[j].abiflags, want->abiflags) == 0 &&
                atol(offtab_entries[j].version + strlen(minor) + 1) > best_patch)
                best_patch = atol(offtab_entries[j].version + strlen(minor) + 1);
        e = offtab_lookup(minor, want->abiflags, NULL, &how);
        CHECK(e != NULL);
        CHECK_EQ_INT(how, OFFTAB_MINOR);
        if (e)
            CHECK_EQ_INT(atol(e->version + strlen(minor) + 1), best_patch);
    }

    /* Nothing for unsupported or malformed versions or unknown ABI flags. */
    CHECK(offtab_lookup("3.7.16", "", NULL, &how) == NULL);
    CHECK_EQ_INT(how, OFFTAB_NONE);
    CHECK(offtab_lookup("3.1", "", NULL, &how) == NULL); /* not 3.10-3.19 */
    CHECK(offtab_lookup("3.", "", NULL, &how) == NULL);
    CHECK(offtab_lookup("", "", "", &how) == NULL);
    CHECK(offtab_lookup(NULL, NULL, NULL, &how) == NULL);
    if (offtab_count)
        CHECK(offtab_lookup(offtab_entries[0].version, "zz", NULL, &how) == NULL);

    CHECK_EQ_STR(offtab_match_name(OFFTAB_BUILD_ID), "build id");
    CHECK_EQ_STR(offtab_match_name(OFFTAB_VERSION), "exact version");
    CHECK_EQ_STR(offtab_match_name(OFFTAB_MINOR), "same minor version");
    CHECK_EQ_STR(offtab_match_name(OFFTAB_NONE), "none");
}

static void test_entries_match_local_dwarf(void)
{
    struct test_interp interps[32];
    size_t n = test_all_interps(interps, 32);

    for (size_t i = 0; i < n; i++) {
        const struct test_interp *t = &interps[i];
        const struct offtab_entry *e = NULL;
        struct py_offsets off;
        struct elfsym *ef;
        struct dwoff *d;
        char err[1024], id[128] = "";

        if (!test_supported(t) || elfsym_open(t->file, &ef, err, sizeof(err)) != 0)
            continue;
        elfsym_build_id(ef, id, sizeof(id));
        elfsym_close(ef);
        for (size_t j = 0; j < offtab_count && !e; j++)
            if (strcmp(offtab_entries[j].build_id, id) == 0)
                e = &offtab_entries[j];
        if (!e) {
            fprintf(stderr, "test_offset_tables: %s (build %s) has no table entry: run "
                            "symbols/regen-tables.sh\n", t->name, id);
            continue;
        }
        if (dwoff_open(t->file, NULL, &d, err, sizeof(err)) != 0)
            continue;
        CHECK_EQ_INT(dwoff_fill(d, e->off.version_hex, &off, err, sizeof(err)), 0);
        for (size_t f = 0; f < pyoff_nfields; f++) {
            int32_t a = pyoff_get(&e->off, &pyoff_fields[f]);
            int32_t b = pyoff_get(&off, &pyoff_fields[f]);
            if (a != b) {
                fprintf(stderr, "%s: table says %s = %d, DWARF %d\n", t->name,
                        pyoff_fields[f].name, a, b);
                CHECK(0);
            }
        }
        dwoff_close(d);
    }
}

int main(void)
{
    test_entries_are_consistent();
    test_lookup_rules();
    test_entries_match_local_dwarf();
    return test_finish("test_offset_tables");
}
