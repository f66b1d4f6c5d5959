/* offsets_file and dwarf_cache's folder: a layout written is read back
 * the same; a file another build wrote, or one damaged in any line, is a
 * miss and never a layout; a later process finds what an earlier one
 * kept. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "symbols/dwarf_cache.h"
#include "symbols/offset_tables.h"
#include "symbols/offsets_file.h"

static char folder[] = "/tmp/fah-test-offsets-XXXXXX";

/* A real layout: the first generated table entry's. */
static struct py_offsets sample_layout(void)
{
    struct py_offsets off = offtab_entries[0].off;
    pyoff_set_family(&off);
    return off;
}

static void path_in(char *out, size_t len, const char *name)
{
    CHECK(snprintf(out, len, "%s/%s", folder, name) < (int)len);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    static char text[16384];
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    return text;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_round_trip(void)
{
    char path[256];
    struct py_offsets off = sample_layout(), back;
    path_in(path, sizeof(path), "a.offsets");
    CHECK_EQ_INT(offsets_file_write(path, "stamp1", &off), 0);
    CHECK_EQ_INT(offsets_file_read(path, "stamp1", &back), 0);
    CHECK(memcmp(&off, &back, sizeof(off)) == 0);
    CHECK_EQ_INT(back.family, off.family);
    CHECK_EQ_INT(offsets_file_read(path, "stamp2", &back), -ESTALE);
    CHECK_EQ_INT(back.family, PYFAMILY_UNKNOWN); /* nothing half-filled */
    path_in(path, sizeof(path), "none.offsets");
    CHECK_EQ_INT(offsets_file_read(path, "stamp1", &back), -ENOENT);
}

/* The good file with `from` replaced by `to` (first occurrence). */
static void damage(const char *good, const char *from, const char *to, const char *path)
{
    char text[16384];
    const char *at = strstr(good, from);
    CHECK(at != NULL);
    if (!at)
        return;
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    spit(path, text);
}

static void test_damaged_files_are_misses(void)
{
    char good_path[256], path[256], good[16384];
    struct py_offsets off = sample_layout(), back;
    path_in(good_path, sizeof(good_path), "good.offsets");
    path_in(path, sizeof(path), "bad.offsets");
    CHECK_EQ_INT(offsets_file_write(good_path, "s", &off), 0);
    snprintf(good, sizeof(good), "%s", slurp(good_path));
    char first[128], line[256];
    /* The first field's line, to drop, repeat or rename. */
    const char *at = strstr(good, pyoff_fields[0].name);
    snprintf(first, sizeof(first), "%.*s", (int)(strchr(at, '\n') + 1 - at), at);
    struct {
        const char *from, *to;
    } cases[] = {
        {first, ""},                          /* a field missing */
        {first, NULL},                        /* a field twice (to: first twice) */
        {pyoff_fields[0].name, "thread.nonsense"},
        {"version_hex", "version"},
        {"fixingahole offsets 1", "fixingahole offsets 2"},
        {"\nthread.", "\nthread.\n"},        /* a line without a value */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].to)
            damage(good, cases[i].from, cases[i].to, path);
        else {
            snprintf(line, sizeof(line), "%s%s", first, first);
            damage(good, first, line, path);
        }
        CHECK_EQ_INT(offsets_file_read(path, "s", &back), -EBADMSG);
    }
    /* Values: not a number, past any struct, below "absent", and a field
     * the walker needs marked absent (validation). */
    const char *values[] = {"12x", "1048576", "-2", "99999999999", "-1"};
    const struct pyoff_field *needed = pyoff_field_by_name("thread.next");
    CHECK(needed != NULL);
    for (size_t i = 0; needed && i < sizeof(values) / sizeof(values[0]); i++) {
        char from[128], to[128];
        snprintf(from, sizeof(from), "\n%s %d\n", needed->name, (int)pyoff_get(&off, needed));
        snprintf(to, sizeof(to), "\n%s %s\n", needed->name, values[i]);
        damage(good, from, to, path);
        CHECK_EQ_INT(offsets_file_read(path, "s", &back), -EBADMSG);
    }
    /* A field this version lacks, left out: validation would pass, but a
     * file that does not name every field was written by another layout
     * of struct py_offsets. */
    for (size_t i = pyoff_nfields; i-- > 0;)
        if (pyoff_get(&off, &pyoff_fields[i]) == PYOFF_ABSENT) {
            char absent[128];
            snprintf(absent, sizeof(absent), "\n%s -1\n", pyoff_fields[i].name);
            damage(good, absent, "\n", path);
            CHECK_EQ_INT(offsets_file_read(path, "s", &back), -EBADMSG);
            break;
        }
    /* Cut short: the last line without its newline. */
    spit(path, good);
    FILE *f = fopen(path, "r+");
    CHECK(f != NULL);
    if (f) {
        CHECK(ftruncate(fileno(f), (off_t)strlen(good) - 1) == 0);
        fclose(f);
    }
    CHECK_EQ_INT(offsets_file_read(path, "s", &back), -EBADMSG);
    spit(path, "");
    CHECK_EQ_INT(offsets_file_read(path, "s", &back), -EBADMSG);
    CHECK_EQ_INT(offsets_file_read(good_path, "s", &back), 0); /* the good one still reads */
}

/* The one *.offsets file in the folder whose name starts with prefix. */
static int find_kept(const char *prefix, char *out, size_t len)
{
    DIR *d = opendir(folder);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".offsets")) {
            path_in(out, len, e->d_name);
            found++;
        }
    if (d)
        closedir(d);
    return found;
}

static void test_cache_folder(void)
{
    struct py_offsets off = sample_layout(), back;
    char kept[512], moved[512], file[512];
    dwarf_cache_set_folder(folder, "build-1");
    dwarf_cache_put("ab12", "/usr/lib/debug", &off);
    CHECK_EQ_INT(find_kept("ab12-", kept, sizeof(kept)), 1);
    /* What another process finds: a file under a build id this one never
     * read (the same debug folders, so the same name but for the id). */
    snprintf(moved, sizeof(moved), "%s/cd34%s", folder, strchr(kept + strlen(folder) + 1, '-'));
    CHECK(rename(kept, moved) == 0);
    CHECK_EQ_INT(dwarf_cache_get("cd34", "/usr/lib/debug", &back, file, sizeof(file)),
                 DWARF_CACHE_FILE);
    CHECK(memcmp(&off, &back, sizeof(off)) == 0);
    CHECK(strcmp(file, moved) == 0);
    CHECK_EQ_INT(dwarf_cache_get("cd34", "/usr/lib/debug", &back, NULL, 0), DWARF_CACHE_MEMORY);
    /* Other debug folders name another file. */
    CHECK_EQ_INT(dwarf_cache_get("cd34", "/elsewhere", &back, NULL, 0), DWARF_CACHE_MISS);
    /* A file another build kept is not trusted. */
    snprintf(kept, sizeof(kept), "%s", moved);
    snprintf(moved, sizeof(moved), "%s/ef56%s", folder, strchr(kept + strlen(folder) + 1, '-'));
    CHECK(rename(kept, moved) == 0);
    dwarf_cache_set_folder(folder, "build-2");
    CHECK_EQ_INT(dwarf_cache_get("ef56", "/usr/lib/debug", &back, NULL, 0), DWARF_CACHE_MISS);
    /* A build id that is not plain hex never names a file. */
    dwarf_cache_put("../x", "", &off);
    CHECK_EQ_INT(find_kept("..", kept, sizeof(kept)), 0);
    dwarf_cache_set_folder(NULL, NULL);
}

static void remove_folder(void)
{
    DIR *d = opendir(folder);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", folder, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(folder);
}

int main(void)
{
    if (!mkdtemp(folder)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip();
    test_damaged_files_are_misses();
    test_cache_folder();
    remove_folder();
    return test_finish("test_offsets_file");
}
