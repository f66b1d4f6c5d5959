/* How the text report writes numbers and table columns; shared by its
 * parts (report_text*.c) and public through report_text.h. */
#ifndef FAH_CLIENT_REPORT_TEXT_FORMAT_H
#define FAH_CLIENT_REPORT_TEXT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Table cells below this share are left blank, and rows with no visible
 * cell are left out. */
#define REPORT_TEXT_CELL_MIN_PERCENT 0.5

/* The widest line of the tables, trees and trace, in columns; what does not
 * fit is cut with "…" (the full names and stacks are in profile.json). */
#define REPORT_TEXT_WIDTH 120

/* Columns of a UTF-8 string: one per code point (the report's box drawing
 * and block characters are one column wide), none for a colour sequence
 * (paint.h). */
size_t report_text_columns(const char *s);

/* Writes the line s (no newline) cut to at most cols columns, ending in
 * "…" when cut (and the colour reset, when a colour began before the cut). */
void report_text_fit_line(FILE *out, const char *s, size_t len, size_t cols);

/* A part of the report written to memory, then copied to its stream with
 * every line cut to REPORT_TEXT_WIDTH columns. */
struct report_text_fit {
    FILE *out;  /* where the part goes in the end */
    FILE *mem;  /* where it is written meanwhile (out when memory failed) */
    char *text;
    size_t len;
};

/* Starts a part: returns the stream to write it to. */
FILE *report_text_fit_begin(struct report_text_fit *f, FILE *out);
/* Copies the part to f->out, lines cut to REPORT_TEXT_WIDTH. */
void report_text_fit_end(struct report_text_fit *f);

/* Writes `n` copies of the (possibly multi-byte) string `s`. */
void report_text_repeat(FILE *out, const char *s, size_t n);

/* "767.730 MB" below 1 GiB, else "1.230 GB" (binary units, as the RSS
 * figures of the original tool). */
void report_text_bytes(char *buf, size_t len, uint64_t bytes);

/* A table cell of `width` columns: the percentage right-aligned with one
 * trailing space, or blanks below REPORT_TEXT_CELL_MIN_PERCENT. */
void report_text_cell(char *buf, size_t len, int width, double percent);

#endif
