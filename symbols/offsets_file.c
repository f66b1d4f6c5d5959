/* Struct offsets in a text file (see offsets_file.h). */
#include "symbols/offsets_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OFFSETS_FILE_HEADER "fixingahole offsets 1"
#define OFFSETS_FILE_MAX_LINES 256 /* far more than a valid file has */
/* Beyond any CPython struct (the largest offsets are a few kB): a value
 * past it is a damaged file, not a layout. */
#define OFFSETS_FILE_MAX_OFFSET (1 << 20)

static int write_fields(FILE *f, const char *stamp, const struct py_offsets *off)
{
    fprintf(f, "%s\nreader %s\nversion_hex 0x%08x\n", OFFSETS_FILE_HEADER, stamp,
            (unsigned)off->version_hex);
    for (size_t i = 0; i < pyoff_nfields; i++)
        fprintf(f, "%s %d\n", pyoff_fields[i].name, (int)pyoff_get(off, &pyoff_fields[i]));
    return ferror(f) ? -EIO : 0;
}

int offsets_file_write(const char *path, const char *stamp, const struct py_offsets *off)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -errno;
    int rc = write_fields(f, stamp, off);
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

/* "NAME VALUE" with VALUE a whole int32 (decimal, or hex with 0x). */
static int split_line(char *line, char **name, int64_t *value)
{
    line[strcspn(line, "\n")] = '\0';
    char *space = strchr(line, ' ');
    if (!space || space == line)
        return -EBADMSG;
    *space = '\0';
    *name = line;
    char *end;
    errno = 0;
    long long v = strtoll(space + 1, &end, 0);
    if (errno || end == space + 1 || *end || v < INT32_MIN || v > UINT32_MAX)
        return -EBADMSG;
    *value = v;
    return 0;
}

/* The fields after the header lines; each named once, all of them. */
static int read_fields(FILE *f, struct py_offsets *off, unsigned char *seen)
{
    char line[256];
    size_t nseen = 0;
    int have_version = 0;
    for (int n = 0; fgets(line, sizeof(line), f); n++) {
        char *name;
        int64_t value;
        if (n >= OFFSETS_FILE_MAX_LINES || !strchr(line, '\n') ||
            split_line(line, &name, &value) < 0)
            return -EBADMSG;
        if (strcmp(name, "version_hex") == 0 && !have_version && value >= 0) {
            off->version_hex = (uint32_t)value;
            have_version = 1;
            continue;
        }
        const struct pyoff_field *field = pyoff_field_by_name(name);
        size_t i = field ? (size_t)(field - pyoff_fields) : 0;
        if (!field || seen[i] || value < PYOFF_ABSENT || value >= OFFSETS_FILE_MAX_OFFSET)
            return -EBADMSG;
        seen[i] = 1;
        nseen++;
        pyoff_put(off, field, (int32_t)value);
    }
    return have_version && nseen == pyoff_nfields ? 0 : -EBADMSG;
}

/* The two header lines: the format, then the stamp of the reader. */
static int check_header(FILE *f, const char *stamp)
{
    char line[256], want[256];
    if (!fgets(line, sizeof(line), f) || strcmp(line, OFFSETS_FILE_HEADER "\n") != 0)
        return -EBADMSG;
    snprintf(want, sizeof(want), "reader %s\n", stamp);
    if (!fgets(line, sizeof(line), f))
        return -EBADMSG;
    return strcmp(line, want) == 0 ? 0 : -ESTALE;
}

int offsets_file_read(const char *path, const char *stamp, struct py_offsets *off)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    unsigned char *seen = calloc(pyoff_nfields, 1);
    int rc = seen ? check_header(f, stamp) : -ENOMEM;
    pyoff_clear(off);
    if (rc == 0)
        rc = read_fields(f, off, seen);
    if (rc == 0 && (pyoff_set_family(off) < 0 || pyoff_validate(off, NULL, 0) < 0))
        rc = -EBADMSG;
    if (rc < 0)
        pyoff_clear(off);
    free(seen);
    fclose(f);
    return rc;
}
