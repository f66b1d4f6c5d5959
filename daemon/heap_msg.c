/* The memory messages (see heap_msg.h). */
#include "daemon/heap_msg.h"

static uint64_t since(uint64_t t, uint64_t start_ns)
{
    return t > start_ns ? t - start_ns : 0;
}

void heap_msg_rss(struct proto_buf *msg, uint64_t now_ns, uint64_t start_ns, uint64_t rss)
{
    proto_begin(msg, PROTO_RSS);
    proto_put_u64(msg, since(now_ns, start_ns));
    proto_put_u64(msg, rss);
}

void heap_msg_event(struct proto_buf *msg, const struct heap_event *ev, uint64_t start_ns)
{
    if (ev->kind == HEAP_EVENT_FREE) {
        proto_begin(msg, PROTO_HEAP_FREE);
        proto_put_u64(msg, since(ev->time_ns, start_ns));
        proto_put_u64(msg, ev->addr);
        return;
    }
    proto_begin(msg, PROTO_HEAP);
    proto_put_u64(msg, since(ev->time_ns, start_ns));
    proto_put_u32(msg, ev->tid);
    proto_put_u32(msg, ev->kind == HEAP_EVENT_COPY ? PROTO_HEAP_COPY : PROTO_HEAP_ALLOC);
    proto_put_u32(msg, ev->flags & PROTO_HEAPF_KNOWN);
    proto_put_u64(msg, ev->weight);
    proto_put_u64(msg, ev->size);
    proto_put_u64(msg, ev->kind == HEAP_EVENT_COPY ? 0 : ev->addr);
    uint32_t n = ev->stack ? ev->stack->nframes : 0;
    if (n > PROTO_MAX_FRAMES)
        n = PROTO_MAX_FRAMES;
    proto_put_u32(msg, n);
    for (uint32_t i = 0; i < n; i++) {
        proto_put_u32(msg, ev->stack->frames[i].code_id);
        proto_put_i32(msg, ev->stack->frames[i].line);
    }
}

void heap_msg_stats(struct proto_buf *msg, const struct heap_link *h)
{
    uint64_t samples, truncated, unwaited, window;
    heap_link_counts(h, &samples, &truncated, &unwaited, &window);
    proto_begin(msg, PROTO_HEAP_STATS);
    proto_put_u64(msg, samples);
    proto_put_u64(msg, truncated);
    proto_put_u64(msg, unwaited);
    proto_put_u64(msg, window ? window : 1);
}
