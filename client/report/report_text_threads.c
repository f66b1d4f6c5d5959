/* The thread table of the summary: each thread's name, CPU time, share of
 * its samples that found it holding the GIL and time spent waiting for
 * the GIL (docs/time-kinds.md), main threads first, then heaviest first;
 * the lightest folded into one line (thread_rows.h). */
#include "client/report/report_text_internal.h"

#include <stdlib.h>
#include <string.h>

#include "client/model/thread_rows.h"

/* Longest name column before names are cut. */
#define THREADS_NAME_WIDTH 24

static int name_width(const struct profile *p, const size_t *order, size_t shown)
{
    int width = (int)strlen("Thread");
    for (size_t k = 0; k < shown; k++) {
        const char *name = p->threads[order[k]].name ? p->threads[order[k]].name : "?";
        int len = (int)strlen(name);
        if (len > width)
            width = len < THREADS_NAME_WIDTH ? len : THREADS_NAME_WIDTH;
    }
    return width;
}

/* Threads never sampled (named by a heap event only, or by an old
 * profile.json) get no row. */
void report_text_threads(FILE *out, const struct profile *p)
{
    size_t n, shown;
    size_t *order = thread_rows_order(p, &n, &shown);
    if (n < 2) {
        free(order);
        return; /* one thread: the summary above is all about it */
    }
    int width = name_width(p, order, shown);
    double folded_cpu = 0, folded_wait = 0;
    fputs("Threads:\n", out);
    fprintf(out, "  %-*s %8s %9s %9s %13s\n", width, "Thread", "TID", "CPU (s)", "GIL held",
            "GIL wait (s)");
    for (size_t k = 0; k < n; k++) {
        const struct profile_thread *t = &p->threads[order[k]];
        if (k >= shown) {
            folded_cpu += t->cpu_seconds;
            folded_wait += t->gil_wait_seconds;
            continue;
        }
        fprintf(out, "  %-*.*s %8u %9.3f %8.1f%% %13.3f\n", width, width, t->name ? t->name : "?",
                t->tid, t->cpu_seconds, profile_thread_gil_percent(t), t->gil_wait_seconds);
    }
    if (n > shown)
        fprintf(out, "  %zu more threads (profile.json lists them): %.3f s CPU, %.3f s GIL wait\n",
                n - shown, folded_cpu, folded_wait);
    fputc('\n', out);
    free(order);
}
