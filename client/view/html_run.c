/* report.html's facts about the run: the thread table (with each thread's
 * GIL share and GIL wait) and the settings. */
#include <stdlib.h>

#include "client/model/thread_rows.h"
#include "client/view/escape.h"
#include "client/view/html_parts.h"

static void thread_row(FILE *out, const struct profile_thread *t, const double *sec,
                       const struct summary *s)
{
    double total = 0, pct[SUMMARY_KINDS];
    for (int k = 0; k < SUMMARY_KINDS; k++)
        total += sec[k];
    for (int k = 0; k < SUMMARY_KINDS; k++)
        pct[k] = summary_percent(sec[k], s->total);
    fprintf(out, "<tr><td class=\"num\">%u</td><td>", t->tid);
    escape_xml(out, t->name ? t->name : "");
    fprintf(out, "</td><td class=\"num\">%.3f s</td><td class=\"num\">%.1f%%</td><td>", total,
            summary_percent(total, s->total));
    html_bar(out, pct, 100.0);
    fputs("</td>", out);
    html_kind_cells(out, pct);
    if (t->observed_seconds > 0)
        fprintf(out, "<td class=\"num\">%.1f%%</td>", profile_thread_gil_percent(t));
    else
        fputs("<td class=\"num\">-</td>", out);
    fprintf(out, "<td class=\"num\">%.3f s</td></tr>\n", t->gil_wait_seconds);
}

static void thread_table_head(FILE *out, const char *id)
{
    fprintf(out, "<table id=\"%s\"><tr><th>tid</th><th>name</th><th>time</th><th>share</th>"
                 "<th>split</th>",
            id);
    for (int k = 0; k < SUMMARY_KINDS; k++)
        fprintf(out, "<th>%s</th>", html_kind_names[k]);
    fputs("<th>GIL held</th><th>GIL wait</th></tr>\n", out);
}

/* Each process's main thread and the heaviest others in the table, in
 * that order; the rest in a closed list under it (thread_rows.h). A
 * thread never sampled gets no row. */
void html_threads(FILE *out, const struct profile *p, const struct summary *s)
{
    if (p->nthreads < 2)
        return;
    double *sec = calloc(p->nthreads * SUMMARY_KINDS, sizeof(*sec));
    if (!sec)
        return;
    for (size_t i = 0; i < p->nstacks; i++) {
        size_t t = 0;
        while (t < p->nthreads && p->threads[t].tid != p->stacks[i].tid)
            t++;
        double kinds[SUMMARY_KINDS];
        summary_counted(p->stacks[i].seconds, s->include_idle, kinds);
        for (int k = 0; t < p->nthreads && k < SUMMARY_KINDS; k++)
            sec[t * SUMMARY_KINDS + k] += kinds[k];
    }
    size_t n, shown;
    size_t *order = thread_rows_order(p, &n, &shown);
    double folded_time = 0;
    for (size_t k = shown; k < n; k++)
        for (int kind = 0; kind < SUMMARY_KINDS; kind++)
            folded_time += sec[order[k] * SUMMARY_KINDS + kind];
    fputs("<section id=\"threads\">\n<h2>Threads</h2>\n", out);
    thread_table_head(out, "thread-table");
    for (size_t k = 0; k < shown; k++)
        thread_row(out, &p->threads[order[k]], &sec[order[k] * SUMMARY_KINDS], s);
    fputs("</table>\n", out);
    if (n > shown) {
        fprintf(out, "<details><summary>%zu more threads: %.3f s</summary>\n", n - shown,
                folded_time);
        thread_table_head(out, "thread-table-more");
        for (size_t k = shown; k < n; k++)
            thread_row(out, &p->threads[order[k]], &sec[order[k] * SUMMARY_KINDS], s);
        fputs("</table>\n</details>\n", out);
    }
    fputs("</section>\n", out);
    free(order);
    free(sec);
}

static void setting(FILE *out, const char *name, const char *value)
{
    fprintf(out, "<dt>%s</dt><dd>", name);
    escape_xml(out, value ? value : "unknown");
    fputs("</dd>\n", out);
}

static void setting_command(FILE *out, const struct profile *p)
{
    fputs("<dt>command</dt><dd>", out);
    for (char **arg = p->command; arg && *arg; arg++) {
        if (arg != p->command)
            fputc(' ', out);
        escape_xml(out, *arg);
    }
    fputs("</dd>\n", out);
}

void html_settings(FILE *out, const struct profile *p, const struct summary *s)
{
    char num[160];
    fputs("<section id=\"settings\">\n<h2>Settings</h2>\n<dl class=\"settings\">\n", out);
    setting_command(out, p);
    setting(out, p->module ? "module" : "script", p->module ? p->module : p->script);
    setting(out, "root", s->root);
    setting(out, "mode", p->mode);
    snprintf(num, sizeof(num), "%u Hz", p->rate_hz);
    setting(out, "rate", num);
    setting(out, "detailed", s->detailed ? "yes" : "no");
    setting(out, "idle counted", s->include_idle ? "yes" : "no");
    snprintf(num, sizeof(num), "%s (%s, offsets from %s)",
             p->python_version ? p->python_version : "unknown",
             p->python_executable ? p->python_executable : "unknown",
             p->offsets_source ? p->offsets_source : "unknown");
    setting(out, "python", num);
    snprintf(num, sizeof(num), "%llu (%llu could not be walked)", (unsigned long long)p->samples,
             (unsigned long long)p->errors);
    setting(out, "samples", num);
    if (p->memory.heap) {
        snprintf(num, sizeof(num), "one sample per %llu bytes allocated",
                 (unsigned long long)p->memory.window);
        setting(out, "heap sampling", num);
    }
    snprintf(num, sizeof(num), "%d%s", p->exit_status, p->interrupted ? ", interrupted" : "");
    setting(out, "exit status", num);
    fputs("</dl>\n</section>\n", out);
}
