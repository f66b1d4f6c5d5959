/* report.html's line tables: every user file with charged time, its lines
 * (with time, or with memory figures under --memory) in order, each with
 * its source text and a Python/native/system bar. Source is read as the
 * rows are written, one pass over each file. */
#include <stdlib.h>
#include <string.h>

#include "client/view/escape.h"
#include "client/view/html_parts.h"

struct source_reader {
    FILE *f;
    int at; /* lines read so far */
    char *buf;
    size_t cap;
};

/* The text of line n (n ascending between calls), or "" when unreadable. */
static const char *source_at(struct source_reader *r, int n)
{
    while (r->f && r->at < n) {
        if (getline(&r->buf, &r->cap, r->f) < 0) {
            fclose(r->f);
            r->f = NULL;
            return "";
        }
        r->at++;
    }
    if (r->at != n || !r->buf)
        return "";
    r->buf[strcspn(r->buf, "\r\n")] = '\0';
    return r->buf;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The file's line numbers with time or memory figures, ascending, unique. */
static int *lines_of(const struct summary_file *f, const struct summary_memory *m, size_t *n)
{
    size_t cap = f->nlines + (m ? m->nlines : 0), k = 0;
    int *lines = malloc((cap + 1) * sizeof(*lines));
    if (!lines)
        return NULL;
    for (size_t i = 0; i < f->nlines; i++)
        lines[k++] = f->lines[i].line;
    for (size_t i = 0; m && m->heap && i < m->nlines; i++)
        if (strcmp(m->lines[i].file, f->file) == 0)
            lines[k++] = m->lines[i].line;
    qsort(lines, k, sizeof(*lines), cmp_int);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || lines[u - 1] != lines[i])
            lines[u++] = lines[i];
    *n = u;
    return lines;
}

/* bsearch by line: a summary_line starts with its int line. */
static const struct summary_line *time_line(const struct summary_file *f, int line)
{
    struct summary_line key = {.line = line};
    return bsearch(&key, f->lines, f->nlines, sizeof(key), cmp_int);
}

static void spark(FILE *out, const double *bins, size_t n)
{
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = bins[i] > max ? bins[i] : max;
    fputs("<svg class=\"spark\" width=\"60\" height=\"14\"><polyline stroke=\"#36c\" fill=\"none\" "
          "points=\"",
          out);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? " " : "", out);
        html_fixed(out, 60.0 * (double)i / (double)(n - 1), 1);
        fputc(',', out);
        html_fixed(out, 13.0 - (max > 0 ? 12.0 * bins[i] / max : 0), 1);
    }
    fputs("\"/></svg>", out);
}

static void memory_cells(FILE *out, const struct summary_mem_line *m)
{
    if (!m) {
        fputs("<td></td><td></td><td></td><td></td><td></td>", out);
        return;
    }
    fputs("<td class=\"num\">", out);
    html_bytes(out, m->alloc_bytes);
    fprintf(out, "</td><td class=\"num\">%.0f%%</td><td class=\"num\">", m->python_percent);
    html_bytes(out, m->peak_bytes);
    fputs("</td><td>", out);
    spark(out, m->bins, SUMMARY_MEM_BINS);
    fprintf(out, "</td><td class=\"num\">%.3f</td>", m->copy_mb_s);
}

static void line_row(FILE *out, const struct summary *s, const struct summary_file *f, int line,
                     struct source_reader *src, double full)
{
    static const double none[SUMMARY_KINDS];
    const struct summary_line *t = time_line(f, line);
    fprintf(out, "<tr><td class=\"num\">%d</td><td class=\"num\">", line);
    html_percent(out, t ? t->percent : 0.0);
    fputs("</td><td>", out);
    html_bar(out, t ? t->kind_percent : none, full);
    fputs("</td>", out);
    html_kind_cells(out, t ? t->kind_percent : none);
    if (s->memory && s->memory->heap)
        memory_cells(out, summary_mem_line_of(s->memory, f->file, line));
    fputs("<td class=\"src\">", out);
    escape_xml(out, source_at(src, line));
    fputs("</td></tr>\n", out);
}

static void file_table(FILE *out, const struct summary *s, const struct summary_file *f)
{
    size_t n = 0;
    int *lines = lines_of(f, s->memory, &n);
    if (!lines)
        return;
    double full = 0;
    for (size_t i = 0; i < f->nlines; i++)
        full = f->lines[i].percent > full ? f->lines[i].percent : full;
    fputs("<h3>", out);
    escape_xml(out, f->rel);
    fprintf(out, " (%.1f%%)</h3>\n<table class=\"lines\"><tr><th>line</th><th>share</th>"
                 "<th>split</th><th>python</th><th>native</th><th>system</th>",
            f->percent);
    if (s->memory && s->memory->heap)
        fputs("<th>allocated</th><th>python</th><th>peak</th><th>timeline</th>"
              "<th>copy MB/s</th>",
              out);
    fputs("<th>source</th></tr>\n", out);
    struct source_reader src = {.f = fopen(f->file, "re")};
    for (size_t i = 0; i < n; i++)
        line_row(out, s, f, lines[i], &src, full);
    fputs("</table>\n", out);
    if (src.f)
        fclose(src.f);
    free(src.buf);
    free(lines);
}

void html_lines(FILE *out, const struct summary *s)
{
    fputs("<section id=\"lines\">\n<h2>Lines</h2>\n", out);
    size_t shown = 0;
    for (size_t i = 0; i < s->nfiles; i++)
        if (s->files[i].user && s->files[i].total > 0 && ++shown)
            file_table(out, s, &s->files[i]);
    if (!shown)
        fputs("<p>No line of your code had time charged to it.</p>\n", out);
    fputs("</section>\n", out);
}
