/* --live SECONDS: while the script runs, every SECONDS an updated Profile
 * Summary on stderr, written in one piece so it lands between the
 * script's own lines rather than inside them, and an updated
 * profile_results.live.txt in the script's output folder (replaced by the
 * final results folder when the run ends). */
#ifndef FAH_CLIENT_LIVE_H
#define FAH_CLIENT_LIVE_H

#include <limits.h>
#include <sys/types.h>

#include "client/model/profile.h"
#include "client/model/summary.h"

struct live {
    const char *bootstrap;       /* frames to leave out (client/model/profile_strip.h) */
    pid_t pid;                   /* the script: its peak RSS so far */
    struct summary_options so;   /* borrowed strings */
    int trace;
    char file[PATH_MAX];         /* the live profile_results.txt */
};

/* Sets up l; file goes under output/<script stem>/. Returns 0 or a
 * negative errno code. */
int live_init(struct live *l, const char *output, const char *script);

/* The collect_run_refresh callback: ctx is a struct live. */
void live_refresh(void *ctx, const struct profile *p, double elapsed_s);

/* A copy of p without the bootstrap's frames (p keeps growing after), its
 * wall_seconds set to elapsed; NULL when out of memory. Also what
 * `fixingahole watch` summarises. */
struct profile *live_snapshot(const struct profile *p, const char *bootstrap, double elapsed);

/* Removes the live file once the final results exist. */
void live_finish(struct live *l);

#endif
