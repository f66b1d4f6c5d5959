/* Which threads a report's thread table shows (see thread_rows.h). */
#include "client/model/thread_rows.h"

#include <stdlib.h>

/* A thread's weight in the table: its CPU and GIL wait. */
static double weight(const struct profile_thread *t)
{
    return t->cpu_seconds + t->gil_wait_seconds;
}

static int is_main(const struct profile_thread *t)
{
    return t->pid > 0 && t->tid == (uint32_t)t->pid;
}

/* Main threads first, in the profile's order; then heavier first, ties
 * in the profile's order. */
static int by_rank(const void *a, const void *b, void *profile)
{
    const struct profile *p = profile;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int main_i = is_main(&p->threads[i]), main_j = is_main(&p->threads[j]);
    if (main_i != main_j)
        return main_i ? -1 : 1;
    double wi = main_i ? 0 : weight(&p->threads[i]), wj = main_j ? 0 : weight(&p->threads[j]);
    if (wi != wj)
        return wi > wj ? -1 : 1;
    return i < j ? -1 : i > j;
}

size_t *thread_rows_order(const struct profile *p, size_t *n, size_t *shown)
{
    size_t *order = malloc((p->nthreads + 1) * sizeof(*order));
    size_t mains = 0;
    *n = *shown = 0;
    if (!order)
        return NULL;
    for (size_t i = 0; i < p->nthreads; i++) {
        if (p->threads[i].samples == 0)
            continue;
        order[(*n)++] = i;
        mains += is_main(&p->threads[i]);
    }
    qsort_r(order, *n, sizeof(*order), by_rank, (void *)p);
    *shown = *n - mains < THREAD_ROWS_SHOWN ? *n : mains + THREAD_ROWS_SHOWN;
    return order;
}
