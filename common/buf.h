/* Growable memory: a byte buffer that messages and files are appended to,
 * and the capacity doubling of typed arrays. */
#ifndef FAH_COMMON_BUF_H
#define FAH_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Bytes data[0..len) in an allocation of cap bytes; all zero is empty. The
 * buffer owns data. */
struct buf {
    uint8_t *data;
    size_t len, cap;
};

void buf_init(struct buf *b);
/* Frees data and empties b; a zeroed or freed buf may be freed again. */
void buf_free(struct buf *b);
/* Makes room for `more` bytes past len (capacity doubles, from 256).
 * 0, or -ENOMEM with b untouched. */
int buf_reserve(struct buf *b, size_t more);
/* Appends n bytes. 0, or -ENOMEM with b untouched. */
int buf_append(struct buf *b, const void *bytes, size_t n);
/* Drops the first n bytes (at most len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

/* Grows a typed array so that it holds at least `need` items of `size`
 * bytes: capacity doubles (from 16) until it does. Returns the array
 * (maybe moved) with *cap updated, or NULL with items and *cap untouched
 * when out of memory or the size overflows. Use as realloc:
 *     struct x *grown = buf_grow_array(xs, &cap, n + 1, sizeof(*xs));
 *     if (!grown) return -ENOMEM;
 *     xs = grown; */
void *buf_grow_array(void *items, size_t *cap, size_t need, size_t size);

#endif
