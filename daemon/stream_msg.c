/* The session stream's messages (see stream_msg.h). */
#include "daemon/stream_msg.h"

static uint64_t since(uint64_t t, uint64_t start_ns)
{
    return t > start_ns ? t - start_ns : 0;
}

/* The walker's frames as the protocol's, cut to PROTO_MAX_FRAMES. */
static uint32_t copy_frames(const struct pywalk_stack *stack, struct proto_frame *out)
{
    uint32_t n = stack ? stack->nframes : 0;
    if (n > PROTO_MAX_FRAMES)
        n = PROTO_MAX_FRAMES;
    for (uint32_t i = 0; i < n; i++)
        out[i] = (struct proto_frame){stack->frames[i].code_id, stack->frames[i].line};
    return n;
}

void stream_msg_target(struct proto_buf *msg, const struct py_target *target)
{
    struct proto_target t = {.version_hex = target->version_hex,
                             .source = (uint32_t)target->source,
                             .runtime_addr = target->runtime_addr,
                             .version = target->version,
                             .binary = target->binary};
    proto_encode_target(msg, &t);
}

void stream_msg_code(struct proto_buf *msg, uint32_t code_id, const struct pywalk_code *code)
{
    struct proto_code c = {.code_id = code_id,
                           .firstlineno = code ? code->firstlineno : 0,
                           .flags = code && code->native ? PROTO_CODE_NATIVE : 0,
                           .file = code ? code->file : "<unknown>",
                           .qualname = code ? code->qualname : "<unknown>"};
    proto_encode_code(msg, &c);
}

void stream_msg_sample(struct proto_buf *msg, const struct thread_sample *sample,
                       uint64_t now_ns, uint64_t start_ns)
{
    struct proto_sample s = {.time_ns = since(now_ns, start_ns),
                             .tid = sample->tid,
                             .flags = sample->unplaced == PROTO_UNPLACED_WALK_FAILED
                                          ? PROTO_SAMPLE_TRUNCATED
                                          : 0,
                             .unplaced = sample->unplaced,
                             .python_ns = sample->ns[SAMPLE_PYTHON],
                             .native_ns = sample->ns[SAMPLE_NATIVE],
                             .system_ns = sample->ns[SAMPLE_SYSTEM],
                             .idle_ns = sample->ns[SAMPLE_IDLE]};
    s.nframes = copy_frames(sample->stack, s.frames);
    proto_encode_sample(msg, &s);
}

void stream_msg_rss(struct proto_buf *msg, uint64_t now_ns, uint64_t start_ns, uint64_t rss)
{
    proto_encode_rss(msg, &(struct proto_rss){since(now_ns, start_ns), rss});
}

void stream_msg_heap(struct proto_buf *msg, const struct heap_event *ev, uint64_t start_ns)
{
    if (ev->kind == HEAP_EVENT_FREE) {
        proto_encode_heap_free(msg, &(struct proto_heap_free){since(ev->time_ns, start_ns),
                                                              ev->addr});
        return;
    }
    int copy = ev->kind == HEAP_EVENT_COPY;
    struct proto_heap h = {.time_ns = since(ev->time_ns, start_ns),
                           .tid = ev->tid,
                           .kind = copy ? PROTO_HEAP_COPY : PROTO_HEAP_ALLOC,
                           .flags = ev->flags,
                           .weight = ev->weight,
                           .size = ev->size,
                           .addr = copy ? 0 : ev->addr};
    h.nframes = copy_frames(ev->stack, h.frames);
    proto_encode_heap(msg, &h);
}

void stream_msg_heap_stats(struct proto_buf *msg, const struct heap_link *h)
{
    struct proto_heap_stats st;
    heap_link_counts(h, &st.samples, &st.truncated, &st.dropped, &st.window);
    if (st.window == 0)
        st.window = 1;
    proto_encode_heap_stats(msg, &st);
}
