/* The memory parts of the reports: profile.json's heap fields carry what
 * the summary computed, the text summary prints the memory lines (and
 * prints none of them for a CPU profile). */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/profile.h"
#include "client/model/summary.h"
#include "client/report/report_json.h"
#include "client/report/report_text.h"
#include "harness.h"

static struct profile *build(int heap)
{
    struct profile *p = profile_new();
    profile_set_string(&p->mode, heap ? "memory" : "cpu");
    profile_set_code(p, 0, "/r/app.py", "<module>", 1);
    profile_set_code(p, 1, "/r/app.py", "grow", 10);
    struct profile_frame fr[] = {{1, 11}, {0, 3}};
    double secs[TIME_KINDS] = {0.5, 0, 0, 0};
    profile_add_sample(p, 1, fr, 2, secs);
    profile_mem_rss(p, 0.0, 1 << 20);
    profile_mem_main_seen(p, profile_intern_stack(p, 1, fr, 2, 0), 0.25);
    profile_mem_rss(p, 0.5, 5 << 20);
    profile_mem_settle(p); /* the stream ended */
    if (heap)
        for (int i = 0; i < 40; i++) /* never released: a leak */
            profile_mem_heap(p, 0.01 * i, 1, fr, 2, 1 << 20, 0x1000 + (uint64_t)i * 64, 0, 0);
    return p;
}

static char *render_text(const struct profile *p, const struct summary *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct report_text_options o = {.line_tables = 1};
    report_text_write(f, p, s, &o);
    fclose(f);
    return text;
}

static void test_heap_profile(void)
{
    struct profile *p = build(1);
    struct summary_options so = {.root = "/r"};
    struct summary *s = summary_new(p, &so);
    CHECK(s != NULL);
    char *json = report_json_render(p, s);
    cJSON *doc = cJSON_Parse(json);
    CHECK(doc != NULL);
    const cJSON *max = cJSON_GetObjectItem(doc, "max_heap_bytes");
    CHECK(cJSON_IsNumber(max) && max->valuedouble == 40.0 * (1 << 20));
    const cJSON *lines = cJSON_GetObjectItem(doc, "memory_lines");
    CHECK(cJSON_GetArraySize(lines) == 1);
    const cJSON *l = cJSON_GetArrayItem(lines, 0);
    CHECK(cJSON_GetObjectItem(l, "line")->valueint == 11);
    CHECK(cJSON_GetObjectItem(l, "peak_bytes")->valuedouble == 40.0 * (1 << 20));
    CHECK(cJSON_GetObjectItem(l, "python_alloc_percent")->valuedouble == 100.0);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "leaks")) == 1);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "memory_timeline")) >= 2);
    /* the line's entry in files[] carries the same figures */
    const cJSON *file = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
    const cJSON *fl = cJSON_GetArrayItem(cJSON_GetObjectItem(file, "lines"), 0);
    CHECK(cJSON_GetObjectItem(fl, "alloc_bytes")->valuedouble == 40.0 * (1 << 20));
    cJSON_Delete(doc);
    free(json);
    char *text = render_text(p, s);
    CHECK(strstr(text, "Memory usage: ") != NULL);
    CHECK(strstr(text, "(max: 40.000 MB, growth rate: 100.0%)") != NULL);
    CHECK(strstr(text, "Top PEAK memory consumption, by line:") != NULL);
    CHECK(strstr(text, "Top 1 Functions by Memory Usage:") != NULL);
    CHECK(strstr(text, "Possible memory leak identified at line 11") != NULL);
    free(text);
    summary_free(s);
    profile_free(p);
}

static void test_cpu_profile(void)
{
    struct profile *p = build(0);
    struct summary_options so = {.root = "/r"};
    struct summary *s = summary_new(p, &so);
    char *json = report_json_render(p, s);
    cJSON *doc = cJSON_Parse(json);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(doc, "max_heap_bytes")));
    CHECK(cJSON_GetObjectItem(doc, "max_rss_sampled_bytes")->valuedouble == 5 << 20);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "rss_timeline")) == 2);
    cJSON_Delete(doc);
    free(json);
    char *text = render_text(p, s);
    CHECK(strstr(text, "Memory usage") == NULL);
    CHECK(strstr(text, "Top PEAK") == NULL);
    free(text);
    summary_free(s);
    profile_free(p);
}

/* profile.json keeps the raw memory data: parsed back and summarised
 * again, the figures are the same. */
static void test_round_trip(void)
{
    struct profile *p = build(1);
    struct summary_options so = {.root = "/r"};
    struct summary *s = summary_new(p, &so);
    char *json = report_json_render(p, s);
    struct profile *back = NULL;
    char err[256];
    CHECK_EQ_INT(report_json_parse(json, strlen(json), "t", &back, err, sizeof(err)), 0);
    struct summary *s2 = back ? summary_new(back, &so) : NULL;
    CHECK(s2 != NULL);
    if (s2) {
        CHECK(s2->memory->heap);
        CHECK(s2->memory->max_bytes == s->memory->max_bytes);
        CHECK_EQ_INT(s2->memory->nrss, s->memory->nrss);
        const struct summary_mem_line *a = summary_mem_line_of(s->memory, "/r/app.py", 11);
        const struct summary_mem_line *b = summary_mem_line_of(s2->memory, "/r/app.py", 11);
        CHECK(a && b && a->alloc_bytes == b->alloc_bytes && a->peak_bytes == b->peak_bytes &&
              a->rss_growth == b->rss_growth);
        CHECK_EQ_INT(s2->memory->nleaks, 1);
    }
    /* a malformed event is refused with its place */
    char *bad = strstr(json, "\"heap_events\"");
    CHECK(bad != NULL);
    if (bad) {
        char *row = strchr(bad, '[');
        row = row ? strchr(row + 1, '[') : NULL;
        if (row)
            row[1] = '-'; /* a negative time */
        struct profile *worse = NULL;
        CHECK_EQ_INT(report_json_parse(json, strlen(json), "t", &worse, err, sizeof(err)),
                     -EINVAL);
        CHECK(strstr(err, "heap_events[0]") != NULL);
        profile_free(worse);
    }
    summary_free(s2);
    profile_free(back);
    free(json);
    summary_free(s);
    profile_free(p);
}

int main(void)
{
    test_round_trip();
    test_heap_profile();
    test_cpu_profile();
    return test_finish("test_report_mem");
}
