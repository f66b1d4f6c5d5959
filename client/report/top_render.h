/* Drawing `fixingahole top`'s screen from its view (top_view.h): a
 * heading, the threads, the hottest functions and the hottest lines, and
 * the keys, each line cut to the terminal's width. */
#ifndef FAH_CLIENT_TOP_RENDER_H
#define FAH_CLIENT_TOP_RENDER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "client/model/profile.h"
#include "client/report/paint.h"
#include "client/report/top_view.h"

/* What the screen shows beside the rows. */
struct top_screen {
    int cols, rows;             /* the terminal's size */
    const struct paint *paint;
    pid_t pid;
    uint32_t session_id;
    unsigned rate_hz;           /* 0 when unknown (a watched session) */
    double elapsed_s;           /* the session's age */
    const char *state;          /* "running", "paused", "process exited" ... */
    const char *root;           /* files under it are named relative to it */
    const char *since;          /* what ALL% counts from: "top began" ... */
};

/* Writes one frame for a terminal: every line placed by cursor address
 * and cleared to its end, so nothing scrolls and nothing old is left.
 * p->python_version NULL means the interpreter is not found yet. */
void top_render(FILE *out, const struct top_view *v, const struct profile *p,
                const struct top_screen *s);

/* A file's name as the tables show it: relative to root when under it,
 * else its last two path components. */
const char *top_render_file(const char *file, const char *root);

#endif
