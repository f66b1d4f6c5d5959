/* The per-file line tables of profile_results.txt: one row per line with a
 * visible share, "..." where lines are skipped, the source text beside it,
 * then the file's functions under a "function summary" separator. Bounded
 * so that a large run stays readable: REPORT_TEXT_MAX_FILES files, each
 * with its REPORT_TEXT_MAX_LINES most expensive lines and
 * REPORT_TEXT_MAX_FUNCTIONS functions; the rest is in profile.json. */
#include <limits.h>
#include <stdint.h>
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
    if (line == 0) /* profile-json.md: 0 means unknown */
        return "(line unknown: the interpreter had not recorded a line for these samples)";
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

/* Marks in keep[] the visible lines of f, at most REPORT_TEXT_MAX_LINES:
 * the most expensive. Returns how many visible lines were left out. */
static size_t keep_lines(const struct summary_file *f, unsigned char *keep)
{
    size_t visible = 0, left_out = 0;

    for (size_t i = 0; i < f->nlines; i++)
        visible += keep[i] = (unsigned char)row_visible(f->lines[i].kind_percent);
    /* Drop the cheapest until the rest fit (files are small: quadratic is fine
     * for the few that overflow). */
    while (visible - left_out > REPORT_TEXT_MAX_LINES) {
        size_t cheapest = SIZE_MAX;

        for (size_t i = 0; i < f->nlines; i++) {
            if (keep[i] && (cheapest == SIZE_MAX ||
                            f->lines[i].percent < f->lines[cheapest].percent))
                cheapest = i;
        }
        keep[cheapest] = 0;
        left_out++;
    }
    return left_out;
}

/* The kept lines and, under --memory, the lines with heap figures, merged
 * by line number. */
static void print_lines(FILE *out, const struct summary *s, const struct summary_file *f,
                        const struct source *src, const unsigned char *keep)
{
    static const double no_time[SUMMARY_KINDS];
    int prev = -1;
    size_t i = 0;

    for (;;) {
        while (i < f->nlines && !keep[i])
            i++;
        int next_mem = report_text_mem_next_line(s, f->file, prev);
        int line = i < f->nlines && f->lines[i].line < next_mem ? f->lines[i].line : next_mem;
        if (line == INT_MAX)
            break;
        const double *kinds = i < f->nlines && f->lines[i].line == line
                                  ? f->lines[i].kind_percent : no_time;
        if (kinds != no_time)
            i++;
        if (prev < 0 ? line > 1 : line > prev + 1) /* lines skipped */
            print_blank_row(out, s, "...", "");
        print_row(out, s, line, kinds, summary_mem_line_of(s->memory, f->file, line), NULL,
                  source_line(src, line));
        prev = line;
    }
}

/* The file's visible functions, at most REPORT_TEXT_MAX_FUNCTIONS (the
 * most expensive), by first line. */
static void print_functions(FILE *out, const struct summary *s,
                            const struct summary_file *f)
{
    char title[4096];
    size_t visible = 0, shown = 0;
    double floor = 0.0; /* functions cheaper than this are left out */

    for (size_t i = 0; i < f->nfunctions; i++)
        visible += (size_t)row_visible(s->functions[f->functions[i]].kind_percent);
    if (visible > REPORT_TEXT_MAX_FUNCTIONS) {
        /* s->functions is by percent, descending: the indices say the rank. */
        size_t rank = 0;

        for (size_t k = 0; k < s->nfunctions && rank < REPORT_TEXT_MAX_FUNCTIONS; k++) {
            const struct summary_function *fn = &s->functions[k];

            if (strcmp(fn->file, f->file) == 0 && row_visible(fn->kind_percent)) {
                floor = fn->percent;
                rank++;
            }
        }
    }
    print_table_rule(out, s, "╶", "─", "┼");
    snprintf(title, sizeof(title), " function summary for %s", f->rel);
    print_blank_row(out, s, "", title);
    for (size_t i = 0; i < f->nfunctions; i++) {
        const struct summary_function *fn = &s->functions[f->functions[i]];

        if (row_visible(fn->kind_percent) && fn->percent >= floor &&
            shown < REPORT_TEXT_MAX_FUNCTIONS) {
            shown++;
            print_row(out, s, fn->firstlineno, fn->kind_percent, NULL,
                      summary_mem_function_of(s->memory, fn->file, fn->qualname,
                                              fn->firstlineno),
                      fn->qualname);
        }
    }
    if (shown < visible) {
        snprintf(title, sizeof(title), " ... %zu more functions, in profile.json", visible - shown);
        print_blank_row(out, s, "", title);
    }
}

/* A table has something to show: a visible line, or heap figures. */
static int has_rows(const struct summary *s, const struct summary_file *f)
{
    for (size_t i = 0; i < f->nlines; i++) {
        if (row_visible(f->lines[i].kind_percent))
            return 1;
    }
    return report_text_mem_next_line(s, f->file, -1) != INT_MAX;
}

static void print_table(FILE *out, const struct summary *s, const struct summary_file *f)
{
    struct source src;
    unsigned char *keep = calloc(f->nlines + 1, 1);
    size_t left_out;
    char note[128];

    if (!keep)
        return;
    left_out = keep_lines(f, keep);
    source_load(&src, f->file);
    print_header(out, s, f);
    print_lines(out, s, f, &src, keep);
    if (left_out) {
        snprintf(note, sizeof(note), "(%zu more lines with time, in profile.json)", left_out);
        print_blank_row(out, s, "...", note);
    }
    print_functions(out, s, f);
    source_free(&src);
    free(keep);
}

void report_text_tables(FILE *out, const struct summary *s)
{
    struct report_text_fit fit;
    size_t shown = 0, more = 0;
    FILE *tables = report_text_fit_begin(&fit, out);

    fputc('\n', tables);
    for (size_t i = 0; i < s->nfiles; i++) {
        const struct summary_file *f = &s->files[i];

        /* Files are by percent, descending: the first ones are the most
         * expensive. A file whose lines are all below the cells' threshold
         * would get an empty table. */
        if (f->percent < REPORT_TEXT_FILE_MIN_PERCENT || !has_rows(s, f))
            continue;
        if (shown == REPORT_TEXT_MAX_FILES) {
            more++;
            continue;
        }
        print_table(tables, s, f);
        shown++;
    }
    if (more)
        fprintf(tables, "\n... %zu more files with at least %.0f%% of the time: their lines are "
                        "in profile.json.\n", more, REPORT_TEXT_FILE_MIN_PERCENT);
    report_text_fit_end(&fit);
}
