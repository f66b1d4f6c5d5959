/* Creating the results folder (see outdir.h). */
#include "client/report/outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mkdirs.h"

/* "analysis" from ".../analysis.ipynb". */
static void stem_of(const char *script, char *stem, size_t len)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof(copy), "%s", script);
    snprintf(stem, len, "%s", basename(copy));
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
}

int outdir_create(const char *output, const char *script, time_t when, char *out, size_t outlen,
                  char *err, size_t errlen)
{
    char stem[NAME_MAX + 1], stamp[32];
    struct tm tm;
    stem_of(script, stem, sizeof(stem));
    gmtime_r(&when, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s/%s", output, stem);
    int rc = mkdirs(parent, 0755);
    if (rc < 0) {
        snprintf(err, errlen, "mkdir %s: %s", parent, strerror(-rc));
        return rc;
    }
    for (int attempt = 1; attempt < 100; attempt++) {
        if (attempt == 1)
            snprintf(out, outlen, "%s/%s", parent, stamp);
        else
            snprintf(out, outlen, "%s/%s_%d", parent, stamp, attempt);
        if (mkdir(out, 0755) == 0)
            return 0;
        if (errno != EEXIST) {
            snprintf(err, errlen, "mkdir %s: %s", out, strerror(errno));
            return -errno;
        }
    }
    snprintf(err, errlen, "%s: too many runs in one second", parent);
    return -EEXIST;
}

int outdir_copy_file(const char *src, const char *dir, char *err, size_t errlen)
{
    char copy[PATH_MAX], dst[PATH_MAX * 2];
    snprintf(copy, sizeof(copy), "%s", src);
    snprintf(dst, sizeof(dst), "%s/%s", dir, basename(copy));
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int outfd = in >= 0 ? open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    int rc = 0;
    char buf[65536];
    ssize_t n = 0;
    while (outfd >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(outfd, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in < 0 || outfd < 0 || n < 0) {
        rc = -errno;
        snprintf(err, errlen, "copy %s to %s: %s", src, dir, strerror(errno));
    }
    if (in >= 0)
        close(in);
    if (outfd >= 0)
        close(outfd);
    return rc;
}
