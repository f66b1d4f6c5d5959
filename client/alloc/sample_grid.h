/* Where the allocation sampler takes its samples in one thread's stream of
 * allocated (or copied) bytes: the stream is cut into cells of W bytes and
 * each cell holds one sample point, at a place drawn uniformly within it
 * (stratified sampling).
 *
 * Why cells: every byte is a point with probability exactly 1/W, so totals
 * are unbiased and no allocation pattern can fall into step with the
 * points; and any stretch of L consecutive bytes holds between
 * floor(L/W) - 1 and ceil(L/W) + 1 points whatever the draw. Points drawn
 * W/2..3W/2 apart one after another (the design before) gave the same mean
 * but a count that wanders by about sqrt(L/(12 W)) points, without bound.
 *
 * Pure: no globals, no allocation (it runs inside malloc). */
#ifndef FAH_ALLOC_SAMPLE_GRID_H
#define FAH_ALLOC_SAMPLE_GRID_H

#include <stdint.h>

struct sample_grid {
    int64_t window; /* W, bytes; 0 until sample_grid_start */
    int64_t left;   /* bytes until the next point; <= 0: that point is due */
    int64_t phase;  /* the next point's place in its cell, in [0, W) */
    uint64_t rng;   /* xorshift64 state, never 0 */
};

/* Starts the stream at its first cell. window > 0; any seed (0 too). */
void sample_grid_start(struct sample_grid *g, int64_t window, uint64_t seed);

/* Counts n more bytes of the stream; 1 when the next point is due (its byte
 * was among them, or an earlier call left it due). The caller takes the
 * sample and then calls sample_grid_advance. */
static inline int sample_grid_count(struct sample_grid *g, int64_t n)
{
    g->left -= n;
    return g->left <= 0;
}

/* Moves past the point just taken to the next cell's. Returns 1 when that
 * one is due as well (the bytes counted already reach it): a caller taking
 * one sample per call leaves it due for its next call, a caller weighing
 * a copy by points advances again. */
int sample_grid_advance(struct sample_grid *g);

#endif
