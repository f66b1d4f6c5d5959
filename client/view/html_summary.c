/* report.html's Profile Summary: the total and its split, unattributed
 * time, and the top functions with their bars; and the bar and byte
 * helpers the other sections share. */
#include <math.h>

#include "client/view/escape.h"
#include "client/view/html_parts.h"

/* Functions listed in the summary's table (the text report lists 10). */
#define HTML_TOP_FUNCTIONS 30

const char *const html_kind_names[SUMMARY_KINDS] = {"python", "native", "system"};

void html_fixed(FILE *out, double v, int decimals)
{
    static const double scale[] = {1, 10, 100, 1000};
    char buf[32], *p = buf + sizeof(buf);
    int negative = v < 0;
    unsigned long long u = (unsigned long long)((negative ? -v : v) * scale[decimals] + 0.5);
    for (int d = 0; d < decimals; d++, u /= 10)
        *--p = (char)('0' + u % 10);
    if (decimals)
        *--p = '.';
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (negative)
        *--p = '-';
    fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), out);
}

void html_percent(FILE *out, double v)
{
    html_fixed(out, v, 1);
    fputc('%', out);
}

void html_bar(FILE *out, const double kind_percent[SUMMARY_KINDS], double full)
{
    fputs("<div class=\"bar\">", out);
    for (int k = 0; k < SUMMARY_KINDS; k++) {
        double w = full > 0 ? 100.0 * kind_percent[k] / full : 0;
        if (w > 0.05) {
            fprintf(out, "<span class=\"%s\" style=\"width:", html_kind_names[k]);
            html_percent(out, fmin(w, 100.0));
            fputs("\"></span>", out);
        }
    }
    fputs("</div>", out);
}

void html_kind_cells(FILE *out, const double kind_percent[SUMMARY_KINDS])
{
    for (int k = 0; k < SUMMARY_KINDS; k++) {
        fputs("<td class=\"num\">", out);
        html_percent(out, kind_percent[k]);
        fputs("</td>", out);
    }
}

void html_bytes(FILE *out, double bytes)
{
    double mb = bytes / (1024.0 * 1024.0);
    if (mb < 1024.0)
        fprintf(out, "%.3f MB", mb);
    else
        fprintf(out, "%.3f GB", mb / 1024.0);
}

static void write_split(FILE *out, const struct summary *s)
{
    fprintf(out, "<p id=\"total\" data-seconds=\"%.6f\">Profile Summary (%.3fs total): ",
            s->total, s->total);
    for (int k = 0; k < SUMMARY_KINDS; k++)
        fprintf(out, "%s%s %.1f%%", k ? ", " : "", html_kind_names[k],
                summary_percent(s->kind_seconds[k], s->total));
    fputs(".</p>\n", out);
    double split[SUMMARY_KINDS];
    for (int k = 0; k < SUMMARY_KINDS; k++)
        split[k] = summary_percent(s->kind_seconds[k], s->total);
    html_bar(out, split, 100.0);
    if (s->include_idle)
        fputs("<p class=\"note\">Idle time (locks, joins, the GIL) is counted as system "
              "time.</p>\n",
              out);
}

static void write_unattributed(FILE *out, const struct profile *p, const struct summary *s)
{
    const char *const *why = profile_unplaced_labels;
    double sum = 0;
    if (s->total <= 0 || s->other_seconds <= 0) /* unattributed time is part of it */
        return;
    fputs("<p class=\"note\">", out);
    for (int r = 1; r < PROFILE_UNPLACED_REASONS; r++) {
        double by = profile_unplaced_seconds(p, r, s->include_idle);
        if (by > 0)
            fprintf(out, "%s%s %.1f%%", sum > 0 ? ", " : "Unattributed: ", why[r],
                    100.0 * by / s->total);
        sum += by;
    }
    double outside = s->other_seconds - sum;
    if (outside > 0)
        fprintf(out, "%sOutside your code (" SUMMARY_OUTSIDE_WHAT "): %.1f%%",
                sum > 0 ? ". " : "", 100.0 * outside / s->total);
    fputs("</p>\n", out);
}

static void write_function_row(FILE *out, size_t rank, const struct summary_function *f,
                               double full)
{
    fputs("<tr class=\"function\" data-name=\"", out);
    escape_xml(out, f->qualname);
    fputs("\" data-share=\"", out);
    html_fixed(out, f->percent, 1);
    fprintf(out, "\"><td class=\"num\">%zu</td><td>", rank);
    escape_xml(out, f->qualname);
    fputs("</td><td class=\"num\">", out);
    html_percent(out, f->percent);
    fputs("</td><td>", out);
    html_bar(out, f->kind_percent, full);
    fputs("</td>", out);
    html_kind_cells(out, f->kind_percent);
    fputs("<td>", out);
    escape_xml(out, f->rel);
    fprintf(out, ":%d</td></tr>\n", f->firstlineno);
}

static void write_top(FILE *out, const struct summary *s)
{
    if (s->nfunctions == 0) {
        fputs("<p>No time was recorded in code under <code>", out);
        escape_xml(out, s->root);
        fputs("</code>; the flame graph shows where it went.</p>\n", out);
        return;
    }
    size_t n = s->nfunctions < HTML_TOP_FUNCTIONS ? s->nfunctions : HTML_TOP_FUNCTIONS;
    fprintf(out, "<h3>Top %zu functions by total runtime</h3>\n<table id=\"top-functions\">"
                 "<tr><th>#</th><th>function</th><th>share</th><th>split</th><th>python</th>"
                 "<th>native</th><th>system</th><th>where</th></tr>\n",
            n);
    for (size_t i = 0; i < n; i++)
        write_function_row(out, i + 1, &s->functions[i], s->functions[0].percent);
    fputs("</table>\n", out);
}

void html_summary(FILE *out, const struct profile *p, const struct summary *s)
{
    fputs("<section id=\"summary\">\n<h2>Profile Summary</h2>\n", out);
    if (p->offsets_note) {
        fputs("<p class=\"note\">Note: ", out);
        escape_xml(out, p->offsets_note);
        fputs("</p>\n", out);
    }
    write_split(out, s);
    write_unattributed(out, p, s);
    write_top(out, s);
    fputs("<p>Max RSS memory usage: ", out);
    html_bytes(out, (double)p->max_rss_bytes);
    fprintf(out, ". Wall time: %.3f seconds.%s</p>\n</section>\n", p->wall_seconds,
            p->interrupted ? " Interrupted." : "");
}
