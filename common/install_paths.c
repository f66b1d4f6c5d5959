/* Finding the files installed with the client (see install_paths.h). */
#include "common/install_paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"

/* dir/sub/name, when it exists and is readable: canonical path in out. */
static int try_in(const char *dir, const char *sub, const char *name, char *out, size_t len)
{
    char path[PATH_MAX], real[PATH_MAX];
    int n = sub ? snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name)
                : snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path) || access(path, R_OK) != 0 || !realpath(path, real))
        return -ENOENT;
    return snprintf(out, len, "%s", real) < (int)len ? 0 : -ENAMETOOLONG;
}

int install_find(const char *name, const char *fallback, char *out, size_t len, char *err,
                 size_t errlen)
{
    char dir[PATH_MAX];
    int rc = procfs_self_dir(dir, sizeof(dir));
    if (rc < 0) {
        snprintf(err, errlen, "readlink /proc/self/exe: %s", strerror(-rc));
        return rc;
    }
    if (try_in(dir, NULL, name, out, len) == 0 ||
        (fallback && try_in(dir, fallback, name, out, len) == 0))
        return 0;
    snprintf(err, errlen, "%s is missing beside %s%s%s (a broken installation)", name, dir,
             fallback ? " and in " : "", fallback ? fallback : "");
    return -ENOENT;
}
