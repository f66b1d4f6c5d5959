/* report.html's memory section: the heap and RSS timelines as inline SVG
 * with their peaks, the lines with the highest peaks and the leak
 * candidates (--memory); the RSS timeline alone otherwise. */
#include "client/view/escape.h"
#include "client/view/html_parts.h"

#define TIMELINE_W 720.0
#define TIMELINE_H 120.0
/* Lines listed by peak (the text report's Top N). */
#define HTML_TOP_MEMORY_LINES 10

static void timeline(FILE *out, const char *title, const char *colour,
                     const struct summary_mem_point *pt, size_t n, double duration)
{
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = pt[i].bytes > max ? pt[i].bytes : max;
    if (n == 0 || max <= 0 || duration <= 0)
        return;
    fprintf(out, "<h3>%s: peak ", title);
    html_bytes(out, max);
    fprintf(out, "</h3>\n<svg class=\"timeline\" width=\"%.0f\" height=\"%.0f\" "
                 "viewBox=\"0 0 %.0f %.0f\"><polyline stroke=\"%s\" points=\"0,%.0f",
            TIMELINE_W, TIMELINE_H, TIMELINE_W, TIMELINE_H, colour, TIMELINE_H);
    for (size_t i = 0; i < n; i++) { /* whole pixels */
        fputc(' ', out);
        html_fixed(out, TIMELINE_W * pt[i].t / duration, 0);
        fputc(',', out);
        html_fixed(out, TIMELINE_H - (TIMELINE_H - 4) * pt[i].bytes / max, 0);
    }
    fprintf(out, "\"/></svg>\n<p class=\"note\">0 to %.3f s</p>\n", duration);
}

static void top_lines(FILE *out, const struct summary_memory *m)
{
    fputs("<h3>Top lines by peak memory</h3>\n<table id=\"memory-lines\"><tr><th>line</th>"
          "<th>function</th><th>peak</th><th>allocated</th><th>python</th>"
          "<th>copy MB/s</th></tr>\n",
          out);
    for (size_t i = 0; i < m->nlines && i < HTML_TOP_MEMORY_LINES; i++) {
        const struct summary_mem_line *l = &m->lines[i];
        fputs("<tr><td>", out);
        escape_xml(out, l->rel);
        fprintf(out, ":%d</td><td>", l->line);
        escape_xml(out, l->qualname);
        fputs("</td><td class=\"num\">", out);
        html_bytes(out, l->peak_bytes);
        fputs("</td><td class=\"num\">", out);
        html_bytes(out, l->alloc_bytes);
        fprintf(out, "</td><td class=\"num\">%.0f%%</td><td class=\"num\">%.3f</td></tr>\n",
                l->python_percent, l->copy_mb_s);
    }
    fputs("</table>\n", out);
}

static void leaks(FILE *out, const struct summary_memory *m)
{
    if (m->nleaks == 0)
        return;
    fputs("<h3>Possible leaks</h3>\n<ul>\n", out);
    for (size_t i = 0; i < m->nleaks; i++) {
        const struct summary_mem_line *l = &m->lines[m->leaks[i]];
        fputs("<li>", out);
        escape_xml(out, l->rel);
        fprintf(out, ":%d: likelihood %.0f%%, %.3f MB/s left live</li>\n", l->line,
                100.0 * l->leak_likelihood, l->leak_velocity / (1024.0 * 1024.0));
    }
    fputs("</ul>\n", out);
}

void html_memory(FILE *out, const struct summary *s)
{
    const struct summary_memory *m = s->memory;
    if (!m || (m->ntimeline == 0 && m->nrss == 0))
        return;
    fputs("<section id=\"memory\">\n<h2>Memory</h2>\n", out);
    if (m->heap) {
        timeline(out, "Sampled heap", "#c33", m->timeline, m->ntimeline, m->duration);
        fprintf(out, "<p>Growth rate %.1f%%%s.</p>\n", m->growth_rate_percent,
                m->max_exact ? "" : " (sampled figures: resolution one window)");
    }
    timeline(out, "RSS", "#36c", m->rss, m->nrss, m->duration);
    if (m->heap) {
        top_lines(out, m);
        leaks(out, m);
    }
    fputs("</section>\n", out);
}
