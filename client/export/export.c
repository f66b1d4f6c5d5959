/* The table of export formats and writing an export to a file (see
 * export.h). */
#include "client/export/export.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/export/pprof.h"
#include "client/view/html.h"
#include "client/view/svg.h"

/* Every format `export` and -f know. Another format is one more row: its
 * writer's declaration goes in export.h, its description in
 * docs/exports.md. */
static const struct export_format export_formats[] = {
    {"collapsed", ".collapsed", export_collapsed},
    {"speedscope", ".speedscope.json", export_speedscope},
    {"pprof", ".pb.gz", export_pprof},
    {"html", ".html", export_html},
    {"svg", ".svg", export_svg},
};
#define EXPORT_NFORMATS (sizeof(export_formats) / sizeof(export_formats[0]))

const struct export_format *export_format_find(const char *name)
{
    for (size_t i = 0; i < EXPORT_NFORMATS; i++)
        if (strcmp(name, export_formats[i].name) == 0)
            return &export_formats[i];
    return NULL;
}

void export_format_names(char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < EXPORT_NFORMATS && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", export_formats[i].name);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

/* Adds one name of a list: its bytes are name[0..n). */
static int add_format(const char *name, size_t n, const struct export_format **out,
                      size_t *count, char *err, size_t errlen)
{
    char one[64], names[256];
    snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : sizeof(one) - 1), name);
    const struct export_format *fmt = n && n < sizeof(one) ? export_format_find(one) : NULL;
    if (!fmt) {
        export_format_names(names, sizeof(names));
        snprintf(err, errlen, "--format: unknown format '%s' (known: %s)", one, names);
        return -EINVAL;
    }
    for (size_t i = 0; i < *count; i++)
        if (out[i] == fmt)
            return 0;
    if (*count == EXPORT_MAX_FORMATS) {
        snprintf(err, errlen, "--format: at most %d formats", EXPORT_MAX_FORMATS);
        return -EINVAL;
    }
    out[(*count)++] = fmt;
    return 0;
}

int export_parse_list(const char *list, const struct export_format **out, size_t *n,
                      char *err, size_t errlen)
{
    const char *start = list;
    for (;;) {
        size_t len = strcspn(start, ",");
        int rc = add_format(start, len, out, n, err, errlen);
        if (rc < 0)
            return rc;
        if (!start[len])
            return 0;
        start += len + 1;
    }
}

/* Writes p as fmt into the file `written`, created or truncated. */
static int write_file(const struct profile *p, const struct export_format *fmt,
                      const char *written, char *err, size_t errlen)
{
    FILE *out = fopen(written, "w");
    if (!out) {
        int rc = -errno;
        snprintf(err, errlen, "open %s: %s", written, strerror(errno));
        return rc;
    }
    errno = 0;
    int rc = fmt->write(p, out, err, errlen);
    /* A failed write sets the stream's flag and errno (ENOSPC), which
     * nothing in between resets; the flush and close may fail last. */
    int failed = fflush(out) != 0 || ferror(out);
    int cause = errno ? errno : EIO;
    if (fclose(out) != 0 && !failed) {
        failed = 1;
        cause = errno;
    }
    if (rc == 0 && failed) {
        rc = -cause;
        snprintf(err, errlen, "write %s: %s", written, strerror(-rc));
    }
    return rc;
}

/* Only a regular file (or none yet) is replaced through a rename: a
 * device, a FIFO (/dev/null, a process substitution) or a symbolic link
 * would be replaced by a plain file, so those are written in place. */
static int replaceable(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT;
    return S_ISREG(st.st_mode);
}

int export_write_path(const struct profile *p, const struct export_format *fmt,
                      const char *path, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    if (!replaceable(path))
        return write_file(p, fmt, path, err, errlen);
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        snprintf(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    int rc = write_file(p, fmt, tmp, err, errlen);
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -errno;
        snprintf(err, errlen, "rename %s: %s", path, strerror(errno));
    }
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int export_write_folder(const struct profile *p, const char *folder,
                        const struct export_format *const *fmts, size_t n, char *err,
                        size_t errlen)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        if ((size_t)snprintf(path, sizeof(path), "%s/profile%s", folder, fmts[i]->extension) >=
            sizeof(path)) {
            snprintf(err, errlen, "%s: path too long", folder);
            return -ENAMETOOLONG;
        }
        int rc = export_write_path(p, fmts[i], path, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}
