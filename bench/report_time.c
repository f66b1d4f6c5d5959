/* How much report.html adds to the reporting of one run: results_write
 * (client/report/results.c: the folder, the copy of the script, the
 * summary, profile.json, report.html, profile_results.txt and the summary
 * on stdout) timed whole, and report.html's part of it timed alone.
 *
 *   report_time PROFILE.json ROUNDS OUTPUT
 *   report_time --synthetic NSTACKS ROUNDS OUTPUT
 *
 * The first reads an earlier run's profile.json; the second makes a
 * profile of NSTACKS distinct stacks (depth 8-40 over 400 functions,
 * hot_function under 40% of them). Each round calls results_write (stdout
 * to /dev/null), which makes a new results folder under OUTPUT as a run
 * does, then writes the page again into that folder as another file,
 * timed alone. Prints one JSON line: the median milliseconds of the whole
 * and of the page, the page's share of the rest (whole - page), and its
 * size. A bench, not a test: it never fails on the figures. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/view/html.h"
#include "client/model/summary.h"
#include "client/report/report_json.h"
#include "client/report/results.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static struct profile *synthetic(long nstacks)
{
    struct profile *p = profile_new();
    char file[64], name[64];
    profile_set_string(&p->root, "/bench/synthetic");
    profile_set_string(&p->mode, "cpu");
    for (uint32_t id = 0; id < 400; id++) {
        snprintf(file, sizeof(file), "/bench/synthetic/mod%u.py", id % 40);
        snprintf(name, sizeof(name), id ? "Class%u.method_%u" : "hot_function", id % 7, id);
        profile_set_code(p, id, file, name, (int)(id * 10 + 1));
    }
    uint32_t seed = 12345;
    struct profile_frame frames[40];
    for (long i = 0; p->nstacks < (size_t)nstacks && i < nstacks * 4; i++) {
        uint32_t depth = 8 + next_random(&seed) % 33;
        for (uint32_t k = 0; k < depth; k++)
            frames[k] = (struct profile_frame){1 + next_random(&seed) % 399,
                                               (int32_t)(1 + next_random(&seed) % 300)};
        if (next_random(&seed) % 10 < 4)
            frames[depth - 2].code_id = 0; /* hot_function near the root */
        double s[TIME_KINDS] = {0.001 * (next_random(&seed) % 10), 0.0005, 0.0002, 0};
        profile_add_sample(p, 1 + next_random(&seed) % 4, frames, depth, s);
    }
    return p;
}

/* The page alone, as results_write writes it, into folder; its size. */
static double time_html(const struct profile *p, const struct summary_options *so,
                        const char *folder, long *size)
{
    char path[4200], err[256];
    struct summary *s = summary_new(p, so); /* made once in results_write: not timed */
    snprintf(path, sizeof(path), "%s/again.html", folder);
    double t0 = now_ms();
    FILE *f = fopen(path, "we");
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    export_html_summary(p, s, f, err, sizeof(err));
    fclose(f);
    double ms = now_ms() - t0;
    struct stat st;
    *size = stat(path, &st) == 0 ? (long)st.st_size : -1;
    summary_free(s);
    return ms;
}

static struct profile *load(int argc, char **argv, int synth)
{
    char err[512];
    struct profile *p = NULL;
    if (argc != 4 + synth) {
        fprintf(stderr, "usage: report_time PROFILE.json|--synthetic NSTACKS ROUNDS OUTPUT\n");
        exit(64);
    }
    if (synth)
        return synthetic(atol(argv[2]));
    if (report_json_load(argv[1], &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "report_time: %s\n", err);
        exit(66);
    }
    return p;
}

int main(int argc, char **argv)
{
    int synth = argc > 1 && strcmp(argv[1], "--synthetic") == 0;
    struct profile *p = load(argc, argv, synth);
    int rounds = atoi(argv[2 + synth]);
    struct results_request req = {.output = argv[3 + synth], .source = p->script,
                                  .name = "synthetic", .root = p->root ? p->root : "/",
                                  .detailed = p->detailed, .include_idle = p->include_idle,
                                  .trace = 1};
    struct summary_options so = {.root = req.root, .detailed = p->detailed,
                                 .include_idle = p->include_idle};
    double *whole = calloc((size_t)rounds + 1, sizeof(double));
    double *html = calloc((size_t)rounds + 1, sizeof(double));
    int null = open("/dev/null", O_WRONLY), saved = dup(STDOUT_FILENO);
    long size = 0;
    char folder[4096], err[512];
    for (int i = 0; i < rounds; i++) {
        double t0 = now_ms();
        if (dup2(null, STDOUT_FILENO) < 0 ||
            results_write(p, &req, folder, sizeof(folder), err, sizeof(err)) < 0) {
            fprintf(stderr, "report_time: %s\n", err);
            return 70;
        }
        whole[i] = now_ms() - t0;
        html[i] = time_html(p, &so, folder, &size);
    }
    dup2(saved, STDOUT_FILENO); /* the summaries went to /dev/null */
    double w = median(whole, rounds), h = median(html, rounds);
    printf("{\"stacks\": %zu, \"rounds\": %d, \"whole_ms\": %.3f, \"html_ms\": %.3f, "
           "\"added_percent\": %.1f, \"html_bytes\": %ld}\n",
           p->nstacks, rounds, w, h, 100.0 * h / (w - h), size);
    free(whole);
    free(html);
    profile_free(p);
    return 0;
}
