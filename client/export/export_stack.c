/* Stack facts shared by the export formats (see export_stack.h). */
#include "client/export/export_stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/summary.h"

double export_stack_seconds(const struct profile *p, const struct profile_stack *st)
{
    double folded[SUMMARY_KINDS];
    return summary_counted(st->seconds, p->include_idle, folded);
}

const char *export_no_frames_name(uint32_t why, char out[EXPORT_NO_FRAMES_MAX])
{
    if (why == 0 || why >= PROFILE_UNPLACED_REASONS)
        return EXPORT_NO_FRAMES;
    snprintf(out, EXPORT_NO_FRAMES_MAX, "[%s]", profile_unplaced_labels[why]);
    return out;
}

const char *export_thread_name(const struct profile *p, uint32_t tid)
{
    for (size_t i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == tid)
            return p->threads[i].name;
    return NULL;
}

static int compare_strings(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* <0, 0 or >0 as code a's function sorts before, with or after code b's.
 * A code never described is a function of its own. */
static int compare_functions(const struct profile *p, uint32_t a, uint32_t b)
{
    const struct profile_code *ca = profile_code(p, a), *cb = profile_code(p, b);
    int c;
    if (!ca || !cb)
        return ca ? 1 : cb ? -1 : (a > b) - (a < b);
    if ((c = compare_strings(ca->file, cb->file)) ||
        (c = compare_strings(ca->qualname, cb->qualname)))
        return c;
    return (ca->firstlineno > cb->firstlineno) - (ca->firstlineno < cb->firstlineno);
}

/* By function, then by id: the first id of a run is the smallest. */
static int by_function(const void *a, const void *b, void *ctx)
{
    uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
    int c = compare_functions(ctx, ia, ib);
    return c ? c : (ia > ib) - (ia < ib);
}

uint32_t *export_code_canon(const struct profile *p)
{
    uint32_t *order = malloc(p->ncodes * sizeof(*order));
    uint32_t *canon = malloc(p->ncodes * sizeof(*canon));
    if (!order || !canon) {
        free(order);
        free(canon);
        return NULL;
    }
    for (size_t i = 0; i < p->ncodes; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, p->ncodes, sizeof(*order), by_function, (void *)p);
    for (size_t i = 0; i < p->ncodes; i++)
        canon[order[i]] = i > 0 && compare_functions(p, order[i - 1], order[i]) == 0
                              ? canon[order[i - 1]]
                              : order[i];
    free(order);
    return canon;
}
