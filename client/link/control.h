/* Talking to a running daemon for the session-control commands: connect
 * without starting one, send one request, read the answers. */
#ifndef FAH_CLIENT_CONTROL_H
#define FAH_CLIENT_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/msgio.h"
#include "common/proto.h"
#include "symbols/pyoffsets.h"

/* Connects and sends a request of `type` with an optional u32 argument
 * (has_arg). Returns the fd, -ENOENT when no daemon runs (err says so), or
 * another negative code with err. */
int control_request(uint32_t type, int has_arg, uint32_t arg, pid_t *daemon_pid, char *err,
                    size_t errlen);

/* Receives one answer; a PROTO_ERROR becomes -EPROTO with its text in err. */
int control_answer(int fd, struct msgio_msg *msg, char *err, size_t errlen);

/* The sessions the caller may see: a malloc'd copy (strings included) in
 * *out. Returns the count, or a negative code with err. */
struct control_session {
    struct proto_session_info info;
    char command[PROTO_MAX_STRING];
};
int control_list(struct control_session **out, char *err, size_t errlen);

/* How the daemon is to sample a new session. */
struct control_sampling {
    unsigned rate_hz;
    int idle;                /* count threads blocked on locks, joins, the GIL */
    int memory;              /* heap events (the script preloads the sampler) */
    int native;              /* native frames in the stacks (--native) */
    enum pyoff_pref offsets; /* where struct offsets come from */
    const char *debug_dirs;  /* folders of detached debug info, or NULL */
    const char *end_mark;    /* where the bootstrap marks the script's end, or NULL */
    int no_children;         /* sample the process alone, not its descendants */
};

/* Asks the daemon on fd to start a session: PROTO_PROFILE for a spawned
 * script, PROTO_ATTACH for a running process, sampled as o says.
 * Returns the session id (>= 0), with the session's time origin (the
 * daemon's CLOCK_MONOTONIC at its start) in *origin_ns when not NULL, or
 * -EPROTO with the daemon's reason (or a broken exchange) in err. */
int control_start_session(int fd, uint32_t type, pid_t pid, const struct control_sampling *o,
                          uint64_t *origin_ns, char *err, size_t errlen);

#endif
