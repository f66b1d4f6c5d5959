/* The memory messages (PROTO_RSS .. PROTO_HEAP_STATS, range 120-139 of
 * proto.h): each encoder beside its decoder. */
#include <errno.h>

#include "common/proto.h"

void proto_encode_rss(struct proto_buf *buf, const struct proto_rss *r)
{
    proto_begin(buf, PROTO_RSS);
    proto_put_u64(buf, r->time_ns);
    proto_put_u64(buf, r->rss_bytes);
}

int proto_decode_rss(const void *payload, size_t len, struct proto_rss *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u64(&r, &out->time_ns) < 0 || proto_get_u64(&r, &out->rss_bytes) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_heap(struct proto_buf *buf, const struct proto_heap *h)
{
    proto_begin(buf, PROTO_HEAP);
    proto_put_u64(buf, h->time_ns);
    proto_put_u32(buf, h->tid);
    proto_put_u32(buf, h->kind);
    proto_put_u32(buf, h->flags & PROTO_HEAPF_KNOWN);
    proto_put_u64(buf, h->weight);
    proto_put_u64(buf, h->size);
    proto_put_u64(buf, h->addr);
    proto_put_frames(buf, h->frames, h->nframes);
}

int proto_decode_heap(const void *payload, size_t len, struct proto_heap *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u64(&r, &out->time_ns) < 0 || proto_get_u32(&r, &out->tid) < 0 ||
        proto_get_u32(&r, &out->kind) < 0 || proto_get_u32(&r, &out->flags) < 0 ||
        proto_get_u64(&r, &out->weight) < 0 || proto_get_u64(&r, &out->size) < 0 ||
        proto_get_u64(&r, &out->addr) < 0)
        return -EBADMSG;
    if (out->kind < PROTO_HEAP_ALLOC || out->kind > PROTO_HEAP_COPY ||
        (out->flags & ~PROTO_HEAPF_KNOWN) || out->weight == 0 ||
        proto_get_frames(&r, out->frames, &out->nframes) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_heap_free(struct proto_buf *buf, const struct proto_heap_free *f)
{
    proto_begin(buf, PROTO_HEAP_FREE);
    proto_put_u64(buf, f->time_ns);
    proto_put_u64(buf, f->addr);
}

int proto_decode_heap_free(const void *payload, size_t len, struct proto_heap_free *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u64(&r, &out->time_ns) < 0 || proto_get_u64(&r, &out->addr) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_heap_stats(struct proto_buf *buf, const struct proto_heap_stats *st)
{
    proto_begin(buf, PROTO_HEAP_STATS);
    proto_put_u64(buf, st->samples);
    proto_put_u64(buf, st->truncated);
    proto_put_u64(buf, st->dropped);
    proto_put_u64(buf, st->window);
}

int proto_decode_heap_stats(const void *payload, size_t len, struct proto_heap_stats *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u64(&r, &out->samples) < 0 || proto_get_u64(&r, &out->truncated) < 0 ||
        proto_get_u64(&r, &out->dropped) < 0 || proto_get_u64(&r, &out->window) < 0)
        return -EBADMSG;
    if (out->window == 0)
        return -EBADMSG;
    return proto_get_end(&r);
}
