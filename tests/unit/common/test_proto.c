/* The protocol decoders accept exactly what the builders produce and
 * reject every truncation, extension and unterminated string. */
#include <errno.h>
#include <stdlib.h>

#include "common/proto.h"
#include "harness.h"

/* The payload of the message in buf (after the header). */
static const uint8_t *payload(const struct proto_buf *buf, size_t *len)
{
    *len = buf->wire.len - PROTO_HEADER_SIZE;
    return buf->wire.data + PROTO_HEADER_SIZE;
}

static void build_sample_flags(struct proto_buf *b, uint32_t nframes, uint32_t unplaced,
                               uint32_t flags)
{
    proto_begin(b, PROTO_SAMPLE);
    proto_put_u64(b, 123456789);
    proto_put_u32(b, 4242);
    proto_put_i32(b, 4200);
    proto_put_u32(b, flags);
    proto_put_u32(b, unplaced);
    proto_put_u64(b, 1);
    proto_put_u64(b, 2);
    proto_put_u64(b, 3);
    proto_put_u64(b, 4);
    proto_put_u64(b, 5);
    proto_put_u64(b, 6);
    proto_put_u64(b, 7);
    proto_put_u32(b, nframes);
    for (uint32_t i = 0; i < nframes; i++) {
        proto_put_u32(b, i * 10);
        proto_put_i32(b, (int32_t)i - 1);
    }
    proto_finish(b);
}

static void build_sample_unplaced(struct proto_buf *b, uint32_t nframes, uint32_t unplaced)
{
    build_sample_flags(b, nframes, unplaced, PROTO_SAMPLE_TRUNCATED);
}

static void build_sample(struct proto_buf *b, uint32_t nframes)
{
    build_sample_unplaced(b, nframes, PROTO_PLACED);
}

static void test_sample_round_trip(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    build_sample(&b, 3);
    size_t len;
    const uint8_t *p = payload(&b, &len);
    struct proto_sample *s = calloc(1, sizeof(*s));
    CHECK_EQ_INT(proto_decode_sample(p, len, s), 0);
    CHECK_EQ_INT(s->time_ns, 123456789);
    CHECK_EQ_INT(s->tid, 4242);
    CHECK_EQ_INT(s->pid, 4200);
    CHECK_EQ_INT(s->flags, PROTO_SAMPLE_TRUNCATED);
    CHECK_EQ_INT(s->unplaced, PROTO_PLACED);
    CHECK_EQ_INT(s->python_ns + s->native_ns + s->system_ns + s->idle_ns, 10);
    CHECK_EQ_INT(s->gil_wait_ns, 5);
    CHECK_EQ_INT(s->cpu_ns, 6);
    CHECK_EQ_INT(s->wall_ns, 7);
    CHECK_EQ_INT(s->nframes, 3);
    CHECK_EQ_INT(s->frames[2].code_id, 20);
    CHECK_EQ_INT(s->frames[0].line, -1);
    /* Every truncation is refused, and so is one byte too many. */
    for (size_t cut = 0; cut < len; cut++)
        CHECK_EQ_INT(proto_decode_sample(p, cut, s), -EBADMSG);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, p, len);
    longer[len] = 0;
    CHECK_EQ_INT(proto_decode_sample(longer, len + 1, s), -EBADMSG);
    free(longer);
    free(s);
    proto_buf_free(&b);
}

/* The GIL and carried flags pass; a flag the protocol does not know is
 * refused. */
static void test_sample_flags(void)
{
    struct proto_sample *s = calloc(1, sizeof(*s));
    struct proto_buf b;
    size_t len;
    proto_buf_init(&b);
    build_sample_flags(&b, 1, PROTO_PLACED, PROTO_SAMPLE_GIL | PROTO_SAMPLE_CARRIED);
    const uint8_t *p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_sample(p, len, s), 0);
    CHECK_EQ_INT(s->flags, PROTO_SAMPLE_GIL | PROTO_SAMPLE_CARRIED);
    build_sample_flags(&b, 1, PROTO_PLACED, PROTO_SAMPLE_GIL | PROTO_SAMPLE_NOT_READ);
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_sample(p, len, s), 0);
    CHECK_EQ_INT(s->flags, PROTO_SAMPLE_GIL | PROTO_SAMPLE_NOT_READ);
    build_sample_flags(&b, 1, PROTO_PLACED, PROTO_SAMPLE_NOT_READ << 1);
    p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_sample(p, len, s), -EBADMSG);
    proto_buf_free(&b);
    free(s);
}

/* Every reason survives the trip; one past the last is refused. */
static void test_sample_unplaced_reasons(void)
{
    struct proto_sample *s = calloc(1, sizeof(*s));
    for (uint32_t reason = 0; reason <= PROTO_UNPLACED_MAX + 1; reason++) {
        struct proto_buf b;
        proto_buf_init(&b);
        build_sample_unplaced(&b, 0, reason);
        size_t len;
        const uint8_t *p = payload(&b, &len);
        if (reason <= PROTO_UNPLACED_MAX) {
            CHECK_EQ_INT(proto_decode_sample(p, len, s), 0);
            CHECK_EQ_INT(s->unplaced, reason);
            CHECK_EQ_INT(s->nframes, 0);
        } else {
            CHECK_EQ_INT(proto_decode_sample(p, len, s), -EBADMSG);
        }
        proto_buf_free(&b);
    }
    free(s);
}

static void test_too_many_frames_refused(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    build_sample(&b, PROTO_MAX_FRAMES + 1);
    size_t len;
    const uint8_t *p = payload(&b, &len);
    struct proto_sample *s = calloc(1, sizeof(*s));
    CHECK_EQ_INT(proto_decode_sample(p, len, s), -EBADMSG);
    free(s);
    proto_buf_free(&b);
}

static void test_strings_must_end_inside(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    proto_begin(&b, PROTO_CODE);
    proto_put_u32(&b, 7);
    proto_put_i32(&b, 12);
    proto_put_u32(&b, 0);
    proto_put_str(&b, "/tmp/données.py");
    proto_put_str(&b, "Outer.inner");
    proto_finish(&b);
    size_t len;
    const uint8_t *p = payload(&b, &len);
    struct proto_code c;
    CHECK_EQ_INT(proto_decode_code(p, len, &c), 0);
    CHECK_EQ_STR(c.file, "/tmp/données.py");
    CHECK_EQ_STR(c.qualname, "Outer.inner");
    CHECK_EQ_INT(c.firstlineno, 12);
    /* Dropping the final NUL leaves a string that runs off the end. */
    CHECK_EQ_INT(proto_decode_code(p, len - 1, &c), -EBADMSG);
    proto_buf_free(&b);
}

static void test_profile_request_checked(void)
{
    struct proto_buf b;
    proto_buf_init(&b);
    struct proto_profile req;
    size_t len;
    const uint32_t flags[] = {0, PROTO_FLAG_IDLE, 1u << 7};
    const int expect[] = {0, 0, -EBADMSG};
    for (int i = 0; i < 3; i++) {
        proto_begin(&b, PROTO_PROFILE);
        proto_put_i32(&b, 1234);
        proto_put_u32(&b, 100);
        proto_put_u32(&b, flags[i]);
        proto_put_u32(&b, 0);
        proto_put_str(&b, "");
        proto_put_str(&b, "");
        proto_finish(&b);
        const uint8_t *p = payload(&b, &len);
        CHECK_EQ_INT(proto_decode_profile(p, len, &req), expect[i]);
    }
    /* A zero rate or a non-positive pid is not a request. */
    proto_begin(&b, PROTO_PROFILE);
    proto_put_i32(&b, -1);
    proto_put_u32(&b, 0);
    proto_put_u32(&b, 0);
    proto_put_u32(&b, 0);
    proto_put_str(&b, "");
    proto_put_str(&b, "");
    proto_finish(&b);
    const uint8_t *p = payload(&b, &len);
    CHECK_EQ_INT(proto_decode_profile(p, len, &req), -EBADMSG);
    proto_buf_free(&b);
}

/* Random bytes never crash a decoder (the sanitizer build watches). */
static void test_garbage_never_crashes(void)
{
    uint8_t junk[512];
    struct proto_sample *s = calloc(1, sizeof(*s));
    struct proto_code c;
    struct proto_end e;
    struct proto_profile req;
    struct proto_target t;
    srand(7);
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand() % (int)sizeof(junk));
        for (size_t i = 0; i < len; i++)
            junk[i] = (uint8_t)rand();
        accepted += proto_decode_sample(junk, len, s) == 0;
        accepted += proto_decode_code(junk, len, &c) == 0;
        accepted += proto_decode_end(junk, len, &e) == 0;
        accepted += proto_decode_profile(junk, len, &req) == 0;
        accepted += proto_decode_target(junk, len, &t) == 0;
    }
    CHECK(accepted < 100); /* random bytes are almost never well formed */
    free(s);
}

int main(void)
{
    test_sample_round_trip();
    test_sample_flags();
    test_sample_unplaced_reasons();
    test_too_many_frames_refused();
    test_strings_must_end_inside();
    test_profile_request_checked();
    test_garbage_never_crashes();
    return test_finish("test_proto");
}
