/* The rows of `fixingahole top` (see top_view.h). Every update recomputes
 * them from the stacks: the window's time of a stack is its time now less
 * its time at the snapshot that opens the window, so the window needs no
 * per-sample timestamps, only a few copies of the stacks' totals. */
#include "client/report/top_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/profile_strip.h"
#include "common/buf.h"

void top_view_init(struct top_view *v, double window_s, const char *bootstrap)
{
    memset(v, 0, sizeof(*v));
    v->window_s = window_s;
    v->bootstrap = bootstrap;
    v->nsnapshots = 1; /* the start: nothing recorded yet */
}

static void table_free(struct top_table *t)
{
    free(t->rows);
    hashtab_free(&t->index);
}

void top_view_free(struct top_view *v)
{
    for (size_t i = 0; i < TOP_SNAPSHOTS; i++)
        free(v->ring[i].seconds);
    table_free(&v->functions);
    table_free(&v->lines);
    free(v->threads);
    memset(v, 0, sizeof(*v));
}

double top_kinds_sum(const double t[TOP_KINDS])
{
    double sum = 0;
    for (int k = 0; k < TOP_KINDS; k++)
        sum += t[k];
    return sum;
}

/* The row's key in the index: never 0, which the table reserves, as code
 * ids index the profile's codes and stay below UINT32_MAX. */
static uint64_t row_key(uint32_t code_id, int32_t line)
{
    return ((uint64_t)code_id + 1) << 32 | (uint32_t)line;
}

/* The row of (code_id, line), added empty when new; NULL when out of memory. */
static struct top_row *table_row(struct top_table *t, uint32_t code_id, int32_t line)
{
    uint64_t key = row_key(code_id, line), r;
    if (hashtab_get(&t->index, key, &r))
        return &t->rows[r];
    struct top_row *rows = buf_grow_array(t->rows, &t->cap, t->n + 1, sizeof(*rows));
    if (!rows)
        return NULL;
    t->rows = rows;
    if (hashtab_put(&t->index, key, t->n) < 0)
        return NULL;
    t->rows[t->n] = (struct top_row){.code_id = code_id, .line = line};
    return &t->rows[t->n++];
}

static void table_clear(struct top_table *t)
{
    t->n = 0;
    hashtab_clear(&t->index);
}

static struct top_thread_row *thread_row(struct top_view *v, const struct profile *p,
                                         uint32_t tid)
{
    for (size_t i = 0; i < v->nthreads; i++)
        if (v->threads[i].tid == tid)
            return &v->threads[i];
    struct top_thread_row *grown =
        buf_grow_array(v->threads, &v->threads_cap, v->nthreads + 1, sizeof(*grown));
    if (!grown)
        return NULL;
    v->threads = grown;
    struct top_thread_row *t = &v->threads[v->nthreads++];
    *t = (struct top_thread_row){.tid = tid};
    for (size_t i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == tid)
            t->name = p->threads[i].name;
    return t;
}

/* Copies the stacks' times into the ring when the newest copy is older
 * than a step: the window then opens at most one step late. */
static int take_snapshot(struct top_view *v, const struct profile *p, double now)
{
    double step = v->window_s / (TOP_SNAPSHOTS - 2);
    if (now - v->ring[v->newest].at < step)
        return 0;
    size_t slot = (v->newest + 1) % TOP_SNAPSHOTS;
    struct top_snapshot *s = &v->ring[slot];
    double(*seconds)[TOP_KINDS] =
        buf_grow_array(s->seconds, &s->cap, p->nstacks + 1, sizeof(*seconds));
    if (!seconds)
        return -ENOMEM;
    for (size_t i = 0; i < p->nstacks; i++)
        memcpy(seconds[i], p->stacks[i].seconds, sizeof(seconds[i]));
    s->seconds = seconds;
    s->nstacks = p->nstacks;
    s->at = now;
    v->newest = slot;
    if (v->nsnapshots < TOP_SNAPSHOTS)
        v->nsnapshots++;
    return 0;
}

/* The snapshot that opens the window: the newest one taken at least
 * window_s ago, so the window spans window_s to window_s plus a step (even
 * after a pause longer than the window), else the oldest one. */
static const struct top_snapshot *window_base(const struct top_view *v, double now)
{
    const struct top_snapshot *base = NULL;
    for (size_t age = v->nsnapshots; age-- > 0;) {
        const struct top_snapshot *s =
            &v->ring[(v->newest + TOP_SNAPSHOTS - age) % TOP_SNAPSHOTS];
        if (!base || s->at <= now - v->window_s)
            base = s;
    }
    return base;
}

static void add_kinds(double to[TOP_KINDS], const double from[TOP_KINDS])
{
    for (int k = 0; k < TOP_KINDS; k++)
        to[k] += from[k];
}

/* One stack's time on the rows of table t: its own time to the innermost
 * frame's row, its whole time once to every row on the stack. */
static int add_stack(struct top_table *t, const struct profile_frame *frames, uint32_t n,
                     int by_line, size_t stack, const double win[TOP_KINDS],
                     const double all[TOP_KINDS])
{
    double win_sum = top_kinds_sum(win), all_sum = top_kinds_sum(all);
    for (uint32_t k = 0; k < n; k++) {
        struct top_row *r = table_row(t, frames[k].code_id, by_line ? frames[k].line : 0);
        if (!r)
            return -ENOMEM;
        if (k == 0) {
            add_kinds(r->window, win);
            add_kinds(r->total, all);
        }
        if (r->seen_in != stack + 1) { /* recursion counts once */
            r->seen_in = stack + 1;
            r->window_calls += win_sum;
            r->total_calls += all_sum;
        }
    }
    return 0;
}

static int add_all_stacks(struct top_view *v, const struct profile *p,
                          const struct top_snapshot *base, struct profile_frame *frames)
{
    for (size_t i = 0; i < p->nstacks; i++) {
        const struct profile_stack *st = &p->stacks[i];
        double all[TOP_KINDS], win[TOP_KINDS];
        for (int k = 0; k < TOP_KINDS; k++) {
            all[k] = st->seconds[k];
            win[k] = all[k] - (i < base->nstacks ? base->seconds[i][k] : 0);
        }
        add_kinds(v->window_sum, win);
        add_kinds(v->total_sum, all);
        struct top_thread_row *t = thread_row(v, p, st->tid);
        if (!t)
            return -ENOMEM;
        add_kinds(t->window, win);
        add_kinds(t->total, all);
        uint32_t n = profile_strip_kept_frames(p, st, v->bootstrap, frames);
        if (add_stack(&v->functions, frames, n, 0, i, win, all) < 0 ||
            add_stack(&v->lines, frames, n, 1, i, win, all) < 0)
            return -ENOMEM;
    }
    return 0;
}

static uint32_t deepest_stack(const struct profile *p)
{
    uint32_t n = 1;
    for (size_t i = 0; i < p->nstacks; i++)
        if (p->stacks[i].nframes > n)
            n = p->stacks[i].nframes;
    return n;
}

int top_view_update(struct top_view *v, const struct profile *p, double now)
{
    if (take_snapshot(v, p, now) < 0)
        return -ENOMEM;
    struct profile_frame *frames = malloc(deepest_stack(p) * sizeof(*frames));
    if (!frames)
        return -ENOMEM;
    const struct top_snapshot *base = window_base(v, now);
    v->now = now;
    v->span_s = now - base->at;
    memset(v->window_sum, 0, sizeof(v->window_sum));
    memset(v->total_sum, 0, sizeof(v->total_sum));
    table_clear(&v->functions);
    table_clear(&v->lines);
    v->nthreads = 0;
    int rc = add_all_stacks(v, p, base, frames);
    free(frames);
    top_view_sort(v, v->sort);
    return rc;
}

double top_row_value(const struct top_row *r, enum top_column c)
{
    switch (c) {
    case TOP_WINDOW_CALLS:
        return r->window_calls;
    case TOP_TOTAL_SELF:
        return top_kinds_sum(r->total);
    case TOP_TOTAL_CALLS:
        return r->total_calls;
    default:
        return top_kinds_sum(r->window);
    }
}

/* Largest first; ties in code and line order, so rows do not flicker. */
static int compare_rows(const void *a, const void *b, void *column)
{
    const struct top_row *x = a, *y = b;
    enum top_column c = *(const enum top_column *)column;
    double vx = top_row_value(x, c), vy = top_row_value(y, c);
    if (vx != vy)
        return vx < vy ? 1 : -1;
    if (x->code_id != y->code_id)
        return x->code_id < y->code_id ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static int compare_threads(const void *a, const void *b, void *column)
{
    const struct top_thread_row *x = a, *y = b;
    int total = *(const enum top_column *)column >= TOP_TOTAL_SELF;
    double vx = top_kinds_sum(total ? x->total : x->window);
    double vy = top_kinds_sum(total ? y->total : y->window);
    if (vx != vy)
        return vx < vy ? 1 : -1;
    return (x->tid > y->tid) - (x->tid < y->tid);
}

void top_view_sort(struct top_view *v, enum top_column c)
{
    v->sort = c;
    /* The rows are rebuilt, index and all, by the next update: sorting
     * them in place does not break the lookups. */
    if (v->functions.n)
        qsort_r(v->functions.rows, v->functions.n, sizeof(struct top_row), compare_rows, &c);
    if (v->lines.n)
        qsort_r(v->lines.rows, v->lines.n, sizeof(struct top_row), compare_rows, &c);
    if (v->nthreads)
        qsort_r(v->threads, v->nthreads, sizeof(*v->threads), compare_threads, &c);
}

const char *top_thread_gil(const struct profile *p, const struct top_thread_row *t)
{
    for (size_t i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == t->tid)
            return p->threads[i].held_last == 1 ? "held" : "-";
    return "-";
}
