/* The sections of report.html, one writer each; internal to
 * client/view (html.c puts them together). */
#ifndef FAH_VIEW_HTML_PARTS_H
#define FAH_VIEW_HTML_PARTS_H

#include <stdio.h>

#include "client/model/profile.h"
#include "client/model/summary.h"

/* The inline assets (generated from report.css and report.js). */
extern const char view_html_css[];
extern const char view_html_js[];

/* "Profile Summary": totals and their split, unattributed time, the top
 * functions with bars (html_summary.c). */
void html_summary(FILE *out, const struct profile *p, const struct summary *s);
/* Threads with their time, split and GIL share; nothing for a single
 * thread. */
void html_threads(FILE *out, const struct profile *p, const struct summary *s);
/* The script and its descendants (html_procs.c); nothing when the script
 * ran alone. */
void html_processes(FILE *out, const struct profile *p);
/* The run's settings and facts. */
void html_settings(FILE *out, const struct profile *p, const struct summary *s);

/* Each user file's charged lines with source text and bars, memory
 * columns under --memory (html_lines.c). */
void html_lines(FILE *out, const struct summary *s);
/* The memory timelines, peak and top lines by peak; nothing without
 * memory figures (html_memory.c). */
void html_memory(FILE *out, const struct summary *s);

/* Shared helpers (html_summary.c). */
/* "python", "native", "system": CSS classes and column names. */
extern const char *const html_kind_names[SUMMARY_KINDS];
/* A horizontal bar of python, native and system segments (percent of the
 * whole run) on a track that stands for `full` percent (the table's
 * largest, so that the top row fills it). */
void html_bar(FILE *out, const double kind_percent[SUMMARY_KINDS], double full);
/* v (finite, |v| < 1e15) with `decimals` (0-3) digits after the point, as
 * printf's %.Nf would round it to within one unit of the last digit, in a
 * fraction of its time: a page has tens of thousands of such numbers. */
void html_fixed(FILE *out, double v, int decimals);
/* html_fixed(v, 1) then "%". */
void html_percent(FILE *out, double v);
/* One numeric cell per kind: "<td class=num>12.3%</td>" three times. */
void html_kind_cells(FILE *out, const double kind_percent[SUMMARY_KINDS]);
/* "12.345 MB" or "1.234 GB". */
void html_bytes(FILE *out, double bytes);

#endif
