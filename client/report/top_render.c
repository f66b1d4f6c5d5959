/* The screen of `fixingahole top` (see top_render.h). */
#include "client/report/top_render.h"

#include <stdarg.h>
#include <string.h>

#include "client/report/report_text_format.h"

/* The numeric columns of the function and line tables. */
#define NUM_WIDTH 7
/* Lines that are always there: title, totals, legend, keys. */
#define FIXED_LINES 4

struct frame {
    FILE *out;
    const struct top_screen *s;
    int row; /* the next line, from 1 */
};

/* Writes one screen line at the next row, cut to the width. */
__attribute__((format(printf, 2, 3))) static void frame_line(struct frame *f, const char *fmt,
                                                              ...)
{
    char text[2048];
    va_list ap;
    if (f->row > f->s->rows)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
    fprintf(f->out, "\033[%d;1H", f->row++);
    report_text_fit_line(f->out, text, len, (size_t)f->s->cols);
    fprintf(f->out, "%s\033[K", f->s->paint->reset);
}

const char *top_render_file(const char *file, const char *root)
{
    size_t n = strlen(root);
    if (n > 1 && strncmp(file, root, n) == 0 && file[n] == '/')
        return file + n + 1;
    const char *last = strrchr(file, '/');
    if (!last)
        return file;
    const char *before = last;
    while (before > file && before[-1] != '/')
        before--;
    return before > file ? before : file;
}

static double percent_of(double part, const double whole[TOP_KINDS])
{
    double sum = top_kinds_sum(whole);
    return sum > 0 ? 100.0 * part / sum : 0.0;
}

/* A share cell of NUM_WIDTH columns, coloured by its size. */
static int share_cell(char *buf, size_t len, const struct paint *c, double percent)
{
    if (percent < 0.05)
        return snprintf(buf, len, "%*s", NUM_WIDTH, "");
    return snprintf(buf, len, "%s%*.1f%s", paint_heat(c, percent), NUM_WIDTH, percent, c->reset);
}

/* The Python, native and system cells: the row's own time split, in the
 * window when it had own time there, else since the start. */
static int split_cells(char *buf, size_t len, const struct top_row *r)
{
    const double *t = top_kinds_sum(r->window) > 0 ? r->window : r->total;
    double sum = top_kinds_sum(t);
    if (sum <= 0)
        return snprintf(buf, len, "%*s", 3 * 5, "");
    return snprintf(buf, len, "%5.0f%5.0f%5.0f", 100 * t[0] / sum, 100 * t[1] / sum,
                    100 * t[2] / sum);
}

static void header_row(struct frame *f, const struct top_view *v, const char *what)
{
    static const char *const names[TOP_COLUMNS] = {"WIN%", "WIN+%", "ALL%", "ALL+%"};
    const struct paint *c = f->s->paint;
    char cells[256];
    size_t at = 0;
    for (int k = 0; k < TOP_COLUMNS; k++) {
        int sorted = (int)v->sort == k;
        at += (size_t)snprintf(cells + at, sizeof(cells) - at, "%s%s%*s%s%s", c->bold,
                               sorted ? c->inverse : "", NUM_WIDTH - (sorted ? 1 : 0), names[k],
                               sorted ? "\xe2\x96\xbc" : "", c->reset); /* ▼ */
    }
    frame_line(f, "%s%s%5s%5s%5s  %s%s", cells, c->bold, "PY%", "NAT%", "SYS%", what, c->reset);
}

/* The name column: "qualname  file:firstline" for a function, "file:line
 * qualname" for a line. */
static void name_cell(char *buf, size_t len, const struct frame *f, const struct profile *p,
                      const struct top_row *r)
{
    const struct paint *c = f->s->paint;
    const struct profile_code *code = profile_code(p, r->code_id);
    const char *file = code ? top_render_file(code->file, f->s->root) : "?";
    const char *name = code ? code->qualname : "?";
    if (r->line == 0)
        snprintf(buf, len, "%s%s%s  %s%s:%d%s", c->bold, name, c->reset, c->dim, file,
                 code ? code->firstlineno : 0, c->reset);
    else
        snprintf(buf, len, "%s%s:%d%s  %s%s", c->bold, file, r->line, c->reset, name, c->reset);
}

static void table_rows(struct frame *f, const struct top_view *v, const struct profile *p,
                       const struct top_table *t, int lines)
{
    const struct paint *c = f->s->paint;
    int shown = 0;
    for (size_t i = 0; i < t->n && shown < lines; i++) {
        const struct top_row *r = &t->rows[i];
        if (top_row_value(r, v->sort) <= 0)
            break; /* the rest have none either */
        char cells[TOP_COLUMNS][64], split[32], name[1024];
        share_cell(cells[0], sizeof(cells[0]), c, percent_of(top_kinds_sum(r->window),
                                                             v->window_sum));
        share_cell(cells[1], sizeof(cells[1]), c, percent_of(r->window_calls, v->window_sum));
        share_cell(cells[2], sizeof(cells[2]), c, percent_of(top_kinds_sum(r->total),
                                                             v->total_sum));
        share_cell(cells[3], sizeof(cells[3]), c, percent_of(r->total_calls, v->total_sum));
        split_cells(split, sizeof(split), r);
        name_cell(name, sizeof(name), f, p, r);
        frame_line(f, "%s%s%s%s%s  %s", cells[0], cells[1], cells[2], cells[3], split, name);
        shown++;
    }
    if (shown == 0 && lines > 0)
        frame_line(f, "%s  (no samples %s)%s", c->dim,
                   v->sort < TOP_TOTAL_SELF ? "in the window" : "yet", c->reset);
    for (; shown < lines - (shown == 0); shown++)
        frame_line(f, "%s", "");
}

static void thread_rows(struct frame *f, const struct top_view *v, const struct profile *p,
                        int lines)
{
    const struct paint *c = f->s->paint;
    frame_line(f, "%s%10s%*s%*s%5s%5s%5s  %-4s %s%s", c->bold, "THREAD", NUM_WIDTH, "WIN%",
               NUM_WIDTH, "ALL%", "PY%", "NAT%", "SYS%", "GIL", "NAME", c->reset);
    int shown = 0;
    for (size_t i = 0; i < v->nthreads && shown < lines; i++, shown++) {
        const struct top_thread_row *t = &v->threads[i];
        const double *split = top_kinds_sum(t->window) > 0 ? t->window : t->total;
        double sum = top_kinds_sum(split);
        char win[64], all[64];
        share_cell(win, sizeof(win), c, percent_of(top_kinds_sum(t->window), v->window_sum));
        share_cell(all, sizeof(all), c, percent_of(top_kinds_sum(t->total), v->total_sum));
        if (sum <= 0)
            sum = 1;
        frame_line(f, "%10u%s%s%5.0f%5.0f%5.0f  %-4s %s", (unsigned)t->tid, win, all,
                   100 * split[0] / sum, 100 * split[1] / sum, 100 * split[2] / sum,
                   top_thread_gil(p, t), t->name ? t->name : "");
    }
    for (; shown < lines; shown++)
        frame_line(f, "%s", "");
}

static void heading(struct frame *f, const struct top_view *v, const struct profile *p)
{
    const struct top_screen *s = f->s;
    const struct paint *c = s->paint;
    char session[32] = "", rate[32] = "";
    if (s->session_id)
        snprintf(session, sizeof(session), " · session %u", (unsigned)s->session_id);
    if (s->rate_hz)
        snprintf(rate, sizeof(rate), " · %u Hz", s->rate_hz);
    /* The state first: it must survive a narrow terminal. */
    frame_line(f, "%s[%s]%s %sfixingahole top%s · pid %d · Python %s%s · %.1f s%s", c->inverse,
               s->state, c->reset, c->bold, c->reset, (int)s->pid,
               p->python_version ? p->python_version : "?", session, s->elapsed_s, rate);
    double sum = top_kinds_sum(v->window_sum);
    if (sum > 0)
        frame_line(f, "last %.1f s: python %.1f%%  native %.1f%%  system %.1f%%  (%zu thread%s)",
                   v->span_s, 100 * v->window_sum[0] / sum, 100 * v->window_sum[1] / sum,
                   100 * v->window_sum[2] / sum, v->nthreads, v->nthreads == 1 ? "" : "s");
    else
        frame_line(f, "last %.1f s: no time recorded", v->span_s);
    frame_line(f, "%sWIN%% own time in the last %.1f s · ALL%% since %s · + with callees · "
                  "PY/NAT/SYS split of own time%s",
               c->dim, v->span_s, s->since ? s->since : "the start", c->reset);
}

void top_render(FILE *out, const struct top_view *v, const struct profile *p,
                const struct top_screen *s)
{
    struct frame f = {.out = out, .s = s, .row = 1};
    const struct paint *c = s->paint;
    int body = s->rows - FIXED_LINES - 6; /* 3 table headers, 3 blank lines */
    int nthreads = v->nthreads ? (int)v->nthreads : 1;
    int threads = nthreads < 1 + body / 8 ? nthreads : 1 + body / 8;
    int functions = (body - threads) * 11 / 20, lines = body - threads - functions;
    heading(&f, v, p);
    frame_line(&f, "%s", "");
    if (!p->python_version) {
        frame_line(&f, "attaching to pid %d ...", (int)s->pid);
    } else {
        thread_rows(&f, v, p, threads);
        frame_line(&f, "%s", "");
        header_row(&f, v, "FUNCTION  FILE:LINE");
        table_rows(&f, v, p, &v->functions, functions);
        frame_line(&f, "%s", "");
        header_row(&f, v, "FILE:LINE  FUNCTION");
        table_rows(&f, v, p, &v->lines, lines);
    }
    fputs("\033[J", out); /* below the last line */
    f.row = s->rows;
    frame_line(&f, "%s keys: w/t sort by window/total · c own/+callees · < > column · "
                   "p pause · q quit %s",
               c->inverse, c->reset);
    fflush(out);
}
