/* What the parts of the text report share: report_text.c (the summary),
 * report_text_table.c (per-file line tables), report_text_trace.c (stack
 * trace summary) and report_text_mem.c (the memory parts, under --memory);
 * internal. */
#ifndef FAH_CLIENT_REPORT_TEXT_INTERNAL_H
#define FAH_CLIENT_REPORT_TEXT_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "client/model/summary.h"
#include "client/report/report_text_format.h"

/* A function's name in the report: its qualname with a class ("Figure.draw"),
 * without the enclosing functions of a nested function unless another
 * reported function would get the same name (report_text_names.c). */
const char *report_text_label(const struct summary *s, const struct summary_function *f);

/* The line tables of every file with enough of the total. */
void report_text_tables(FILE *out, const struct summary *s);

/* "No time was recorded in code under ROOT." and, unless --detailed was
 * used, the library functions that had the time instead, with a pointer to
 * --detailed (report_text_elsewhere.c). */
void report_text_elsewhere(FILE *out, const struct profile *p, const struct summary *s);

/* The thread table (report_text_threads.c): name, tid, CPU seconds, share
 * of sampled time holding the GIL, seconds waiting for it; only when the
 * profile sampled more than one thread. */
void report_text_threads(FILE *out, const struct profile *p);
/* The process table (report_text_procs.c): pid, parent, lifetime, CPU,
 * peak RSS and command of the script and each descendant; nothing when the
 * script ran alone. */
void report_text_processes(FILE *out, const struct profile *p);

/* The Stack Trace Summary for s->traces. */
void report_text_trace(FILE *out, const struct summary *s);

/* The memory parts (report_text_mem.c): the "Memory usage:" sparkline
 * line, "Top N Functions by Memory Usage:", "Top PEAK memory consumption,
 * by line:", leak candidates, peaks in the module tree, and the memory
 * columns of the line tables. */

/* Unicode block sparkline of values[0..n) scaled to max, into buf (at most
 * width characters). */
void report_text_sparkline(char *buf, size_t len, const double *values, size_t n, size_t width,
                           double max);

/* "Memory usage: ▁▂▃… (max: X MB, growth rate: Y%)"; nothing without heap
 * figures. */
void report_text_mem_usage(FILE *out, const struct summary *s);

/* The Top-N memory blocks and leak candidates, for the summary. */
void report_text_mem_summary(FILE *out, const struct summary *s, size_t top);

/* After a function's percentage in "Functions by Module": its peak heap
 * ("  peak 300.000 MB"), when it has one. */
void report_text_mem_tree(FILE *out, const struct summary *s, const char *file,
                          const char *qualname, int firstlineno);

/* The memory columns of the per-file line tables, under --memory only
 * (nothing is printed without heap figures). */
/* Header cells: row 0 "Memory │–––––– │–––––––––––      │Copy   │", row 1
 * "Python │peak   │timeline/%       │(MB/s) │". */
void report_text_mem_header(FILE *out, const struct summary *s, int row);
/* A row's cells for line l or function f; blanks when both are NULL. */
void report_text_mem_cells(FILE *out, const struct summary *s, const struct summary_mem_line *l,
                           const struct summary_mem_function *f);
/* The columns' part of a horizontal rule. */
void report_text_mem_rule(FILE *out, const struct summary *s, const char *fill,
                          const char *cross);
/* The first line after `after` of file with heap figures, or INT_MAX. */
int report_text_mem_next_line(const struct summary *s, const char *file, int after);

#endif
