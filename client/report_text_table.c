/* The per-file line tables of profile_results.txt: one row per line with a
 * visible share, "..." where lines are skipped, the source text beside it,
 * then the file's functions under a "function summary" separator. */
#include <stdlib.h>
#include <string.h>

#include "client/report_text_internal.h"

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
    if (!f)
        return;
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

static void print_row(FILE *out, int line, const double kind_percent[],
                      const char *text)
{
    char cell[32];

    fprintf(out, "%6d │", line);
    for (int k = 0; k < SUMMARY_KINDS; k++) {
        report_text_cell(cell, sizeof(cell), cell_width[k], kind_percent[k]);
        fprintf(out, "%s│", cell);
    }
    fprintf(out, "%s\n", text);
}

static void print_blank_row(FILE *out, const char *first, const char *text)
{
    fprintf(out, "%6s │", first);
    for (int k = 0; k < SUMMARY_KINDS; k++)
        fprintf(out, "%*s│", cell_width[k], "");
    fprintf(out, "%s\n", text);
}

/* A horizontal rule across the table: left end, fill, junction. */
static void print_table_rule(FILE *out, const char *left, const char *fill,
                             const char *cross)
{
    fputs(left, out);
    report_text_repeat(out, fill, 6);
    for (int k = 0; k < SUMMARY_KINDS; k++) {
        fputs(cross, out);
        report_text_repeat(out, fill, (size_t)cell_width[k]);
    }
    fputs(cross, out);
    report_text_repeat(out, fill, SOURCE_RULE_WIDTH);
    fputc('\n', out);
}

static void print_header(FILE *out, const struct summary *s,
                         const struct summary_file *f)
{
    fprintf(out, "\n   %s: %% of time = %6.2f%% (%.3fs) out of %.3fs.\n",
            f->file, f->percent, f->total, s->total);
    fputs("       │Time    │–––––– │––––––│\n", out);
    fprintf(out, "  Line │Python  │native │system│ %s\n", f->rel);
    print_table_rule(out, "╺", "━", "┿");
}

static void print_lines(FILE *out, const struct summary_file *f,
                        const struct source *src)
{
    int prev = 0;

    for (size_t i = 0; i < f->nlines; i++) {
        const struct summary_line *l = &f->lines[i];

        if (!row_visible(l->kind_percent))
            continue;
        if (l->line > prev + 1)
            print_blank_row(out, "...", "");
        print_row(out, l->line, l->kind_percent, source_line(src, l->line));
        prev = l->line;
    }
}

static void print_functions(FILE *out, const struct summary *s,
                            const struct summary_file *f)
{
    char title[4096];

    print_table_rule(out, "╶", "─", "┼");
    snprintf(title, sizeof(title), " function summary for %s", f->rel);
    print_blank_row(out, "", title);
    for (size_t i = 0; i < f->nfunctions; i++) {
        const struct summary_function *fn = &s->functions[f->functions[i]];

        if (row_visible(fn->kind_percent))
            print_row(out, fn->firstlineno, fn->kind_percent, fn->qualname);
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
        print_lines(out, f, &src);
        print_functions(out, s, f);
        source_free(&src);
    }
}
