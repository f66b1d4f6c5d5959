/* What the interpreter runs for `fixingahole profile`: the bootstrap
 * (fixingahole_bootstrap.py, shipped beside the binary) with its options,
 * then the user's script or notebook and its arguments; the temporary
 * files that go with it (logs, a notebook's cells); and, afterwards,
 * removing the bootstrap's own frames from the profile. */
#ifndef FAH_CLIENT_LAUNCH_H
#define FAH_CLIENT_LAUNCH_H

#include <limits.h>
#include <stddef.h>

#include "client/cli.h"
#include "client/profile.h"

#define LAUNCH_BOOTSTRAP_NAME "fixingahole_bootstrap.py"

struct launch {
    char bootstrap[PATH_MAX]; /* absolute, as the interpreter is given it */
    char logs[PATH_MAX];      /* temporary logs file */
    char cells[PATH_MAX];     /* temporary cells document, or "" */
    char **argv;              /* the interpreter's command line */
};

/* Finds the bootstrap, creates the temporary files (converting a notebook,
 * which may fail with a one-line reason and -EINVAL) and builds argv.
 * Returns 0 or a negative errno code with err filled. Clean up with
 * launch_cleanup in every case. */
int launch_prepare(struct launch *l, const struct profile_options *o, const char *script,
                   char *err, size_t errlen);

/* Removes the temporary files and frees argv. */
void launch_cleanup(struct launch *l);

/* Records in a logs file written by the bootstrap (a record starts on an
 * unindented line). -1 when it cannot be read. */
long launch_count_log_records(const char *path);

/* Drops the bootstrap's frames (and runpy's, between it and the script)
 * from every stack; a stack that never reached the user's code keeps no
 * frames at all. Stacks are truncated in place, so two may become equal;
 * the summary adds them up all the same. */
void launch_strip_frames(struct profile *p, const char *bootstrap);

/* The frames of st that launch_strip_frames keeps, into out (room for
 * st->nframes; may be st->frames itself). Returns how many. */
uint32_t launch_kept_frames(const struct profile *p, const struct profile_stack *st,
                            const char *bootstrap, struct profile_frame *out);

#endif
