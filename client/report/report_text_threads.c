/* The thread table of the summary: each thread's name, CPU time, share of
 * its samples that found it holding the GIL and time spent waiting for
 * the GIL (docs/time-kinds.md). */
#include "client/report/report_text_internal.h"

#include <stdlib.h>
#include <string.h>

/* Longest name column before names are cut. */
#define THREADS_NAME_WIDTH 24
/* Rows before the other threads are folded into one: a server that starts
 * a thread per request has hundreds (profile.json keeps them all). */
#define THREADS_SHOWN 12

/* A thread's weight in the table: its CPU and GIL wait. */
static double weight(const struct profile_thread *t)
{
    return t->cpu_seconds + t->gil_wait_seconds;
}

static int is_main(const struct profile_thread *t)
{
    return t->pid > 0 && t->tid == (uint32_t)t->pid;
}

/* Heavier first; ties in the profile's order. */
static int by_weight(const void *a, const void *b, void *profile)
{
    const struct profile *p = profile;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double wi = weight(&p->threads[i]), wj = weight(&p->threads[j]);
    if (wi != wj)
        return wi > wj ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Which sampled threads get a row (show[i]): every process's main thread
 * and the THREADS_SHOWN heaviest others. NULL when out of memory: all. */
static char *rows_shown(const struct profile *p)
{
    size_t *order = malloc((p->nthreads + 1) * sizeof(*order));
    char *show = calloc(p->nthreads + 1, 1);
    size_t n = 0;
    if (!order || !show) {
        free(order);
        free(show);
        return NULL;
    }
    for (size_t i = 0; i < p->nthreads; i++) {
        const struct profile_thread *t = &p->threads[i];
        if (t->samples > 0 && is_main(t))
            show[i] = 1;
        else if (t->samples > 0)
            order[n++] = i;
    }
    qsort_r(order, n, sizeof(*order), by_weight, (void *)p);
    for (size_t k = 0; k < n && k < THREADS_SHOWN; k++)
        show[order[k]] = 1;
    free(order);
    return show;
}

static int name_width(const struct profile *p, const char *show)
{
    int width = (int)strlen("Thread");
    for (size_t i = 0; i < p->nthreads; i++) {
        if (p->threads[i].samples == 0 || (show && !show[i]))
            continue;
        const char *name = p->threads[i].name ? p->threads[i].name : "?";
        int len = (int)strlen(name);
        if (len > width)
            width = len < THREADS_NAME_WIDTH ? len : THREADS_NAME_WIDTH;
    }
    return width;
}

static size_t sampled_threads(const struct profile *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nthreads; i++)
        n += p->threads[i].samples > 0;
    return n;
}

void report_text_threads(FILE *out, const struct profile *p)
{
    if (sampled_threads(p) < 2)
        return; /* one thread: the summary above is all about it */
    char *show = rows_shown(p);
    int width = name_width(p, show);
    size_t folded = 0;
    double folded_cpu = 0, folded_wait = 0;
    fputs("Threads:\n", out);
    fprintf(out, "  %-*s %8s %9s %9s %13s\n", width, "Thread", "TID", "CPU (s)", "GIL held",
            "GIL wait (s)");
    for (size_t i = 0; i < p->nthreads; i++) {
        const struct profile_thread *t = &p->threads[i];
        if (t->samples == 0)
            continue; /* named by a heap event only, or by an old profile.json */
        if (show && !show[i]) {
            folded++;
            folded_cpu += t->cpu_seconds;
            folded_wait += t->gil_wait_seconds;
            continue;
        }
        fprintf(out, "  %-*.*s %8u %9.3f %8.1f%% %13.3f\n", width, width, t->name ? t->name : "?",
                t->tid, t->cpu_seconds,
                profile_thread_gil_percent(t), t->gil_wait_seconds);
    }
    if (folded)
        fprintf(out, "  %zu more threads (profile.json lists them): %.3f s CPU, %.3f s GIL wait\n",
                folded, folded_cpu, folded_wait);
    fputc('\n', out);
    free(show);
}
