/* The thread table of the summary: each thread's name, CPU time, share of
 * its samples that found it holding the GIL and time spent waiting for
 * the GIL (docs/time-kinds.md). */
#include "client/report/report_text_internal.h"

#include <string.h>

/* Longest name column before names are cut. */
#define THREADS_NAME_WIDTH 24

static int name_width(const struct profile *p)
{
    int width = (int)strlen("Thread");
    for (size_t i = 0; i < p->nthreads; i++) {
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
    int width = name_width(p);
    fputs("Threads:\n", out);
    fprintf(out, "  %-*s %8s %9s %9s %13s\n", width, "Thread", "TID", "CPU (s)", "GIL held",
            "GIL wait (s)");
    for (size_t i = 0; i < p->nthreads; i++) {
        const struct profile_thread *t = &p->threads[i];
        if (t->samples == 0)
            continue; /* named by a heap event only, or by an old profile.json */
        fprintf(out, "  %-*.*s %8u %9.3f %8.1f%% %13.3f\n", width, width, t->name ? t->name : "?",
                t->tid, t->cpu_seconds,
                profile_thread_gil_percent(t), t->gil_wait_seconds);
    }
    fputc('\n', out);
}
