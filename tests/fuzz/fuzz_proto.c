/* libFuzzer target for the protocol decoders: the only code that reads
 * bytes from a peer, every one of them (session, memory and control
 * messages). The first input byte picks a decoder, the rest is the
 * payload; ASan and UBSan (built in by tests/fuzz/CMakeLists.txt) turn any
 * read past the payload or overflow into a crash. Each decoder is also
 * held to its contract: on success every string it returns lies inside
 * the payload and is NUL-terminated there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"

static const uint8_t *payload_start;
static size_t payload_len;

/* A decoded string must point into the payload and end there. */
static void check_str(const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    if (p < payload_start || p >= payload_start + payload_len)
        abort();
    if (!memchr(p, 0, (size_t)(payload_start + payload_len - p)))
        abort();
}

static struct proto_sample sample; /* large: not on the stack */
static struct proto_heap heap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* A copy of exactly the payload, so ASan sees any read past it. */
    payload_len = size - 1;
    uint8_t *copy = malloc(payload_len ? payload_len : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, payload_len);
    payload_start = copy;
    const void *p = copy;
    size_t n = payload_len;
    uint32_t u32;
    uint64_t u64, u64b;
    int32_t i32;
    const char *text;
    struct proto_profile prof;
    struct proto_target target;
    struct proto_code code;
    struct proto_end end;
    struct proto_session_info info;
    struct proto_daemon_state state;
    struct proto_rss rss;
    struct proto_heap_free heap_free;
    struct proto_heap_stats stats;
    struct proto_process proc;
    switch (data[0] % 21) {
    case 0:
        proto_decode_hello(p, n, &u32);
        break;
    case 1:
        proto_decode_hello_ok(p, n, &u32, &i32);
        break;
    case 2:
        if (proto_decode_error(p, n, &text) == 0)
            check_str(text);
        break;
    case 3:
        if (proto_decode_profile(p, n, &prof) == 0) {
            check_str(prof.debug_dirs);
            check_str(prof.end_mark);
            if (prof.pid <= 0 || prof.rate_hz == 0)
                abort();
        }
        break;
    case 4:
        if (proto_decode_session_started(p, n, &u32, &u64) == 0 && n != 12)
            abort();
        break;
    case 5:
        if (proto_decode_target(p, n, &target) == 0) {
            check_str(target.version);
            check_str(target.binary);
        }
        break;
    case 6:
        if (proto_decode_code(p, n, &code) == 0) {
            if (code.flags & ~PROTO_CODE_FLAGS_KNOWN)
                abort();
            check_str(code.file);
            check_str(code.qualname);
        }
        break;
    case 7:
        if (proto_decode_thread(p, n, &u32, &text) == 0)
            check_str(text);
        break;
    case 8:
        if (proto_decode_sample(p, n, &sample) == 0 &&
            (sample.nframes > PROTO_MAX_FRAMES || sample.unplaced > PROTO_UNPLACED_MAX ||
             (sample.flags & ~PROTO_SAMPLE_KNOWN)))
            abort();
        break;
    case 9:
        if (proto_decode_end(p, n, &end) == 0)
            check_str(end.detail);
        break;
    case 10:
        if (proto_decode_session_info(p, n, &info) == 0)
            check_str(info.command);
        break;
    case 11:
        proto_decode_list_end(p, n, &u32);
        break;
    case 12:
        if (proto_decode_session_id(p, n, &u32) == 0 && u32 == 0)
            abort();
        break;
    case 13:
        if (proto_decode_daemon_state(p, n, &state) == 0) {
            check_str(state.socket_path);
            check_str(state.config_path);
        }
        break;
    case 14:
        if (proto_decode_empty(p, n) == 0 && n != 0)
            abort();
        break;
    case 15:
        if (proto_decode_rss(p, n, &rss) == 0 && n != 16)
            abort();
        break;
    case 16:
        if (proto_decode_heap(p, n, &heap) == 0 &&
            (heap.nframes > PROTO_MAX_FRAMES || heap.weight == 0 ||
             heap.kind < PROTO_HEAP_ALLOC || heap.kind > PROTO_HEAP_COPY ||
             (heap.flags & ~PROTO_HEAPF_KNOWN)))
            abort();
        break;
    case 17:
        if (proto_decode_heap_free(p, n, &heap_free) == 0 && n != 16)
            abort();
        break;
    case 18:
        if (proto_decode_script_span(p, n, &u64, &u64b) == 0 && (n != 16 || (u64b && u64b < u64)))
            abort();
        break;
    case 19:
        if (proto_decode_heap_stats(p, n, &stats) == 0 && stats.window == 0)
            abort();
        break;
    default:
        if (proto_decode_process(p, n, &proc) == 0) {
            check_str(proc.command);
            check_str(proc.python);
            check_str(proc.note);
            if (proc.pid <= 0 || (proc.flags & ~PROTO_PROCESS_KNOWN) ||
                (proc.end_ns && proc.end_ns < proc.start_ns))
                abort();
        }
        break;
    }
    free(copy);
    return 0;
}
