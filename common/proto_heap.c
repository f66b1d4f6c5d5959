/* Decoders of the memory messages (PROTO_RSS .. PROTO_HEAP_STATS, range
 * 120-139 of proto.h), kept apart from proto.c's session messages. */
#include <errno.h>

#include "common/proto.h"

#define GET(call)                                                              \
    do {                                                                       \
        if ((call) < 0)                                                        \
            return -EBADMSG;                                                   \
    } while (0)

int proto_decode_rss(const void *payload, size_t len, struct proto_rss *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u64(&r, &out->time_ns));
    GET(proto_get_u64(&r, &out->rss_bytes));
    return proto_get_end(&r);
}

int proto_decode_heap(const void *payload, size_t len, struct proto_heap *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u64(&r, &out->time_ns));
    GET(proto_get_u32(&r, &out->tid));
    GET(proto_get_u32(&r, &out->kind));
    GET(proto_get_u32(&r, &out->flags));
    GET(proto_get_u64(&r, &out->weight));
    GET(proto_get_u64(&r, &out->size));
    GET(proto_get_u64(&r, &out->addr));
    GET(proto_get_u32(&r, &out->nframes));
    if (out->kind < PROTO_HEAP_ALLOC || out->kind > PROTO_HEAP_COPY ||
        (out->flags & ~PROTO_HEAPF_KNOWN) || out->weight == 0 ||
        out->nframes > PROTO_MAX_FRAMES)
        return -EBADMSG;
    for (uint32_t i = 0; i < out->nframes; i++) {
        GET(proto_get_u32(&r, &out->frames[i].code_id));
        GET(proto_get_i32(&r, &out->frames[i].line));
    }
    return proto_get_end(&r);
}

int proto_decode_heap_free(const void *payload, size_t len, struct proto_heap_free *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u64(&r, &out->time_ns));
    GET(proto_get_u64(&r, &out->addr));
    return proto_get_end(&r);
}

int proto_decode_heap_stats(const void *payload, size_t len, struct proto_heap_stats *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u64(&r, &out->samples));
    GET(proto_get_u64(&r, &out->truncated));
    GET(proto_get_u64(&r, &out->dropped));
    GET(proto_get_u64(&r, &out->window));
    if (out->window == 0)
        return -EBADMSG;
    return proto_get_end(&r);
}
