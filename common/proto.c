/* Building and decoding protocol payloads (see proto.h). The decoders are
 * the only code that touches bytes from a peer: each checks every length
 * and string before a handler sees anything. */
#include "common/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void proto_buf_init(struct proto_buf *buf)
{
    memset(buf, 0, sizeof(*buf));
}

void proto_buf_free(struct proto_buf *buf)
{
    free(buf->data);
    proto_buf_init(buf);
}

static void buf_append(struct proto_buf *buf, const void *bytes, size_t n)
{
    if (buf->failed)
        return;
    if (buf->len + n > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + n)
            cap *= 2;
        uint8_t *grown = realloc(buf->data, cap);
        if (!grown) {
            buf->failed = 1;
            return;
        }
        buf->data = grown;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, bytes, n);
    buf->len += n;
}

void proto_begin(struct proto_buf *buf, uint32_t type)
{
    buf->len = 0;
    buf->failed = 0;
    uint32_t header[2] = {type, 0};
    buf_append(buf, header, sizeof(header));
}

void proto_put_u32(struct proto_buf *buf, uint32_t value)
{
    buf_append(buf, &value, sizeof(value));
}

void proto_put_i32(struct proto_buf *buf, int32_t value)
{
    buf_append(buf, &value, sizeof(value));
}

void proto_put_u64(struct proto_buf *buf, uint64_t value)
{
    buf_append(buf, &value, sizeof(value));
}

void proto_put_str(struct proto_buf *buf, const char *text)
{
    size_t n = text ? strnlen(text, PROTO_MAX_STRING - 1) : 0;
    if (n)
        buf_append(buf, text, n);
    buf_append(buf, "", 1);
}

int proto_finish(struct proto_buf *buf)
{
    if (buf->failed)
        return -ENOMEM;
    size_t payload = buf->len - PROTO_HEADER_SIZE;
    if (payload > PROTO_MAX_PAYLOAD)
        return -EMSGSIZE;
    uint32_t length = (uint32_t)payload;
    memcpy(buf->data + 4, &length, sizeof(length));
    return 0;
}

void proto_reader_init(struct proto_reader *r, const void *payload, size_t len)
{
    r->data = payload;
    r->len = payload ? len : 0;
    r->pos = 0;
}

static int get_bytes(struct proto_reader *r, void *out, size_t n)
{
    if (r->len - r->pos < n)
        return -EBADMSG;
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return 0;
}

int proto_get_u32(struct proto_reader *r, uint32_t *value)
{
    return get_bytes(r, value, sizeof(*value));
}

int proto_get_i32(struct proto_reader *r, int32_t *value)
{
    return get_bytes(r, value, sizeof(*value));
}

int proto_get_u64(struct proto_reader *r, uint64_t *value)
{
    return get_bytes(r, value, sizeof(*value));
}

int proto_get_str(struct proto_reader *r, const char **text)
{
    size_t room = r->len - r->pos;
    if (room > PROTO_MAX_STRING)
        room = PROTO_MAX_STRING;
    const uint8_t *start = r->data + r->pos;
    const uint8_t *nul = memchr(start, 0, room);
    if (!nul)
        return -EBADMSG;
    *text = (const char *)start;
    r->pos += (size_t)(nul - start) + 1;
    return 0;
}

int proto_get_end(const struct proto_reader *r)
{
    return r->pos == r->len ? 0 : -EBADMSG;
}

/* Decoders chain gets with `||`-style early exit: any failure is -EBADMSG. */
#define GET(call)                                                              \
    do {                                                                       \
        if ((call) < 0)                                                        \
            return -EBADMSG;                                                   \
    } while (0)

int proto_decode_hello(const void *payload, size_t len, uint32_t *version)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, version));
    return proto_get_end(&r);
}

int proto_decode_hello_ok(const void *payload, size_t len, uint32_t *version, int32_t *pid)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, version));
    GET(proto_get_i32(&r, pid));
    return proto_get_end(&r);
}

int proto_decode_error(const void *payload, size_t len, const char **message)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_str(&r, message));
    return proto_get_end(&r);
}

int proto_decode_profile(const void *payload, size_t len, struct proto_profile *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_i32(&r, &out->pid));
    GET(proto_get_u32(&r, &out->rate_hz));
    GET(proto_get_u32(&r, &out->flags));
    GET(proto_get_u32(&r, &out->offsets_pref));
    GET(proto_get_str(&r, &out->debug_dirs));
    if (out->pid <= 0 || out->rate_hz == 0 || (out->flags & ~PROTO_FLAGS_KNOWN) ||
        out->offsets_pref > 3)
        return -EBADMSG;
    return proto_get_end(&r);
}

int proto_decode_session_started(const void *payload, size_t len, uint32_t *session_id)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, session_id));
    return proto_get_end(&r);
}

int proto_decode_target(const void *payload, size_t len, struct proto_target *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, &out->version_hex));
    GET(proto_get_u32(&r, &out->source));
    GET(proto_get_u64(&r, &out->runtime_addr));
    GET(proto_get_str(&r, &out->version));
    GET(proto_get_str(&r, &out->binary));
    return proto_get_end(&r);
}

int proto_decode_code(const void *payload, size_t len, struct proto_code *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, &out->code_id));
    GET(proto_get_i32(&r, &out->firstlineno));
    GET(proto_get_str(&r, &out->file));
    GET(proto_get_str(&r, &out->qualname));
    return proto_get_end(&r);
}

int proto_decode_thread(const void *payload, size_t len, uint32_t *tid, const char **name)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, tid));
    GET(proto_get_str(&r, name));
    return proto_get_end(&r);
}

int proto_decode_sample(const void *payload, size_t len, struct proto_sample *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u64(&r, &out->time_ns));
    GET(proto_get_u32(&r, &out->tid));
    GET(proto_get_u32(&r, &out->flags));
    GET(proto_get_u32(&r, &out->unplaced));
    if (out->unplaced > PROTO_UNPLACED_MAX)
        return -EBADMSG;
    GET(proto_get_u64(&r, &out->python_ns));
    GET(proto_get_u64(&r, &out->native_ns));
    GET(proto_get_u64(&r, &out->system_ns));
    GET(proto_get_u64(&r, &out->idle_ns));
    GET(proto_get_u32(&r, &out->nframes));
    if (out->nframes > PROTO_MAX_FRAMES)
        return -EBADMSG;
    for (uint32_t i = 0; i < out->nframes; i++) {
        GET(proto_get_u32(&r, &out->frames[i].code_id));
        GET(proto_get_i32(&r, &out->frames[i].line));
    }
    return proto_get_end(&r);
}

int proto_decode_end(const void *payload, size_t len, struct proto_end *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, &out->reason));
    GET(proto_get_u64(&r, &out->ticks));
    GET(proto_get_u64(&r, &out->errors));
    GET(proto_get_str(&r, &out->detail));
    if (out->reason < PROTO_END_EXITED || out->reason > PROTO_END_FAILED)
        return -EBADMSG;
    return proto_get_end(&r);
}

int proto_decode_session_info(const void *payload, size_t len, struct proto_session_info *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, &out->session_id));
    GET(proto_get_u32(&r, &out->owner_uid));
    GET(proto_get_i32(&r, &out->pid));
    GET(proto_get_u32(&r, &out->rate_hz));
    GET(proto_get_u32(&r, &out->kind));
    GET(proto_get_u64(&r, &out->elapsed_ns));
    GET(proto_get_u64(&r, &out->ticks));
    GET(proto_get_u32(&r, &out->watchers));
    GET(proto_get_str(&r, &out->command));
    if (out->session_id == 0 || out->pid <= 0 || out->kind < PROTO_KIND_PROFILE ||
        out->kind > PROTO_KIND_ATTACH)
        return -EBADMSG;
    return proto_get_end(&r);
}

int proto_decode_list_end(const void *payload, size_t len, uint32_t *count)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, count));
    return proto_get_end(&r);
}

int proto_decode_session_id(const void *payload, size_t len, uint32_t *session_id)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_u32(&r, session_id));
    if (*session_id == 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

int proto_decode_daemon_state(const void *payload, size_t len, struct proto_daemon_state *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    GET(proto_get_i32(&r, &out->pid));
    GET(proto_get_u32(&r, &out->uid));
    GET(proto_get_u64(&r, &out->uptime_ns));
    GET(proto_get_u32(&r, &out->sessions));
    GET(proto_get_u32(&r, &out->max_sessions));
    GET(proto_get_u32(&r, &out->max_rate_hz));
    GET(proto_get_u32(&r, &out->idle_timeout_s));
    GET(proto_get_str(&r, &out->socket_path));
    GET(proto_get_str(&r, &out->config_path));
    if (out->pid <= 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

int proto_decode_empty(const void *payload, size_t len)
{
    (void)payload;
    return len == 0 ? 0 : -EBADMSG;
}
