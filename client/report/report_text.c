/* The Profile Summary: command line, run time and memory, the top
 * functions and the module tree, laid out as the original fixing-a-hole
 * prints them, then the optional line tables and stack trace. */
#include "client/report/report_text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/notebook_cell.h"
#include "client/report/report_text_internal.h"

#define RULE_WIDTH 65
/* The percentages of "Functions by Module" end in this column. */
#define TREE_COLUMN 70
#define TOP_NAME_WIDTH 26
/* Longer names are cut so that the percentages stay in one column. */
#define TOP_NAME_MAX 64

/* Prints argv as a shell would need it typed: plain words bare, anything
 * else in single quotes. */
static void print_command(FILE *out, char **argv)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                                "VWXYZ0123456789_-./=:,+@%";

    for (size_t i = 0; argv && argv[i]; i++) {
        const char *a = argv[i];

        fputs(i ? " " : "", out);
        if (*a && strspn(a, plain) == strlen(a)) {
            fputs(a, out);
            continue;
        }
        fputc('\'', out);
        for (; *a; a++)
            fputs(*a == '\'' ? "'\\''" : (char[]){ *a, '\0' }, out);
        fputc('\'', out);
    }
    fputc('\n', out);
}

static void print_rule(FILE *out, const struct paint *c, char fill)
{
    char line[RULE_WIDTH + 1];

    memset(line, fill, RULE_WIDTH);
    line[RULE_WIDTH] = '\0';
    fprintf(out, "%s%s%s\n", c->dim, line, c->reset);
}

static void print_top(FILE *out, const struct paint *c, const struct summary *s, size_t top,
                      double min_percent)
{
    size_t n = s->nfunctions < top ? s->nfunctions : top, width = TOP_NAME_WIDTH - 1;
    struct report_text_fit fit;

    while (n > 0 && s->functions[n - 1].percent < min_percent)
        n--; /* functions are by percent, descending */
    for (size_t i = 0; i < n; i++) {
        size_t cols = report_text_columns(report_text_label(s, &s->functions[i]));

        if (cols > width)
            width = cols < TOP_NAME_MAX ? cols : TOP_NAME_MAX;
    }
    fprintf(out, "%sTop %zu Functions by Total Runtime:%s\n", c->bold, n, c->reset);
    print_rule(out, c, '-');
    FILE *rows = report_text_fit_begin(&fit, out);
    for (size_t i = 0; i < n; i++) {
        const struct summary_function *f = &s->functions[i];
        const char *label = report_text_label(s, f);
        size_t cols = report_text_columns(label);

        fprintf(rows, "%2zu. ", i + 1);
        report_text_fit_line(rows, label, strlen(label), width);
        report_text_repeat(rows, " ", cols < width ? width - cols + 1 : 1);
        fprintf(rows, "%s%5.1f%%%s %s(%s%s%d)%s\n", paint_heat(c, f->percent), f->percent,
                c->reset, c->dim, f->rel, notebook_cell_line_sep(f->rel), f->firstlineno,
                c->reset);
    }
    report_text_fit_end(&fit);
    fputc('\n', out);
}

/* One function leaf: name, dotted leader, percentage ending at TREE_COLUMN;
 * under --memory, then the function's peak heap. */
static void print_tree_function(FILE *out, const struct paint *c, const struct summary *s,
                                const struct summary_function *f, size_t indent)
{
    char num[32];
    const char *label = report_text_label(s, f);
    size_t used = indent + report_text_columns(label);
    size_t len = (size_t)snprintf(num, sizeof(num), "%.2f", f->percent);
    size_t dots = used + len + 3 < TREE_COLUMN ? TREE_COLUMN - used - len : 3;

    fputs(label, out);
    report_text_repeat(out, ".", dots);
    fprintf(out, "%s%s%%%s", paint_heat(c, f->percent), num, c->reset);
    report_text_mem_tree(out, s, f->file, f->qualname, f->firstlineno);
    fputc('\n', out);
}

static void print_module(FILE *out, const struct paint *c, const struct summary *s,
                         const struct summary_module *m, char *prefix, size_t depth, int last)
{
    size_t plen = strlen(prefix), nkids = m->nchildren, listed = 0;

    fprintf(out, "%s%s%s%s%s (%zu func, %.2f%% total)\n", prefix, last ? "└─ " : "├─ ", c->bold,
            m->name, c->reset, m->nfunctions, m->percent);
    strcat(prefix, last ? "   " : "│  ");
    for (size_t i = 0; i < m->nlisted; i++)
        listed += s->functions[m->functions[i]].percent >= REPORT_TEXT_TREE_MIN_PERCENT;
    for (size_t i = 0; i < nkids; i++)
        print_module(out, c, s, &m->children[i], prefix, depth + 1,
                     i + 1 == nkids && listed == 0);
    for (size_t i = 0, shown = 0; i < m->nlisted; i++) {
        const struct summary_function *f = &s->functions[m->functions[i]];

        if (f->percent < REPORT_TEXT_TREE_MIN_PERCENT)
            continue;
        fprintf(out, "%s%s", prefix, ++shown == listed ? "└─ " : "├─ ");
        print_tree_function(out, c, s, f, 3 * (depth + 2));
    }
    prefix[plen] = '\0';
}

/* Module depth is bounded by path length; each level adds at most 5 bytes
 * ("│  " is 3 columns, 5 bytes) to the prefix. */
static size_t module_depth(const struct summary_module *m)
{
    size_t d = 0;

    for (size_t i = 0; i < m->nchildren; i++) {
        size_t c = module_depth(&m->children[i]);

        if (c > d)
            d = c;
    }
    return d + 1;
}

static void print_modules(FILE *out, const struct paint *c, const struct summary *s)
{
    size_t cap = 5 * module_depth(&s->modules) + 1;
    char *prefix = calloc(cap, 1);
    struct report_text_fit fit;

    fprintf(out, "%sFunctions by Module:%s\n", c->bold, c->reset);
    print_rule(out, c, '-');
    if (!prefix)
        return;
    FILE *tree = report_text_fit_begin(&fit, out);
    for (size_t i = 0; i < s->modules.nchildren; i++)
        print_module(tree, c, s, &s->modules.children[i], prefix, 0,
                     i + 1 == s->modules.nchildren);
    report_text_fit_end(&fit);
    free(prefix);
}

static void print_finished(FILE *out, const struct profile *p, int running)
{
    char mem[32];

    report_text_bytes(mem, sizeof(mem), p->max_rss_bytes);
    fprintf(out, "%s %.3f seconds using %s of RAM.\n", running ? "Running for" : "Finished in",
            p->wall_seconds, mem);
}

static void print_closing(FILE *out, const struct paint *c, const struct profile *p)
{
    char mem[32];

    fputs("\n\n", out);
    print_rule(out, c, '=');
    report_text_bytes(mem, sizeof(mem), p->max_rss_bytes);
    fprintf(out, "Max RSS Memory Usage: %s\n", mem);
    fprintf(out, "Wall Time: %.3f seconds\n", p->wall_seconds);
    if (p->exit_status != 0)
        fprintf(out, "Exit status: %d\n", p->exit_status);
    if (p->interrupted)
        fputs("Interrupted\n", out);
}

/* Time no stack could be given for, when it is worth a look (over 0.5% of
 * the run): a profile that hides it would present the rest as the whole. */
static void print_unattributed(FILE *out, const struct profile *p, const struct summary *s)
{
    const char *const *why = profile_unplaced_labels;
    double by[PROFILE_UNPLACED_REASONS] = {0}, sum = 0;

    for (int r = 1; r < PROFILE_UNPLACED_REASONS; r++)
        sum += by[r] = profile_unplaced_seconds(p, r, s->include_idle);
    if (s->total <= 0)
        return;
    double floor = REPORT_TEXT_UNATTRIBUTED_PERCENT / 100.0 * s->total;
    /* Placed on stacks, but on none of the code the report covers: the
     * interpreter starting up and importing, code no file of yours called
     * (all of a `--module pytest` run's tests, say: "start-up, imports"
     * alone told its reader that 94% of the run was start-up). */
    double outside = s->other_seconds - sum;
    if (sum >= floor) {
        fprintf(out, "Unattributed: %.1f%% of the run (", 100.0 * sum / s->total);
        const char *sep = "";
        for (int r = 1; r < PROFILE_UNPLACED_REASONS; r++)
            if (by[r] > 0) {
                fprintf(out, "%s%s %.1f%%", sep, why[r], 100.0 * by[r] / s->total);
                sep = ", ";
            }
        fputs(")\n", out);
    }
    if (outside >= floor)
        fprintf(out, "Outside your code: %.1f%% of the run (" SUMMARY_OUTSIDE_WHAT "%s)\n",
                100.0 * outside / s->total, s->detailed ? "" : "; --detailed shows them");
    /* A failed walk is no observation: the daemon splits its time between
     * the stacks read before and after it (daemon/sampler.c), so it is not
     * lost, but the reader should know how many reads failed. */
    if (p->errors > 0)
        fprintf(out, "Unreadable stacks: %" PRIu64 " failed reads in %" PRIu64 " samples; their "
                "time is charged to the stacks read before and after them\n",
                p->errors, p->samples);
    /* The daemon keeps both ends of a stack too deep to keep whole: a
     * function seen only in the middle misses those samples. */
    double deep = profile_gap_seconds(p, s->include_idle);
    if (deep > 0)
        fprintf(out, "Deep stacks: %.1f%% of the run was in stacks too deep to keep whole; "
                "their middle frames are left out (\"(frames left out)\" in traces)\n",
                100.0 * deep / s->total);
    if (sum >= floor || outside >= floor || p->errors > 0 || deep > 0)
        fputc('\n', out);
}

static void print_summary(FILE *out, const struct paint *c, const struct profile *p,
                          const struct summary *s, size_t top, double min_percent)
{
    fprintf(out, "\n%sProfile Summary%s (%.3fs total)\n", c->bold, c->reset, s->total);
    print_rule(out, c, '=');
    if (s->include_idle)
        fputs("Idle time (locks, joins, the GIL) is counted as system time.\n",
              out);
    if (p->gil_only)
        fputs("Only samples of threads holding the GIL are counted (--gil).\n", out);
    report_text_mem_usage(out, s);
    fputc('\n', out);
    report_text_mem_summary(out, s, top);
    print_unattributed(out, p, s);
    report_text_threads(out, p);
    if (s->nfunctions == 0) {
        report_text_elsewhere(out, p, s);
        return;
    }
    print_top(out, c, s, top, min_percent);
    print_modules(out, c, s);
}

int report_text_write(FILE *out, const struct profile *p,
                      const struct summary *s,
                      const struct report_text_options *o)
{
    if (o->command && p->command)
        print_command(out, p->command);
    print_finished(out, p, o->running);
    if (p->offsets_note)
        fprintf(out, "Note: %s\n", p->offsets_note);
    if (o->logs_path && o->log_records > 0)
        fprintf(out, "Check logs %s (%ld warning%s)\n", o->logs_path, o->log_records,
                o->log_records == 1 ? "" : "s");
    const struct paint *c = o->paint ? o->paint : paint_plain();

    print_summary(out, c, p, s, o->top ? o->top : SUMMARY_TOP_DEFAULT, o->min_percent);
    report_text_processes(out, p);
    print_closing(out, c, p);
    if (o->line_tables)
        report_text_tables(out, s);
    if (o->trace && s->ntraces > 0)
        report_text_trace(out, s);
    fflush(out);
    return ferror(out) ? -EIO : 0;
}
