/* Remote str objects to UTF-8. A compact str keeps its characters right
 * after the header: after PyASCIIObject when every character is ASCII,
 * after PyCompactUnicodeObject otherwise, 1, 2 or 4 bytes per code point
 * (the "kind" in the state bits). */
#include "daemon/pystr.h"

#include <errno.h>
#include <string.h>

/* Code points converted per remote read: the page cache makes several
 * small reads as cheap as one big one, and this keeps the stack small. */
#define PYSTR_CHUNK 256

/* Largest header offset we accept: PyCompactUnicodeObject is 72 bytes. */
#define PYSTR_HEADER_MAX 256

static int encode_utf8(uint32_t cp, char *buf, size_t buflen, size_t *pos)
{
    uint8_t out[4];
    size_t n;

    if (cp == 0 || cp > 0x10ffff)
        return -EILSEQ;
    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd; /* a lone surrogate has no UTF-8 form */
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (uint8_t)(0xf0 | cp >> 18);
        out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (*pos + n >= buflen) /* keep room for the NUL */
        return -ENOSPC;
    memcpy(buf + *pos, out, n);
    *pos += n;
    return 0;
}

static uint32_t code_point(const uint8_t *data, unsigned kind, size_t i)
{
    uint16_t u16;
    uint32_t u32;

    switch (kind) {
    case 1:
        return data[i];
    case 2:
        memcpy(&u16, data + i * 2, sizeof(u16));
        return u16;
    default:
        memcpy(&u32, data + i * 4, sizeof(u32));
        return u32;
    }
}

int pystr_read(const struct rmem *mem, const struct py_offsets *off, uint64_t addr,
               char *buf, size_t buflen)
{
    uint8_t header[PYSTR_HEADER_MAX];
    uint8_t chunk[PYSTR_CHUNK * 4];
    int64_t length;
    uint32_t state;
    size_t header_len, pos = 0;
    int rc;

    if (!buf || buflen == 0)
        return -ENOSPC;
    buf[0] = '\0';
    if (off->unicode.length < 0 || off->unicode.state < 0 || off->unicode.ascii_size < 0 ||
        off->unicode.compact_size < 0 ||
        off->unicode.length + sizeof(length) > sizeof(header) ||
        off->unicode.state + sizeof(state) > sizeof(header))
        return -EINVAL;

    header_len = (size_t)off->unicode.length + sizeof(length);
    if ((size_t)off->unicode.state + sizeof(state) > header_len)
        header_len = (size_t)off->unicode.state + sizeof(state);
    rc = rmem_read(mem, addr, header, header_len);
    if (rc < 0)
        return rc;
    memcpy(&length, header + off->unicode.length, sizeof(length));
    memcpy(&state, header + off->unicode.state, sizeof(state));

    /* No name or file name of code is this long: memory that is not a str
     * (a torn read), which a walk retries; -E2BIG would say "too deep". */
    if (length < 0 || length > PYSTR_MAX_CHARS)
        return -EBADMSG;
    if (!(state & PYUNICODE_COMPACT_BIT))
        return -ENOTSUP; /* legacy str: characters elsewhere, never a code name */

    unsigned kind = (state >> PYUNICODE_KIND_SHIFT) & PYUNICODE_KIND_MASK;
    int ascii = (state & PYUNICODE_ASCII_BIT) != 0;
    if (kind != 1 && kind != 2 && kind != 4)
        return -EILSEQ;
    if (ascii && kind != 1)
        return -EILSEQ;
    uint64_t data = addr + (uint64_t)(ascii ? off->unicode.ascii_size
                                            : off->unicode.compact_size);

    for (size_t done = 0; done < (size_t)length;) {
        size_t n = (size_t)length - done;
        if (n > PYSTR_CHUNK)
            n = PYSTR_CHUNK;
        rc = rmem_read(mem, data + done * kind, chunk, n * kind);
        if (rc < 0)
            goto fail;
        for (size_t i = 0; i < n; i++) {
            uint32_t cp = code_point(chunk, kind, i);
            rc = ascii && cp >= 0x80 ? -EILSEQ : encode_utf8(cp, buf, buflen, &pos);
            if (rc < 0)
                goto fail;
        }
        done += n;
    }
    buf[pos] = '\0';
    return (int)pos;

fail:
    buf[0] = '\0'; /* never hand back half a name */
    return rc;
}
