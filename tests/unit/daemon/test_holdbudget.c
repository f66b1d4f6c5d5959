/* The process's budget of stops: every tick at a rate under the budget's,
 * however the jitter bunches them; at a higher rate one stop per gap on
 * average, never more than the saved credit in a row. */
#include <stdint.h>

#include "common/xorshift.h"
#include "daemon/holdbudget.h"
#include "harness.h"

#define MS 1000000ull

#define TICKS 100000

/* Of TICKS ticks 5-15 ms apart (100 Hz jittered by 50%), how many a budget
 * of one stop per 7.5 ms saving up burst_ns refuses. */
static uint64_t denied_at_jittered_100hz(uint64_t burst_ns)
{
    struct hold_budget b = holdbudget_make(7500000, burst_ns);
    uint64_t rng = 42, due = 1000 * MS, denied = 0;
    for (int i = 0; i < TICKS; i++) {
        due += 5 * MS + xorshift64_next(&rng) % (10 * MS);
        if (holdbudget_allows(&b, due))
            holdbudget_spend(&b, due);
        else
            denied++;
    }
    return denied;
}

/* Every tick may stop: only a run of short gaps can outspend the credit,
 * and that is rare. */
static void test_jittered_100hz_stops_every_tick(void)
{
    CHECK(denied_at_jittered_100hz(3 * 7500000) * 100 < TICKS);
}

/* The same ticks with a fixed 7.5 ms gap (no credit saved) lose about a
 * fifth, those less than 7.5 ms after the last stop: the reason for the
 * budget. */
static void test_fixed_gap_would_deny_short_gaps(void)
{
    CHECK(denied_at_jittered_100hz(7500000) * 100 > 15 * TICKS);
}

/* 1 kHz for 10 s: about 10 s / 7.5 ms stops, never more than the burst in
 * any window. */
static void test_1khz_spends_one_per_gap(void)
{
    struct hold_budget b = holdbudget_make(7500000, 3 * 7500000);
    uint64_t rng = 7, due = 1000 * MS, start = due, stops = 0, in_row = 0, most_in_row = 0;
    while (due - start < 10000 * MS) {
        due += MS / 2 + xorshift64_next(&rng) % MS;
        if (holdbudget_allows(&b, due)) {
            holdbudget_spend(&b, due);
            stops++;
            in_row++;
        } else {
            in_row = 0;
        }
        most_in_row = in_row > most_in_row ? in_row : most_in_row;
    }
    CHECK(stops >= 1330 && stops <= 1337);
    CHECK(most_in_row <= 3);
}

/* After a long pause the credit is capped: a burst of three, then one per
 * gap. */
static void test_credit_is_capped(void)
{
    struct hold_budget b = holdbudget_make(10, 30);
    int allowed = 0;
    for (uint64_t due = 1000000; due < 1000000 + 10; due++)
        if (holdbudget_allows(&b, due)) {
            holdbudget_spend(&b, due);
            allowed++;
        }
    CHECK(allowed == 3);
}

int main(void)
{
    test_jittered_100hz_stops_every_tick();
    test_fixed_gap_would_deny_short_gaps();
    test_1khz_spends_one_per_gap();
    test_credit_is_capped();
    return test_finish("test_holdbudget");
}
