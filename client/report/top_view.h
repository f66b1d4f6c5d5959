/* The model behind `fixingahole top`: from the growing profile of a
 * followed session, the time of each function, line and thread over the
 * last few seconds (a sliding window) and since the view began, with its
 * Python/native/system split, sorted by a chosen column. Idle time is left
 * out, as the summary does by default. */
#ifndef FAH_CLIENT_TOP_VIEW_H
#define FAH_CLIENT_TOP_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "client/model/profile.h"
#include "common/hashtab.h"

/* The kinds of time a row splits into: python, native, system. */
#define TOP_KINDS 3
/* Snapshots of the stacks' times kept for the sliding window. */
#define TOP_SNAPSHOTS 10

/* The columns a table can be sorted by. */
enum top_column {
    TOP_WINDOW_SELF = 0,  /* own time in the window */
    TOP_WINDOW_CALLS = 1, /* time on the stack in the window (own and callees') */
    TOP_TOTAL_SELF = 2,   /* own time since the view began */
    TOP_TOTAL_CALLS = 3,  /* time on the stack since the view began */
    TOP_COLUMNS = 4,
};

/* A function (line 0) or a line of one. */
struct top_row {
    uint32_t code_id;
    int32_t line;
    double window[TOP_KINDS]; /* own time in the window, by kind */
    double total[TOP_KINDS];  /* own time since the view began */
    double window_calls;      /* time with the row anywhere on the stack */
    double total_calls;
    size_t seen_in;           /* internal: last stack counted (+1) */
};

struct top_thread_row {
    uint32_t tid;
    const char *name; /* borrowed from the profile; NULL when unnamed */
    double window[TOP_KINDS];
    double total[TOP_KINDS];
};

/* The stacks' times at one moment: seconds[i] for stack i < nstacks. */
struct top_snapshot {
    double at;
    size_t nstacks, cap;
    double (*seconds)[TOP_KINDS];
};

struct top_table {
    struct top_row *rows;
    size_t n, cap;
    struct hashtab index; /* top_row_key(code_id, line) to the row's index */
};

struct top_view {
    double window_s;   /* the sliding window's length */
    const char *bootstrap; /* frames to leave out (profile_strip.h); borrowed */
    struct top_snapshot ring[TOP_SNAPSHOTS];
    size_t nsnapshots, newest;
    /* What top_view_update computed: */
    double now, span_s;      /* the window covered: shorter than window_s at first */
    double window_sum[TOP_KINDS], total_sum[TOP_KINDS]; /* all time, every thread */
    struct top_table functions, lines;
    struct top_thread_row *threads;
    size_t nthreads, threads_cap;
    enum top_column sort;
};

/* Sets v up for a window of window_s seconds (> 0); bootstrap may be "".
 * The view begins at time 0 with no time recorded. */
void top_view_init(struct top_view *v, double window_s, const char *bootstrap);
void top_view_free(struct top_view *v);

/* Recomputes every row from p as of `now` (seconds since the view began,
 * never decreasing), taking a snapshot for the window when one is due,
 * then sorts by v->sort. Returns 0 or -ENOMEM (the rows are then partial). */
int top_view_update(struct top_view *v, const struct profile *p, double now);

/* Sorts the functions, lines and threads by column c, largest first. */
void top_view_sort(struct top_view *v, enum top_column c);

/* The threads table's GIL column for t: "held" when its latest observation
 * found it holding the GIL, else "-". */
const char *top_thread_gil(const struct profile *p, const struct top_thread_row *t);

/* A row's value in column c, in seconds. */
double top_row_value(const struct top_row *r, enum top_column c);

/* The sum of t[0..TOP_KINDS). */
double top_kinds_sum(const double t[TOP_KINDS]);

#endif
