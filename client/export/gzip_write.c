/* gzip through zlib's deflate with a gzip wrapper (windowBits 15 + 16),
 * in fixed chunks so that the output never needs a buffer of its own size. */
#include "client/export/gzip_write.h"

#include <errno.h>
#include <stdint.h>
#include <zlib.h>

#define GZIP_CHUNK 65536
/* 15: the largest window; + 16 asks deflate for a gzip header and trailer. */
#define GZIP_WINDOW_BITS (15 + 16)
#define GZIP_MEM_LEVEL 8

/* Runs deflate with `flush` until it has taken all its input (and with
 * Z_FINISH, written the trailer), writing each chunk to out. */
static int deflate_to(z_stream *z, int flush, FILE *out, char *err, size_t errlen)
{
    unsigned char chunk[GZIP_CHUNK];
    int zrc;
    do {
        z->next_out = chunk;
        z->avail_out = sizeof(chunk);
        zrc = deflate(z, flush);
        if (zrc == Z_STREAM_ERROR) {
            snprintf(err, errlen, "gzip: deflate failed");
            return -EIO;
        }
        size_t n = sizeof(chunk) - z->avail_out;
        if (n && fwrite(chunk, 1, n, out) != n) {
            snprintf(err, errlen, "gzip: write failed");
            return -EIO;
        }
    } while (z->avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return 0;
}

int gzip_write(FILE *out, const void *buf, size_t len, char *err, size_t errlen)
{
    z_stream z = {0};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        snprintf(err, errlen, "gzip: out of memory");
        return -ENOMEM;
    }
    /* avail_in is a uInt: feed buffers over 4 GiB a piece at a time. */
    const unsigned char *p = buf;
    int rc = 0;
    while (rc == 0 && len > 0) {
        size_t piece = len < UINT32_MAX ? len : UINT32_MAX;
        z.next_in = (unsigned char *)p;
        z.avail_in = (uInt)piece;
        rc = deflate_to(&z, Z_NO_FLUSH, out, err, errlen);
        p += piece;
        len -= piece;
    }
    if (rc == 0)
        rc = deflate_to(&z, Z_FINISH, out, err, errlen);
    deflateEnd(&z);
    return rc;
}
