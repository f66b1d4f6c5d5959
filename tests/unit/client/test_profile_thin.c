/* Allocations and releases in bounded memory: a long --memory run (about
 * nine times PROFILE_HEAP_EVENTS_MAX sampled allocations) keeps at most
 * that many events, and the figures stay what they were: every line's
 * allocation and what it still holds within a few percent of the truth,
 * the blocks recorded whole still exact, released blocks released, and
 * profile.json small. */
#include <cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/profile.h"
#include "client/model/summary.h"
#include "client/model/summary_mem.h"
#include "client/report/report_json.h"
#include "harness.h"

#define WINDOW (1u << 20)
#define BIG (64u << 20) /* recorded whole, always: at least a quarter window */
#define LINES 8         /* lines 10..13 churn (freed soon), 14..17 keep */
#define ALLOCS (9u * PROFILE_HEAP_EVENTS_MAX / 2)
#define BIG_EVERY 20000u

static double within(double got, double want)
{
    return fabs(got - want) / want;
}

static struct profile *feed(uint64_t *big_count)
{
    struct profile *p = profile_new();
    profile_set_string(&p->mode, "memory");
    profile_set_code(p, 0, "/r/app.py", "work", 1);
    profile_mem_set_window(p, WINDOW);
    uint64_t addr = 0x10000;
    *big_count = 0;
    for (uint32_t i = 0; i < ALLOCS; i++) {
        double t = i * 1e-3;
        struct profile_frame fr = {0, (int32_t)(10 + i % LINES)};
        profile_mem_heap(p, t, 1, &fr, 1, WINDOW, addr, 0, 0);
        if (i % LINES < LINES / 2) /* churn: released a moment later */
            profile_mem_free_block(p, t + 5e-4, addr);
        addr += 64;
        if (i % BIG_EVERY == 0) { /* a large block, released at once */
            struct profile_frame big = {0, 30};
            profile_mem_heap(p, t, 1, &big, 1, BIG, addr, 1, 0);
            profile_mem_free_block(p, t + 1e-4, addr);
            addr += 64;
            ++*big_count;
        }
    }
    profile_mem_rss(p, ALLOCS * 1e-3, 1u << 30);
    return p;
}

int main(void)
{
    uint64_t bigs;
    struct profile *p = feed(&bigs);
    CHECK(p->memory.thinned > 0);
    CHECK_EQ_INT(p->memory.window, (uint64_t)WINDOW << p->memory.thinned);
    CHECK(p->memory.nevents <= PROFILE_HEAP_EVENTS_MAX + 1);
    struct summary_options o = {.root = "/r"};
    struct summary *s = summary_new(p, &o);
    CHECK(s && s->memory);
    if (!s || !s->memory)
        return test_finish("test_profile_thin");
    double per_line = (double)ALLOCS / LINES * WINDOW;
    for (int line = 10; line < 10 + LINES; line++) {
        const struct summary_mem_line *l = summary_mem_line_of(s->memory, "/r/app.py", line);
        CHECK(l != NULL);
        if (!l)
            continue;
        CHECK(within(l->alloc_bytes, per_line) < 0.05);
        if (line < 10 + LINES / 2)
            CHECK(l->live_end == 0); /* every release followed its allocation */
        else
            CHECK(within(l->live_end, per_line) < 0.05);
    }
    const struct summary_mem_line *big = summary_mem_line_of(s->memory, "/r/app.py", 30);
    CHECK(big && big->alloc_bytes == (double)bigs * BIG && big->alloc_exact == big->alloc_bytes);
    CHECK(big && big->peak_bytes == BIG && big->peak_exact && big->live_end == 0);
    CHECK(big && big->python_percent == 0);
    char *json = report_json_render(p, s);
    CHECK(json && strlen(json) < (20u << 20));
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    const cJSON *hs = cJSON_GetObjectItem(doc, "heap_sampling");
    CHECK(cJSON_GetObjectItem(hs, "window_bytes")->valuedouble == (double)p->memory.window);
    struct profile *back = NULL;
    char err[256];
    CHECK(json && report_json_parse(json, strlen(json), "profile.json", &back, err,
                                    sizeof(err)) == 0);
    CHECK(back && back->memory.window == p->memory.window &&
          back->memory.thinned == p->memory.thinned);
    profile_free(back);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "heap_events")) <=
          (int)PROFILE_HEAP_EVENTS_MAX + 2);
    printf("%u allocations at W = 1 MiB: %zu events kept, thinned %u times (W = %llu MiB), "
           "profile.json %zu bytes\n",
           ALLOCS, p->memory.nevents, p->memory.thinned,
           (unsigned long long)(p->memory.window >> 20), json ? strlen(json) : 0);
    cJSON_Delete(doc);
    free(json);
    summary_free(s);
    profile_free(p);
    return test_finish("test_profile_thin");
}
