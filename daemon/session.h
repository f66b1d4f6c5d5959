/* One profiling session: one target process, one client connection. The
 * session waits for the target to run Python, then samples it at the
 * requested rate and streams code objects, thread names and samples to the
 * client until the target exits or the client stops or leaves. Everything a
 * session owns is in its struct: a failing target ends only its session. */
#ifndef FAH_DAEMON_SESSION_H
#define FAH_DAEMON_SESSION_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbols/pyoffsets.h"

struct registry;
struct registry_entry;

struct session_request {
    pid_t pid;
    unsigned rate_hz;
    unsigned flags;          /* PROTO_FLAG_* */
    enum pyoff_pref pref;
    char debug_dirs[PATH_MAX]; /* "" for the default */
    char end_mark[PATH_MAX];   /* the script's end-mark file, "" none (endmark.h) */
    uid_t owner;               /* who asked: the end mark must be theirs */
    int attach;              /* a running process: locate once, fail at once */
    int fallback_clocks;     /* exact_clocks = no in the daemon's config (config.h) */
    int realtime;            /* realtime in the daemon's config: see ontime.h */
    struct registry *registry;     /* the daemon's session table */
    struct registry_entry *entry;  /* this session's row in it */
};

/* Runs the session on the calling thread, talking on fd (which stays the
 * caller's to close). The caller has checked that the client may trace
 * req->pid and registered req->entry (the session's id, its stop flag and
 * its watchers, who get a copy of everything sent on fd). */
void session_run(int fd, const struct session_request *req);

#endif
