/* The memory figures: per-line peaks follow each line's live sampled bytes
 * (not its total), releases find their allocation by address, Python share
 * and leak candidates come out as defined in docs/memory.md, and the
 * timeline keeps its peak when downsampled. */
#include <stdlib.h>
#include <string.h>

#include "client/model/profile.h"
#include "client/model/summary.h"
#include "client/model/summary_mem.h"
#include "harness.h"

#define MB (1024.0 * 1024.0)

static struct profile *build(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, 0, "/r/app.py", "<module>", 1);
    profile_set_code(p, 1, "/r/app.py", "churn", 10);
    profile_set_code(p, 2, "/usr/lib/python3/lib.py", "helper", 5);
    struct profile_frame big[] = {{0, 3}};
    struct profile_frame churn[] = {{1, 12}, {0, 4}};
    struct profile_frame native[] = {{2, 7}, {0, 5}}; /* library code called from line 5 */
    struct profile_frame leak[] = {{0, 6}};
    /* line 3: one 300 MB block, freed at t=2 */
    profile_mem_heap(p, 1.0, 1, big, 1, 300u << 20, 0x1000, 0, 0);
    /* line 12: 8 MB allocated and freed 10 times: total 80, peak 8 */
    for (int i = 0; i < 10; i++) {
        profile_mem_heap(p, 2.0 + i * 0.1, 1, churn, 2, 8u << 20, 0x2000, 0, 0);
        profile_mem_free_block(p, 2.05 + i * 0.1, 0x2000);
    }
    profile_mem_free_block(p, 2.0, 0x1000);
    /* line 5 (through the library): 64 MB by native code, never freed */
    profile_mem_heap(p, 3.0, 1, native, 2, 64u << 20, 0x3000, 1, 0);
    /* line 6: 30 small sampled blocks, none freed: a leak candidate */
    for (int i = 0; i < 30; i++)
        profile_mem_heap(p, 3.0 + i * 0.1, 1, leak, 1, 1u << 20, 0x10000 + (uint64_t)i * 16, 0, 0);
    profile_mem_heap(p, 4.0, 1, leak, 1, 10u << 20, 0, 0, 1); /* a copy */
    /* a free of an unknown block is ignored */
    profile_mem_free_block(p, 4.5, 0xdead0);
    profile_mem_rss(p, 0.0, 100);
    profile_mem_rss(p, 6.0, 200);
    return p;
}

static void test_lines(void)
{
    struct profile *p = build();
    struct summary_options o = {.root = "/r"};
    struct summary_memory *m = summary_mem_new(p, &o);
    CHECK(m != NULL);
    CHECK(m->heap);
    const struct summary_mem_line *l3 = summary_mem_line_of(m, "/r/app.py", 3);
    const struct summary_mem_line *l12 = summary_mem_line_of(m, "/r/app.py", 12);
    const struct summary_mem_line *l5 = summary_mem_line_of(m, "/r/app.py", 5);
    const struct summary_mem_line *l6 = summary_mem_line_of(m, "/r/app.py", 6);
    CHECK(l3 && l12 && l5 && l6);
    if (!l3 || !l12 || !l5 || !l6)
        goto out;
    CHECK_EQ_INT(l3->peak_bytes, 300u << 20);
    CHECK_EQ_INT(l12->alloc_bytes, 80u << 20);
    CHECK_EQ_INT(l12->peak_bytes, 8u << 20);
    CHECK_EQ_INT(l12->live_end, 0);
    CHECK_EQ_INT(l12->nfreed, 10);
    /* library frames are charged to the calling line, as time is */
    CHECK(summary_mem_line_of(m, "/usr/lib/python3/lib.py", 7) == NULL);
    CHECK_EQ_INT(l5->alloc_bytes, 64u << 20);
    CHECK_EQ_INT((int)l5->python_percent, 0);
    CHECK_EQ_INT((int)l3->python_percent, 100);
    CHECK_EQ_INT(l6->copy_bytes, 10u << 20);
    CHECK(l6->copy_mb_s > 0);
    /* peak heap: 300 MB alone (the churn starts after the free at t=2.0
     * in time order... the free of 0x1000 is at t=2.0, the first churn
     * alloc too: arrival order breaks the tie, the alloc came first) */
    CHECK(m->max_bytes >= 300.0 * MB && m->max_bytes <= 308.0 * MB);
    /* sorted by peak: the 300 MB line first */
    CHECK_EQ_INT(m->lines[0].line, 3);
    /* leaks: line 6 (30 blocks, none freed), not line 5 (one block) */
    CHECK_EQ_INT(m->nleaks, 1);
    if (m->nleaks)
        CHECK_EQ_INT(m->lines[m->leaks[0]].line, 6);
    const struct summary_mem_function *f = summary_mem_function_of(m, "/r/app.py", "churn", 10);
    CHECK(f != NULL);
    if (f)
        CHECK_EQ_INT(f->peak_bytes, 8u << 20);
    CHECK(m->ntimeline >= 2 && m->ntimeline <= SUMMARY_MEM_TIMELINE);
    /* growth: what is live at the end (64 + 30 MB) over the peak */
    double end = (64.0 + 30.0) * MB;
    CHECK(m->growth_rate_percent > 100.0 * end / m->max_bytes - 0.01 &&
          m->growth_rate_percent < 100.0 * end / m->max_bytes + 0.01);
out:
    summary_mem_free(m);
    profile_free(p);
}

static void test_rss_only(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, 0, "/r/app.py", "<module>", 1);
    struct profile_frame fr[] = {{0, 2}};
    double secs[TIME_KINDS] = {0.01, 0, 0, 0};
    profile_mem_rss(p, 0.0, 1000);
    profile_add_sample(p, 7, fr, 1, secs);
    profile_mem_main_seen(p, profile_intern_stack(p, 7, fr, 1, 0), 0.005);
    profile_mem_rss(p, 0.01, 5000);
    profile_mem_rss(p, 0.02, 3000);
    CHECK_EQ_INT(profile_mem_settle(p), 0); /* the stream ended */
    struct summary_options o = {.root = "/r"};
    struct summary_memory *m = summary_mem_new(p, &o);
    CHECK(m && !m->heap);
    if (m) {
        CHECK_EQ_INT(m->max_bytes, 5000);
        CHECK_EQ_INT(m->nrss, 3);
        const struct summary_mem_line *l = summary_mem_line_of(m, "/r/app.py", 2);
        CHECK(l != NULL);
        if (l)
            CHECK_EQ_INT(l->rss_growth, 4000);
        CHECK_EQ_INT(m->nleaks, 0);
    }
    summary_mem_free(m);
    profile_free(p);
}

/* The daemon holds a thread's samples for its clock's period, so RSS
 * readings come before the samples of their ticks: growth goes by the
 * samples' times, to where the main thread was last seen before each
 * reading, not to where it was seen last when the reading came. */
static void test_rss_growth_goes_by_sample_time(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, 0, "/r/app.py", "<module>", 1);
    struct profile_frame a[] = {{0, 3}}, b[] = {{0, 4}}, c[] = {{0, 6}};
    profile_mem_rss(p, 0.000, 1000);
    profile_mem_rss(p, 0.011, 3000); /* the main thread was on line 3 */
    profile_mem_rss(p, 0.021, 7000); /* on line 4 */
    profile_mem_main_seen(p, profile_intern_stack(p, 7, a, 1, 0), 0.010);
    profile_mem_main_seen(p, profile_intern_stack(p, 7, b, 1, 0), 0.020);
    profile_mem_rss(p, 0.031, 7500); /* on line 6, its sample not yet in */
    profile_mem_main_seen(p, profile_intern_stack(p, 7, c, 1, 0), 0.030);
    CHECK_EQ_INT(profile_mem_settle(p), 0);
    struct summary_options o = {.root = "/r"};
    struct summary_memory *m = summary_mem_new(p, &o);
    if (m) {
        const struct summary_mem_line *l3 = summary_mem_line_of(m, "/r/app.py", 3);
        const struct summary_mem_line *l4 = summary_mem_line_of(m, "/r/app.py", 4);
        const struct summary_mem_line *l6 = summary_mem_line_of(m, "/r/app.py", 6);
        CHECK(l3 && l4 && l6);
        if (l3 && l4 && l6) {
            CHECK_EQ_INT(l3->rss_growth, 2000);
            CHECK_EQ_INT(l4->rss_growth, 4000);
            CHECK_EQ_INT(l6->rss_growth, 500);
        }
    }
    summary_mem_free(m);
    profile_free(p);
}

/* RSS that grew while the main thread went unseen (its walks failed, or
 * it waited for a CPU) is charged where it is seen next, not where it was
 * seen last; what is still waiting at the end goes to its last stack. */
static void test_rss_growth_waits_for_the_main_thread(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, 0, "/r/app.py", "<module>", 1);
    struct profile_frame startup[] = {{0, 1}}, grow[] = {{0, 5}}, after[] = {{0, 9}};
    profile_mem_rss(p, 0.0, 1000);
    profile_mem_main_seen(p, profile_intern_stack(p, 7, startup, 1, 0), 0.005);
    profile_mem_rss(p, 0.01, 1500); /* seen at this tick: line 1 */
    profile_mem_rss(p, 0.02, 9000); /* unseen: waits */
    profile_mem_rss(p, 0.03, 9500);
    profile_mem_main_seen(p, profile_intern_stack(p, 7, grow, 1, 0), 0.035);
    profile_mem_rss(p, 0.04, 9600);
    profile_mem_main_seen(p, profile_intern_stack(p, 7, after, 1, 0), 0.045);
    profile_mem_rss(p, 0.05, 9700);
    profile_mem_rss(p, 0.06, 9900); /* unseen until the end */
    CHECK_EQ_INT(profile_mem_settle(p), 0);
    struct summary_options o = {.root = "/r"};
    struct summary_memory *m = summary_mem_new(p, &o);
    if (m) {
        const struct summary_mem_line *l1 = summary_mem_line_of(m, "/r/app.py", 1);
        const struct summary_mem_line *l5 = summary_mem_line_of(m, "/r/app.py", 5);
        const struct summary_mem_line *l9 = summary_mem_line_of(m, "/r/app.py", 9);
        CHECK(l1 && l5 && l9);
        if (l1 && l5 && l9) {
            CHECK_EQ_INT(l1->rss_growth, 500);
            CHECK_EQ_INT(l5->rss_growth, 8000 + 100);
            CHECK_EQ_INT(l9->rss_growth, 100 + 200);
        }
    }
    summary_mem_free(m);
    profile_free(p);
}

static void test_helpers(void)
{
    struct summary_mem_point pts[1000];
    for (int i = 0; i < 1000; i++)
        pts[i] = (struct summary_mem_point){i * 0.01, i == 517 ? 1e9 : (double)i};
    size_t n = summary_mem_downsample(pts, 1000, 100);
    CHECK(n <= 100 && n >= 90);
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        if (pts[i].bytes > max)
            max = pts[i].bytes;
        if (i)
            CHECK(pts[i].t > pts[i - 1].t);
    }
    CHECK(max == 1e9); /* the peak survives */
    CHECK_EQ_INT(summary_mem_downsample(pts, 5, 100), 5);
    CHECK(summary_mem_leak_likelihood(0, 0) == 0.5);
    CHECK(summary_mem_leak_likelihood(18, 0) == 0.95);
    CHECK(summary_mem_leak_likelihood(10, 10) < 0.1);
    struct summary_mem_point two[2] = {{0, 10}, {1, 60}};
    CHECK(summary_mem_growth_rate(two, 2, -1, 100) == 50.0);
    CHECK(summary_mem_growth_rate(two, 0, -1, 100) == 0.0);
    /* Measured from the script's start: what the start-up kept is not the
     * script's growth; a start before the first point takes that point. */
    struct summary_mem_point run[4] = {{0, 0}, {0.5, 20}, {1, 100}, {2, 30}};
    CHECK(summary_mem_growth_rate(run, 4, 0.7, 100) == 10.0);
    CHECK(summary_mem_growth_rate(run, 4, 0, 100) == 30.0);
    CHECK(summary_mem_growth_rate(run + 1, 3, 0.2, 100) == 10.0);
}

/* The script ended at t=2: the teardown's release of the leaked blocks
 * after it counts nowhere, the RSS reading of 0 (the exited process) is
 * dropped, both timelines are evenly spaced up to t=2, and the sampled
 * blocks (weight = window) are told from the exact one. */
static void test_script_end(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, 0, "/r/app.py", "<module>", 1);
    struct profile_frame leak[] = {{0, 4}}, big[] = {{0, 9}};
    p->memory.window = 1u << 20;
    for (int i = 0; i < 40; i++) {
        profile_mem_heap(p, 0.05 * i, 1, leak, 1, 1u << 20, 0x10000 + (uint64_t)i * 16, 0, 0);
        profile_mem_rss(p, 0.05 * i, (uint64_t)(i + 1) << 20);
    }
    profile_mem_heap(p, 1.0, 1, big, 1, 5u << 20, 0x90000, 0, 0); /* exact */
    profile_mem_free_block(p, 1.5, 0x90000);
    for (int i = 0; i < 40; i++)
        profile_mem_free_block(p, 2.5, 0x10000 + (uint64_t)i * 16);
    profile_mem_rss(p, 2.6, 0);
    CHECK_EQ_INT(profile_rss_count(&p->memory.rss), 40);
    p->memory.script_end = 2.0;
    struct summary_options o = {.root = "/r"};
    struct summary_memory *m = summary_mem_new(p, &o);
    CHECK(m != NULL);
    if (!m) {
        profile_free(p);
        return;
    }
    CHECK(m->duration == 2.0);
    const struct summary_mem_line *l4 = summary_mem_line_of(m, "/r/app.py", 4);
    const struct summary_mem_line *l9 = summary_mem_line_of(m, "/r/app.py", 9);
    CHECK(l4 && l9);
    if (l4 && l9) {
        CHECK_EQ_INT(l4->live_end, 40u << 20);
        CHECK_EQ_INT(l4->nfreed, 0);
        CHECK(!l4->peak_exact && l4->alloc_exact == 0);
        CHECK(l9->peak_exact && l9->alloc_exact == (double)(5u << 20));
    }
    CHECK_EQ_INT(m->nleaks, 1);
    CHECK(m->growth_rate_percent > 99.9);
    CHECK(!m->max_exact);
    CHECK(m->ntimeline >= 10 && m->nrss >= 10);
    for (size_t i = 1; i < m->ntimeline; i++) {
        double step = m->timeline[i].t - m->timeline[i - 1].t;
        CHECK(step > 2.0 / (double)m->ntimeline - 1e-9 && step < 2.0 / (double)m->ntimeline + 1e-9);
    }
    CHECK(m->timeline[m->ntimeline - 1].t == 2.0);
    CHECK(m->timeline[m->ntimeline - 1].bytes == (double)(40u << 20));
    for (size_t i = 0; i < m->nrss; i++)
        CHECK(m->rss[i].bytes > 0 && m->rss[i].t <= 2.0);
    summary_mem_free(m);
    profile_free(p);
}

static void test_resample(void)
{
    /* a step function: 0 until 1, 10 until 1.05, then 2; four slices of 0.5 */
    struct summary_mem_point in[] = {{0, 0}, {1.0, 10}, {1.05, 2}, {1.9, 2}}, out[8];
    size_t n = summary_mem_resample(in, 4, 2.0, out, 8);
    CHECK_EQ_INT(n, 4);
    CHECK(out[0].t == 0.5 && out[0].bytes == 0);
    CHECK(out[1].bytes == 0);
    CHECK(out[2].t == 1.5 && out[2].bytes == 10); /* the short peak survives */
    CHECK(out[3].t == 2.0 && out[3].bytes == 2);
    CHECK(summary_mem_event_exact(1 << 20, 1 << 20) == 0);
    CHECK(summary_mem_event_exact(-(1 << 20), 1 << 20) == 0);
    CHECK(summary_mem_event_exact(300 << 20, 1 << 20) == 1);
    CHECK(summary_mem_event_exact(1 << 20, 0) == 1);
}

int main(void)
{
    test_script_end();
    test_resample();
    test_lines();
    test_rss_only();
    test_rss_growth_waits_for_the_main_thread();
    test_rss_growth_goes_by_sample_time();
    test_helpers();
    return test_finish("test_summary_mem");
}
