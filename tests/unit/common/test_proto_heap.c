/* The memory messages decode exactly what their builders produce and
 * refuse truncations, extensions, unknown kinds and flags. */
#include <errno.h>
#include <stdlib.h>

#include "common/proto.h"
#include "harness.h"

static const uint8_t *payload(const struct proto_buf *buf, size_t *len)
{
    *len = buf->wire.len - PROTO_HEADER_SIZE;
    return buf->wire.data + PROTO_HEADER_SIZE;
}

static void build_heap(struct proto_buf *b, uint32_t kind, uint32_t flags, uint32_t n)
{
    proto_begin(b, PROTO_HEAP);
    proto_put_u64(b, 77);
    proto_put_u32(b, 4242);
    proto_put_u32(b, kind);
    proto_put_u32(b, flags);
    proto_put_u64(b, 10u << 20);
    proto_put_u64(b, 300u << 20);
    proto_put_u64(b, 0x7f0000001000u);
    proto_put_u32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        proto_put_u32(b, i + 5);
        proto_put_i32(b, (int32_t)i * 3);
    }
    proto_finish(b);
}

/* Every cut of a valid payload fails, and so does one byte more. */
static void check_exact(const uint8_t *p, size_t len,
                        int (*decode)(const void *, size_t, void *), void *out)
{
    CHECK_EQ_INT(decode(p, len, out), 0);
    for (size_t cut = 0; cut < len; cut++)
        CHECK_EQ_INT(decode(p, cut, out), -EBADMSG);
    uint8_t *longer = calloc(1, len + 1);
    memcpy(longer, p, len);
    CHECK_EQ_INT(decode(longer, len + 1, out), -EBADMSG);
    free(longer);
}

static int decode_heap(const void *p, size_t len, void *out)
{
    return proto_decode_heap(p, len, out);
}
static int decode_rss(const void *p, size_t len, void *out)
{
    return proto_decode_rss(p, len, out);
}
static int decode_free(const void *p, size_t len, void *out)
{
    return proto_decode_heap_free(p, len, out);
}
static int decode_stats(const void *p, size_t len, void *out)
{
    return proto_decode_heap_stats(p, len, out);
}

static void test_heap(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    build_heap(&b, PROTO_HEAP_ALLOC, PROTO_HEAPF_NATIVE, 2);
    size_t len;
    const uint8_t *p = payload(&b, &len);
    struct proto_heap *h = calloc(1, sizeof(*h));
    check_exact(p, len, decode_heap, h);
    CHECK_EQ_INT(proto_decode_heap(p, len, h), 0);
    CHECK_EQ_INT(h->time_ns, 77);
    CHECK_EQ_INT(h->tid, 4242);
    CHECK_EQ_INT(h->kind, PROTO_HEAP_ALLOC);
    CHECK_EQ_INT(h->flags, PROTO_HEAPF_NATIVE);
    CHECK_EQ_INT(h->weight, 10u << 20);
    CHECK_EQ_INT(h->size, 300u << 20);
    CHECK_EQ_INT(h->addr, 0x7f0000001000u);
    CHECK_EQ_INT(h->nframes, 2);
    CHECK_EQ_INT(h->frames[1].code_id, 6);
    CHECK_EQ_INT(h->frames[1].line, 3);
    build_heap(&b, 3, 0, 0);
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_heap(p, len, h), -EBADMSG);
    build_heap(&b, PROTO_HEAP_COPY, 1u << 9, 0);
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_heap(p, len, h), -EBADMSG);
    build_heap(&b, PROTO_HEAP_COPY, 0, PROTO_MAX_FRAMES + 1);
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_heap(p, len, h), -EBADMSG);
    free(h);
    proto_buf_free(&b);
}

static void test_small_messages(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    size_t len;
    proto_begin(&b, PROTO_RSS);
    proto_put_u64(&b, 5);
    proto_put_u64(&b, 123456);
    proto_finish(&b);
    struct proto_rss rss;
    const uint8_t *p = payload(&b, &len);
    check_exact(p, len, decode_rss, &rss);
    CHECK_EQ_INT(rss.time_ns, 5);
    CHECK_EQ_INT(rss.rss_bytes, 123456);

    proto_begin(&b, PROTO_HEAP_FREE);
    proto_put_u64(&b, 9);
    proto_put_u64(&b, 0x1000);
    proto_finish(&b);
    struct proto_heap_free f;
    p = payload(&b, &len);
    check_exact(p, len, decode_free, &f);
    CHECK_EQ_INT(f.addr, 0x1000);

    proto_begin(&b, PROTO_HEAP_STATS);
    for (int i = 1; i <= 4; i++)
        proto_put_u64(&b, (uint64_t)i);
    proto_finish(&b);
    struct proto_heap_stats st;
    p = payload(&b, &len);
    check_exact(p, len, decode_stats, &st);
    CHECK_EQ_INT(st.samples, 1);
    CHECK_EQ_INT(st.window, 4);
    proto_begin(&b, PROTO_HEAP_STATS);
    for (int i = 0; i < 4; i++)
        proto_put_u64(&b, 0);
    proto_finish(&b);
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_heap_stats(p, len, &st), -EBADMSG);
    proto_buf_free(&b);
}

int main(void)
{
    test_heap();
    test_small_messages();
    return test_finish("test_proto_heap");
}
