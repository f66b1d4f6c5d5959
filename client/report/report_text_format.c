/* Number and column formatting for the text report (see report_text_format.h). */
#include "client/report/report_text_format.h"

#include <stdlib.h>
#include <string.h>

size_t report_text_columns(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80; /* not a continuation byte */
    return n;
}

void report_text_fit_line(FILE *out, const char *s, size_t len, size_t cols)
{
    size_t used = 0, i = 0, n = 0;

    for (size_t k = 0; k < len; k++)
        n += ((unsigned char)s[k] & 0xC0) != 0x80;
    if (n <= cols) {
        fwrite(s, 1, len, out);
        return;
    }
    /* Room for cols - 1 code points, then the ellipsis. */
    while (i < len) {
        size_t next = i + 1;

        while (next < len && ((unsigned char)s[next] & 0xC0) == 0x80)
            next++;
        if (used + 1 > cols - 1)
            break;
        used++;
        i = next;
    }
    fwrite(s, 1, i, out);
    fputs("…", out);
}

FILE *report_text_fit_begin(struct report_text_fit *f, FILE *out)
{
    memset(f, 0, sizeof(*f));
    f->out = out;
    f->mem = open_memstream(&f->text, &f->len);
    if (!f->mem)
        f->mem = out; /* unfitted rather than nothing */
    return f->mem;
}

void report_text_fit_end(struct report_text_fit *f)
{
    if (f->mem == f->out)
        return;
    fclose(f->mem);
    for (size_t at = 0; f->text && at < f->len;) {
        const char *nl = memchr(f->text + at, '\n', f->len - at);
        size_t end = nl ? (size_t)(nl - f->text) : f->len;

        report_text_fit_line(f->out, f->text + at, end - at, REPORT_TEXT_WIDTH);
        if (nl)
            fputc('\n', f->out);
        at = end + 1;
    }
    free(f->text);
    f->text = NULL;
}

void report_text_repeat(FILE *out, const char *s, size_t n)
{
    while (n--)
        fputs(s, out);
}

void report_text_bytes(char *buf, size_t len, uint64_t bytes)
{
    double mb = (double)bytes / (1024.0 * 1024.0);

    if (mb < 1024.0)
        snprintf(buf, len, "%.3f MB", mb);
    else
        snprintf(buf, len, "%.3f GB", mb / 1024.0);
}

void report_text_cell(char *buf, size_t len, int width, double percent)
{
    char num[32];
    int n;

    if (!(percent >= REPORT_TEXT_CELL_MIN_PERCENT)) {
        snprintf(buf, len, "%*s", width, "");
        return;
    }
    n = snprintf(num, sizeof(num), "%.1f%%", percent);
    if (n > width - 1) /* "100.0%" in a 6-wide column */
        snprintf(num, sizeof(num), "%.0f%%", percent);
    snprintf(buf, len, "%*s ", width - 1, num);
}
