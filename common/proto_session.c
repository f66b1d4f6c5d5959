/* The handshake and the session stream (proto.h ranges 1-99 and 100-119):
 * each message's encoder beside its decoder. The decoders are the only
 * code that touches a peer's bytes: each checks every length and string
 * before a handler sees anything. */
#include <errno.h>

#include "common/proto.h"

void proto_encode_hello(struct proto_buf *buf, uint32_t version)
{
    proto_begin(buf, PROTO_HELLO);
    proto_put_u32(buf, version);
}

int proto_decode_hello(const void *payload, size_t len, uint32_t *version)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, version) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_hello_ok(struct proto_buf *buf, uint32_t version, int32_t pid)
{
    proto_begin(buf, PROTO_HELLO_OK);
    proto_put_u32(buf, version);
    proto_put_i32(buf, pid);
}

int proto_decode_hello_ok(const void *payload, size_t len, uint32_t *version, int32_t *pid)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, version) < 0 || proto_get_i32(&r, pid) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_error(struct proto_buf *buf, const char *message)
{
    proto_begin(buf, PROTO_ERROR);
    proto_put_str(buf, message);
}

int proto_decode_error(const void *payload, size_t len, const char **message)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_str(&r, message) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_profile(struct proto_buf *buf, uint32_t type, const struct proto_profile *p)
{
    proto_begin(buf, type);
    proto_put_i32(buf, p->pid);
    proto_put_u32(buf, p->rate_hz);
    proto_put_u32(buf, p->flags);
    proto_put_u32(buf, p->offsets_pref);
    proto_put_str(buf, p->debug_dirs);
    proto_put_str(buf, p->end_mark ? p->end_mark : "");
}

int proto_decode_profile(const void *payload, size_t len, struct proto_profile *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_i32(&r, &out->pid) < 0 || proto_get_u32(&r, &out->rate_hz) < 0 ||
        proto_get_u32(&r, &out->flags) < 0 || proto_get_u32(&r, &out->offsets_pref) < 0 ||
        proto_get_str(&r, &out->debug_dirs) < 0 || proto_get_str(&r, &out->end_mark) < 0)
        return -EBADMSG;
    if (out->pid <= 0 || out->rate_hz == 0 || (out->flags & ~PROTO_FLAGS_KNOWN) ||
        out->offsets_pref > 3)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_session_started(struct proto_buf *buf, uint32_t session_id, uint64_t origin_ns)
{
    proto_begin(buf, PROTO_SESSION_STARTED);
    proto_put_u32(buf, session_id);
    proto_put_u64(buf, origin_ns);
}

int proto_decode_session_started(const void *payload, size_t len, uint32_t *session_id,
                                 uint64_t *origin_ns)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, session_id) < 0 || proto_get_u64(&r, origin_ns) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_target(struct proto_buf *buf, const struct proto_target *t)
{
    proto_begin(buf, PROTO_TARGET);
    proto_put_u32(buf, t->version_hex);
    proto_put_u32(buf, t->source);
    proto_put_u64(buf, t->runtime_addr);
    proto_put_str(buf, t->version);
    proto_put_str(buf, t->binary);
}

int proto_decode_target(const void *payload, size_t len, struct proto_target *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, &out->version_hex) < 0 || proto_get_u32(&r, &out->source) < 0 ||
        proto_get_u64(&r, &out->runtime_addr) < 0 || proto_get_str(&r, &out->version) < 0 ||
        proto_get_str(&r, &out->binary) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_code(struct proto_buf *buf, const struct proto_code *c)
{
    proto_begin(buf, PROTO_CODE);
    proto_put_u32(buf, c->code_id);
    proto_put_i32(buf, c->firstlineno);
    proto_put_u32(buf, c->flags & PROTO_CODE_FLAGS_KNOWN);
    proto_put_str(buf, c->file);
    proto_put_str(buf, c->qualname);
}

int proto_decode_code(const void *payload, size_t len, struct proto_code *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, &out->code_id) < 0 || proto_get_i32(&r, &out->firstlineno) < 0 ||
        proto_get_u32(&r, &out->flags) < 0 || (out->flags & ~PROTO_CODE_FLAGS_KNOWN) ||
        proto_get_str(&r, &out->file) < 0 || proto_get_str(&r, &out->qualname) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_thread(struct proto_buf *buf, uint32_t tid, const char *name)
{
    proto_begin(buf, PROTO_THREAD);
    proto_put_u32(buf, tid);
    proto_put_str(buf, name);
}

int proto_decode_thread(const void *payload, size_t len, uint32_t *tid, const char **name)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, tid) < 0 || proto_get_str(&r, name) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_sample(struct proto_buf *buf, const struct proto_sample *s)
{
    proto_begin(buf, PROTO_SAMPLE);
    proto_put_u64(buf, s->time_ns);
    proto_put_u32(buf, s->tid);
    proto_put_i32(buf, s->pid);
    proto_put_u32(buf, s->flags);
    proto_put_u32(buf, s->unplaced);
    proto_put_u64(buf, s->python_ns);
    proto_put_u64(buf, s->native_ns);
    proto_put_u64(buf, s->system_ns);
    proto_put_u64(buf, s->idle_ns);
    proto_put_u64(buf, s->gil_wait_ns);
    proto_put_u64(buf, s->cpu_ns);
    proto_put_u64(buf, s->wall_ns);
    proto_put_frames(buf, s->frames, s->nframes);
}

int proto_decode_sample(const void *payload, size_t len, struct proto_sample *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u64(&r, &out->time_ns) < 0 || proto_get_u32(&r, &out->tid) < 0 ||
        proto_get_i32(&r, &out->pid) < 0 ||
        proto_get_u32(&r, &out->flags) < 0 || (out->flags & ~PROTO_SAMPLE_KNOWN) ||
        proto_get_u32(&r, &out->unplaced) < 0 || out->unplaced > PROTO_UNPLACED_MAX ||
        proto_get_u64(&r, &out->python_ns) < 0 || proto_get_u64(&r, &out->native_ns) < 0 ||
        proto_get_u64(&r, &out->system_ns) < 0 || proto_get_u64(&r, &out->idle_ns) < 0 ||
        proto_get_u64(&r, &out->gil_wait_ns) < 0 || proto_get_u64(&r, &out->cpu_ns) < 0 ||
        proto_get_u64(&r, &out->wall_ns) < 0 ||
        proto_get_frames(&r, out->frames, &out->nframes) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_end(struct proto_buf *buf, const struct proto_end *e)
{
    proto_begin(buf, PROTO_SESSION_END);
    proto_put_u32(buf, e->reason);
    proto_put_u64(buf, e->ticks);
    proto_put_u64(buf, e->errors);
    proto_put_str(buf, e->detail);
}

int proto_decode_end(const void *payload, size_t len, struct proto_end *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, &out->reason) < 0 || proto_get_u64(&r, &out->ticks) < 0 ||
        proto_get_u64(&r, &out->errors) < 0 || proto_get_str(&r, &out->detail) < 0)
        return -EBADMSG;
    if (out->reason < PROTO_END_EXITED || out->reason > PROTO_END_FAILED)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_empty(struct proto_buf *buf, uint32_t type)
{
    proto_begin(buf, type);
}

int proto_decode_empty(const void *payload, size_t len)
{
    (void)payload;
    return len == 0 ? 0 : -EBADMSG;
}

void proto_encode_script_span(struct proto_buf *buf, uint64_t start_ns, uint64_t end_ns)
{
    proto_begin(buf, PROTO_SCRIPT_SPAN);
    proto_put_u64(buf, start_ns);
    proto_put_u64(buf, end_ns);
}

int proto_decode_script_span(const void *payload, size_t len, uint64_t *start_ns,
                             uint64_t *end_ns)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u64(&r, start_ns) < 0 || proto_get_u64(&r, end_ns) < 0 ||
        (*end_ns && *end_ns < *start_ns))
        return -EBADMSG;
    return proto_get_end(&r);
}
