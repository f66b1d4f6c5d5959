/* `fixingahole sessions`, `fixingahole stop SESSION` and `fixingahole watch
 * SESSION`: the daemon's sessions seen from any terminal of their owner. */
#ifndef FAH_CLIENT_SESSION_CMD_H
#define FAH_CLIENT_SESSION_CMD_H

#include <limits.h>
#include <stdint.h>

#include "client/model/profile.h"
#include "common/proto.h"

/* argv[1] is the command. Each returns the exit status for main. */
int session_cmd_list(int argc, char **argv);
int session_cmd_stop(int argc, char **argv);
int session_cmd_watch(int argc, char **argv);

/* A session as `watch` (and `top` without a terminal) shows it. */
struct watch_view {
    uint32_t id;
    struct proto_session_info info;
    char root[PATH_MAX]; /* the target's folder: what counts as user code */
    int tty;             /* stdout is a terminal: each summary redraws the screen */
};

/* Fills w->info and w->root for session w->id. Returns 0, -ENOENT when no
 * session of the caller has that id, or another negative code; err says why. */
int session_watch_find(struct watch_view *w, char *err, size_t errlen);

/* The text `watch` prints at each refresh: a heading with the session's
 * state, then the brief summary of p so far. */
void session_watch_print(const struct watch_view *w, const struct profile *p, double elapsed_s,
                         const char *state);

/* The bootstrap's file among p's code objects, "" when there is none: a
 * session that `profile` started runs the script under it, and the
 * reports leave its frames out. */
const char *session_bootstrap_of(const struct profile *p);

#endif
