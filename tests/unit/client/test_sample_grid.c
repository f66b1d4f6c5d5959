/* The allocation sampler's grid (client/alloc/sample_grid.c): one point per
 * W-byte cell, so a stretch of L bytes holds floor(L/W) - 1 .. ceil(L/W) + 1
 * samples under every seed, no pattern falls into step with the points, and
 * a point inside a block already sampled is taken by the next call. */
#include <stdint.h>

#include "client/alloc/sample_grid.h"
#include "harness.h"

#define W ((int64_t)10 << 20)
#define SEEDS 2000

/* Samples the way the allocation path does: one per call at most. */
static int take_one(struct sample_grid *g, int64_t n)
{
    if (!sample_grid_count(g, n))
        return 0;
    sample_grid_advance(g);
    return 1;
}

/* The integration workload's leak: 480 blocks of 100033 bytes after a
 * start-up of small blocks, whose length varies with the seed over a whole
 * window (so the stretch starts anywhere in a cell). The countdown this
 * grid replaced put 7 or more samples here for 4 of these 2000 seeds. */
static void stretch_count_is_bounded(void)
{
    const int64_t block = 100033, blocks = 480, len = block * blocks;
    const int64_t low = len / W - 1, high = (len + W - 1) / W + 1;
    int64_t total = 0, outside = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct sample_grid g;
        sample_grid_start(&g, W, seed * 0x2545f4914f6cdd1du);
        for (int64_t startup = 0; startup < (int64_t)(seed * 7919 % (W / 1000)); startup++)
            take_one(&g, 1000);
        int64_t n = 0;
        for (int64_t i = 0; i < blocks; i++)
            n += take_one(&g, block);
        outside += n < low || n > high;
        total += n;
    }
    CHECK_EQ_INT(outside, 0);
    /* unbiased: the mean over the seeds is len/W (sd of one count < 1, of
     * the mean < 1/sqrt(SEEDS) = 0.022; bound 0.1) */
    double mean = (double)total / SEEDS;
    CHECK(mean > (double)len / W - 0.1 && mean < (double)len / W + 0.1);
}

/* A loop whose allocations repeat with a period of exactly W: a block of
 * 0.24 W, then 0.76 W in small blocks. One point per cell lands in the
 * block 24% of the time, as its share of the bytes; a sampler in step with
 * the period would find it always or never. */
static void periodic_pattern_gets_its_share(void)
{
    const int64_t big = W * 24 / 100, small = 4096, periods = 10000;
    struct sample_grid g;
    sample_grid_start(&g, W, 42);
    int64_t on_big = 0, all = 0;
    for (int64_t p = 0; p < periods; p++) {
        int hit = take_one(&g, big);
        on_big += hit;
        all += hit;
        for (int64_t rest = W - big; rest > 0; rest -= small)
            all += take_one(&g, rest < small ? rest : small);
    }
    CHECK(all >= periods - 1 && all <= periods + 1);
    /* binomial(10000, 0.24): sd 42.7; bound 6 sd */
    CHECK(on_big > 2400 - 256 && on_big < 2400 + 256);
}

/* Points are never lost: with one sample per call, a second point inside a
 * block is taken by the next call, so the calls take as many samples as
 * the grid has points in the bytes counted (the copy path's count). */
static void second_point_in_a_block_is_taken_next(void)
{
    const int64_t small = 1000, block = small * 100; /* W/100 */
    int calls_taking_due_point = 0, mismatches = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        struct sample_grid one, all;
        sample_grid_start(&one, small * 1000, seed);
        sample_grid_start(&all, small * 1000, seed);
        int64_t taken = 0, points = 0;
        for (int i = 0; i < 2000; i++) {
            int due_before = one.left <= 0;
            int64_t n = i % 2 ? block * 2 : 1;
            int t = take_one(&one, n);
            calls_taking_due_point += due_before && t;
            taken += t;
            if (sample_grid_count(&all, n))
                for (points++; sample_grid_advance(&all); points++)
                    ;
        }
        /* what is still due after the last call is owed, not lost */
        int64_t owed = 0;
        while (one.left <= 0) {
            owed++;
            sample_grid_advance(&one);
        }
        mismatches += taken + owed != points;
    }
    CHECK_EQ_INT(mismatches, 0);
    /* blocks of W/5 meet two points now and then: the owed path ran */
    CHECK(calls_taking_due_point > 0);
}

int main(void)
{
    stretch_count_is_bounded();
    periodic_pattern_gets_its_share();
    second_point_in_a_block_is_taken_next();
    return test_finish("test_sample_grid");
}
