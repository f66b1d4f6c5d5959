/* The protocol between fixingahole (client) and fixingaholed (daemon) over a
 * Unix stream socket. Every message is a fixed header followed by `length`
 * payload bytes; payloads are packed little-endian fields (this is one
 * machine talking to itself), written and read field by field, never by
 * casting structs onto the wire.
 *
 * Message types live in numbered ranges and a number is never reused:
 *   1-99     handshake and errors
 *   100-199  profiling sessions (client -> daemon requests, daemon -> client stream)
 * Bump PROTO_VERSION on any change to a payload layout. */
#ifndef FAH_COMMON_PROTO_H
#define FAH_COMMON_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1
#define PROTO_HEADER_SIZE 8
/* No message may be longer: a peer announcing more is dropped. */
#define PROTO_MAX_PAYLOAD (1u << 20)
#define PROTO_MAX_FRAMES 256
#define PROTO_MAX_STRING 4096

enum proto_type {
    /* client -> daemon: u32 version. */
    PROTO_HELLO = 1,
    /* daemon -> client: u32 version, i32 daemon pid. */
    PROTO_HELLO_OK = 2,
    /* either way: a one-line message, NUL-terminated (length counts the NUL).
     * The sender closes the connection after it. */
    PROTO_ERROR = 3,

    /* client -> daemon: i32 pid, u32 rate_hz, u32 flags (PROTO_FLAG_*),
     * u32 offsets preference (enum pyoff_pref), then a NUL-terminated
     * debug-info directory list ("" for the default). */
    PROTO_PROFILE = 100,
    /* daemon -> client: u32 session id. The target is being watched; it may
     * not run Python yet (a wrapper that execs it, or the client's child
     * before its exec). */
    PROTO_SESSION_STARTED = 101,
    /* daemon -> client: the interpreter was found. u32 version_hex, u32
     * offsets source (enum pyoff_source), u64 runtime address, then two
     * NUL-terminated strings: version text, interpreter binary path. */
    PROTO_TARGET = 102,
    /* daemon -> client: a code object. u32 code id, i32 first line, then two
     * NUL-terminated strings: file name, qualified name. */
    PROTO_CODE = 103,
    /* daemon -> client: a thread's name. u32 tid, then a NUL-terminated name. */
    PROTO_THREAD = 104,
    /* daemon -> client: one thread seen at one tick. u64 time since session
     * start (ns), u32 tid, u32 flags (PROTO_SAMPLE_*), u64 python ns,
     * u64 native ns, u64 system ns, u64 idle ns, u32 frame count n, then n
     * times {u32 code id, i32 line}, innermost first. */
    PROTO_SAMPLE = 105,
    /* daemon -> client: the session is over and nothing follows. u32 reason
     * (PROTO_END_*), u64 ticks, u64 errors, then a NUL-terminated detail. */
    PROTO_SESSION_END = 106,
    /* client -> daemon: stop sampling now; the daemon answers SESSION_END. */
    PROTO_STOP = 107,
};

enum proto_profile_flags {
    PROTO_FLAG_IDLE = 1u << 0, /* report idle threads too */
};
#define PROTO_FLAGS_KNOWN (PROTO_FLAG_IDLE)

enum proto_sample_flags {
    PROTO_SAMPLE_TRUNCATED = 1u << 0, /* the stack could not be read whole */
};

enum proto_end_reason {
    PROTO_END_EXITED = 1,   /* the target exited */
    PROTO_END_STOPPED = 2,  /* the client asked */
    PROTO_END_FAILED = 3,   /* the session failed; detail says why */
};

struct proto_header {
    uint32_t type;
    uint32_t length;
};

/* A growable output buffer that payload builders append to. */
struct proto_buf {
    uint8_t *data;
    size_t len, cap;
    int failed; /* an allocation failed: the message must not be sent */
};

void proto_buf_init(struct proto_buf *buf);
void proto_buf_free(struct proto_buf *buf);
/* Starts a message of `type` (clears the buffer, reserves the header). */
void proto_begin(struct proto_buf *buf, uint32_t type);
void proto_put_u32(struct proto_buf *buf, uint32_t value);
void proto_put_i32(struct proto_buf *buf, int32_t value);
void proto_put_u64(struct proto_buf *buf, uint64_t value);
/* Appends a string and its NUL, cut to PROTO_MAX_STRING - 1 bytes. */
void proto_put_str(struct proto_buf *buf, const char *text);
/* Writes the header's length. Returns 0, or -EMSGSIZE/-ENOMEM. */
int proto_finish(struct proto_buf *buf);

/* A reader over one received payload. Every get fails (returns -EBADMSG)
 * once the payload is short; strings must be NUL-terminated within it. */
struct proto_reader {
    const uint8_t *data;
    size_t len, pos;
};

void proto_reader_init(struct proto_reader *r, const void *payload, size_t len);
int proto_get_u32(struct proto_reader *r, uint32_t *value);
int proto_get_i32(struct proto_reader *r, int32_t *value);
int proto_get_u64(struct proto_reader *r, uint64_t *value);
/* Points *text into the payload (valid while the payload is). */
int proto_get_str(struct proto_reader *r, const char **text);
/* -EBADMSG unless every byte was consumed: trailing bytes are a violation. */
int proto_get_end(const struct proto_reader *r);

/* Decoded messages: what the handlers see after full validation. */
struct proto_profile {
    int32_t pid;
    uint32_t rate_hz, flags, offsets_pref;
    const char *debug_dirs;
};

struct proto_target {
    uint32_t version_hex, source;
    uint64_t runtime_addr;
    const char *version, *binary;
};

struct proto_code {
    uint32_t code_id;
    int32_t firstlineno;
    const char *file, *qualname;
};

struct proto_frame {
    uint32_t code_id;
    int32_t line;
};

struct proto_sample {
    uint64_t time_ns;
    uint32_t tid, flags;
    uint64_t python_ns, native_ns, system_ns, idle_ns;
    uint32_t nframes;
    struct proto_frame frames[PROTO_MAX_FRAMES];
};

struct proto_end {
    uint32_t reason;
    uint64_t ticks, errors;
    const char *detail;
};

/* Decoders: 0 or -EBADMSG (wrong length, missing NUL, out-of-range value). */
int proto_decode_hello(const void *payload, size_t len, uint32_t *version);
int proto_decode_hello_ok(const void *payload, size_t len, uint32_t *version, int32_t *pid);
int proto_decode_error(const void *payload, size_t len, const char **message);
int proto_decode_profile(const void *payload, size_t len, struct proto_profile *out);
int proto_decode_session_started(const void *payload, size_t len, uint32_t *session_id);
int proto_decode_target(const void *payload, size_t len, struct proto_target *out);
int proto_decode_code(const void *payload, size_t len, struct proto_code *out);
int proto_decode_thread(const void *payload, size_t len, uint32_t *tid, const char **name);
int proto_decode_sample(const void *payload, size_t len, struct proto_sample *out);
int proto_decode_end(const void *payload, size_t len, struct proto_end *out);

#endif
