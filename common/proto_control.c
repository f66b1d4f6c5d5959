/* Session and daemon control (proto.h ranges 140-199 and 200-219): each
 * message's encoder beside its decoder. */
#include <errno.h>

#include "common/proto.h"

void proto_encode_session_info(struct proto_buf *buf, const struct proto_session_info *info)
{
    proto_begin(buf, PROTO_SESSION_INFO);
    proto_put_u32(buf, info->session_id);
    proto_put_u32(buf, info->owner_uid);
    proto_put_i32(buf, info->pid);
    proto_put_u32(buf, info->rate_hz);
    proto_put_u32(buf, info->kind);
    proto_put_u64(buf, info->elapsed_ns);
    proto_put_u64(buf, info->ticks);
    proto_put_u32(buf, info->watchers);
    proto_put_str(buf, info->command);
}

int proto_decode_session_info(const void *payload, size_t len, struct proto_session_info *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, &out->session_id) < 0 || proto_get_u32(&r, &out->owner_uid) < 0 ||
        proto_get_i32(&r, &out->pid) < 0 || proto_get_u32(&r, &out->rate_hz) < 0 ||
        proto_get_u32(&r, &out->kind) < 0 || proto_get_u64(&r, &out->elapsed_ns) < 0 ||
        proto_get_u64(&r, &out->ticks) < 0 || proto_get_u32(&r, &out->watchers) < 0 ||
        proto_get_str(&r, &out->command) < 0)
        return -EBADMSG;
    if (out->session_id == 0 || out->pid <= 0 || out->kind < PROTO_KIND_PROFILE ||
        out->kind > PROTO_KIND_ATTACH)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_list_end(struct proto_buf *buf, uint32_t count)
{
    proto_begin(buf, PROTO_LIST_END);
    proto_put_u32(buf, count);
}

int proto_decode_list_end(const void *payload, size_t len, uint32_t *count)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, count) < 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_session_id(struct proto_buf *buf, uint32_t type, uint32_t session_id)
{
    proto_begin(buf, type);
    proto_put_u32(buf, session_id);
}

int proto_decode_session_id(const void *payload, size_t len, uint32_t *session_id)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_u32(&r, session_id) < 0 || *session_id == 0)
        return -EBADMSG;
    return proto_get_end(&r);
}

void proto_encode_daemon_state(struct proto_buf *buf, const struct proto_daemon_state *st)
{
    proto_begin(buf, PROTO_DAEMON_STATE);
    proto_put_i32(buf, st->pid);
    proto_put_u32(buf, st->uid);
    proto_put_u64(buf, st->uptime_ns);
    proto_put_u32(buf, st->sessions);
    proto_put_u32(buf, st->max_sessions);
    proto_put_u32(buf, st->max_rate_hz);
    proto_put_u32(buf, st->idle_timeout_s);
    proto_put_str(buf, st->socket_path);
    proto_put_str(buf, st->config_path);
}

int proto_decode_daemon_state(const void *payload, size_t len, struct proto_daemon_state *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_i32(&r, &out->pid) < 0 || proto_get_u32(&r, &out->uid) < 0 ||
        proto_get_u64(&r, &out->uptime_ns) < 0 || proto_get_u32(&r, &out->sessions) < 0 ||
        proto_get_u32(&r, &out->max_sessions) < 0 || proto_get_u32(&r, &out->max_rate_hz) < 0 ||
        proto_get_u32(&r, &out->idle_timeout_s) < 0 ||
        proto_get_str(&r, &out->socket_path) < 0 || proto_get_str(&r, &out->config_path) < 0)
        return -EBADMSG;
    if (out->pid <= 0)
        return -EBADMSG;
    return proto_get_end(&r);
}
