/* Every message type goes through its real encoder and its real decoder
 * and comes back field for field; the header carries the type and the
 * payload length; and the payload cut by one byte is refused. A type
 * missing here fails the test (see all_types). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "harness.h"

/* Every type of proto.h: a new one must be added here and round-tripped. */
static const uint32_t all_types[] = {
    PROTO_HELLO, PROTO_HELLO_OK, PROTO_ERROR, PROTO_PROFILE, PROTO_SESSION_STARTED,
    PROTO_TARGET, PROTO_CODE, PROTO_THREAD, PROTO_SAMPLE, PROTO_SESSION_END, PROTO_STOP,
    PROTO_SCRIPT_SPAN, PROTO_PROCESS,
    PROTO_RSS, PROTO_HEAP, PROTO_HEAP_FREE, PROTO_HEAP_STATS, PROTO_ATTACH, PROTO_LIST,
    PROTO_SESSION_INFO, PROTO_LIST_END, PROTO_WATCH, PROTO_STOP_SESSION, PROTO_DONE,
    PROTO_DAEMON_STATUS, PROTO_DAEMON_STATE, PROTO_SHUTDOWN,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))
static int tripped[NTYPES];

static struct proto_buf buf;
static const uint8_t *payload;
static size_t payload_len;

/* Finishes the encoded message, checks its header, and marks its type. */
static void finish(uint32_t type)
{
    CHECK_EQ_INT(proto_finish(&buf), 0);
    uint32_t header[2];
    memcpy(header, buf.wire.data, sizeof(header));
    CHECK_EQ_INT(header[0], type);
    CHECK_EQ_INT(header[1], buf.wire.len - PROTO_HEADER_SIZE);
    payload = buf.wire.data + PROTO_HEADER_SIZE;
    payload_len = buf.wire.len - PROTO_HEADER_SIZE;
    for (size_t i = 0; i < NTYPES; i++)
        if (all_types[i] == type)
            tripped[i] = 1;
}

/* The payload minus its last byte: what every decoder must refuse. */
#define SHORT payload, payload_len - 1

static void test_handshake(void)
{
    uint32_t version;
    int32_t pid;
    const char *text;
    proto_encode_hello(&buf, PROTO_VERSION);
    finish(PROTO_HELLO);
    CHECK_EQ_INT(proto_decode_hello(payload, payload_len, &version), 0);
    CHECK_EQ_INT(version, PROTO_VERSION);
    CHECK_EQ_INT(proto_decode_hello(SHORT, &version), -EBADMSG);

    proto_encode_hello_ok(&buf, PROTO_VERSION, 4321);
    finish(PROTO_HELLO_OK);
    CHECK_EQ_INT(proto_decode_hello_ok(payload, payload_len, &version, &pid), 0);
    CHECK_EQ_INT(version, PROTO_VERSION);
    CHECK_EQ_INT(pid, 4321);
    CHECK_EQ_INT(proto_decode_hello_ok(SHORT, &version, &pid), -EBADMSG);

    proto_encode_error(&buf, "protocol: expected HELLO");
    finish(PROTO_ERROR);
    CHECK_EQ_INT(proto_decode_error(payload, payload_len, &text), 0);
    CHECK_EQ_STR(text, "protocol: expected HELLO");
    CHECK_EQ_INT(proto_decode_error(SHORT, &text), -EBADMSG);
}

static void test_requests(void)
{
    const uint32_t types[] = {PROTO_PROFILE, PROTO_ATTACH};
    for (int i = 0; i < 2; i++) {
        struct proto_profile in = {.pid = 99 + i, .rate_hz = 250, .flags = PROTO_FLAGS_KNOWN,
                                   .offsets_pref = 2, .debug_dirs = "/usr/lib/debug:/opt/dbg",
                                   .end_mark = "/tmp/fixingahole-end-x1"};
        struct proto_profile out;
        proto_encode_profile(&buf, types[i], &in);
        finish(types[i]);
        CHECK_EQ_INT(proto_decode_profile(payload, payload_len, &out), 0);
        CHECK_EQ_INT(out.pid, 99 + i);
        CHECK_EQ_INT(out.rate_hz, 250);
        CHECK_EQ_INT(out.flags, PROTO_FLAGS_KNOWN);
        CHECK_EQ_INT(out.offsets_pref, 2);
        CHECK_EQ_STR(out.debug_dirs, "/usr/lib/debug:/opt/dbg");
        CHECK_EQ_STR(out.end_mark, "/tmp/fixingahole-end-x1");
        CHECK_EQ_INT(proto_decode_profile(SHORT, &out), -EBADMSG);
    }
    /* NULL is sent as "". */
    struct proto_profile bare = {.pid = 1, .rate_hz = 1}, out;
    proto_encode_profile(&buf, PROTO_PROFILE, &bare);
    finish(PROTO_PROFILE);
    CHECK_EQ_INT(proto_decode_profile(payload, payload_len, &out), 0);
    CHECK_EQ_STR(out.debug_dirs, "");
    CHECK_EQ_STR(out.end_mark, "");

    const uint32_t empties[] = {PROTO_STOP, PROTO_LIST, PROTO_DONE, PROTO_DAEMON_STATUS,
                                PROTO_SHUTDOWN};
    for (int i = 0; i < 5; i++) {
        proto_encode_empty(&buf, empties[i]);
        finish(empties[i]);
        CHECK_EQ_INT(payload_len, 0);
        CHECK_EQ_INT(proto_decode_empty(payload, payload_len), 0);
    }

    const uint32_t by_id[] = {PROTO_WATCH, PROTO_STOP_SESSION};
    for (int i = 0; i < 2; i++) {
        uint32_t id;
        proto_encode_session_id(&buf, by_id[i], 17 + (uint32_t)i);
        finish(by_id[i]);
        CHECK_EQ_INT(proto_decode_session_id(payload, payload_len, &id), 0);
        CHECK_EQ_INT(id, 17 + (uint32_t)i);
        CHECK_EQ_INT(proto_decode_session_id(SHORT, &id), -EBADMSG);
    }
}

static void test_stream(void)
{
    uint32_t u;
    uint64_t origin = 0;
    const char *text;
    proto_encode_session_started(&buf, 12, 123456789012345ull);
    finish(PROTO_SESSION_STARTED);
    CHECK_EQ_INT(proto_decode_session_started(payload, payload_len, &u, &origin), 0);
    CHECK_EQ_INT(u, 12);
    CHECK(origin == 123456789012345ull);
    CHECK_EQ_INT(proto_decode_session_started(SHORT, &u, &origin), -EBADMSG);

    struct proto_target t = {.version_hex = 0x030b07f0, .source = 2,
                             .runtime_addr = 0x7f1234560000ull, .version = "3.11.7",
                             .binary = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"}, t2;
    proto_encode_target(&buf, &t);
    finish(PROTO_TARGET);
    CHECK_EQ_INT(proto_decode_target(payload, payload_len, &t2), 0);
    CHECK_EQ_INT(t2.version_hex, 0x030b07f0);
    CHECK_EQ_INT(t2.source, 2);
    CHECK(t2.runtime_addr == 0x7f1234560000ull);
    CHECK_EQ_STR(t2.version, "3.11.7");
    CHECK_EQ_STR(t2.binary, t.binary);
    CHECK_EQ_INT(proto_decode_target(SHORT, &t2), -EBADMSG);

    struct proto_code c = {.code_id = 5, .firstlineno = -3, .file = "/tmp/données.py",
                           .qualname = "Outer.inner.<locals>.f"}, c2;
    proto_encode_code(&buf, &c);
    finish(PROTO_CODE);
    CHECK_EQ_INT(proto_decode_code(payload, payload_len, &c2), 0);
    CHECK_EQ_INT(c2.code_id, 5);
    CHECK_EQ_INT(c2.firstlineno, -3);
    CHECK_EQ_INT(c2.flags, 0);
    /* A native function (--native): the flag travels, unknown bits do not. */
    struct proto_code native = {.code_id = 6, .flags = PROTO_CODE_NATIVE | (1u << 9),
                                .file = "/usr/lib/libopenblas.so.0", .qualname = "dgemm_"};
    proto_encode_code(&buf, &native);
    finish(PROTO_CODE);
    CHECK_EQ_INT(proto_decode_code(payload, payload_len, &c2), 0);
    CHECK_EQ_INT(c2.flags, PROTO_CODE_NATIVE);
    CHECK_EQ_STR(c2.qualname, "dgemm_");
    proto_encode_code(&buf, &c);
    finish(PROTO_CODE);
    CHECK_EQ_INT(proto_decode_code(payload, payload_len, &c2), 0);
    CHECK_EQ_STR(c2.file, c.file);
    CHECK_EQ_STR(c2.qualname, c.qualname);
    CHECK_EQ_INT(proto_decode_code(SHORT, &c2), -EBADMSG);

    proto_encode_thread(&buf, 4242, "MainThread");
    finish(PROTO_THREAD);
    CHECK_EQ_INT(proto_decode_thread(payload, payload_len, &u, &text), 0);
    CHECK_EQ_INT(u, 4242);
    CHECK_EQ_STR(text, "MainThread");
    CHECK_EQ_INT(proto_decode_thread(SHORT, &u, &text), -EBADMSG);

    struct proto_sample *s = calloc(1, sizeof(*s)), *s2 = calloc(1, sizeof(*s2));
    *s = (struct proto_sample){.time_ns = 1ull << 40, .tid = 7, .pid = 4100,
                               .flags = PROTO_SAMPLE_TRUNCATED | PROTO_SAMPLE_GIL |
                                        PROTO_SAMPLE_NOT_READ,
                               .python_ns = 1, .native_ns = 2, .system_ns = 3, .idle_ns = 4,
                               .gil_wait_ns = 5, .cpu_ns = 9, .wall_ns = 11,
                               .nframes = PROTO_MAX_FRAMES};
    for (uint32_t i = 0; i < PROTO_MAX_FRAMES; i++)
        s->frames[i] = (struct proto_frame){i * 3, (int32_t)i - 5};
    proto_encode_sample(&buf, s);
    finish(PROTO_SAMPLE);
    CHECK_EQ_INT(proto_decode_sample(payload, payload_len, s2), 0);
    CHECK(s2->time_ns == 1ull << 40 && s2->tid == 7 && s2->pid == 4100 &&
          s2->flags == (PROTO_SAMPLE_TRUNCATED | PROTO_SAMPLE_GIL | PROTO_SAMPLE_NOT_READ));
    CHECK(s2->python_ns == 1 && s2->native_ns == 2 && s2->system_ns == 3 && s2->idle_ns == 4);
    CHECK(s2->gil_wait_ns == 5 && s2->cpu_ns == 9 && s2->wall_ns == 11);
    CHECK_EQ_INT(s2->nframes, PROTO_MAX_FRAMES);
    CHECK(memcmp(s->frames, s2->frames, sizeof(s->frames)) == 0);
    CHECK_EQ_INT(proto_decode_sample(SHORT, s2), -EBADMSG);
    /* More frames than the protocol carries are cut, not sent whole. */
    s->nframes = PROTO_MAX_FRAMES + 50;
    proto_encode_sample(&buf, s);
    finish(PROTO_SAMPLE);
    CHECK_EQ_INT(proto_decode_sample(payload, payload_len, s2), 0);
    CHECK_EQ_INT(s2->nframes, PROTO_MAX_FRAMES);
    free(s);
    free(s2);

    struct proto_process pr = {.pid = 4100, .ppid = 4000, .flags = PROTO_PROCESS_PYTHON |
                               PROTO_PROCESS_EXITED, .start_ns = 5, .end_ns = 1ull << 33,
                               .cpu_ns = 77, .max_rss_bytes = 1ull << 30,
                               .command = "python3 child.py", .python = "3.12.1", .note = ""},
                        pr2;
    proto_encode_process(&buf, &pr);
    finish(PROTO_PROCESS);
    CHECK_EQ_INT(proto_decode_process(payload, payload_len, &pr2), 0);
    CHECK(pr2.pid == 4100 && pr2.ppid == 4000 && pr2.flags == pr.flags && pr2.start_ns == 5 &&
          pr2.end_ns == 1ull << 33 && pr2.cpu_ns == 77 && pr2.max_rss_bytes == 1ull << 30);
    CHECK_EQ_STR(pr2.command, "python3 child.py");
    CHECK_EQ_STR(pr2.python, "3.12.1");
    CHECK_EQ_STR(pr2.note, "");
    CHECK_EQ_INT(proto_decode_process(SHORT, &pr2), -EBADMSG);
    /* An end before the start is refused. */
    pr.start_ns = 10, pr.end_ns = 9;
    proto_encode_process(&buf, &pr);
    finish(PROTO_PROCESS);
    CHECK_EQ_INT(proto_decode_process(payload, payload_len, &pr2), -EBADMSG);

    struct proto_end e = {.reason = PROTO_END_FAILED, .ticks = 1000, .errors = 3,
                          .detail = "pid 12: no such process"}, e2;
    proto_encode_end(&buf, &e);
    finish(PROTO_SESSION_END);
    CHECK_EQ_INT(proto_decode_end(payload, payload_len, &e2), 0);
    CHECK(e2.reason == PROTO_END_FAILED && e2.ticks == 1000 && e2.errors == 3);
    CHECK_EQ_STR(e2.detail, e.detail);
    CHECK_EQ_INT(proto_decode_end(SHORT, &e2), -EBADMSG);

    uint64_t start_ns = 0, end_ns = 0;
    proto_encode_script_span(&buf, 200000000ull, 3000000123ull);
    finish(PROTO_SCRIPT_SPAN);
    CHECK_EQ_INT(proto_decode_script_span(payload, payload_len, &start_ns, &end_ns), 0);
    CHECK(start_ns == 200000000ull && end_ns == 3000000123ull);
    CHECK_EQ_INT(proto_decode_script_span(SHORT, &start_ns, &end_ns), -EBADMSG);
    proto_encode_script_span(&buf, 200000000ull, 0); /* started, never ended */
    finish(PROTO_SCRIPT_SPAN);
    CHECK_EQ_INT(proto_decode_script_span(payload, payload_len, &start_ns, &end_ns), 0);
    CHECK(start_ns == 200000000ull && end_ns == 0);
    proto_encode_script_span(&buf, 5, 4); /* an end before the start */
    finish(PROTO_SCRIPT_SPAN);
    CHECK_EQ_INT(proto_decode_script_span(payload, payload_len, &start_ns, &end_ns), -EBADMSG);
}

static void test_memory(void)
{
    struct proto_rss r = {.time_ns = 5, .rss_bytes = 300u << 20}, r2;
    proto_encode_rss(&buf, &r);
    finish(PROTO_RSS);
    CHECK_EQ_INT(proto_decode_rss(payload, payload_len, &r2), 0);
    CHECK(r2.time_ns == 5 && r2.rss_bytes == 300u << 20);
    CHECK_EQ_INT(proto_decode_rss(SHORT, &r2), -EBADMSG);

    struct proto_heap *h = calloc(1, sizeof(*h)), *h2 = calloc(1, sizeof(*h2));
    *h = (struct proto_heap){.time_ns = 9, .tid = 3, .kind = PROTO_HEAP_COPY,
                             .flags = PROTO_HEAPF_KNOWN | (1u << 30), .weight = 1u << 20,
                             .size = 4096, .addr = 0x55aa0000, .nframes = 2};
    h->frames[0] = (struct proto_frame){1, 10};
    h->frames[1] = (struct proto_frame){2, 20};
    proto_encode_heap(&buf, h);
    finish(PROTO_HEAP);
    CHECK_EQ_INT(proto_decode_heap(payload, payload_len, h2), 0);
    CHECK(h2->time_ns == 9 && h2->tid == 3 && h2->kind == PROTO_HEAP_COPY);
    CHECK_EQ_INT(h2->flags, PROTO_HEAPF_KNOWN); /* the unknown bit is left out */
    CHECK(h2->weight == 1u << 20 && h2->size == 4096 && h2->addr == 0x55aa0000);
    CHECK_EQ_INT(h2->nframes, 2);
    CHECK(h2->frames[1].code_id == 2 && h2->frames[1].line == 20);
    CHECK_EQ_INT(proto_decode_heap(SHORT, h2), -EBADMSG);
    free(h);
    free(h2);

    struct proto_heap_free f = {.time_ns = 11, .addr = 0x55aa0000}, f2;
    proto_encode_heap_free(&buf, &f);
    finish(PROTO_HEAP_FREE);
    CHECK_EQ_INT(proto_decode_heap_free(payload, payload_len, &f2), 0);
    CHECK(f2.time_ns == 11 && f2.addr == 0x55aa0000);
    CHECK_EQ_INT(proto_decode_heap_free(SHORT, &f2), -EBADMSG);

    struct proto_heap_stats st = {.samples = 100, .truncated = 4, .dropped = 2,
                                  .window = 1u << 20}, st2;
    proto_encode_heap_stats(&buf, &st);
    finish(PROTO_HEAP_STATS);
    CHECK_EQ_INT(proto_decode_heap_stats(payload, payload_len, &st2), 0);
    CHECK(st2.samples == 100 && st2.truncated == 4 && st2.dropped == 2 &&
          st2.window == 1u << 20);
    CHECK_EQ_INT(proto_decode_heap_stats(SHORT, &st2), -EBADMSG);
}

static void test_control(void)
{
    struct proto_session_info i = {.session_id = 3, .owner_uid = 1000, .pid = 777,
                                   .rate_hz = 100, .kind = PROTO_KIND_ATTACH,
                                   .elapsed_ns = 2500000000u, .ticks = 250, .watchers = 1,
                                   .command = "python3 train.py --epochs 3"}, i2;
    proto_encode_session_info(&buf, &i);
    finish(PROTO_SESSION_INFO);
    CHECK_EQ_INT(proto_decode_session_info(payload, payload_len, &i2), 0);
    CHECK(i2.session_id == 3 && i2.owner_uid == 1000 && i2.pid == 777 && i2.rate_hz == 100);
    CHECK(i2.kind == PROTO_KIND_ATTACH && i2.elapsed_ns == 2500000000u && i2.ticks == 250);
    CHECK_EQ_INT(i2.watchers, 1);
    CHECK_EQ_STR(i2.command, i.command);
    CHECK_EQ_INT(proto_decode_session_info(SHORT, &i2), -EBADMSG);

    uint32_t count;
    proto_encode_list_end(&buf, 4);
    finish(PROTO_LIST_END);
    CHECK_EQ_INT(proto_decode_list_end(payload, payload_len, &count), 0);
    CHECK_EQ_INT(count, 4);
    CHECK_EQ_INT(proto_decode_list_end(SHORT, &count), -EBADMSG);

    struct proto_daemon_state d = {.pid = 555, .uid = 1000, .uptime_ns = 1ull << 35,
                                   .sessions = 2, .max_sessions = 64,
                                   .max_rate_hz = PROTO_MAX_RATE_HZ, .idle_timeout_s = 60,
                                   .socket_path = "/run/user/1000/fixingahole/daemon.sock",
                                   .config_path = NULL}, d2;
    proto_encode_daemon_state(&buf, &d);
    finish(PROTO_DAEMON_STATE);
    CHECK_EQ_INT(proto_decode_daemon_state(payload, payload_len, &d2), 0);
    CHECK(d2.pid == 555 && d2.uid == 1000 && d2.uptime_ns == 1ull << 35 && d2.sessions == 2);
    CHECK(d2.max_sessions == 64 && d2.max_rate_hz == PROTO_MAX_RATE_HZ &&
          d2.idle_timeout_s == 60);
    CHECK_EQ_STR(d2.socket_path, d.socket_path);
    CHECK_EQ_STR(d2.config_path, "");
    CHECK_EQ_INT(proto_decode_daemon_state(SHORT, &d2), -EBADMSG);
}

/* Strings longer than the protocol allows are cut, and still decode. */
static void test_long_string_cut(void)
{
    char *huge = malloc(3 * PROTO_MAX_STRING);
    memset(huge, 'x', 3 * PROTO_MAX_STRING - 1);
    huge[3 * PROTO_MAX_STRING - 1] = '\0';
    const char *text;
    proto_encode_error(&buf, huge);
    finish(PROTO_ERROR);
    CHECK_EQ_INT(proto_decode_error(payload, payload_len, &text), 0);
    CHECK_EQ_INT(strlen(text), PROTO_MAX_STRING - 1);
    free(huge);
}

int main(void)
{
    proto_buf_init(&buf);
    test_handshake();
    test_requests();
    test_stream();
    test_memory();
    test_control();
    test_long_string_cut();
    for (size_t i = 0; i < NTYPES; i++)
        if (!tripped[i])
            fprintf(stderr, "type %u was not round-tripped\n", all_types[i]);
    int every = 1;
    for (size_t i = 0; i < NTYPES; i++)
        every &= tripped[i];
    CHECK(every);
    proto_buf_free(&buf);
    return test_finish("test_proto_roundtrip");
}
