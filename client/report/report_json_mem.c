/* The memory fields of profile.json (see report_json_mem.h). */
#include "client/report/report_json_mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/report/report_json_field.h"

static int add_num(cJSON *o, const char *key, double v)
{
    return cJSON_AddNumberToObject(o, key, isfinite(v) ? v : 0.0) ? 0 : -ENOMEM;
}

static int add_pct(cJSON *o, const char *key, double v)
{
    return add_num(o, key, round(v * 1000.0) / 1000.0);
}

static cJSON *add_points(cJSON *doc, const char *key, const struct summary_mem_point *pt,
                         size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(doc, key);
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *pair = cJSON_CreateArray();
        if (!pair || !cJSON_AddItemToArray(arr, pair)) {
            cJSON_Delete(pair);
            return NULL;
        }
        cJSON *t = cJSON_CreateNumber(round(pt[i].t * 1000.0) / 1000.0);
        cJSON *b = cJSON_CreateNumber(round(pt[i].bytes));
        if (!t || !cJSON_AddItemToArray(pair, t) || !b || !cJSON_AddItemToArray(pair, b)) {
            cJSON_Delete(t);
            cJSON_Delete(b);
            return NULL;
        }
    }
    return arr;
}

/* The allocation figures a line and a function both carry: how much,
 * its peak, the interpreter's part and share, the copy rate. */
static int alloc_figures(cJSON *o, double alloc_bytes, double peak_bytes, double python_percent,
                         double alloc_percent, double copy_mb_s)
{
    int rc = 0;
    rc |= add_num(o, "alloc_bytes", alloc_bytes);
    rc |= add_num(o, "peak_bytes", peak_bytes);
    rc |= add_pct(o, "python_alloc_percent", python_percent);
    rc |= add_pct(o, "alloc_percent", alloc_percent);
    rc |= add_num(o, "copy_mb_s", round(copy_mb_s * 1000.0) / 1000.0);
    return rc;
}

/* How much of them was recorded at its true size, and whether the peak was. */
static int exactness(cJSON *o, double alloc_exact, int peak_exact)
{
    int rc = add_num(o, "alloc_exact_bytes", alloc_exact);
    if (!cJSON_AddBoolToObject(o, "peak_exact", peak_exact))
        rc = -ENOMEM;
    return rc;
}

static int line_fields(cJSON *o, const struct summary_mem_line *l)
{
    const struct summary_mem_line none = {.alloc_bytes = 0};
    if (!l)
        l = &none;
    int rc = alloc_figures(o, l->alloc_bytes, l->peak_bytes, l->python_percent,
                           l->alloc_percent, l->copy_mb_s);
    rc |= add_num(o, "rss_growth_bytes", l->rss_growth);
    rc |= add_num(o, "alloc_samples", (double)l->nallocs);
    rc |= exactness(o, l->alloc_exact, l->peak_exact);
    return rc ? -ENOMEM : 0;
}

int report_json_mem_line(cJSON *o, const struct summary *s, const char *file, int line)
{
    return line_fields(o, summary_mem_line_of(s->memory, file, line));
}

int report_json_mem_function(cJSON *o, const struct summary *s, const char *file,
                             const char *qualname, int firstlineno)
{
    const struct summary_mem_function none = {.alloc_bytes = 0};
    const struct summary_mem_function *f =
        summary_mem_function_of(s->memory, file, qualname, firstlineno);
    if (!f)
        f = &none;
    int rc = alloc_figures(o, f->alloc_bytes, f->peak_bytes, f->python_percent,
                           f->alloc_percent, f->copy_mb_s);
    rc |= exactness(o, f->alloc_exact, f->peak_exact);
    return rc ? -ENOMEM : 0;
}

static int add_lines(cJSON *doc, const struct summary_memory *m)
{
    cJSON *arr = cJSON_AddArrayToObject(doc, "memory_lines");
    for (size_t i = 0; arr && i < m->nlines; i++) {
        const struct summary_mem_line *l = &m->lines[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            return -ENOMEM;
        }
        if (!cJSON_AddStringToObject(o, "file", l->file) || add_num(o, "line", l->line) < 0 ||
            !cJSON_AddStringToObject(o, "qualname", l->qualname) || line_fields(o, l) < 0)
            return -ENOMEM;
        cJSON *bins = cJSON_AddArrayToObject(o, "timeline");
        for (int b = 0; bins && b < SUMMARY_MEM_BINS; b++) {
            cJSON *v = cJSON_CreateNumber(round(l->bins[b]));
            if (!v || !cJSON_AddItemToArray(bins, v)) {
                cJSON_Delete(v);
                return -ENOMEM;
            }
        }
        if (!bins)
            return -ENOMEM;
    }
    return arr ? 0 : -ENOMEM;
}

static int add_leaks(cJSON *doc, const struct summary_memory *m)
{
    cJSON *arr = cJSON_AddArrayToObject(doc, "leaks");
    for (size_t i = 0; arr && i < m->nleaks; i++) {
        const struct summary_mem_line *l = &m->lines[m->leaks[i]];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            return -ENOMEM;
        }
        if (!cJSON_AddStringToObject(o, "file", l->file) || add_num(o, "line", l->line) < 0 ||
            add_pct(o, "likelihood_percent", 100.0 * l->leak_likelihood) < 0 ||
            add_num(o, "velocity_mb_s", round(l->leak_velocity / 1048576.0 * 1000.0) / 1000.0) <
                0 ||
            add_num(o, "live_bytes", l->live_end) < 0)
            return -ENOMEM;
    }
    return arr ? 0 : -ENOMEM;
}

int report_json_mem_top(cJSON *doc, const struct profile *p, const struct summary *s)
{
    const struct summary_memory *m = s->memory;
    const struct profile_memory *pm = &p->memory;
    if (!m)
        return 0;
    int rc = 0;
    if (m->heap) {
        rc |= add_num(doc, "max_heap_bytes", m->max_bytes);
        if (!cJSON_AddBoolToObject(doc, "max_heap_exact", m->max_exact))
            rc = -ENOMEM;
    } else if (!cJSON_AddNullToObject(doc, "max_heap_bytes")) {
        rc = -ENOMEM;
    }
    rc |= add_num(doc, "timeline_seconds", round(m->duration * 1000.0) / 1000.0);
    rc |= add_pct(doc, "growth_rate_percent", m->growth_rate_percent);
    rc |= add_num(doc, "max_rss_sampled_bytes", (double)pm->max_rss_sampled);
    if (!add_points(doc, "memory_timeline", m->timeline, m->ntimeline) ||
        !add_points(doc, "rss_timeline", m->rss, m->nrss))
        return -ENOMEM;
    if (m->heap) {
        cJSON *h = cJSON_AddObjectToObject(doc, "heap_sampling");
        if (!h)
            return -ENOMEM;
        rc |= add_num(h, "window_bytes", (double)pm->window);
        rc |= add_num(h, "samples", (double)pm->heap_samples);
        rc |= add_num(h, "truncated", (double)pm->heap_truncated);
        rc |= add_num(h, "unwaited", (double)pm->heap_unwaited);
        rc |= add_num(h, "thinned", pm->thinned);
        rc |= add_num(h, "total_alloc_bytes", m->total_alloc);
    }
    if (rc || add_lines(doc, m) < 0 || add_leaks(doc, m) < 0 || report_json_mem_raw(doc, p) < 0)
        return -ENOMEM;
    return 0;
}

static int add_row(cJSON *arr, const double *v, int n)
{
    cJSON *row = cJSON_CreateDoubleArray(v, n);
    if (!row || !cJSON_AddItemToArray(arr, row)) {
        cJSON_Delete(row);
        return -ENOMEM;
    }
    return 0;
}

/* A mark in seconds, or null when unknown (negative). */
static int add_seconds_or_null(cJSON *doc, const char *name, double seconds)
{
    return (seconds >= 0 ? cJSON_AddNumberToObject(doc, name, seconds)
                         : cJSON_AddNullToObject(doc, name))
               ? 0
               : -ENOMEM;
}

int report_json_mem_raw(cJSON *doc, const struct profile *p)
{
    const struct profile_memory *pm = &p->memory;
    if (add_seconds_or_null(doc, "script_start_seconds", pm->script_start) < 0 ||
        add_seconds_or_null(doc, "script_end_seconds", pm->script_end) < 0)
        return -ENOMEM;
    cJSON *rss = cJSON_AddArrayToObject(doc, "rss_samples");
    struct profile_rss_point *points =
        malloc((profile_rss_count(&pm->rss) + 1) * sizeof(*points));
    if (!points)
        return -ENOMEM;
    size_t npoints = profile_rss_points(&pm->rss, points);
    for (size_t i = 0; rss && i < npoints; i++) {
        double v[2] = {points[i].t, (double)points[i].bytes};
        if (add_row(rss, v, 2) < 0) {
            free(points);
            return -ENOMEM;
        }
    }
    free(points);
    cJSON *ev = cJSON_AddArrayToObject(doc, "heap_events");
    for (size_t i = 0; ev && i < pm->nevents; i++) {
        const struct profile_heap_event *e = &pm->events[i];
        double v[5] = {e->t, e->stack, e->kind, e->native, (double)e->bytes};
        if (add_row(ev, v, 5) < 0)
            return -ENOMEM;
    }
    return rss && ev ? 0 : -ENOMEM;
}

/* rows[i] as n numbers, or -EINVAL. */
static int get_row(const cJSON *row, double *v, int n)
{
    if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
        return -EINVAL;
    for (int k = 0; k < n; k++) {
        const cJSON *x = cJSON_GetArrayItem(row, k);
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
            return -EINVAL;
        v[k] = x->valuedouble;
    }
    return 0;
}

static int load_rss(const cJSON *doc, struct profile *p, char *err, size_t errlen)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "rss_samples"), *row;
    size_t i = 0;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return snprintf(err, errlen, "\"rss_samples\" is not an array"), -EINVAL;
    cJSON_ArrayForEach(row, arr) {
        double v[2];
        if (get_row(row, v, 2) < 0 || v[0] < 0 || v[1] < 0 || v[1] > 1.8e19)
            return snprintf(err, errlen, "rss_samples[%zu]: not [seconds, bytes]", i), -EINVAL;
        i++;
        if (v[1] == 0)
            continue; /* as profile_mem_rss: the target had exited */
        if (profile_rss_restore(&p->memory.rss, v[0], (uint64_t)v[1]) < 0)
            return snprintf(err, errlen, "out of memory"), -ENOMEM;
        if ((uint64_t)v[1] > p->memory.max_rss_sampled)
            p->memory.max_rss_sampled = (uint64_t)v[1];
    }
    return 0;
}

static int load_events(const cJSON *doc, struct profile *p, const long *stack_of, size_t nstacks,
                       char *err, size_t errlen)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "heap_events"), *row;
    struct profile_memory *m = &p->memory;
    size_t i = 0;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return snprintf(err, errlen, "\"heap_events\" is not an array"), -EINVAL;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    struct profile_heap_event *events = realloc(m->events, (m->nevents + n + 1) * sizeof(*events));
    if (!events)
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    m->events = events;
    m->events_cap = m->nevents + n + 1;
    cJSON_ArrayForEach(row, arr) {
        double v[5];
        if (get_row(row, v, 5) < 0 || v[0] < 0 || v[1] < 0 || v[1] >= (double)nstacks ||
            v[1] != floor(v[1]) || v[2] < PROFILE_HEAP_ALLOC || v[2] > PROFILE_HEAP_RSS_GROWTH ||
            v[2] != floor(v[2]) || (v[3] != 0 && v[3] != 1) || fabs(v[4]) > 9.2e18)
            return snprintf(err, errlen,
                            "heap_events[%zu]: not [seconds, stack, kind, native, bytes]", i),
                   -EINVAL;
        m->events[m->nevents++] = (struct profile_heap_event){
            .t = v[0], .stack = (uint32_t)stack_of[(size_t)v[1]],
            .pair = PROFILE_HEAP_NO_PAIR, .kind = (uint8_t)v[2],
            .native = (uint8_t)v[3], .bytes = (int64_t)v[4]};
        if (v[2] != PROFILE_HEAP_RSS_GROWTH)
            m->heap = 1;
        i++;
    }
    return 0;
}

int report_json_mem_load(const cJSON *doc, struct profile *p, const long *stack_of,
                         size_t nstacks, char *err, size_t errlen)
{
    int rc = load_rss(doc, p, err, errlen);
    if (rc == 0)
        rc = load_events(doc, p, stack_of, nstacks, err, errlen);
    if (rc == 0)
        rc = report_json_number(doc, "", "script_end_seconds", 0, HUGE_VAL,
                                &p->memory.script_end, err, errlen);
    if (rc == 0)
        rc = report_json_number(doc, "", "script_start_seconds", 0, HUGE_VAL,
                                &p->memory.script_start, err, errlen);
    if (rc)
        return rc;
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(doc, "heap_sampling");
    const cJSON *w = hs ? cJSON_GetObjectItemCaseSensitive(hs, "window_bytes") : NULL;
    if (rc == 0 && cJSON_IsNumber(w) && w->valuedouble >= 0 && w->valuedouble < 1.8e19)
        p->memory.window = (uint64_t)w->valuedouble;
    const cJSON *thinned = hs ? cJSON_GetObjectItemCaseSensitive(hs, "thinned") : NULL;
    if (rc == 0 && cJSON_IsNumber(thinned) && thinned->valuedouble >= 0 &&
        thinned->valuedouble < 64)
        p->memory.thinned = (unsigned)thinned->valuedouble;
    return rc;
}
