/* report.html: one self-contained page (style and script inline, no
 * network) with the Profile Summary, an interactive flame graph, each user
 * file's lines with their Python/native/system bars (and memory columns
 * under --memory), the threads and the run's settings. How it stays usable
 * at 100k stacks: docs/report-html.md. */
#ifndef FAH_VIEW_HTML_H
#define FAH_VIEW_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "client/model/profile.h"
#include "client/model/summary.h"

/* The export table's writer (client/export/export.h): summarises p as the
 * run did (p->root, p->detailed, p->include_idle; root "/" when unknown)
 * and writes the page to out. Returns 0, or a negative errno with err
 * filled ("report.html: out of memory", or -EIO when writing failed). */
int export_html(const struct profile *p, FILE *out, char *err, size_t errlen);

/* The page for p as s summarised it (the results folder has a summary
 * already). Same returns as export_html. */
int export_html_summary(const struct profile *p, const struct summary *s, FILE *out, char *err,
                        size_t errlen);

#endif
