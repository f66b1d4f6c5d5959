/* The daemon's offsets cache folder (see offsets_cache.h). */
#include "daemon/offsets_cache.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/mkdirs.h"
#include "symbols/dwarf_cache.h"
#include "symbols/elfsym.h"

/* This program's GNU build id: what the cached files are stamped with. */
static int own_build_id(char *hex, size_t len, char *err, size_t errlen)
{
    struct elfsym *self;
    int rc = elfsym_open("/proc/self/exe", &self, err, errlen);
    if (rc < 0)
        return rc;
    rc = elfsym_build_id(self, hex, len);
    elfsym_close(self);
    if (rc < 0)
        snprintf(err, errlen, "this build has no GNU build id to stamp its files with");
    return rc;
}

int offsets_cache_start(const char *folder, char *err, size_t errlen)
{
    char stamp[128];
    int rc = own_build_id(stamp, sizeof(stamp), err, errlen);
    if (rc < 0)
        return rc;
    if ((rc = mkdirs(folder, 0700)) < 0) {
        snprintf(err, errlen, "mkdir %s: %s", folder, strerror(-rc));
        return rc;
    }
    struct stat st;
    if (stat(folder, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a folder", folder);
        return -ENOTDIR;
    }
    dwarf_cache_set_folder(folder, stamp);
    return 0;
}
