/* Growable buffers (see buf.h). */
#include "common/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_BYTES 256
#define BUF_MIN_ITEMS 16

void buf_init(struct buf *b)
{
    memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

/* The doubled capacity that holds need, or 0 on overflow. */
static size_t doubled(size_t cap, size_t need, size_t min)
{
    if (cap < min)
        cap = min;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return 0;
        cap *= 2;
    }
    return cap;
}

int buf_reserve(struct buf *b, size_t more)
{
    if (more > SIZE_MAX - b->len)
        return -ENOMEM;
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = doubled(b->cap, b->len + more, BUF_MIN_BYTES);
    uint8_t *grown = cap ? realloc(b->data, cap) : NULL;
    if (!grown)
        return -ENOMEM;
    b->data = grown;
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *bytes, size_t n)
{
    if (n == 0)
        return 0;
    int rc = buf_reserve(b, n);
    if (rc < 0)
        return rc;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void *buf_grow_array(void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap && items)
        return items;
    size_t n = doubled(*cap, need, BUF_MIN_ITEMS);
    if (!n || size == 0 || n > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(items, n * size);
    if (!grown)
        return NULL;
    *cap = n;
    return grown;
}
