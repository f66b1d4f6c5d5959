/* Receiving a session's stream into a struct profile while the script
 * runs, and reaping the script when it ends; or, for `attach` and `watch`,
 * following a process that is not our child. */
#ifndef FAH_CLIENT_COLLECT_H
#define FAH_CLIENT_COLLECT_H

#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "client/model/profile.h"

struct collect_result {
    int script_status;      /* 0-255, or 128+signal when killed */
    struct rusage usage;    /* the script's, from wait4 */
    /* in: the session's start on CLOCK_MONOTONIC, the origin of every time
     * in the stream; 0 unknown (then the collector's own start) */
    uint64_t origin_ns;
    double wall_seconds;    /* from that origin to the script's exit */
    int session_failed;     /* the daemon could not profile the target */
    int daemon_lost;        /* the connection broke before the session ended */
    char message[512];      /* why, for the two above, or who stopped the session */
};

/* Set by the client's SIGINT handler: the run is marked interrupted. */
extern volatile sig_atomic_t collect_interrupted;

/* Reads the stream from fd into p until the child has exited and the
 * daemon has ended the session (or gone away). Returns 0, or -ENOMEM. */
int collect_run(int fd, pid_t child, struct profile *p, struct collect_result *out);

/* collect_run, calling refresh(ctx, p, elapsed) about every refresh_s
 * while the script runs (--live). refresh must not change p. */
int collect_run_refresh(int fd, pid_t child, struct profile *p, struct collect_result *out,
                        void (*refresh)(void *ctx, const struct profile *p, double elapsed_s),
                        void *ctx, double refresh_s);

/* How to follow a process that is not our child. */
struct collect_follow {
    pid_t pid;          /* the target: its RSS is sampled from /proc */
    double duration_s;  /* attach: ask the daemon to stop after this; 0: never */
    int owner;          /* 1: we own the session (Ctrl-C and the duration send
                           PROTO_STOP, then the end is awaited); 0: a watcher
                           (Ctrl-C just leaves) */
    /* Called about every refresh_s with the profile so far, its
     * wall_seconds and max_rss_bytes filled in as of now (watch). */
    void (*refresh)(void *ctx, const struct profile *p, double elapsed_s);
    void *ctx;
    double refresh_s;
    double elapsed_offset_s; /* the session's age when we joined (watch) */
};

/* Reads the stream from fd into p until the session ends, the daemon goes
 * away or (owner) a stop was sent and answered. wall_seconds is the time
 * followed; usage.ru_maxrss the target's peak RSS (VmHWM) when readable;
 * script_status 0. Returns 0, or -ENOMEM. */
int collect_follow(int fd, const struct collect_follow *f, struct profile *p,
                   struct collect_result *out);

#endif
