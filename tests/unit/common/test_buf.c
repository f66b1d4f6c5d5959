/* The growable buffer keeps every byte in order across growth, drops a
 * prefix on consume, and typed arrays grow by doubling without losing
 * items, refusing sizes that overflow. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "harness.h"

static void test_append_keeps_bytes_across_growth(void)
{
    struct buf b;
    buf_init(&b);
    for (uint32_t i = 0; i < 100000; i++)
        CHECK_EQ_INT(buf_append(&b, &i, sizeof(i)), 0);
    CHECK_EQ_INT(b.len, 400000);
    CHECK(b.cap >= b.len);
    int in_order = 1;
    for (uint32_t i = 0; i < 100000; i++) {
        uint32_t v;
        memcpy(&v, b.data + 4 * i, 4);
        in_order &= v == i;
    }
    CHECK(in_order);
    CHECK_EQ_INT(buf_append(&b, NULL, 0), 0); /* nothing to add is fine */
    CHECK_EQ_INT(b.len, 400000);
    buf_free(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    buf_free(&b); /* twice is harmless */
}

static void test_reserve_and_consume(void)
{
    struct buf b;
    buf_init(&b);
    CHECK_EQ_INT(buf_reserve(&b, 1000), 0);
    CHECK(b.cap >= 1000 && b.len == 0);
    size_t cap = b.cap;
    CHECK_EQ_INT(buf_reserve(&b, 10), 0);
    CHECK_EQ_INT(b.cap, cap); /* room already there: no reallocation */
    CHECK_EQ_INT(buf_reserve(&b, SIZE_MAX), -ENOMEM);
    CHECK_EQ_INT(b.cap, cap);
    CHECK_EQ_INT(buf_append(&b, "hello, world", 12), 0);
    buf_consume(&b, 7);
    CHECK_EQ_INT(b.len, 5);
    CHECK(memcmp(b.data, "world", 5) == 0);
    buf_consume(&b, 99); /* more than there is: empty */
    CHECK_EQ_INT(b.len, 0);
    buf_free(&b);
}

static void test_grow_array(void)
{
    uint64_t *items = NULL;
    size_t cap = 0, n = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t *grown = buf_grow_array(items, &cap, n + 1, sizeof(*items));
        CHECK(grown != NULL);
        if (!grown)
            break;
        items = grown;
        items[n++] = i * 3;
    }
    CHECK(cap >= 1000 && (cap & (cap - 1)) == 0); /* doubled from 16 */
    int kept = 1;
    for (size_t i = 0; i < n; i++)
        kept &= items[i] == i * 3;
    CHECK(kept);
    /* A size that overflows is refused and leaves the array alone. */
    size_t before = cap;
    CHECK(buf_grow_array(items, &cap, SIZE_MAX / 4, sizeof(*items)) == NULL);
    CHECK_EQ_INT(cap, before);
    CHECK_EQ_INT(items[999], 999 * 3);
    /* Enough room already: the same array back. */
    CHECK(buf_grow_array(items, &cap, 10, sizeof(*items)) == items);
    free(items);
}

int main(void)
{
    test_append_keeps_bytes_across_growth();
    test_reserve_and_consume();
    test_grow_array();
    return test_finish("test_buf");
}
