/* One sample point per W-byte cell of a thread's byte stream (see
 * sample_grid.h). */
#include "client/alloc/sample_grid.h"

#include "common/xorshift.h"

/* A place in a cell, uniform in [0, W) (the modulo's bias is below
 * W / 2^64). */
static int64_t draw_phase(struct sample_grid *g)
{
    return (int64_t)(xorshift64_next(&g->rng) % (uint64_t)g->window);
}

void sample_grid_start(struct sample_grid *g, int64_t window, uint64_t seed)
{
    g->window = window;
    g->rng = seed ? seed : 0x9e3779b97f4a7c15u;
    g->phase = draw_phase(g);
    g->left = g->phase + 1; /* the point is the byte at offset phase */
}

int sample_grid_advance(struct sample_grid *g)
{
    int64_t next = draw_phase(g);
    g->left += g->window - g->phase + next; /* to the next cell, then into it */
    g->phase = next;
    return g->left <= 0;
}
