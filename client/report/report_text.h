/* The human-readable report: the Profile Summary printed to stdout and,
 * with the per-file line tables and the stack trace, profile_results.txt. */
#ifndef FAH_CLIENT_REPORT_TEXT_H
#define FAH_CLIENT_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client/model/profile.h"
#include "client/model/summary.h"
#include "client/report/paint.h"
#include "client/report/report_text_format.h"

/* Unattributed time is shown in the summary from this share of the run. */
#define REPORT_TEXT_UNATTRIBUTED_PERCENT 0.5

/* Files below this share of the total get no line table. */
#define REPORT_TEXT_FILE_MIN_PERCENT 1.0
/* At most this many files get a line table, the most expensive first ... */
#define REPORT_TEXT_MAX_FILES 20
/* ... each with at most this many lines (the most expensive, in line
 * order) and functions; the rest are in profile.json. */
#define REPORT_TEXT_MAX_LINES 30
#define REPORT_TEXT_MAX_FUNCTIONS 15
/* The stack trace shows at most this many callers of a function; outer
 * ones are left out (full stacks in profile.json). */
#define REPORT_TEXT_TRACE_DEPTH 12
/* Functions below this share are not listed in "Functions by Module". */
#define REPORT_TEXT_TREE_MIN_PERCENT 1.0
/* Call paths printed per function in the stack trace. */
#define REPORT_TEXT_TRACE_PATHS 10

struct report_text_options {
    int command;     /* start with the command line (profile_results.txt) */
    int line_tables; /* per-file line tables (profile_results.txt) */
    int trace;       /* the Stack Trace Summary (needs line_tables' file) */
    size_t top;      /* functions in "Top N"; 0 means SUMMARY_TOP_DEFAULT */
    double min_percent;    /* "Top N" leaves out functions below this share */
    const char *logs_path; /* "Check logs PATH (N warnings)" when records > 0 */
    long log_records;
    int running;       /* the program still runs: "Running for", not "Finished in" */
    /* Colour for a terminal (paint_for_fd); NULL or paint_plain() for none:
     * files never get colour. */
    const struct paint *paint;
};

/* Writes the report for p as summarised by s. Source lines for the tables
 * are read from the files named in the profile; unreadable ones leave the
 * source column empty. Returns 0, or -EIO when writing to out failed. */
int report_text_write(FILE *out, const struct profile *p,
                      const struct summary *s,
                      const struct report_text_options *o);

#endif
