/* The native/Python interleave (see native_merge.h). */
#include "daemon/native_merge.h"

#include <string.h>

/* Copies the Python frames of one evaluation-loop call, from frame *py to
 * the one the call entered with. */
static uint32_t copy_loop_call(const struct pywalk_stack *stack, uint32_t *py,
                               struct pywalk_frame *out, uint32_t n)
{
    int entry;
    do {
        entry = pywalk_frame_is_entry(stack, *py);
        out[n++] = stack->frames[(*py)++];
    } while (!entry && *py < stack->nframes);
    return n;
}

void native_merge(struct pywalk_stack *stack, const struct native_frame *native,
                  uint32_t nnative)
{
    struct pywalk_frame out[PYWALK_MAX_DEPTH];
    uint32_t npy = stack->nframes, py = 0, n = 0;

    uint32_t nevals = 0;
    for (uint32_t i = 0; i < nnative; i++)
        nevals += native[i].eval != 0;
    /* Without a single evaluation-loop frame (a stripped interpreter with
     * no debug info names none) nothing tells where the Python frames
     * go: the stack stays as the walker read it. */
    if (npy == 0 || nevals == 0)
        return;
    for (uint32_t i = 0; i < nnative && py < npy; i++) {
        if (native[i].eval) {
            n = copy_loop_call(stack, &py, out, n);
        } else if (n + (npy - py) < PYWALK_MAX_DEPTH) {
            /* Room is kept for every Python frame still to come. */
            out[n++] = (struct pywalk_frame){native[i].code_id, 0};
        }
    }
    while (py < npy)
        out[n++] = stack->frames[py++];
    memcpy(stack->frames, out, n * sizeof(out[0]));
    stack->nframes = n;
    memset(stack->entries, 0, sizeof(stack->entries));
}
