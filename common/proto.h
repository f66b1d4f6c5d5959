/* The protocol between fixingahole (client) and fixingaholed (daemon) over a
 * Unix stream socket. Every message is a fixed header followed by `length`
 * payload bytes; payloads are packed little-endian fields (this is one
 * machine talking to itself), written and read field by field, never by
 * casting structs onto the wire.
 *
 * Message types live in numbered ranges and a number is never reused:
 *   1-99     handshake and errors
 *   100-199  profiling sessions (client -> daemon requests, daemon -> client stream);
 *            140-199 of them: session control (attach, list, watch, stop by id)
 *   200-219  daemon control (status, shutdown)
 * Session-control and daemon-control requests take a connection each: the
 * daemon answers (or streams, for ATTACH and WATCH) and then closes it.
 * Bump PROTO_VERSION on any change to a payload layout. */
#ifndef FAH_COMMON_PROTO_H
#define FAH_COMMON_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define PROTO_VERSION 10
#define PROTO_HEADER_SIZE 8
/* No message may be longer: a peer announcing more is dropped. */
#define PROTO_MAX_PAYLOAD (1u << 20)
#define PROTO_MAX_FRAMES 256
#define PROTO_MAX_STRING 4096
/* The highest sampling rate a PROFILE or ATTACH may ask for (Hz). */
#define PROTO_MAX_RATE_HZ 10000
/* How long a peer may keep the other waiting: for the answer to a request
 * (HELLO, PROFILE, a control request) and for the rest of a message it has
 * begun to send. */
#define PROTO_ANSWER_TIMEOUT_MS 10000

enum proto_type {
    /* client -> daemon: u32 version. */
    PROTO_HELLO = 1,
    /* daemon -> client: u32 version, i32 daemon pid. */
    PROTO_HELLO_OK = 2,
    /* either way: a one-line message, NUL-terminated (length counts the NUL).
     * The sender closes the connection after it. */
    PROTO_ERROR = 3,

    /* client -> daemon: i32 pid, u32 rate_hz, u32 flags (PROTO_FLAG_*),
     * u32 offsets preference (enum pyoff_pref), then two NUL-terminated
     * strings: a debug-info directory list ("" for the default), and the
     * script-marks file ("" none: see PROTO_SCRIPT_SPAN). */
    PROTO_PROFILE = 100,
    /* daemon -> client: u32 session id, u64 the session's start on the
     * daemon's CLOCK_MONOTONIC (ns): the origin of every time in the stream,
     * so that the client measures the run's wall time from it too. The
     * target is being watched; it may not run Python yet (a wrapper that
     * execs it, or the client's child before its exec). */
    PROTO_SESSION_STARTED = 101,
    /* daemon -> client: the interpreter was found. u32 version_hex, u32
     * offsets source (enum pyoff_source), u64 runtime address, then two
     * NUL-terminated strings: version text, interpreter binary path. */
    PROTO_TARGET = 102,
    /* daemon -> client: a code object. u32 code id, i32 first line, u32
     * flags (PROTO_CODE_*), then two NUL-terminated strings: file name,
     * qualified name. A native function (--native) is a code too: its
     * object file and symbol as file and name, first line 0; its frames
     * in stacks have line 0. */
    PROTO_CODE = 103,
    /* daemon -> client: a thread's name. u32 tid, then a NUL-terminated name. */
    PROTO_THREAD = 104,
    /* daemon -> client: one thread seen at one tick. u64 time since session
     * start (ns), u32 tid, i32 pid (the thread's process), u32 flags (PROTO_SAMPLE_*), u32 unplaced
     * (PROTO_UNPLACED_*: why the time has no stack; 0 when it has one),
     * u64 python ns, u64 native ns, u64 system ns, u64 idle ns, u64 GIL
     * wait ns, u64 CPU ns (the interval's time on CPU, whatever its kind),
     * u64 wall ns (the time since the thread's previous observation: the
     * weight of PROTO_SAMPLE_GIL; 0 for threads without Python), both 0 in
     * a PROTO_SAMPLE_CARRIED part, u32 frame count n, then n times {u32
     * code id, i32 line}, innermost first. */
    PROTO_SAMPLE = 105,
    /* daemon -> client: the session is over and nothing follows. u32 reason
     * (PROTO_END_*), u64 ticks, u64 errors, then a NUL-terminated detail. */
    PROTO_SESSION_END = 106,
    /* client -> daemon: stop sampling now; the daemon answers SESSION_END. */
    PROTO_STOP = 107,
    /* daemon -> client, just before SESSION_END: when the script's own
     * code started and ended, before the interpreter's teardown. u64 start,
     * u64 end, times since session start (ns), end 0 when the script did not
     * end (killed, os._exit). Read from the PROFILE request's marks file,
     * where the bootstrap writes CLOCK_MONOTONIC (ns) in decimal; the file
     * must be a regular file of the requesting user. */
    PROTO_SCRIPT_SPAN = 108,
    /* daemon -> client: a process of the profiled tree (the target and its
     * descendants, docs/daemon.md), sent when it is first seen and again
     * when it exits or the session ends; the latest message about a pid
     * wins. i32 pid, i32 parent pid, u32 flags (PROTO_PROCESS_*), u64 start,
     * u64 end (times since session start, ns; start 0 for a process older
     * than the session, end 0 while it runs), u64 CPU ns (user + system,
     * as of its last reading), u64 peak RSS bytes (VmHWM; 0 unknown), then
     * three NUL-terminated strings: command line, Python version ("" for a
     * process not sampled as Python), and why it is not sampled ("" when it
     * is). */
    PROTO_PROCESS = 109,

    /* 120-139: memory. daemon -> client: the target's resident set size at
     * a tick. u64 time since session start (ns), u64 RSS bytes. */
    PROTO_RSS = 120,
    /* daemon -> client (--memory): a sampled allocation or bulk copy. u64
     * time since session start (ns), u32 tid, u32 kind (PROTO_HEAP_*),
     * u32 flags (PROTO_HEAPF_*), u64 weight (bytes the sample stands for),
     * u64 size (bytes the call asked for), u64 address (0 for a copy),
     * u32 frame count n, then n times {u32 code id, i32 line}, innermost
     * first. */
    PROTO_HEAP = 121,
    /* daemon -> client (--memory): a sampled block was released. u64 time
     * since session start (ns), u64 address (of an earlier PROTO_HEAP). */
    PROTO_HEAP_FREE = 122,
    /* daemon -> client (--memory), once before SESSION_END: u64 samples
     * received, u64 samples whose stack could not be read, u64 samples the
     * target dropped or that arrived unwaited, u64 window (bytes). */
    PROTO_HEAP_STATS = 123,

    /* client -> daemon: profile a process that is already running. The
     * payload is PROFILE's; the answer is PROFILE's stream. ERROR when the
     * caller may not trace the pid; SESSION_STARTED then SESSION_END
     * (PROTO_END_FAILED, detail says why) when it is not a Python process
     * this daemon can profile. */
    PROTO_ATTACH = 140,
    /* client -> daemon: list the sessions the caller may see. No payload.
     * The daemon answers SESSION_INFO per session, then LIST_END. */
    PROTO_LIST = 141,
    /* daemon -> client: u32 session id, u32 owner uid, i32 target pid,
     * u32 rate_hz, u32 kind (PROTO_KIND_*), u64 elapsed ns, u64 ticks,
     * u32 watchers, then a NUL-terminated command line of the target. */
    PROTO_SESSION_INFO = 142,
    /* daemon -> client: u32 count of SESSION_INFO messages sent. */
    PROTO_LIST_END = 143,
    /* client -> daemon: u32 session id. The answer is a copy of that
     * session's stream from SESSION_STARTED on (code objects and thread
     * names seen so far are replayed first), or ERROR. */
    PROTO_WATCH = 144,
    /* client -> daemon: u32 session id: end that session; its owner gets
     * SESSION_END (PROTO_END_STOPPED) as if it had sent STOP. Answer: DONE
     * or ERROR. */
    PROTO_STOP_SESSION = 145,
    /* daemon -> client: the request was carried out. No payload. */
    PROTO_DONE = 146,

    /* client -> daemon: how is the daemon? No payload. */
    PROTO_DAEMON_STATUS = 200,
    /* daemon -> client: i32 pid, u32 uid, u64 uptime ns, u32 sessions,
     * u32 max sessions, u32 max rate_hz, u32 idle timeout (s), then two
     * NUL-terminated strings: socket path, configuration file ("" none). */
    PROTO_DAEMON_STATE = 201,
    /* client -> daemon: stop every session (owners get SESSION_END) and
     * exit. No payload. Only the daemon's own user or root. Answer: DONE or
     * ERROR. */
    PROTO_SHUTDOWN = 202,
};

enum proto_session_kind {
    PROTO_KIND_PROFILE = 1, /* a script started by `fixingahole profile` */
    PROTO_KIND_ATTACH = 2,  /* a running process, `fixingahole attach` */
};

enum proto_profile_flags {
    PROTO_FLAG_IDLE = 1u << 0, /* report idle threads too */
    PROTO_FLAG_MEMORY = 1u << 1, /* the target preloads the allocation sampler */
    PROTO_FLAG_NO_CHILDREN = 1u << 2, /* sample the target only, not its descendants */
    PROTO_FLAG_NATIVE = 1u << 3,      /* samples carry native frames (--native) */
};
#define PROTO_FLAGS_KNOWN \
    (PROTO_FLAG_IDLE | PROTO_FLAG_MEMORY | PROTO_FLAG_NO_CHILDREN | PROTO_FLAG_NATIVE)

enum proto_process_flags {
    PROTO_PROCESS_ROOT = 1u << 0,    /* the session's target itself */
    PROTO_PROCESS_PYTHON = 1u << 1,  /* its interpreter was found and it is sampled */
    PROTO_PROCESS_EXITED = 1u << 2,  /* it has exited: end and CPU are final */
};
#define PROTO_PROCESS_KNOWN (PROTO_PROCESS_ROOT | PROTO_PROCESS_PYTHON | PROTO_PROCESS_EXITED)

enum proto_code_flags {
    PROTO_CODE_NATIVE = 1u << 0, /* a native function, not a code object */
    /* With PROTO_CODE_NATIVE: the gap frame that stands for the middle of
     * a stack deeper than the daemon keeps (daemon/pywalk.h) */
    PROTO_CODE_GAP = 1u << 1,
};
#define PROTO_CODE_FLAGS_KNOWN (PROTO_CODE_NATIVE | PROTO_CODE_GAP)

enum proto_sample_flags {
    PROTO_SAMPLE_TRUNCATED = 1u << 0, /* the stack could not be read whole */
    /* The thread held the GIL at the observation this time is charged to. */
    PROTO_SAMPLE_GIL = 1u << 1,
    /* The part of an interval charged to the thread's previous observation
     * (its stack then): the same tick's uncarried sample of the thread is
     * the new observation, so only those count as samples of the thread. */
    PROTO_SAMPLE_CARRIED = 1u << 2,
    /* The thread was not read at this tick (it was waiting for a CPU): an
     * observation without time for the GIL's count, at the stack it was
     * last read in, which is no news of where it is now (it may have run
     * since). RSS growth read at this tick waits for its next read. */
    PROTO_SAMPLE_NOT_READ = 1u << 3,
};
#define PROTO_SAMPLE_KNOWN                                                                   \
    (PROTO_SAMPLE_TRUNCATED | PROTO_SAMPLE_GIL | PROTO_SAMPLE_CARRIED | PROTO_SAMPLE_NOT_READ)

/* Why a sample's time cannot be placed on a stack. Its time still counts:
 * the client shows it as unattributed, by reason. */
enum proto_unplaced {
    PROTO_PLACED = 0,               /* the sample has its stack */
    PROTO_UNPLACED_WALK_FAILED = 1, /* the frame chain could not be read (torn, unreadable) */
    PROTO_UNPLACED_NO_PYTHON = 2,   /* a thread running no Python code at all */
    PROTO_UNPLACED_STARTUP = 3,     /* before the interpreter ran the program */
    PROTO_UNPLACED_TEARDOWN = 4,    /* after it finished: interpreter shutdown */
    /* the profiler did not look: its daemon was stopped or starved of CPU
     * far longer than a sampling period (daemon/sampler.c) */
    PROTO_UNPLACED_UNSEEN = 5,
    /* CPU time of threads that started and ended between two ticks
     * (daemon/unseencpu.h) */
    PROTO_UNPLACED_SHORT_THREADS = 6,
};
#define PROTO_UNPLACED_MAX PROTO_UNPLACED_SHORT_THREADS

enum proto_end_reason {
    PROTO_END_EXITED = 1,   /* the target exited */
    PROTO_END_STOPPED = 2,  /* the client asked */
    PROTO_END_FAILED = 3,   /* the session failed; detail says why */
};

/* One Python frame of a stack: a code id (of an earlier CODE) and a line. */
struct proto_frame {
    uint32_t code_id;
    int32_t line;
};

struct proto_header {
    uint32_t type;
    uint32_t length;
};

/* A growable output buffer that payload builders append to: wire holds
 * the header and payload, ready to send once proto_finish succeeded. */
struct proto_buf {
    struct buf wire;
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
/* Appends u32 n, then n times {u32 code id, i32 line}. */
void proto_put_frames(struct proto_buf *buf, const struct proto_frame *frames, uint32_t n);
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
/* Reads u32 n (-EBADMSG past PROTO_MAX_FRAMES), then n frames. */
int proto_get_frames(struct proto_reader *r, struct proto_frame *frames, uint32_t *n);
/* -EBADMSG unless every byte was consumed: trailing bytes are a violation. */
int proto_get_end(const struct proto_reader *r);

/* Decoded messages: what the handlers see after full validation. */
struct proto_profile {
    int32_t pid;
    uint32_t rate_hz, flags, offsets_pref;
    const char *debug_dirs;
    const char *end_mark; /* "" none */
};

struct proto_target {
    uint32_t version_hex, source;
    uint64_t runtime_addr;
    const char *version, *binary;
};

struct proto_code {
    uint32_t code_id;
    int32_t firstlineno;
    uint32_t flags; /* PROTO_CODE_* */
    const char *file, *qualname;
};

struct proto_sample {
    uint64_t time_ns;
    uint32_t tid;
    int32_t pid;
    uint32_t flags, unplaced;
    uint64_t python_ns, native_ns, system_ns, idle_ns, gil_wait_ns, cpu_ns, wall_ns;
    uint32_t nframes;
    struct proto_frame frames[PROTO_MAX_FRAMES];
};

enum proto_heap_kind {
    PROTO_HEAP_ALLOC = 1,
    PROTO_HEAP_COPY = 2,
};

enum proto_heap_flags {
    PROTO_HEAPF_NATIVE = 1u << 0,    /* allocated by native code, not the interpreter */
    PROTO_HEAPF_TRUNCATED = 1u << 1, /* the stack could not be read whole */
    PROTO_HEAPF_UNWAITED = 1u << 2,  /* stack read after the thread moved on */
};
#define PROTO_HEAPF_KNOWN (PROTO_HEAPF_NATIVE | PROTO_HEAPF_TRUNCATED | PROTO_HEAPF_UNWAITED)

struct proto_rss {
    uint64_t time_ns, rss_bytes;
};

struct proto_heap {
    uint64_t time_ns;
    uint32_t tid, kind, flags;
    uint64_t weight, size, addr;
    uint32_t nframes;
    struct proto_frame frames[PROTO_MAX_FRAMES];
};

struct proto_heap_free {
    uint64_t time_ns, addr;
};

struct proto_heap_stats {
    uint64_t samples, truncated, dropped, window;
};

struct proto_process {
    int32_t pid, ppid;
    uint32_t flags;
    uint64_t start_ns, end_ns, cpu_ns, max_rss_bytes;
    const char *command, *python, *note;
};

struct proto_end {
    uint32_t reason;
    uint64_t ticks, errors;
    const char *detail;
};

struct proto_session_info {
    uint32_t session_id, owner_uid;
    int32_t pid;
    uint32_t rate_hz, kind;
    uint64_t elapsed_ns, ticks;
    uint32_t watchers;
    const char *command;
};

struct proto_daemon_state {
    int32_t pid;
    uint32_t uid;
    uint64_t uptime_ns;
    uint32_t sessions, max_sessions, max_rate_hz, idle_timeout_s;
    const char *socket_path, *config_path;
};

/* Encoders, one per message beside its decoder: each starts the message
 * in buf (proto_begin) and fills it; the caller sends it (msgio_send) or
 * finishes it (proto_finish). Strings are cut to PROTO_MAX_STRING - 1
 * bytes and NULL is sent as ""; frame counts are cut to PROTO_MAX_FRAMES.
 * What the decoder would reject is the caller's to avoid. */
void proto_encode_hello(struct proto_buf *buf, uint32_t version);
void proto_encode_hello_ok(struct proto_buf *buf, uint32_t version, int32_t pid);
void proto_encode_error(struct proto_buf *buf, const char *message);
/* type: PROTO_PROFILE or PROTO_ATTACH, which share the payload. */
void proto_encode_profile(struct proto_buf *buf, uint32_t type, const struct proto_profile *p);
void proto_encode_session_started(struct proto_buf *buf, uint32_t session_id, uint64_t origin_ns);
void proto_encode_target(struct proto_buf *buf, const struct proto_target *t);
void proto_encode_code(struct proto_buf *buf, const struct proto_code *c);
void proto_encode_thread(struct proto_buf *buf, uint32_t tid, const char *name);
void proto_encode_sample(struct proto_buf *buf, const struct proto_sample *s);
void proto_encode_end(struct proto_buf *buf, const struct proto_end *e);
void proto_encode_script_span(struct proto_buf *buf, uint64_t start_ns, uint64_t end_ns);
void proto_encode_rss(struct proto_buf *buf, const struct proto_rss *r);
void proto_encode_process(struct proto_buf *buf, const struct proto_process *p);
/* Unknown flag bits are left out. */
void proto_encode_heap(struct proto_buf *buf, const struct proto_heap *h);
void proto_encode_heap_free(struct proto_buf *buf, const struct proto_heap_free *f);
void proto_encode_heap_stats(struct proto_buf *buf, const struct proto_heap_stats *st);
void proto_encode_session_info(struct proto_buf *buf, const struct proto_session_info *info);
void proto_encode_list_end(struct proto_buf *buf, uint32_t count);
/* type: PROTO_WATCH or PROTO_STOP_SESSION. */
void proto_encode_session_id(struct proto_buf *buf, uint32_t type, uint32_t session_id);
void proto_encode_daemon_state(struct proto_buf *buf, const struct proto_daemon_state *st);
/* STOP, LIST, DONE, DAEMON_STATUS, SHUTDOWN. */
void proto_encode_empty(struct proto_buf *buf, uint32_t type);

/* Decoders: 0 or -EBADMSG (wrong length, missing NUL, out-of-range value). */
int proto_decode_hello(const void *payload, size_t len, uint32_t *version);
int proto_decode_hello_ok(const void *payload, size_t len, uint32_t *version, int32_t *pid);
int proto_decode_error(const void *payload, size_t len, const char **message);
int proto_decode_profile(const void *payload, size_t len, struct proto_profile *out);
int proto_decode_session_started(const void *payload, size_t len, uint32_t *session_id,
                                 uint64_t *origin_ns);
int proto_decode_target(const void *payload, size_t len, struct proto_target *out);
int proto_decode_code(const void *payload, size_t len, struct proto_code *out);
int proto_decode_thread(const void *payload, size_t len, uint32_t *tid, const char **name);
/* Rejects an unknown unplaced reason and unknown flags. */
int proto_decode_sample(const void *payload, size_t len, struct proto_sample *out);
int proto_decode_end(const void *payload, size_t len, struct proto_end *out);
/* Rejects an end before the start. */
int proto_decode_script_span(const void *payload, size_t len, uint64_t *start_ns,
                             uint64_t *end_ns);
int proto_decode_rss(const void *payload, size_t len, struct proto_rss *out);
/* Rejects pid <= 0, unknown flags and an end before the start. */
int proto_decode_process(const void *payload, size_t len, struct proto_process *out);
/* Rejects unknown kinds and flags, and weight 0. */
int proto_decode_heap(const void *payload, size_t len, struct proto_heap *out);
int proto_decode_heap_free(const void *payload, size_t len, struct proto_heap_free *out);
int proto_decode_heap_stats(const void *payload, size_t len, struct proto_heap_stats *out);
/* ATTACH carries PROFILE's payload: proto_decode_profile decodes both. */
int proto_decode_session_info(const void *payload, size_t len, struct proto_session_info *out);
int proto_decode_list_end(const void *payload, size_t len, uint32_t *count);
/* WATCH and STOP_SESSION: a session id, never 0. */
int proto_decode_session_id(const void *payload, size_t len, uint32_t *session_id);
int proto_decode_daemon_state(const void *payload, size_t len, struct proto_daemon_state *out);
/* LIST, DONE, DAEMON_STATUS, SHUTDOWN: no payload at all. */
int proto_decode_empty(const void *payload, size_t len);

#endif
