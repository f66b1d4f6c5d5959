/* The interpreter's command line (see launch.h). */
#include "client/run/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/run/notebook.h"
#include "client/run/tempfile.h"
#include "common/install_paths.h"

static const char *plots_list(const struct launch_options *o)
{
    if (o->no_matplotlib && o->no_plotly)
        return "matplotlib,plotly";
    return o->no_matplotlib ? "matplotlib" : "plotly";
}

int launch_prepare(struct launch *l, const struct launch_options *o, const char *script,
                   char *err, size_t errlen)
{
    int rc;
    memset(l, 0, sizeof(*l));
    if ((rc = install_find(LAUNCH_BOOTSTRAP_NAME, INSTALL_DATA_FROM_BIN, l->bootstrap,
                           sizeof(l->bootstrap), err, errlen)) < 0)
        return rc;
    tempfile_sweep();
    if ((rc = tempfile_create(l->logs, sizeof(l->logs), TEMPFILE_LOGS, NULL)) < 0) {
        snprintf(err, errlen, "cannot create a temporary logs file: %s", strerror(-rc));
        return rc;
    }
    if ((rc = tempfile_create(l->end_mark, sizeof(l->end_mark), TEMPFILE_END_MARK, NULL)) < 0) {
        snprintf(err, errlen, "cannot create a temporary file: %s", strerror(-rc));
        return rc;
    }
    if (script && notebook_is_notebook(script)) {
        FILE *f = NULL;
        if ((rc = tempfile_create(l->cells, sizeof(l->cells), TEMPFILE_CELLS, &f)) < 0) {
            snprintf(err, errlen, "cannot create a temporary file: %s", strerror(-rc));
            return rc;
        }
        rc = notebook_convert(script, f, err, errlen);
        if (fclose(f) != 0 && rc == 0)
            rc = (snprintf(err, errlen, "write %s: %s", l->cells, strerror(errno)), -EIO);
        if (rc < 0)
            return rc;
    }
    /* python BOOTSTRAP --log F --level L --end-mark E [--no-plots ..]
     *     [--notebook C] [--module NAME] -- [SCRIPT] ARGS */
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
    l->argv[n++] = "--end-mark";
    l->argv[n++] = l->end_mark;
    if (o->no_matplotlib || o->no_plotly) {
        l->argv[n++] = "--no-plots";
        l->argv[n++] = (char *)plots_list(o);
    }
    if (l->cells[0]) {
        l->argv[n++] = "--notebook";
        l->argv[n++] = l->cells;
    }
    if (o->module) {
        l->argv[n++] = "--module";
        l->argv[n++] = (char *)o->module;
    }
    l->argv[n++] = "--";
    if (!o->module)
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
    if (l->end_mark[0])
        unlink(l->end_mark);
    l->logs[0] = l->cells[0] = l->end_mark[0] = '\0';
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
