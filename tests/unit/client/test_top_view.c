/* top_view: the sliding window is the stacks' time since the snapshot
 * that opens it, own time goes to the innermost frame, time "with
 * callees" to every function on the stack once (recursion included), and
 * the rows sort by the chosen column. top_render: the frame fits the
 * terminal and names the rows. Values are checked against the seconds
 * added here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "client/report/report_text_format.h"
#include "client/report/top_render.h"
#include "client/report/top_view.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

enum { MAIN, HOT, REC };

static void add(struct profile *p, const struct profile_frame *frames, uint32_t n, int kind,
                double seconds)
{
    double t[TIME_KINDS] = {0};
    t[kind] = seconds;
    CHECK(profile_add_sample(p, 7, frames, n, t) == 0);
}

static const struct top_row *find(const struct top_table *t, uint32_t code, int32_t line)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].code_id == code && t->rows[i].line == line)
            return &t->rows[i];
    return NULL;
}

static struct profile *make_profile(void)
{
    struct profile *p = profile_new();
    CHECK(p && profile_set_code(p, MAIN, "/app/main.py", "main", 9) == 0);
    CHECK(profile_set_code(p, HOT, "/app/main.py", "hot", 4) == 0);
    CHECK(profile_set_code(p, REC, "/usr/lib/python3.11/json/encoder.py", "rec", 1) == 0);
    CHECK(profile_set_thread(p, 7, "MainThread") == 0);
    return p;
}

static const struct profile_frame hot_in_main[] = {{HOT, 5}, {MAIN, 10}};
static const struct profile_frame main_only[] = {{MAIN, 12}};
static const struct profile_frame recursion[] = {{REC, 2}, {REC, 3}, {MAIN, 11}};

/* t=1: everything so far is in the window. */
static void check_first_update(struct top_view *v, struct profile *p)
{
    add(p, hot_in_main, 2, TIME_PYTHON, 1.0);
    add(p, recursion, 3, TIME_NATIVE, 0.5);
    CHECK(top_view_update(v, p, 1.0) == 0);
    CHECK(NEAR(v->span_s, 1.0));
    const struct top_row *hot = find(&v->functions, HOT, 0);
    const struct top_row *main_fn = find(&v->functions, MAIN, 0);
    const struct top_row *rec = find(&v->functions, REC, 0);
    CHECK(hot && NEAR(hot->window[0], 1.0) && NEAR(hot->total[0], 1.0));
    CHECK(main_fn && NEAR(top_kinds_sum(main_fn->window), 0) && NEAR(main_fn->window_calls, 1.5));
    /* Two frames of rec on one stack: its time counts once with callees. */
    CHECK(rec && NEAR(rec->window[1], 0.5) && NEAR(rec->window_calls, 0.5));
    const struct top_row *line5 = find(&v->lines, HOT, 5);
    CHECK(line5 && NEAR(line5->window[0], 1.0));
    CHECK(v->functions.n == 3 && v->functions.rows[0].code_id == HOT);
    CHECK(NEAR(top_kinds_sum(v->window_sum), 1.5));
}

/* t=6 with a 4 s window: the window opens at the t=1 snapshot, so only the
 * time added since is in it; the totals keep everything. */
static void check_window_slides(struct top_view *v, struct profile *p)
{
    add(p, main_only, 1, TIME_SYSTEM, 2.0);
    CHECK(top_view_update(v, p, 6.0) == 0);
    CHECK(NEAR(v->span_s, 5.0));
    const struct top_row *hot = find(&v->functions, HOT, 0);
    const struct top_row *main_fn = find(&v->functions, MAIN, 0);
    CHECK(hot && NEAR(top_kinds_sum(hot->window), 0) && NEAR(hot->total[0], 1.0));
    CHECK(main_fn && NEAR(main_fn->window[2], 2.0) && NEAR(main_fn->total_calls, 3.5));
    CHECK(v->functions.rows[0].code_id == MAIN);
    CHECK(v->nthreads == 1 && NEAR(v->threads[0].window[2], 2.0) &&
          NEAR(top_kinds_sum(v->threads[0].total), 3.5));
    CHECK_EQ_STR(v->threads[0].name, "MainThread");
    top_view_sort(v, TOP_TOTAL_CALLS);
    CHECK(v->functions.rows[0].code_id == MAIN && v->functions.rows[1].code_id == HOT);
    top_view_sort(v, TOP_TOTAL_SELF);
    CHECK(v->functions.rows[0].code_id == MAIN && v->functions.rows[1].code_id == HOT &&
          v->functions.rows[2].code_id == REC);
}

/* The rendered frame: every line within the width, the rows named. */
static void check_render(struct top_view *v, struct profile *p, int cols)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct top_screen s = {.cols = cols, .rows = 24, .paint = paint_plain(), .pid = 42,
                           .state = "running", .root = "/app"};
    profile_set_string(&p->python_version, "3.11.2");
    top_render(out, v, p, &s);
    fclose(out);
    if (getenv("TOP_DUMP"))
        fputs(text, stdout);
    if (cols >= 100) {
        CHECK(text && strstr(text, "main  main.py:9") && strstr(text, "main.py:12  main"));
        CHECK(text && strstr(text, "json/encoder.py:2  rec"));
    }
    /* Lines start with a cursor address; none is wider than the terminal. */
    for (char *at = text; at && (at = strstr(at, "\033[")) != NULL;) {
        char *end = strstr(at + 2, "\033[K");
        if (!end)
            break;
        char *start = strchr(at, 'H') + 1;
        *end = '\0';
        CHECK(report_text_columns(start) <= (size_t)cols);
        at = end + 1;
    }
    free(text);
    CHECK_EQ_STR(top_render_file("/app/pkg/m.py", "/app"), "pkg/m.py");
    CHECK_EQ_STR(top_render_file("/usr/lib/python3.11/json/encoder.py", "/app"),
                 "json/encoder.py");
}

/* The GIL column follows each thread's latest observation. */
static void check_gil_column(struct profile *p)
{
    struct profile_thread *main_thread = profile_thread_of(p, 7);
    CHECK(main_thread != NULL);
    if (!main_thread)
        return;
    struct top_thread_row row = {.tid = 7};
    main_thread->held_last = 1;
    CHECK_EQ_STR(top_thread_gil(p, &row), "held");
    main_thread->held_last = 0;
    CHECK_EQ_STR(top_thread_gil(p, &row), "-");
    row.tid = 4242; /* a thread the profile never saw */
    CHECK_EQ_STR(top_thread_gil(p, &row), "-");
}

/* Many lines of one function, before line 0 included: every one keeps its
 * own row through the index's growth, and a second update finds the same
 * rows again rather than adding them twice. */
static void check_many_rows(void)
{
    enum { LINES = 600 };
    struct profile *p = make_profile();
    struct top_view v;
    top_view_init(&v, 4.0, "");
    for (int32_t line = -1; line < LINES - 1; line++) {
        struct profile_frame f = {HOT, line};
        add(p, &f, 1, TIME_PYTHON, 0.001 * (line + 2));
    }
    for (int round = 1; round <= 2; round++) {
        CHECK(top_view_update(&v, p, round) == 0);
        CHECK(v.lines.n == LINES && v.functions.n == 1);
        int right = 1;
        for (int32_t line = -1; line < LINES - 1; line++) {
            const struct top_row *r = find(&v.lines, HOT, line);
            right &= r && NEAR(r->total[0], 0.001 * (line + 2));
        }
        CHECK(right);
        CHECK(v.lines.rows[0].line == LINES - 2); /* the largest first */
    }
    top_view_free(&v);
    profile_free(p);
}

int main(void)
{
    check_many_rows();
    struct profile *p = make_profile();
    struct top_view v;
    top_view_init(&v, 4.0, "");
    check_first_update(&v, p);
    check_window_slides(&v, p);
    check_render(&v, p, 100);
    check_render(&v, p, 40);
    check_gil_column(p);
    top_view_free(&v);
    profile_free(p);
    return test_finish("test_top_view");
}
