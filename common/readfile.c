/* Whole-file reads (see readfile.h). */
#include "common/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"

#define READFILE_CHUNK 65536

int readfile_all(const char *path, size_t max, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    struct buf b;
    buf_init(&b);
    int rc = 0;
    for (;;) {
        /* Room for a chunk and the final NUL. */
        if ((rc = buf_reserve(&b, READFILE_CHUNK + 1)) < 0)
            break;
        size_t got = fread(b.data + b.len, 1, b.cap - b.len - 1, f);
        b.len += got;
        if (b.len > max) {
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
        buf_free(&b);
        return rc;
    }
    b.data[b.len] = '\0';
    *text = (char *)b.data;
    *len = b.len;
    return 0;
}
