/* The results folder of a run (see results.h). */
#include "client/report/results.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/view/html.h"
#include "client/model/summary.h"
#include "client/report/outdir.h"
#include "client/report/report_json.h"
#include "client/report/report_text.h"
#include "client/report/results_logs.h"

/* profile_results.txt in full; stdout gets the summary part only, and
 * last the path of report.html. */
static int write_text(const char *path, const struct profile *p, const struct summary *s,
                      int trace, const char *logs, long log_records, const char *html)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    struct report_text_options full = {.command = 1, .line_tables = 1, .trace = trace,
                                       .logs_path = logs, .log_records = log_records};
    struct report_text_options brief = {.logs_path = logs, .log_records = log_records,
                                        .paint = paint_for_fd(fileno(stdout))};
    int rc = report_text_write(f, p, s, &full);
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    report_text_write(stdout, p, s, &brief);
    printf("Report: %s\n", html);
    fflush(stdout);
    return rc;
}

/* report.html, removed again when it could not be written whole. No
 * temporary name and rename as for profile.json: no tool reads it back,
 * and the rename was a measurable part of its cost (bench/README.md). */
static int write_html(const char *path, const struct profile *p, const struct summary *s,
                      char *err, size_t errlen)
{
    FILE *f = fopen(path, "we");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "open %s: %s", path, strerror(e));
        return -e;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16); /* the page can run to megabytes */
    int rc = export_html_summary(p, s, f, err, errlen);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "write %s: %s", path, strerror(errno));
        rc = -EIO;
    }
    if (rc < 0)
        unlink(path);
    return rc;
}

static int make_folder(const struct results_request *r, char *folder, size_t len, char *err,
                       size_t errlen)
{
    int rc = outdir_create(r->output, r->source ? r->source : r->name, time(NULL), folder, len,
                           err, errlen);
    if (rc == 0 && r->source)
        rc = outdir_copy_file(r->source, folder, err, errlen);
    return rc;
}

int results_write(const struct profile *p, const struct results_request *r, char *folder,
                  size_t folderlen, char *err, size_t errlen)
{
    int rc = make_folder(r, folder, folderlen, err, errlen);
    if (rc < 0)
        return rc;
    struct summary_options so = {.root = r->root, .ignore = r->ignore, .nignore = r->nignore,
                                 .detailed = r->detailed, .include_idle = r->include_idle};
    struct summary *s = summary_new(p, &so);
    if (!s) {
        snprintf(err, errlen, "summary: out of memory");
        return -ENOMEM;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/profile.json", folder);
    rc = report_json_write(path, p, s, err, errlen);
    char logs[PATH_MAX + 32];
    if (rc == 0 && r->logs)
        rc = results_keep_logs(r->logs, folder, r->root, logs, sizeof(logs), err, errlen);
    char html[PATH_MAX + 32];
    snprintf(html, sizeof(html), "%s/report.html", folder);
    if (rc == 0)
        rc = write_html(html, p, s, err, errlen);
    snprintf(path, sizeof(path), "%s/profile_results.txt", folder);
    if (rc == 0 && (rc = write_text(path, p, s, r->trace, r->logs ? logs : NULL,
                                    r->log_records, html)) < 0)
        snprintf(err, errlen, "write %s: %s", path, strerror(-rc));
    summary_free(s);
    return rc;
}
