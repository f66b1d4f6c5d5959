/* The memory parts of the text report (see report_text_internal.h). */
#include "client/report/report_text_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MEM_TOP_LINES 5
#define MEM_NAME_WIDTH 26
#define MEM_SPARK_WIDTH 40

static const char *const blocks[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

void report_text_sparkline(char *buf, size_t len, const double *values, size_t n, size_t width,
                           double max)
{
    size_t used = 0;
    buf[0] = '\0';
    if (n == 0 || width == 0)
        return;
    size_t cells = n < width ? n : width;
    for (size_t c = 0; c < cells; c++) {
        /* each cell shows the largest value of its slice: peaks stay visible */
        size_t from = c * n / cells, to = (c + 1) * n / cells;
        double v = 0;
        for (size_t i = from; i < to; i++)
            if (values[i] > v)
                v = values[i];
        int level = max > 0 ? (int)(v / max * 7.0 + 0.5) : 0;
        level = level < 0 ? 0 : level > 7 ? 7 : level;
        size_t bl = strlen(blocks[level]);
        if (used + bl + 1 > len)
            break;
        memcpy(buf + used, blocks[level], bl + 1);
        used += bl;
    }
}

#define MIB 1048576.0
#define APPROX "\u2248" /* ≈: 3 bytes of UTF-8, one column */

/* A heap figure as precise as it is: exact (every block in it recorded at
 * its true size) as report_text_bytes prints it; sampled as "≈50 MB", with
 * no digit finer than the window. */
static void heap_bytes(char *buf, size_t len, double bytes, int exact, double window)
{
    if (exact || !(window > 0)) {
        report_text_bytes(buf, len, (uint64_t)bytes);
        return;
    }
    double mb = bytes / MIB, w = window / MIB;
    if (mb >= 1024.0)
        snprintf(buf, len, APPROX "%.*f GB", w >= 100 ? 0 : 1, mb / 1024.0);
    else
        snprintf(buf, len, APPROX "%.*f MB", w >= 1 ? 0 : w >= 0.1 ? 1 : 2, mb);
}

/* The window in use and how to change it: --precision N makes it
 * 10 MiB / 2^N (client/run/memsetup.h). */
static void print_window(FILE *out, const struct summary_memory *m)
{
    char w[32];
    if (!(m->window > 0))
        return;
    int precision = (int)lround(log2(10.0 * MIB / m->window));
    if (m->window >= MIB)
        snprintf(w, sizeof(w), "%g MiB", m->window / MIB);
    else
        snprintf(w, sizeof(w), "%g KiB", m->window / 1024.0);
    fprintf(out,
            "Heap figures are sampled, one sample per %s allocated (--precision %d); "
            "figures marked " APPROX " are estimates at that resolution, the others exact "
            "(blocks of a quarter window or more). --precision %d halves the window.\n",
            w, precision, precision < 10 ? precision + 1 : 10);
}

void report_text_mem_usage(FILE *out, const struct summary *s)
{
    const struct summary_memory *m = s->memory;
    if (!m || !m->heap)
        return;
    double *v = malloc((m->ntimeline + 1) * sizeof(*v));
    char spark[MEM_SPARK_WIDTH * 4 + 1], max[32];
    if (!v)
        return;
    for (size_t i = 0; i < m->ntimeline; i++)
        v[i] = m->timeline[i].bytes;
    report_text_sparkline(spark, sizeof(spark), v, m->ntimeline, MEM_SPARK_WIDTH, m->max_bytes);
    free(v);
    heap_bytes(max, sizeof(max), m->max_bytes, m->max_exact, m->window);
    fprintf(out, "Memory usage: %s (max: %s, growth rate: %.1f%%)\n", spark, max,
            m->growth_rate_percent);
    print_window(out, m);
}

static const char *short_name(const char *qualname)
{
    const char *dot = strrchr(qualname, '.');
    return dot ? dot + 1 : qualname;
}

void report_text_mem_summary(FILE *out, const struct summary *s, size_t top)
{
    const struct summary_memory *m = s->memory;
    char a[32], p[32];
    if (!m || !m->heap)
        return;
    size_t n = 0;
    while (n < m->nfunctions && n < top && m->functions[n].alloc_bytes > 0)
        n++;
    fprintf(out, "Top %zu Functions by Memory Usage:\n", n);
    for (size_t i = 0; i < n; i++) {
        const struct summary_mem_function *f = &m->functions[i];
        const char *name = short_name(f->qualname);
        size_t len = strlen(name);
        heap_bytes(a, sizeof(a), f->alloc_bytes, f->alloc_exact >= f->alloc_bytes, m->window);
        heap_bytes(p, sizeof(p), f->peak_bytes, f->peak_exact, m->window);
        fprintf(out, "%2zu. %s%*s%s allocated, peak %s, %.0f%% Python (%s:%d)\n", i + 1, name,
                (int)(len < MEM_NAME_WIDTH ? MEM_NAME_WIDTH - len : 1), "", a, p,
                f->python_percent, f->rel, f->firstlineno);
    }
    fputc('\n', out);
    fputs("Top PEAK memory consumption, by line:\n", out);
    for (size_t i = 0; i < m->nlines && i < MEM_TOP_LINES && m->lines[i].peak_bytes > 0; i++) {
        const struct summary_mem_line *l = &m->lines[i];
        heap_bytes(p, sizeof(p), l->peak_bytes, l->peak_exact, m->window);
        fprintf(out, "(%zu) %s:%d  %s\n", i + 1, l->rel, l->line, p);
    }
    fputc('\n', out);
    for (size_t i = 0; i < m->nleaks; i++) {
        const struct summary_mem_line *l = &m->lines[m->leaks[i]];
        fprintf(out,
                "Possible memory leak identified at line %d of %s (estimated likelihood: "
                "%.0f%%, velocity: %.3f MB/s)\n",
                l->line, l->rel, 100.0 * l->leak_likelihood, l->leak_velocity / 1048576.0);
    }
    if (m->nleaks)
        fputc('\n', out);
}

void report_text_mem_tree(FILE *out, const struct summary *s, const char *file,
                          const char *qualname, int firstlineno)
{
    if (!s->memory || !s->memory->heap)
        return;
    const struct summary_mem_function *f =
        summary_mem_function_of(s->memory, file, qualname, firstlineno);
    char peak[32];
    if (!f || f->peak_bytes <= 0)
        return;
    heap_bytes(peak, sizeof(peak), f->peak_bytes, f->peak_exact, s->memory->window);
    fprintf(out, "  peak %s", peak);
}

#define MEM_COL_PYTHON 7
#define MEM_COL_PEAK 8 /* "≈611 MB" */
#define MEM_COL_TIMELINE 17
#define MEM_COL_COPY 7
#define MEM_ROW_BINS 9 /* sparkline cells in a table row */

static int heap(const struct summary *s)
{
    return s->memory && s->memory->heap;
}

void report_text_mem_header(FILE *out, const struct summary *s, int row)
{
    if (!heap(s))
        return;
    fputs(row == 0 ? "Memory │––––––– │–––––––––––      │Copy   │"
                   : "Python │peak    │timeline/%       │(MB/s) │",
          out);
}

void report_text_mem_rule(FILE *out, const struct summary *s, const char *fill,
                          const char *cross)
{
    static const int widths[] = {MEM_COL_PYTHON, MEM_COL_PEAK, MEM_COL_TIMELINE, MEM_COL_COPY};
    if (!heap(s))
        return;
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        fputs(cross, out);
        report_text_repeat(out, fill, (size_t)widths[i]);
    }
}

/* "611 MB", "4.0 MB", "512 kB", "≈10 MB" when sampled: short enough for
 * the peak cell. */
static void short_bytes(char *buf, size_t len, double bytes, int exact)
{
    const char *mark = exact ? "" : APPROX;
    double mb = bytes / MIB;
    if (mb >= 999.5)
        snprintf(buf, len, "%s%.1f GB", mark, mb / 1024.0);
    else if (mb >= 9.95)
        snprintf(buf, len, "%s%.0f MB", mark, mb);
    else if (mb >= 1)
        snprintf(buf, len, "%s%.1f MB", mark, mb);
    else
        snprintf(buf, len, "%s%.0f kB", mark, bytes / 1024.0);
}

void report_text_mem_cells(FILE *out, const struct summary *s, const struct summary_mem_line *l,
                           const struct summary_mem_function *f)
{
    if (!heap(s))
        return;
    double alloc = l ? l->alloc_bytes : f ? f->alloc_bytes : 0;
    double peak = l ? l->peak_bytes : f ? f->peak_bytes : 0;
    int exact = !(s->memory->window > 0) || (l ? l->peak_exact : f ? f->peak_exact : 1);
    double python = l ? l->python_percent : f ? f->python_percent : 0;
    double share = l ? l->alloc_percent : f ? f->alloc_percent : 0;
    double copy = l ? l->copy_mb_s : f ? f->copy_mb_s : 0;
    char py[32] = "", pk[32] = "", tl[128] = "", cp[32] = "";
    if (alloc > 0) {
        snprintf(py, sizeof(py), "%.1f%%", python);
        short_bytes(pk, sizeof(pk), peak, exact);
    }
    if (l && alloc > 0) {
        /* the row's sparkline: its allocation over the run, in 9 cells */
        double bins[MEM_ROW_BINS] = {0}, max = 0;
        for (int b = 0; b < SUMMARY_MEM_BINS; b++)
            bins[b * MEM_ROW_BINS / SUMMARY_MEM_BINS] += l->bins[b];
        for (int b = 0; b < MEM_ROW_BINS; b++)
            max = bins[b] > max ? bins[b] : max;
        char spark[MEM_ROW_BINS * 4 + 1];
        report_text_sparkline(spark, sizeof(spark), bins, MEM_ROW_BINS, MEM_ROW_BINS, max);
        snprintf(tl, sizeof(tl), " %s %4.1f%% ", spark, share);
    } else if (alloc > 0) {
        snprintf(tl, sizeof(tl), " %14.1f%% ", share);
    }
    if (copy >= 0.5)
        snprintf(cp, sizeof(cp), "%.0f", copy);
    /* the sparkline's blocks are 3 bytes of UTF-8 but one column each */
    int tl_cols = (int)strlen(tl) - (l && alloc > 0 ? MEM_ROW_BINS * 2 : 0);
    /* and "≈" is 3 bytes, one column */
    int pk_cols = (int)strlen(pk) - (strncmp(pk, APPROX, 3) == 0 ? 2 : 0);
    int pk_pad = MEM_COL_PEAK - 1 - pk_cols;
    fprintf(out, "%*s │%*s%s │%s%*s│%*s │", MEM_COL_PYTHON - 1, py, pk_pad > 0 ? pk_pad : 0, "",
            pk, tl, tl_cols < MEM_COL_TIMELINE ? MEM_COL_TIMELINE - tl_cols : 0, "",
            MEM_COL_COPY - 1, cp);
}

int report_text_mem_next_line(const struct summary *s, const char *file, int after)
{
    int best = INT_MAX;
    if (!heap(s))
        return best;
    for (size_t i = 0; i < s->memory->nlines; i++) {
        const struct summary_mem_line *l = &s->memory->lines[i];
        if (l->line > after && l->line < best && l->alloc_bytes > 0 && !strcmp(l->file, file))
            best = l->line;
    }
    return best;
}
