/* --native's interleave: each evaluation-loop frame of the native stack
 * stands for the Python frames of one loop call, native frames sit between
 * them in call order, and nothing outside the Python stack is kept. */
#include "daemon/native_merge.h"
#include "harness.h"

#include <string.h>

#define EVAL(id) {id, 1}
#define C(id) {id, 0}
/* Native ids are 100 and up, Python code ids below. */
enum { KEY_OF = 1, RUN, MODULE, F, G };

/* A Python stack, innermost first; entry[i] marks the first frame of an
 * evaluation-loop call. */
static struct pywalk_stack *python_stack(const uint32_t *ids, const int *entry, uint32_t n)
{
    static struct pywalk_stack stack;
    memset(&stack, 0, sizeof(stack));
    for (uint32_t i = 0; i < n; i++) {
        stack.frames[i] = (struct pywalk_frame){ids[i], (int32_t)(10 + i)};
        if (entry[i])
            stack.entries[i / 64] |= 1ull << (i % 64);
    }
    stack.nframes = n;
    return &stack;
}

static void check_ids(const struct pywalk_stack *s, const uint32_t *want, uint32_t n)
{
    CHECK_EQ_INT(s->nframes, n);
    for (uint32_t i = 0; i < n && i < s->nframes; i++)
        CHECK_EQ_INT(s->frames[i].code_id, want[i]);
}

/* 3.11+: run calls sorted() inline in its loop call; the sort calls key_of
 * through C, which enters the loop again. */
static void test_callback_through_c_sits_between_its_callers(void)
{
    struct pywalk_stack *s = python_stack((uint32_t[]){KEY_OF, RUN, MODULE},
                                          (int[]){1, 0, 1}, 3);
    const struct native_frame native[] = {EVAL(100), C(101), C(102), C(103), EVAL(100),
                                          C(104), C(105), C(106)};
    native_merge(s, native, 8);
    check_ids(s, (uint32_t[]){KEY_OF, 101, 102, 103, RUN, MODULE}, 6);
    CHECK_EQ_INT(s->frames[4].line, 11); /* Python frames keep their lines */
    CHECK_EQ_INT(s->frames[1].line, 0);
    CHECK(!pywalk_frame_is_entry(s, 0) && !pywalk_frame_is_entry(s, 5));
}

/* A C function running under the innermost line: the leaf is native. */
static void test_native_leaf_under_the_calling_line(void)
{
    struct pywalk_stack *s = python_stack((uint32_t[]){RUN, MODULE}, (int[]){0, 1}, 2);
    const struct native_frame native[] = {C(200), C(201), EVAL(100), C(104)};
    native_merge(s, native, 4);
    check_ids(s, (uint32_t[]){200, 201, RUN, MODULE}, 4);
}

/* Up to 3.10 every Python call is a loop call of its own. */
static void test_frame_objects_one_loop_call_each(void)
{
    struct pywalk_stack *s = python_stack((uint32_t[]){F, G}, (int[]){1, 1}, 2);
    const struct native_frame native[] = {EVAL(100), C(101), EVAL(100), C(104)};
    native_merge(s, native, 4);
    check_ids(s, (uint32_t[]){F, 101, G}, 3);
}

/* An unwind that stopped early (no unwind info) leaves the Python frames
 * it did not reach at the outer end, in their order. */
static void test_short_unwind_keeps_every_python_frame(void)
{
    struct pywalk_stack *s = python_stack((uint32_t[]){F, G, MODULE}, (int[]){1, 0, 1}, 3);
    const struct native_frame native[] = {C(300), EVAL(100), C(301)};
    native_merge(s, native, 3);
    check_ids(s, (uint32_t[]){300, F, 301, G, MODULE}, 5);
    /* No loop frame at all (a stripped interpreter): no telling where the
     * Python frames go, so none of the native frames is kept. */
    s = python_stack((uint32_t[]){F, G}, (int[]){0, 1}, 2);
    const struct native_frame unnamed[] = {C(300), C(301), C(302)};
    native_merge(s, unnamed, 3);
    check_ids(s, (uint32_t[]){F, G}, 2);
    /* More loop frames than loop calls: nothing is made up. */
    s = python_stack((uint32_t[]){F}, (int[]){1}, 1);
    const struct native_frame evals[] = {EVAL(100), EVAL(100), C(101)};
    native_merge(s, evals, 3);
    check_ids(s, (uint32_t[]){F}, 1);
}

static void test_no_python_frames_no_merge(void)
{
    struct pywalk_stack *s = python_stack(NULL, NULL, 0);
    const struct native_frame native[] = {C(300), EVAL(100)};
    native_merge(s, native, 2);
    CHECK_EQ_INT(s->nframes, 0);
}

/* At the depth cap native frames give way: every Python frame stays. */
static void test_depth_cap_drops_native_frames_first(void)
{
    uint32_t ids[PYWALK_MAX_DEPTH - 2];
    int entry[PYWALK_MAX_DEPTH - 2] = {0};
    for (uint32_t i = 0; i < PYWALK_MAX_DEPTH - 2; i++)
        ids[i] = 1000 + i;
    entry[PYWALK_MAX_DEPTH - 3] = 1;
    struct pywalk_stack *s = python_stack(ids, entry, PYWALK_MAX_DEPTH - 2);
    struct native_frame native[10];
    for (uint32_t i = 0; i < 9; i++)
        native[i] = (struct native_frame)C(400 + i);
    native[9] = (struct native_frame)EVAL(100);
    native_merge(s, native, 10);
    /* Room for two of the nine native frames. */
    CHECK_EQ_INT(s->nframes, PYWALK_MAX_DEPTH);
    CHECK_EQ_INT(s->frames[0].code_id, 400);
    CHECK_EQ_INT(s->frames[1].code_id, 401);
    CHECK_EQ_INT(s->frames[2].code_id, 1000);
    CHECK_EQ_INT(s->frames[PYWALK_MAX_DEPTH - 1].code_id, 1000 + PYWALK_MAX_DEPTH - 3);
}

int main(void)
{
    test_callback_through_c_sits_between_its_callers();
    test_native_leaf_under_the_calling_line();
    test_frame_objects_one_loop_call_each();
    test_short_unwind_keeps_every_python_frame();
    test_no_python_frames_no_merge();
    test_depth_cap_drops_native_frames_first();
    return test_finish("test_native_merge");
}
