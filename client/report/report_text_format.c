/* Number and column formatting for the text report (see report_text_format.h). */
#include "client/report/report_text_format.h"

#include <stdlib.h>
#include <string.h>

/* The length of the colour sequence (ESC [ parameters final-byte, as
 * paint.h writes) at s[0..len), or 0 when s does not start one: it takes no
 * column. */
static size_t escape_length(const char *s, size_t len)
{
    size_t i = 2;

    if (len < 2 || s[0] != '\033' || s[1] != '[')
        return 0;
    while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x40)
        i++;
    return i < len ? i + 1 : len;
}

/* The bytes of the code point or escape at s[0..len), and its columns. */
static size_t next_glyph(const char *s, size_t len, size_t *cols)
{
    size_t esc = escape_length(s, len), next = 1;

    *cols = esc ? 0 : 1;
    if (esc)
        return esc;
    while (next < len && ((unsigned char)s[next] & 0xC0) == 0x80)
        next++;
    return next;
}

static size_t columns_of(const char *s, size_t len)
{
    size_t n = 0, i = 0, cols;

    while (i < len) {
        i += next_glyph(s + i, len - i, &cols);
        n += cols;
    }
    return n;
}

size_t report_text_columns(const char *s)
{
    return columns_of(s, strlen(s));
}

void report_text_fit_line(FILE *out, const char *s, size_t len, size_t cols)
{
    size_t used = 0, i = 0, w;
    int escaped = 0;

    if (columns_of(s, len) <= cols) {
        fwrite(s, 1, len, out);
        return;
    }
    /* Room for cols - 1 columns, then the ellipsis; a colour begun in the
     * part kept is ended after it. */
    while (i < len) {
        size_t step = next_glyph(s + i, len - i, &w);

        if (used + w > cols - 1)
            break;
        escaped |= w == 0;
        used += w;
        i += step;
    }
    fwrite(s, 1, i, out);
    fputs(escaped ? "…\033[0m" : "…", out);
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
