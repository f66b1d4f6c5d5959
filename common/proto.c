/* The payload primitives of the protocol (see proto.h): building a message
 * field by field, and reading one back with every length checked. The
 * messages themselves are in proto_session.c, proto_heap.c and
 * proto_control.c, each encoder beside its decoder. */
#include "common/proto.h"

#include <errno.h>
#include <string.h>

void proto_buf_init(struct proto_buf *buf)
{
    buf_init(&buf->wire);
    buf->failed = 0;
}

void proto_buf_free(struct proto_buf *buf)
{
    buf_free(&buf->wire);
    buf->failed = 0;
}

static void put_bytes(struct proto_buf *buf, const void *bytes, size_t n)
{
    if (!buf->failed && buf_append(&buf->wire, bytes, n) < 0)
        buf->failed = 1;
}

void proto_begin(struct proto_buf *buf, uint32_t type)
{
    buf->wire.len = 0;
    buf->failed = 0;
    uint32_t header[2] = {type, 0};
    put_bytes(buf, header, sizeof(header));
}

void proto_put_u32(struct proto_buf *buf, uint32_t value)
{
    put_bytes(buf, &value, sizeof(value));
}

void proto_put_i32(struct proto_buf *buf, int32_t value)
{
    put_bytes(buf, &value, sizeof(value));
}

void proto_put_u64(struct proto_buf *buf, uint64_t value)
{
    put_bytes(buf, &value, sizeof(value));
}

void proto_put_str(struct proto_buf *buf, const char *text)
{
    size_t n = text ? strnlen(text, PROTO_MAX_STRING - 1) : 0;
    if (n)
        put_bytes(buf, text, n);
    put_bytes(buf, "", 1);
}

void proto_put_frames(struct proto_buf *buf, const struct proto_frame *frames, uint32_t n)
{
    if (n > PROTO_MAX_FRAMES)
        n = PROTO_MAX_FRAMES;
    proto_put_u32(buf, n);
    /* Laid out first and appended at once: a field at a time was most of
     * what a sample's encoding cost the daemon at every tick. */
    uint8_t wire[PROTO_MAX_FRAMES * 8];
    for (uint32_t i = 0; i < n; i++) {
        memcpy(wire + 8 * i, &frames[i].code_id, 4);
        memcpy(wire + 8 * i + 4, &frames[i].line, 4);
    }
    put_bytes(buf, wire, 8 * (size_t)n);
}

int proto_finish(struct proto_buf *buf)
{
    if (buf->failed || buf->wire.len < PROTO_HEADER_SIZE)
        return -ENOMEM;
    size_t payload = buf->wire.len - PROTO_HEADER_SIZE;
    if (payload > PROTO_MAX_PAYLOAD)
        return -EMSGSIZE;
    uint32_t length = (uint32_t)payload;
    memcpy(buf->wire.data + 4, &length, sizeof(length));
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
    const uint8_t *nul = room ? memchr(start, 0, room) : NULL;
    if (!nul)
        return -EBADMSG;
    *text = (const char *)start;
    r->pos += (size_t)(nul - start) + 1;
    return 0;
}

int proto_get_frames(struct proto_reader *r, struct proto_frame *frames, uint32_t *n)
{
    if (proto_get_u32(r, n) < 0 || *n > PROTO_MAX_FRAMES)
        return -EBADMSG;
    for (uint32_t i = 0; i < *n; i++)
        if (proto_get_u32(r, &frames[i].code_id) < 0 || proto_get_i32(r, &frames[i].line) < 0)
            return -EBADMSG;
    return 0;
}

int proto_get_end(const struct proto_reader *r)
{
    return r->pos == r->len ? 0 : -EBADMSG;
}
