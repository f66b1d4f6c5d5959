/* Writing a buffer gzip-compressed (RFC 1952) to a stream, through zlib. */
#ifndef FAH_EXPORT_GZIP_WRITE_H
#define FAH_EXPORT_GZIP_WRITE_H

#include <stddef.h>
#include <stdio.h>

/* Compresses buf[0..len) as one gzip member onto out. Returns 0, or -ENOMEM
 * or -EIO with "gzip: reason" in err. Write errors on out are left for the
 * caller to find with ferror (as a short fwrite also gives -EIO). */
int gzip_write(FILE *out, const void *buf, size_t len, char *err, size_t errlen);

#endif
