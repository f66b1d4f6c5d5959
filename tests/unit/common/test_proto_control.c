/* The session-control and daemon-control decoders accept exactly what the
 * builders produce and reject truncations, extensions, zero ids and
 * out-of-range kinds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "harness.h"

static const uint8_t *payload(const struct proto_buf *buf, size_t *len)
{
    *len = buf->wire.len - PROTO_HEADER_SIZE;
    return buf->wire.data + PROTO_HEADER_SIZE;
}

static void build_info(struct proto_buf *b, uint32_t id, uint32_t kind, const char *command)
{
    proto_begin(b, PROTO_SESSION_INFO);
    proto_put_u32(b, id);
    proto_put_u32(b, 1000);
    proto_put_i32(b, 4321);
    proto_put_u32(b, 250);
    proto_put_u32(b, kind);
    proto_put_u64(b, 2500000000u);
    proto_put_u64(b, 625);
    proto_put_u32(b, 2);
    proto_put_str(b, command);
    proto_finish(b);
}

/* Every strict prefix of a valid payload, and the payload plus one byte,
 * must be refused by decode. */
typedef int (*decode_fn)(const uint8_t *p, size_t len);

static int refuses_every_truncation(const uint8_t *p, size_t len, decode_fn decode)
{
    uint8_t *copy = malloc(len + 1);
    int ok = 1;
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(copy, p, cut);
        if (decode(copy, cut) != -EBADMSG)
            ok = 0;
    }
    memcpy(copy, p, len);
    copy[len] = 0;
    if (decode(copy, len + 1) != -EBADMSG)
        ok = 0;
    free(copy);
    return ok;
}

static int decode_info(const uint8_t *p, size_t len)
{
    struct proto_session_info info;
    return proto_decode_session_info(p, len, &info);
}

static int decode_state(const uint8_t *p, size_t len)
{
    struct proto_daemon_state st;
    return proto_decode_daemon_state(p, len, &st);
}

static void test_session_info(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    build_info(&b, 7, PROTO_KIND_ATTACH, "python3 loop.py --n 3");
    size_t len;
    const uint8_t *p = payload(&b, &len);
    struct proto_session_info info;
    CHECK_EQ_INT(proto_decode_session_info(p, len, &info), 0);
    CHECK_EQ_INT(info.session_id, 7);
    CHECK_EQ_INT(info.owner_uid, 1000);
    CHECK_EQ_INT(info.pid, 4321);
    CHECK_EQ_INT(info.rate_hz, 250);
    CHECK_EQ_INT(info.kind, PROTO_KIND_ATTACH);
    CHECK_EQ_INT(info.elapsed_ns, 2500000000u);
    CHECK_EQ_INT(info.ticks, 625);
    CHECK_EQ_INT(info.watchers, 2);
    CHECK_EQ_STR(info.command, "python3 loop.py --n 3");
    CHECK(refuses_every_truncation(p, len, decode_info));
    /* Session 0 and unknown kinds do not exist. */
    build_info(&b, 0, PROTO_KIND_PROFILE, "x");
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_session_info(p, len, &info), -EBADMSG);
    build_info(&b, 1, 3, "x");
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_session_info(p, len, &info), -EBADMSG);
    /* An unterminated command is refused. */
    build_info(&b, 1, PROTO_KIND_PROFILE, "abc");
    p = payload(&b, &len);
    uint8_t *copy = malloc(len);
    memcpy(copy, p, len);
    copy[len - 1] = 'x';
    CHECK_EQ_INT(proto_decode_session_info(copy, len, &info), -EBADMSG);
    free(copy);
    proto_buf_free(&b);
}

static void test_daemon_state(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    proto_begin(&b, PROTO_DAEMON_STATE);
    proto_put_i32(&b, 99);
    proto_put_u32(&b, 0);
    proto_put_u64(&b, 123);
    proto_put_u32(&b, 2);
    proto_put_u32(&b, 64);
    proto_put_u32(&b, 10000);
    proto_put_u32(&b, 60);
    proto_put_str(&b, "/tmp/fah/d.sock");
    proto_put_str(&b, "");
    proto_finish(&b);
    size_t len;
    const uint8_t *p = payload(&b, &len);
    struct proto_daemon_state st;
    CHECK_EQ_INT(proto_decode_daemon_state(p, len, &st), 0);
    CHECK_EQ_INT(st.pid, 99);
    CHECK_EQ_INT(st.sessions, 2);
    CHECK_EQ_INT(st.max_sessions, 64);
    CHECK_EQ_INT(st.max_rate_hz, 10000);
    CHECK_EQ_INT(st.idle_timeout_s, 60);
    CHECK_EQ_STR(st.socket_path, "/tmp/fah/d.sock");
    CHECK_EQ_STR(st.config_path, "");
    CHECK(refuses_every_truncation(p, len, decode_state));
    proto_buf_free(&b);
}

static void test_small_requests(void)
{
    uint8_t four[4] = {5, 0, 0, 0}, zero[4] = {0};
    uint32_t v;
    CHECK_EQ_INT(proto_decode_session_id(four, 4, &v), 0);
    CHECK_EQ_INT(v, 5);
    CHECK_EQ_INT(proto_decode_session_id(zero, 4, &v), -EBADMSG);
    CHECK_EQ_INT(proto_decode_session_id(four, 3, &v), -EBADMSG);
    CHECK_EQ_INT(proto_decode_list_end(four, 4, &v), 0);
    CHECK_EQ_INT(proto_decode_list_end(four, 5, &v), -EBADMSG);
    CHECK_EQ_INT(proto_decode_empty(NULL, 0), 0);
    CHECK_EQ_INT(proto_decode_empty(four, 1), -EBADMSG);
}

int main(void)
{
    test_session_info();
    test_daemon_state();
    test_small_requests();
    return test_finish("test_proto_control");
}
