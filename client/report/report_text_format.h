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

/* Writes `n` copies of the (possibly multi-byte) string `s`. */
void report_text_repeat(FILE *out, const char *s, size_t n);

/* "767.730 MB" below 1 GiB, else "1.230 GB" (binary units, as the RSS
 * figures of the original tool). */
void report_text_bytes(char *buf, size_t len, uint64_t bytes);

/* A table cell of `width` columns: the percentage right-aligned with one
 * trailing space, or blanks below REPORT_TEXT_CELL_MIN_PERCENT. */
void report_text_cell(char *buf, size_t len, int width, double percent);

#endif
