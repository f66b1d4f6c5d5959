/* What the interpreter runs for `fixingahole profile`: the bootstrap
 * (fixingahole_bootstrap.py, shipped beside the binary) with its options,
 * then the user's script or notebook and its arguments; the temporary
 * files that go with it (logs, a notebook's cells). Its frames leave the
 * profile afterwards through client/model/profile_strip.h. */
#ifndef FAH_CLIENT_LAUNCH_H
#define FAH_CLIENT_LAUNCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define LAUNCH_BOOTSTRAP_NAME "fixingahole_bootstrap.py"

/* What the interpreter's command line is made of (borrowed strings). */
struct launch_options {
    const char *python;    /* the interpreter */
    char **script_args;    /* the script's own arguments */
    int nscript_args;
    const char *log_level; /* records at this level and above; NULL: WARNING */
    int no_matplotlib;     /* --no-plots: these libraries' windows disabled */
    int no_plotly;
    const char *module;    /* run this module (python -m) instead of a script */
};

struct launch {
    char bootstrap[PATH_MAX]; /* absolute, as the interpreter is given it */
    char logs[PATH_MAX];      /* temporary logs file */
    char cells[PATH_MAX];     /* temporary cells document, or "" */
    char end_mark[PATH_MAX];  /* temporary file: when the script's code ended */
    char **argv;              /* the interpreter's command line */
};

/* Finds the bootstrap, creates the temporary files (converting a notebook,
 * which may fail with a one-line reason and -EINVAL) and builds argv.
 * script is NULL when o->module is set.
 * Returns 0 or a negative errno code with err filled. Clean up with
 * launch_cleanup in every case. */
int launch_prepare(struct launch *l, const struct launch_options *o, const char *script,
                   char *err, size_t errlen);

/* Removes the temporary files and frees argv. */
void launch_cleanup(struct launch *l);

/* Records in a logs file written by the bootstrap (a record starts on an
 * unindented line). -1 when it cannot be read. */
long launch_count_log_records(const char *path);

#endif
