/* The memory figures (see summary_mem.h). Events are replayed in time
 * order so that each line's live sampled bytes can be followed: a line's
 * peak is the most it held at once, the run's heap is the sum over lines. */
#include "client/model/summary_mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/summary.h"

struct mem_build {
    const struct profile *p;
    const struct summary_options *o;
    struct summary_memory *m;
    unsigned char *counts; /* counts[code]: a frame that can be charged */
    long *line_of;         /* line_of[stack]: index into m->lines, -1 none */
    size_t lines_cap;
    double *line_live, *func_live;
    unsigned long *line_sampled, *func_sampled; /* live blocks not recorded whole */
};

size_t summary_mem_downsample(struct summary_mem_point *points, size_t n, size_t max)
{
    if (n <= max || max == 0)
        return n;
    double t0 = points[0].t, span = points[n - 1].t - t0;
    size_t out = 0, last_slot = 0;
    for (size_t i = 0; i < n; i++) {
        size_t slot = span > 0 ? (size_t)((points[i].t - t0) / span * (double)(max - 1)) : 0;
        if (slot >= max)
            slot = max - 1;
        if (out == 0 || slot != last_slot) {
            points[out++] = points[i]; /* slots never decrease: out <= slot + 1 */
            last_slot = slot;
        } else if (points[i].bytes >= points[out - 1].bytes) {
            points[out - 1] = points[i];
        }
    }
    return out;
}

double summary_mem_growth_rate(const struct summary_mem_point *points, size_t n, double start,
                               double max)
{
    if (n == 0 || max <= 0)
        return 0.0;
    size_t base = 0;
    while (start >= 0 && base + 1 < n && points[base + 1].t <= start)
        base++;
    return 100.0 * (points[n - 1].bytes - points[base].bytes) / max;
}

size_t summary_mem_resample(const struct summary_mem_point *points, size_t n, double end,
                            struct summary_mem_point *out, size_t max)
{
    size_t slices = n < max ? n : max, used = 0, i = 0;
    if (slices == 0)
        return 0;
    if (!(end > 0)) { /* no span: the first value alone */
        out[0] = (struct summary_mem_point){0, points[0].bytes};
        return 1;
    }
    double step = end / (double)slices, value = 0;
    int have = 0;
    for (size_t k = 0; k < slices; k++) {
        double to = k + 1 == slices ? end : step * (double)(k + 1), top = value;
        int seen = have;
        for (; i < n && points[i].t <= end && (points[i].t < to || k + 1 == slices); i++) {
            value = points[i].bytes;
            top = seen && top > value ? top : value;
            seen = have = 1;
        }
        if (seen)
            out[used++] = (struct summary_mem_point){to, top};
    }
    return used;
}

int summary_mem_event_exact(long long bytes, double window)
{
    return !(window > 0 && (double)(bytes < 0 ? -bytes : bytes) == window);
}

double summary_mem_leak_likelihood(unsigned long allocs, unsigned long freed)
{
    unsigned long unfreed = freed < allocs ? allocs - freed : 0;
    return ((double)unfreed + 1.0) / ((double)allocs + 2.0);
}

static void build_counts(struct mem_build *b)
{
    for (uint32_t id = 0; id < b->p->ncodes; id++) {
        const struct profile_code *c = profile_code(b->p, id);
        if (c && !c->native) /* native frames have no line (--native) */
            b->counts[id] = (unsigned char)(b->o->detailed ? summary_is_real_file(c->file)
                                                           : summary_is_user_file(c->file, b->o));
    }
}

static long function_index(struct mem_build *b, const struct profile_code *c)
{
    struct summary_memory *m = b->m;
    for (size_t i = 0; i < m->nfunctions; i++) {
        const struct summary_mem_function *f = &m->functions[i];
        if (f->firstlineno == c->firstlineno && !strcmp(f->qualname, c->qualname) &&
            !strcmp(f->file, c->file))
            return (long)i;
    }
    /* functions has room for every line (one function per line at most) */
    struct summary_mem_function *f = &m->functions[m->nfunctions];
    memset(f, 0, sizeof(*f));
    f->file = c->file;
    f->rel = summary_relative(c->file, b->o->root);
    f->qualname = c->qualname;
    f->firstlineno = c->firstlineno;
    return (long)m->nfunctions++;
}

/* The line a stack's events are charged to, created on first use. */
static long line_index(struct mem_build *b, size_t stack)
{
    if (b->line_of[stack] != -2)
        return b->line_of[stack];
    const struct profile_stack *st = &b->p->stacks[stack];
    long c = summary_charged_frame(st, b->counts, b->p->ncodes);
    b->line_of[stack] = -1;
    if (c < 0)
        return -1;
    const struct profile_code *code = profile_code(b->p, st->frames[c].code_id);
    int line = st->frames[c].line;
    struct summary_memory *m = b->m;
    for (size_t i = 0; i < m->nlines; i++)
        if (m->lines[i].line == line && !strcmp(m->lines[i].file, code->file) &&
            !strcmp(m->lines[i].qualname, code->qualname))
            return b->line_of[stack] = (long)i;
    if (m->nlines == b->lines_cap) {
        size_t cap = b->lines_cap ? b->lines_cap * 2 : 64;
        struct summary_mem_line *l = realloc(m->lines, cap * sizeof(*l));
        struct summary_mem_function *f = realloc(m->functions, cap * sizeof(*f));
        if (l)
            m->lines = l;
        if (f)
            m->functions = f;
        if (!l || !f)
            return -ENOMEM;
        b->lines_cap = cap;
    }
    struct summary_mem_line *l = &m->lines[m->nlines];
    memset(l, 0, sizeof(*l));
    l->file = code->file;
    l->rel = summary_relative(code->file, b->o->root);
    l->line = line;
    l->qualname = code->qualname;
    l->firstlineno = code->firstlineno;
    l->first_alloc_t = -1;
    l->function = (size_t)function_index(b, code);
    return b->line_of[stack] = (long)m->nlines++;
}

static int by_time(const void *a, const void *b)
{
    const struct profile_heap_event *x = *(const struct profile_heap_event *const *)a;
    const struct profile_heap_event *y = *(const struct profile_heap_event *const *)b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x < y ? -1 : x > y; /* arrival order among equals */
}

static int charge_lines(struct mem_build *b)
{
    const struct profile_memory *pm = &b->p->memory;
    for (size_t i = 0; i < pm->nevents; i++)
        if (pm->events[i].stack < b->p->nstacks && line_index(b, pm->events[i].stack) == -ENOMEM)
            return -ENOMEM;
    return 0;
}

/* Heap timeline, per-line and per-function live bytes, peaks, bins. Events
 * after the script's end (the interpreter's teardown) are left out. */
static int replay(struct mem_build *b)
{
    const struct profile_memory *pm = &b->p->memory;
    struct summary_memory *m = b->m;
    const struct profile_heap_event **order = malloc((pm->nevents + 1) * sizeof(*order));
    m->timeline = malloc((pm->nevents + 2) * sizeof(*m->timeline));
    b->line_live = calloc(m->nlines + 1, sizeof(double));
    b->func_live = calloc(m->nfunctions + 1, sizeof(double));
    b->line_sampled = calloc(m->nlines + 1, sizeof(unsigned long));
    b->func_sampled = calloc(m->nfunctions + 1, sizeof(unsigned long));
    if (!order || !m->timeline || !b->line_live || !b->func_live || !b->line_sampled ||
        !b->func_sampled) {
        free(order);
        return -ENOMEM;
    }
    size_t nevents = 0;
    for (size_t i = 0; i < pm->nevents; i++)
        if (pm->events[i].t <= m->duration)
            order[nevents++] = &pm->events[i];
    qsort(order, nevents, sizeof(*order), by_time);
    double heap = 0;
    unsigned long heap_sampled = 0;
    m->max_exact = 1;
    m->timeline[m->ntimeline++] = (struct summary_mem_point){0, 0};
    for (size_t i = 0; i < nevents; i++) {
        const struct profile_heap_event *ev = order[i];
        long li = ev->stack < b->p->nstacks ? b->line_of[ev->stack] : -1;
        struct summary_mem_line *l = li >= 0 ? &m->lines[li] : NULL;
        struct summary_mem_function *f = l ? &m->functions[l->function] : NULL;
        double bytes = (double)ev->bytes;
        long sampled = !summary_mem_event_exact(ev->bytes, m->window);
        long count = ev->kind == PROFILE_HEAP_ALLOC ? sampled : -sampled;
        size_t bin = m->duration > 0 ? (size_t)(ev->t / m->duration * SUMMARY_MEM_BINS) : 0;
        if (bin >= SUMMARY_MEM_BINS)
            bin = SUMMARY_MEM_BINS - 1;
        switch (ev->kind) {
        case PROFILE_HEAP_ALLOC:
        case PROFILE_HEAP_FREE:
            heap += bytes;
            if (heap < 0)
                heap = 0;
            heap_sampled += (unsigned long)count; /* wraps back on release */
            m->timeline[m->ntimeline++] = (struct summary_mem_point){ev->t, heap};
            if (heap > m->max_bytes) {
                m->max_bytes = heap;
                m->max_exact = heap_sampled == 0;
            }
            if (ev->kind == PROFILE_HEAP_ALLOC)
                m->total_alloc += bytes;
            if (!l)
                break;
            b->line_live[li] += bytes;
            b->func_live[l->function] += bytes;
            b->line_sampled[li] += (unsigned long)count;
            b->func_sampled[l->function] += (unsigned long)count;
            if (b->line_live[li] > l->peak_bytes) {
                l->peak_bytes = b->line_live[li];
                l->peak_exact = b->line_sampled[li] == 0;
            }
            if (b->func_live[l->function] > f->peak_bytes) {
                f->peak_bytes = b->func_live[l->function];
                f->peak_exact = b->func_sampled[l->function] == 0;
            }
            if (ev->kind == PROFILE_HEAP_ALLOC) {
                l->alloc_bytes += bytes;
                l->bins[bin] += bytes;
                l->nallocs++;
                if (!sampled) {
                    l->alloc_exact += bytes;
                    f->alloc_exact += bytes;
                }
                if (l->first_alloc_t < 0)
                    l->first_alloc_t = ev->t;
                f->alloc_bytes += bytes;
                if (!ev->native) {
                    l->python_bytes += bytes;
                    f->python_bytes += bytes;
                }
            } else {
                l->nfreed++;
            }
            break;
        case PROFILE_HEAP_COPY:
            if (l) {
                l->copy_bytes += bytes;
                f->copy_bytes += bytes;
            }
            break;
        default:
            if (l)
                l->rss_growth += bytes;
            break;
        }
    }
    free(order);
    for (size_t i = 0; i < m->nlines; i++)
        m->lines[i].live_end = b->line_live[i];
    for (size_t i = 0; i < m->nfunctions; i++)
        m->functions[i].live = b->func_live[i];
    return 0;
}

static void fill_shares(struct mem_build *b)
{
    struct summary_memory *m = b->m;
    double seconds = m->duration > 0 ? m->duration : 1;
    for (size_t i = 0; i < m->nlines; i++) {
        struct summary_mem_line *l = &m->lines[i];
        l->alloc_percent = summary_percent(l->alloc_bytes, m->total_alloc);
        l->python_percent = summary_percent(l->python_bytes, l->alloc_bytes);
        l->copy_mb_s = l->copy_bytes / 1048576.0 / seconds;
        l->leak_likelihood = summary_mem_leak_likelihood(l->nallocs, l->nfreed);
        double held = m->duration - (l->first_alloc_t > 0 ? l->first_alloc_t : 0);
        l->leak_velocity = held > 0 ? l->live_end / held : 0;
    }
    for (size_t i = 0; i < m->nfunctions; i++) {
        struct summary_mem_function *f = &m->functions[i];
        f->alloc_percent = summary_percent(f->alloc_bytes, m->total_alloc);
        f->python_percent = summary_percent(f->python_bytes, f->alloc_bytes);
        f->copy_mb_s = f->copy_bytes / 1048576.0 / seconds;
    }
}

static int line_cmp(const void *a, const void *b)
{
    const struct summary_mem_line *x = a, *y = b;
    if (x->peak_bytes != y->peak_bytes)
        return x->peak_bytes < y->peak_bytes ? 1 : -1;
    if (x->alloc_bytes != y->alloc_bytes)
        return x->alloc_bytes < y->alloc_bytes ? 1 : -1;
    int c = strcmp(x->file, y->file);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int function_cmp(const void *a, const void *b)
{
    const struct summary_mem_function *x = a, *y = b;
    if (x->alloc_bytes != y->alloc_bytes)
        return x->alloc_bytes < y->alloc_bytes ? 1 : -1;
    if (x->peak_bytes != y->peak_bytes)
        return x->peak_bytes < y->peak_bytes ? 1 : -1;
    int c = strcmp(x->file, y->file);
    return c ? c : strcmp(x->qualname, y->qualname);
}

static const struct summary_memory *leak_sort_ctx;

static int leak_cmp(const void *a, const void *b)
{
    const struct summary_mem_line *x = &leak_sort_ctx->lines[*(const size_t *)a];
    const struct summary_mem_line *y = &leak_sort_ctx->lines[*(const size_t *)b];
    if (x->leak_likelihood != y->leak_likelihood)
        return x->leak_likelihood < y->leak_likelihood ? 1 : -1;
    return (x->leak_velocity < y->leak_velocity) - (x->leak_velocity > y->leak_velocity);
}

/* A leak candidate: most of its sampled blocks never came back, and what it
 * holds at the end is a visible part of the peak heap. */
static int find_leaks(struct summary_memory *m)
{
    if (!(m->leaks = calloc(m->nlines + 1, sizeof(*m->leaks))))
        return -ENOMEM;
    for (size_t i = 0; i < m->nlines; i++) {
        const struct summary_mem_line *l = &m->lines[i];
        if (l->leak_likelihood >= SUMMARY_MEM_LEAK_LIKELIHOOD && l->live_end > 0 &&
            l->live_end >= 0.01 * m->max_bytes)
            m->leaks[m->nleaks++] = i;
    }
    leak_sort_ctx = m;
    qsort(m->leaks, m->nleaks, sizeof(*m->leaks), leak_cmp);
    leak_sort_ctx = NULL;
    return 0;
}

/* The RSS readings up to the script's end, as points (m->rss, raw). */
static int rss_points(const struct profile *p, struct summary_memory *m)
{
    const struct profile_rss_series *series = &p->memory.rss;
    size_t n = profile_rss_count(series);
    struct profile_rss_point *read = malloc((n + 1) * sizeof(*read));
    if (!read || !(m->rss = malloc((n + 1) * sizeof(*m->rss)))) {
        free(read);
        return -ENOMEM;
    }
    profile_rss_points(series, read);
    for (size_t i = 0; i < n; i++)
        if (read[i].t <= m->duration)
            m->rss[m->nrss++] = (struct summary_mem_point){read[i].t, (double)read[i].bytes};
    free(read);
    return 0;
}

/* Where the figures end: the script's own end when the bootstrap marked
 * it, else the last reading or event. */
static double figures_end(const struct profile_memory *pm)
{
    if (pm->script_end >= 0)
        return pm->script_end;
    double end = pm->rss.latest.t > 0 ? pm->rss.latest.t : 0; /* readings come in order */
    for (size_t i = 0; i < pm->nevents; i++)
        end = pm->events[i].t > end ? pm->events[i].t : end;
    return end;
}

/* Replaces *points (n raw points) by its sampling by time. */
static int by_time_points(struct summary_mem_point **points, size_t *n, double end)
{
    struct summary_mem_point *out = malloc((SUMMARY_MEM_TIMELINE + 1) * sizeof(*out));
    if (!out)
        return -ENOMEM;
    *n = summary_mem_resample(*points, *n, end, out, SUMMARY_MEM_TIMELINE);
    free(*points);
    *points = out;
    return 0;
}

static void build_free(struct mem_build *b)
{
    free(b->counts);
    free(b->line_of);
    free(b->line_live);
    free(b->func_live);
    free(b->line_sampled);
    free(b->func_sampled);
}

struct summary_memory *summary_mem_new(const struct profile *p, const struct summary_options *o)
{
    struct summary_memory *m = calloc(1, sizeof(*m));
    struct mem_build b = {.p = p, .o = o, .m = m};
    if (!m)
        return NULL;
    const struct profile_memory *pm = &p->memory;
    m->heap = pm->heap;
    m->window = (double)pm->window;
    m->script_end = pm->script_end;
    m->duration = figures_end(pm);
    b.counts = calloc(p->ncodes + 1, 1);
    b.line_of = malloc((p->nstacks + 1) * sizeof(long));
    if (!b.counts || !b.line_of || rss_points(p, m) < 0)
        goto fail;
    for (size_t i = 0; i < p->nstacks; i++)
        b.line_of[i] = -2;
    build_counts(&b);
    if (charge_lines(&b) < 0 || replay(&b) < 0)
        goto fail;
    if (!m->heap) {
        /* Without --memory the timeline is the RSS. */
        free(m->timeline);
        m->timeline = malloc((m->nrss + 1) * sizeof(*m->timeline));
        if (!m->timeline)
            goto fail;
        if (m->nrss)
            memcpy(m->timeline, m->rss, m->nrss * sizeof(*m->rss));
        m->ntimeline = m->nrss;
        m->max_bytes = 0;
        for (size_t i = 0; i < m->nrss; i++)
            m->max_bytes = m->rss[i].bytes > m->max_bytes ? m->rss[i].bytes : m->max_bytes;
    } else {
        double end = m->timeline[m->ntimeline - 1].bytes; /* (0, 0) is always there */
        m->timeline[m->ntimeline++] = (struct summary_mem_point){m->duration, end};
    }
    m->growth_rate_percent =
        summary_mem_growth_rate(m->timeline, m->ntimeline, pm->script_start, m->max_bytes);
    if (by_time_points(&m->timeline, &m->ntimeline, m->duration) < 0 ||
        by_time_points(&m->rss, &m->nrss, m->duration) < 0)
        goto fail;
    fill_shares(&b);
    /* After this, lines[].function no longer indexes functions[]. */
    if (m->nlines) { /* functions exist only for lines */
        qsort(m->functions, m->nfunctions, sizeof(*m->functions), function_cmp);
        qsort(m->lines, m->nlines, sizeof(*m->lines), line_cmp);
    }
    if (m->heap && find_leaks(m) < 0)
        goto fail;
    build_free(&b);
    return m;
fail:
    build_free(&b);
    summary_mem_free(m);
    return NULL;
}

void summary_mem_free(struct summary_memory *m)
{
    if (!m)
        return;
    free(m->timeline);
    free(m->rss);
    free(m->lines);
    free(m->functions);
    free(m->leaks);
    free(m);
}

const struct summary_mem_line *summary_mem_line_of(const struct summary_memory *m,
                                                   const char *file, int line)
{
    for (size_t i = 0; m && i < m->nlines; i++)
        if (m->lines[i].line == line && !strcmp(m->lines[i].file, file))
            return &m->lines[i];
    return NULL;
}

const struct summary_mem_function *summary_mem_function_of(const struct summary_memory *m,
                                                           const char *file,
                                                           const char *qualname,
                                                           int firstlineno)
{
    for (size_t i = 0; m && i < m->nfunctions; i++) {
        const struct summary_mem_function *f = &m->functions[i];
        if (f->firstlineno == firstlineno && !strcmp(f->qualname, qualname) &&
            !strcmp(f->file, file))
            return f;
    }
    return NULL;
}
