/* profile.c: code table growth, merging of identical (tid, frames) stacks,
 * the stack index surviving growth, threads and string fields. */
#include <errno.h>

#include "harness.h"
#include "client/model/profile.h"

static void test_codes_arrive_out_of_order(void)
{
    struct profile *p = profile_new();

    CHECK_EQ_INT(profile_set_code(p, 5, "/a.py", "f", 3), 0);
    CHECK_EQ_INT(p->ncodes, 6);
    CHECK(profile_code(p, 2) == NULL);
    CHECK(profile_code(p, 6) == NULL);
    CHECK_EQ_INT(profile_set_code(p, 2, "/b.py", "C.g", 7), 0);
    CHECK_EQ_INT(p->ncodes, 6);
    CHECK_EQ_STR(profile_code(p, 2)->qualname, "C.g");
    CHECK_EQ_STR(profile_code(p, 5)->file, "/a.py");
    CHECK_EQ_INT(profile_code(p, 5)->firstlineno, 3);
    /* Redefining replaces. */
    CHECK_EQ_INT(profile_set_code(p, 5, "/c.py", "h", 9), 0);
    CHECK_EQ_STR(profile_code(p, 5)->file, "/c.py");
    profile_free(p);
}

static void test_identical_stacks_merge(void)
{
    struct profile *p = profile_new();
    const struct profile_frame a[] = { { 1, 10 }, { 0, 3 } };
    const struct profile_frame other_line[] = { { 1, 11 }, { 0, 3 } };
    const double s1[TIME_KINDS] = { 0.25, 0.5, 0.0, 0.125 };
    const double s2[TIME_KINDS] = { 0.5, 0.0, 1.0, 0.0 };

    profile_add_sample(p, 7, a, 2, s1);
    profile_add_sample(p, 7, a, 2, s2);
    CHECK_EQ_INT(p->nstacks, 1);
    CHECK_EQ_INT(p->stacks[0].samples, 2);
    for (int k = 0; k < TIME_KINDS; k++)
        CHECK(p->stacks[0].seconds[k] == s1[k] + s2[k]);
    /* Another thread, another line or a shorter stack is another stack. */
    profile_add_sample(p, 8, a, 2, s1);
    profile_add_sample(p, 7, other_line, 2, s1);
    profile_add_sample(p, 7, a, 1, s1);
    profile_add_sample(p, 7, NULL, 0, s1);
    CHECK_EQ_INT(p->nstacks, 5);
    profile_add_stack(p, 7, NULL, 0, 0, 4, s2);
    CHECK_EQ_INT(p->nstacks, 5);
    CHECK_EQ_INT(p->stacks[4].samples, 5);
    CHECK(p->stacks[4].nframes == 0);
    profile_free(p);
}

static void test_index_survives_growth(void)
{
    enum { N = 5000 };
    struct profile *p = profile_new();
    const double s[TIME_KINDS] = { 1.0, 0.0, 0.0, 0.0 };
    int merged_ok = 1;

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            struct profile_frame f[2] = { { (uint32_t)(i % 13), i }, { 0, 1 } };

            profile_add_sample(p, (uint32_t)(i % 3), f, 2, s);
        }
    }
    CHECK_EQ_INT(p->nstacks, N);
    for (size_t i = 0; i < p->nstacks; i++)
        merged_ok &= p->stacks[i].samples == 2 && p->stacks[i].seconds[0] == 2.0;
    CHECK(merged_ok);
    CHECK(p->index_cap >= 2 * p->nstacks);
    profile_free(p);
}

static void test_threads_and_strings(void)
{
    struct profile *p = profile_new();
    const char *argv[] = { "fixingahole", "profile", "x.py" };

    CHECK_EQ_INT(profile_set_thread(p, 10, "MainThread"), 0);
    CHECK_EQ_INT(profile_set_thread(p, 11, NULL), 0);
    CHECK_EQ_INT(profile_set_thread(p, 10, "renamed"), 0);
    CHECK_EQ_INT(p->nthreads, 2);
    CHECK_EQ_STR(p->threads[0].name, "renamed");
    CHECK(p->threads[1].name == NULL);
    CHECK_EQ_INT(profile_set_string(&p->mode, "cpu"), 0);
    CHECK_EQ_INT(profile_set_string(&p->mode, "memory"), 0);
    CHECK_EQ_STR(p->mode, "memory");
    CHECK_EQ_INT(profile_set_command(p, argv, 3), 0);
    CHECK_EQ_STR(p->command[2], "x.py");
    CHECK(p->command[3] == NULL);
    profile_free(p);
    profile_free(NULL);
}

/* A thread's GIL share charges each interval to the observation that
 * began it: the first observation stands for itself. */
static void test_gil_share_charges_intervals_to_their_start(void)
{
    struct profile *p = profile_new();
    struct profile_thread *t = profile_thread_of(p, 7);

    CHECK(t && t->held_last == -1 && t->name == NULL);
    profile_thread_observe(t, 0.010, 1); /* held since the thread began */
    profile_thread_observe(t, 0.030, 0); /* held at the start of these 30 ms */
    profile_thread_observe(t, 0.020, 0); /* not held at their start */
    profile_thread_observe(t, 0.040, 1);
    CHECK_EQ_INT(t->samples, 4);
    CHECK_EQ_INT(t->gil_samples, 2);
    CHECK(t->gil_seconds > 0.0399 && t->gil_seconds < 0.0401);
    CHECK(profile_thread_gil_percent(t) > 39.99 && profile_thread_gil_percent(t) < 40.01);
    CHECK(profile_thread_of(p, 7) == t && p->nthreads == 1);
    profile_free(p);
}

/* The seconds of stacks with a gap frame (a stack deeper than the daemon
 * keeps): those stacks only, and waits on other threads only when they
 * count, as the totals they are reported against. */
static void test_gap_seconds_count_as_the_totals(void)
{
    struct profile *p = profile_new();
    CHECK_EQ_INT(profile_set_code(p, 0, "/a.py", "descend", 3), 0);
    CHECK_EQ_INT(profile_set_code(p, 1, "", "(frames left out)", 0), 0);
    profile_mark_gap(p, 1);
    CHECK(p->codes[1].gap && p->codes[1].native && !profile_has_native(p));
    const struct profile_frame deep[] = { { 0, 4 }, { 1, 0 }, { 0, 5 } };
    const struct profile_frame shallow[] = { { 0, 4 } };
    const double s[TIME_KINDS] = { 0.25, 0.5, 0.125, 1.0, 2.0 };
    profile_add_sample(p, 7, deep, 3, s);
    profile_add_sample(p, 7, shallow, 1, s);
    CHECK(profile_gap_seconds(p, 0) == 0.875);
    CHECK(profile_gap_seconds(p, 1) == 3.875);
    profile_free(p);
}

int main(void)
{
    test_codes_arrive_out_of_order();
    test_identical_stacks_merge();
    test_index_survives_growth();
    test_threads_and_strings();
    test_gil_share_charges_intervals_to_their_start();
    test_gap_seconds_count_as_the_totals();
    return test_finish("test_profile");
}
