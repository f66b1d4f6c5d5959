/* The interpreter's command line and the bootstrap's frames (see launch.h). */
#include "client/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/notebook.h"
#include "common/install_paths.h"

static int temp_file(char *path, size_t len, const char *stem, FILE **out)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, len, "%s/fixingahole-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", stem);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) {
        path[0] = '\0';
        return -errno;
    }
    if (out) {
        *out = fdopen(fd, "w");
        if (!*out) {
            close(fd);
            return -ENOMEM;
        }
    } else {
        close(fd);
    }
    return 0;
}

static const char *plots_list(unsigned bits)
{
    if ((bits & CLI_NOPLOTS_MATPLOTLIB) && (bits & CLI_NOPLOTS_PLOTLY))
        return "matplotlib,plotly";
    return (bits & CLI_NOPLOTS_MATPLOTLIB) ? "matplotlib" : "plotly";
}

int launch_prepare(struct launch *l, const struct profile_options *o, const char *script,
                   char *err, size_t errlen)
{
    int rc;
    memset(l, 0, sizeof(*l));
    if ((rc = install_find(LAUNCH_BOOTSTRAP_NAME, INSTALL_DATA_FROM_BIN, l->bootstrap,
                           sizeof(l->bootstrap), err, errlen)) < 0)
        return rc;
    if ((rc = temp_file(l->logs, sizeof(l->logs), "logs", NULL)) < 0) {
        snprintf(err, errlen, "cannot create a temporary logs file: %s", strerror(-rc));
        return rc;
    }
    if (notebook_is_notebook(script)) {
        FILE *f = NULL;
        if ((rc = temp_file(l->cells, sizeof(l->cells), "cells", &f)) < 0) {
            snprintf(err, errlen, "cannot create a temporary file: %s", strerror(-rc));
            return rc;
        }
        rc = notebook_convert(script, f, err, errlen);
        if (fclose(f) != 0 && rc == 0)
            rc = (snprintf(err, errlen, "write %s: %s", l->cells, strerror(errno)), -EIO);
        if (rc < 0)
            return rc;
    }
    /* python BOOTSTRAP --log F --level L [--no-plots ..] [--notebook C] -- SCRIPT ARGS */
    size_t n = 0, cap = (size_t)o->nscript_args + 16;
    if (!(l->argv = calloc(cap, sizeof(char *)))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    l->argv[n++] = (char *)o->python;
    l->argv[n++] = l->bootstrap;
    l->argv[n++] = "--log";
    l->argv[n++] = l->logs;
    l->argv[n++] = "--level";
    l->argv[n++] = (char *)(o->log_level ? o->log_level : "WARNING");
    if (o->no_plots) {
        l->argv[n++] = "--no-plots";
        l->argv[n++] = (char *)plots_list(o->no_plots);
    }
    if (l->cells[0]) {
        l->argv[n++] = "--notebook";
        l->argv[n++] = l->cells;
    }
    l->argv[n++] = "--";
    l->argv[n++] = (char *)script;
    for (int i = 0; i < o->nscript_args; i++)
        l->argv[n++] = o->script_args[i];
    return 0;
}

void launch_cleanup(struct launch *l)
{
    if (l->logs[0])
        unlink(l->logs);
    if (l->cells[0])
        unlink(l->cells);
    l->logs[0] = l->cells[0] = '\0';
    free(l->argv);
    l->argv = NULL;
}

long launch_count_log_records(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long records = 0;
    int c, at_start = 1;
    while ((c = getc(f)) != EOF) {
        if (at_start && c != ' ' && c != '\n')
            records++;
        at_start = c == '\n';
    }
    fclose(f);
    return records;
}

/* runpy.py, or "<frozen runpy>" where the build freezes it (3.11+). */
static int is_runpy(const char *file)
{
    const char *slash = strrchr(file, '/');
    return strcmp(slash ? slash + 1 : file, "runpy.py") == 0 ||
           strcmp(file, "<frozen runpy>") == 0;
}

uint32_t launch_kept_frames(const struct profile *p, const struct profile_stack *st,
                            const char *bootstrap, struct profile_frame *out)
{
    uint32_t kept = 0, outer_ours = 0;
    const struct profile_code *innermost_ours = NULL;
    /* Outermost frames first: the bootstrap, then runpy, lead to the
     * user's code through runpy's _run_code or the notebook runner. */
    for (uint32_t k = st->nframes; k-- > 0;) {
        const struct profile_code *c = profile_code(p, st->frames[k].code_id);
        if (!c || !(strcmp(c->file, bootstrap) == 0 || (outer_ours && is_runpy(c->file))))
            break;
        outer_ours++;
        innermost_ours = c;
    }
    if (outer_ours && !(strcmp(innermost_ours->qualname, "_run_code") == 0 ||
                        strcmp(innermost_ours->qualname, "_run_notebook") == 0))
        return 0; /* the bootstrap's own work: setting up */
    /* Inner bootstrap frames (log capture, plot patches) are dropped;
     * their time goes to the frame that called them. */
    for (uint32_t k = 0; k < st->nframes - outer_ours; k++) {
        const struct profile_code *c = profile_code(p, st->frames[k].code_id);
        if (c && strcmp(c->file, bootstrap) == 0)
            continue;
        out[kept++] = st->frames[k];
    }
    return kept;
}

void launch_strip_frames(struct profile *p, const char *bootstrap)
{
    for (size_t i = 0; i < p->nstacks; i++)
        p->stacks[i].nframes = launch_kept_frames(p, &p->stacks[i], bootstrap,
                                                  p->stacks[i].frames);
}
