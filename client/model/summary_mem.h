/* The memory figures the reports print, computed from a profile's RSS
 * readings and (--memory) heap events: the heap (or RSS) timeline, its
 * maximum and growth rate, and per line and per function the sampled
 * allocation, peak, Python share, copy rate, timeline and leak statistic.
 * A heap event is charged to a line the way time is (summary.h): the
 * innermost frame that is the user's code, or any real file with
 * --detailed. */
#ifndef FAH_CLIENT_SUMMARY_MEM_H
#define FAH_CLIENT_SUMMARY_MEM_H

#include <stddef.h>

#include "client/model/profile.h"

struct summary_options;

#define SUMMARY_MEM_BINS 20       /* a line's sparkline */
#define SUMMARY_MEM_TIMELINE 200  /* points of the whole run's timeline */
/* A line is a leak candidate from this likelihood on (see docs/memory.md). */
#define SUMMARY_MEM_LEAK_LIKELIHOOD 0.95

struct summary_mem_point {
    double t;     /* seconds since the session started */
    double bytes;
};

struct summary_mem_line {
    const char *file; /* borrowed from the profile */
    const char *rel;  /* file relative to the root, when under it */
    int line;
    const char *qualname; /* of the function the line is in */
    int firstlineno;
    size_t function;      /* internal to summary_mem_new */
    double alloc_bytes;   /* sampled allocation, all of it */
    double python_bytes;  /* of which the interpreter's own */
    double peak_bytes;    /* most of its allocation live at once */
    double alloc_exact;   /* of alloc_bytes, blocks recorded at their true size */
    int peak_exact;       /* the peak held only blocks recorded at their true size */
    double live_end;      /* still live when the run ended */
    double copy_bytes;    /* sampled memcpy/memmove volume */
    double rss_growth;    /* RSS growth while the line ran (every mode) */
    double alloc_percent; /* of all sampled allocation */
    double python_percent;
    double copy_mb_s;     /* copy volume per second of the run */
    unsigned long nallocs, nfreed; /* sampled blocks, and those released */
    double first_alloc_t;
    double leak_likelihood; /* (unfreed + 1) / (allocs + 2) */
    double leak_velocity;   /* bytes per second left live */
    double bins[SUMMARY_MEM_BINS]; /* allocation per slice of the run */
};

struct summary_mem_function {
    const char *file, *rel, *qualname;
    int firstlineno;
    double alloc_bytes, python_bytes, peak_bytes, copy_bytes, live;
    double alloc_exact; /* of alloc_bytes, blocks recorded at their true size */
    int peak_exact;     /* the peak held only such blocks */
    double alloc_percent, python_percent, copy_mb_s;
};

struct summary_memory {
    int heap;               /* heap figures (else RSS only) */
    double duration;        /* seconds the timeline spans: to the script's end */
    double script_end;      /* the bootstrap's mark, -1 unknown (duration is
                               then the last reading or event) */
    double window;          /* --memory: bytes per sample, 0 unknown */
    double max_bytes;       /* max heap (--memory) or max sampled RSS */
    int max_exact;          /* the max heap held only exactly recorded blocks */
    double growth_rate_percent; /* see summary_mem_growth_rate */
    double total_alloc;     /* all sampled allocation */
    /* Both timelines are sampled by time: evenly spaced points over
     * (0, duration], each the largest value of its slice (summary_mem_resample). */
    struct summary_mem_point *timeline; /* heap, or RSS without --memory */
    size_t ntimeline;
    struct summary_mem_point *rss; /* RSS, at most SUMMARY_MEM_TIMELINE points */
    size_t nrss;
    struct summary_mem_line *lines; /* by peak, then allocation, descending */
    size_t nlines;
    struct summary_mem_function *functions; /* by allocation, descending */
    size_t nfunctions;
    size_t *leaks; /* indices into lines, by likelihood then velocity */
    size_t nleaks;
};

/* NULL when out of memory. p must outlive the result. */
struct summary_memory *summary_mem_new(const struct profile *p, const struct summary_options *o);
void summary_mem_free(struct summary_memory *m);

/* The line's figures, or NULL when it has none. */
const struct summary_mem_line *summary_mem_line_of(const struct summary_memory *m,
                                                   const char *file, int line);
/* The function's figures, or NULL. */
const struct summary_mem_function *summary_mem_function_of(const struct summary_memory *m,
                                                           const char *file,
                                                           const char *qualname,
                                                           int firstlineno);

/* Downsamples points[0..n) to at most max points, keeping each slice's
 * largest value (a peak must survive). Returns the new count (in place). */
size_t summary_mem_downsample(struct summary_mem_point *points, size_t n, size_t max);

/* The growth rate (docs/memory.md): 100 * (last - value at start) / max,
 * the value at start being the last point at or before `start` (the
 * script's start in seconds; the first point when start < 0 or no point is
 * that early). 0 for no points or max <= 0. */
double summary_mem_growth_rate(const struct summary_mem_point *points, size_t n, double start,
                               double max);

/* Samples the step function given by points[0..n) (in time order, each
 * value holding until the next point) by time: slices of (0, end] as many
 * as there are points, at most max; out[k] = {end of slice k, the largest
 * value in effect during it}. Slices before the first point are left out.
 * Points after end are ignored. out has room for max. Returns the count. */
size_t summary_mem_resample(const struct summary_mem_point *points, size_t n, double end,
                            struct summary_mem_point *out, size_t max);

/* 1 when a heap event of `bytes` (an allocation or its release) was
 * recorded at its true size: sampled blocks weigh exactly the window, the
 * blocks of window/4 or more that are recorded whole weigh their size. A
 * block of exactly the window counts as sampled; window 0 (unknown) as exact. */
int summary_mem_event_exact(long long bytes, double window);

/* The leak statistic: (allocs - freed + 1) / (allocs + 2). */
double summary_mem_leak_likelihood(unsigned long allocs, unsigned long freed);

#endif
