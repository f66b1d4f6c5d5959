/* The session stream's messages (see stream_msg.h). */
#include "daemon/stream_msg.h"

static uint64_t since(uint64_t t, uint64_t start_ns)
{
    return t > start_ns ? t - start_ns : 0;
}

/* The walker's frames as the protocol's, in the session's code ids, cut
 * to PROTO_MAX_FRAMES. */
static uint32_t copy_frames(const struct pywalk_stack *stack, const struct codeids_proc *codes,
                            struct proto_frame *out)
{
    uint32_t n = stack ? stack->nframes : 0;
    if (n > PROTO_MAX_FRAMES)
        n = PROTO_MAX_FRAMES;
    for (uint32_t i = 0; i < n; i++)
        out[i] = (struct proto_frame){codeids_global(codes, stack->frames[i].code_id),
                                      stack->frames[i].line};
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
                           .flags = (code && code->native ? PROTO_CODE_NATIVE : 0) |
                                    (code && code->gap ? PROTO_CODE_GAP : 0),
                           .file = code ? code->file : "<unknown>",
                           .qualname = code ? code->qualname : "<unknown>"};
    proto_encode_code(msg, &c);
}

void stream_msg_sample(struct proto_buf *msg, pid_t pid, const struct codeids_proc *codes,
                       const struct thread_sample *sample, uint64_t now_ns, uint64_t start_ns)
{
    /* Field by field: an initializer would zero all PROTO_MAX_FRAMES
     * frames at every tick, and only nframes of them are sent. */
    struct proto_sample s;
    s.time_ns = since(now_ns, start_ns);
    s.tid = sample->tid;
    s.pid = (int32_t)pid;
    s.flags = sample->flags |
              (sample->unplaced == PROTO_UNPLACED_WALK_FAILED ? PROTO_SAMPLE_TRUNCATED : 0);
    s.unplaced = sample->unplaced;
    s.python_ns = sample->ns[SAMPLE_PYTHON];
    s.native_ns = sample->ns[SAMPLE_NATIVE];
    s.system_ns = sample->ns[SAMPLE_SYSTEM];
    s.idle_ns = sample->ns[SAMPLE_IDLE];
    s.gil_wait_ns = sample->ns[SAMPLE_GIL_WAIT];
    s.cpu_ns = sample->cpu_ns;
    s.wall_ns = sample->wall_ns;
    s.nframes = copy_frames(sample->stack, codes, s.frames);
    proto_encode_sample(msg, &s);
}

void stream_msg_rss(struct proto_buf *msg, uint64_t now_ns, uint64_t start_ns, uint64_t rss)
{
    proto_encode_rss(msg, &(struct proto_rss){since(now_ns, start_ns), rss});
}

void stream_msg_heap(struct proto_buf *msg, const struct codeids_proc *codes,
                     const struct heap_event *ev, uint64_t start_ns)
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
    h.nframes = copy_frames(ev->stack, codes, h.frames);
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

void stream_msg_process(struct proto_buf *msg, const struct proctree_proc *p, const char *python,
                        const char *note, uint64_t start_ns)
{
    struct proto_process out = {
        .pid = (int32_t)p->pid,
        .ppid = (int32_t)p->ppid,
        .flags = (p->root ? PROTO_PROCESS_ROOT : 0) | (python[0] ? PROTO_PROCESS_PYTHON : 0) |
                 (p->exited ? PROTO_PROCESS_EXITED : 0),
        .start_ns = since(p->start_ns, start_ns),
        .end_ns = p->exited ? since(p->end_ns, start_ns) : 0,
        .cpu_ns = p->cpu_ns,
        .max_rss_bytes = p->max_rss,
        .command = p->command,
        .python = python,
        .note = note};
    proto_encode_process(msg, &out);
}
