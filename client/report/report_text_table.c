/* The per-file line tables of profile_results.txt: one row per line with a
 * visible share, "..." where lines are skipped, the source text beside it,
 * then the file's functions under a "function summary" separator. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/notebook_cell.h"
#include "client/report/report_text.h"
#include "client/report/report_text_internal.h"

#define SOURCE_RULE_WIDTH 64

/* A source file split into lines; lines[i] is line i + 1, NUL-terminated
 * without its newline. Empty when the file cannot be read. */
struct source {
    char *text;
    char **lines;
    size_t nlines;
};

static void source_split(struct source *src, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += src->text[i] == '\n';
    if (!(src->lines = calloc(n + 1, sizeof(*src->lines))))
        return;
    for (char *c = src->text; c < src->text + len;) {
        char *nl = memchr(c, '\n', (size_t)(src->text + len - c));
        char *end = nl ? nl : src->text + len;

        if (end > c && end[-1] == '\r')
            end[-1] = '\0';
        *end = '\0';
        src->lines[src->nlines++] = c;
        c = end + 1;
    }
}

static void source_load(struct source *src, const char *path)
{
    FILE *f = fopen(path, "rb");
    long len;

    memset(src, 0, sizeof(*src));
    if (!f) {
        /* A notebook cell ("a.ipynb [cell 3]"): its text is in the notebook. */
        if ((src->text = notebook_cell_text(path)))
            source_split(src, strlen(src->text));
        return;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (src->text = malloc((size_t)len + 1))) {
        size_t got = fread(src->text, 1, (size_t)len, f);

        src->text[got] = '\0';
        source_split(src, got);
    }
    fclose(f);
}

static void source_free(struct source *src)
{
    free(src->lines);
    free(src->text);
}

static const char *source_line(const struct source *src, int line)
{
    if (line < 1 || (size_t)line > src->nlines)
        return "";
    return src->lines[line - 1];
}

/* ---- rows --------------------------------------------------------------- */

static const int cell_width[SUMMARY_KINDS] = { 8, 7, 6 };

static int row_visible(const double kind_percent[SUMMARY_KINDS])
{
    for (int k = 0; k < SUMMARY_KINDS; k++) {
        if (kind_percent[k] >= REPORT_TEXT_CELL_MIN_PERCENT)
            return 1;
    }
    return 0;
}

/* A row: line, time cells, under --memory the memory cells of ml (a line)
 * or mf (a function), then the text. */
static void print_row(FILE *out, const struct summary *s, int line, const double kind_percent[],
                      const struct summary_mem_line *ml, const struct summary_mem_function *mf,
                      const char *text)
{
    char cell[32];

    fprintf(out, "%6d │", line);
    for (int k = 0; k < SUMMARY_KINDS; k++) {
        report_text_cell(cell, sizeof(cell), cell_width[k], kind_percent[k]);
        fprintf(out, "%s│", cell);
    }
    report_text_mem_cells(out, s, ml, mf);
    fprintf(out, "%s\n", text);
}

static void print_blank_row(FILE *out, const struct summary *s, const char *first,
                            const char *text)
{
    fprintf(out, "%6s │", first);
    for (int k = 0; k < SUMMARY_KINDS; k++)
        fprintf(out, "%*s│", cell_width[k], "");
    report_text_mem_cells(out, s, NULL, NULL);
    fprintf(out, "%s\n", text);
}

/* A horizontal rule across the table: left end, fill, junction. */
static void print_table_rule(FILE *out, const struct summary *s, const char *left,
                             const char *fill, const char *cross)
{
    fputs(left, out);
    report_text_repeat(out, fill, 6);
    for (int k = 0; k < SUMMARY_KINDS; k++) {
        fputs(cross, out);
        report_text_repeat(out, fill, (size_t)cell_width[k]);
    }
    report_text_mem_rule(out, s, fill, cross);
    fputs(cross, out);
    report_text_repeat(out, fill, SOURCE_RULE_WIDTH);
    fputc('\n', out);
}

static void print_header(FILE *out, const struct summary *s,
                         const struct summary_file *f)
{
    fprintf(out, "\n   %s: %% of time = %6.2f%% (%.3fs) out of %.3fs.\n",
            f->file, f->percent, f->total, s->total);
    fputs("       │Time    │–––––– │––––––│", out);
    report_text_mem_header(out, s, 0);
    fputs("\n  Line │Python  │native │system│", out);
    report_text_mem_header(out, s, 1);
    fprintf(out, " %s\n", f->rel);
    print_table_rule(out, s, "╺", "━", "┿");
}

/* The lines with a visible share of time and, under --memory, the lines
 * with heap figures, merged by line number. */
static void print_lines(FILE *out, const struct summary *s, const struct summary_file *f,
                        const struct source *src)
{
    static const double no_time[SUMMARY_KINDS];
    int prev = 0;
    size_t i = 0;

    for (;;) {
        while (i < f->nlines && !row_visible(f->lines[i].kind_percent))
            i++;
        int next_mem = report_text_mem_next_line(s, f->file, prev);
        int line = i < f->nlines && f->lines[i].line < next_mem ? f->lines[i].line : next_mem;
        if (line == INT_MAX)
            break;
        const double *kinds = i < f->nlines && f->lines[i].line == line
                                  ? f->lines[i].kind_percent : no_time;
        if (kinds != no_time)
            i++;
        if (line > prev + 1)
            print_blank_row(out, s, "...", "");
        print_row(out, s, line, kinds, summary_mem_line_of(s->memory, f->file, line), NULL,
                  source_line(src, line));
        prev = line;
    }
}

static void print_functions(FILE *out, const struct summary *s,
                            const struct summary_file *f)
{
    char title[4096];

    print_table_rule(out, s, "╶", "─", "┼");
    snprintf(title, sizeof(title), " function summary for %s", f->rel);
    print_blank_row(out, s, "", title);
    for (size_t i = 0; i < f->nfunctions; i++) {
        const struct summary_function *fn = &s->functions[f->functions[i]];

        if (row_visible(fn->kind_percent))
            print_row(out, s, fn->firstlineno, fn->kind_percent, NULL,
                      summary_mem_function_of(s->memory, fn->file, fn->qualname,
                                              fn->firstlineno),
                      fn->qualname);
    }
}

void report_text_tables(FILE *out, const struct summary *s)
{
    fputc('\n', out);
    for (size_t i = 0; i < s->nfiles; i++) {
        const struct summary_file *f = &s->files[i];
        struct source src;

        if (f->percent < REPORT_TEXT_FILE_MIN_PERCENT)
            continue;
        source_load(&src, f->file);
        print_header(out, s, f);
        print_lines(out, s, f, &src);
        print_functions(out, s, f);
        source_free(&src);
    }
}
