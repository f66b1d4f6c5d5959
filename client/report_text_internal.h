/* What report_text.c shares with report_text_table.c (per-file line
 * tables) and report_text_trace.c (stack trace summary); internal. */
#ifndef FAH_CLIENT_REPORT_TEXT_INTERNAL_H
#define FAH_CLIENT_REPORT_TEXT_INTERNAL_H

#include <stdio.h>

#include "client/report_text.h"

/* Writes `n` copies of the (possibly multi-byte) string `s`. */
void report_text_repeat(FILE *out, const char *s, size_t n);

/* The line tables of every file with enough of the total. */
void report_text_tables(FILE *out, const struct summary *s);

/* The Stack Trace Summary for s->traces. */
void report_text_trace(FILE *out, const struct summary *s);

#endif
