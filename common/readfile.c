/* Whole-file reads (see readfile.h). */
#include "common/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Makes room for at least one more byte and the final NUL. */
static int grow(char **buf, size_t *cap, size_t used)
{
    if (used + 2 <= *cap)
        return 0;
    size_t bigger = *cap ? *cap * 2 : 65536;
    char *grown = realloc(*buf, bigger);
    if (!grown)
        return -ENOMEM;
    *buf = grown;
    *cap = bigger;
    return 0;
}

int readfile_all(const char *path, size_t max, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char *buf = NULL;
    size_t cap = 0, used = 0;
    int rc = 0;
    for (;;) {
        if ((rc = grow(&buf, &cap, used)) < 0)
            break;
        size_t got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (used > max) {
            rc = -EFBIG;
            break;
        }
        if (got == 0) {
            rc = ferror(f) ? -EIO : 0;
            break;
        }
    }
    fclose(f);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[used] = '\0';
    *text = buf;
    *len = used;
    return 0;
}
