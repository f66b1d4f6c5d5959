/* A long run costs no more than a short one: the model is fed what the
 * collector adds for a 40-frame-deep loop sampled at 100 Hz (one sample
 * and one RSS reading per tick) for 1, 10 and 60 minutes of run time, each
 * in a fresh child process, which then summarises the profile, renders
 * profile.json and reads it back as `summarize` does. The child's peak RSS
 * (VmHWM) and profile.json's size must not grow with the run's length,
 * must stay under 100 MB and 20 MB, and the RSS peak must survive exactly,
 * through the bounded series and through the reload. */
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/model/profile.h"
#include "client/model/summary.h"
#include "client/model/summary_mem.h"
#include "client/report/report_json.h"
#include "harness.h"

#define RATE_HZ 100
#define DEPTH 40
#define BODY_LINES 4 /* the loop's body: the innermost frame moves among them */
#define BASE_RSS (30ull << 20)
#define PEAK_RSS (700ull << 20) /* one reading, two thirds into the run */

struct run_figures {
    long hwm_kb;          /* the child's peak RSS */
    size_t json_bytes;    /* profile.json's size */
    size_t rss_samples;   /* its rss_samples rows */
    double timeline_max;  /* the largest value of its rss_timeline */
    double reloaded_max;  /* the same after reading it back */
    uint64_t sampled_max; /* max_rss_sampled of the model */
    int ok;
};

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* What the collector adds for `seconds` of the loop: one merged sample of
 * the main thread and one RSS reading (noise of a few MiB) per tick. */
static struct profile *feed(unsigned seconds)
{
    struct profile *p = profile_new();
    char qualname[32];
    profile_set_string(&p->mode, "cpu");
    for (uint32_t id = 0; id < DEPTH; id++) {
        snprintf(qualname, sizeof(qualname), "level_%u", id);
        profile_set_code(p, id, "/r/deep.py", qualname, (int)(10 * id + 1));
    }
    struct profile_frame frames[DEPTH];
    for (uint32_t d = 0; d < DEPTH; d++) /* innermost first: code DEPTH-1 */
        frames[d] = (struct profile_frame){DEPTH - 1 - d, (int32_t)(10 * (DEPTH - 1 - d) + 2)};
    uint64_t ticks = (uint64_t)seconds * RATE_HZ, noise = 12345;
    double kinds[TIME_KINDS] = {0.008, 0.001, 0.001, 0};
    for (uint64_t i = 0; i < ticks; i++) {
        frames[0].line = (int32_t)(10 * (DEPTH - 1) + 2 + i % BODY_LINES);
        double t = (double)i / RATE_HZ;
        noise = noise * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t rss = i == ticks * 2 / 3 ? PEAK_RSS : BASE_RSS + (noise >> 42);
        if (profile_add_sample(p, 1, frames, DEPTH, kinds) < 0 || profile_mem_rss(p, t, rss) < 0)
            abort();
        profile_mem_main_seen(p, profile_intern_stack(p, 1, frames, DEPTH, 0), t + 0.5 / RATE_HZ);
        p->samples++;
    }
    p->wall_seconds = (double)seconds;
    p->rate_hz = RATE_HZ;
    return p;
}

static double timeline_max(const cJSON *doc, const char *key)
{
    const cJSON *pair, *arr = cJSON_GetObjectItemCaseSensitive(doc, key);
    double max = -1;
    cJSON_ArrayForEach(pair, arr) {
        double v = cJSON_GetArrayItem(pair, 1)->valuedouble;
        max = v > max ? v : max;
    }
    return max;
}

static double reload_max(const char *json)
{
    struct profile *back = NULL;
    char err[256];
    if (report_json_parse(json, strlen(json), "profile.json", &back, err, sizeof(err)) < 0)
        return fprintf(stderr, "reload: %s\n", err), -1;
    struct summary_options o = {.root = "/r"};
    struct summary *s = summary_new(back, &o);
    char *again = s ? report_json_render(back, s) : NULL;
    cJSON *doc = again ? cJSON_Parse(again) : NULL;
    double max = doc ? timeline_max(doc, "rss_timeline") : -1;
    cJSON_Delete(doc);
    free(again);
    summary_free(s);
    profile_free(back);
    return max;
}

static void measure(unsigned seconds, struct run_figures *out)
{
    struct profile *p = feed(seconds);
    struct summary_options o = {.root = "/r"};
    struct summary *s = summary_new(p, &o);
    char *json = s ? report_json_render(p, s) : NULL;
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    if (doc) {
        out->json_bytes = strlen(json);
        out->rss_samples = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(doc, "rss_samples"));
        out->timeline_max = timeline_max(doc, "rss_timeline");
        out->reloaded_max = reload_max(json);
        out->sampled_max = p->memory.max_rss_sampled;
        out->ok = 1;
    }
    out->hwm_kb = vm_hwm_kb();
    cJSON_Delete(doc);
    free(json);
    summary_free(s);
    profile_free(p);
}

/* measure() in a fresh process, so that each run's peak is its own. */
static struct run_figures run_in_child(unsigned seconds)
{
    struct run_figures f = {0};
    int fds[2];
    if (pipe(fds) < 0)
        return f;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        measure(seconds, &f);
        _exit(write(fds[1], &f, sizeof(f)) == (ssize_t)sizeof(f) ? 0 : 1);
    }
    close(fds[1]);
    if (pid < 0 || read(fds[0], &f, sizeof(f)) != (ssize_t)sizeof(f))
        f.ok = 0;
    close(fds[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return f;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

int main(void)
{
    static const unsigned minutes[] = {1, 10, 60};
    struct run_figures f[3];
    for (int i = 0; i < 3; i++) {
        f[i] = run_in_child(minutes[i] * 60);
        printf("%2u min at %d Hz: peak RSS %ld kB, profile.json %zu bytes, %zu rss_samples\n",
               minutes[i], RATE_HZ, f[i].hwm_kb, f[i].json_bytes, f[i].rss_samples);
        CHECK(f[i].ok);
        CHECK(f[i].rss_samples <= PROFILE_RSS_POINTS + 1);
        CHECK_EQ_INT(f[i].sampled_max, PEAK_RSS);
        CHECK(f[i].timeline_max == (double)PEAK_RSS);
        CHECK(f[i].reloaded_max == (double)PEAK_RSS);
    }
    /* The 10-minute run of the figures; then no growth past it. */
    CHECK(f[1].json_bytes < 20u << 20);
    CHECK(f[2].json_bytes <= f[0].json_bytes + f[0].json_bytes / 10);
#ifdef UNDER_ASAN
    printf("peak RSS not compared: ASan's shadow memory and quarantine dwarf it\n");
#else
    CHECK(f[1].hwm_kb > 0 && f[1].hwm_kb < 100 * 1024);
    CHECK(f[2].hwm_kb <= f[0].hwm_kb + f[0].hwm_kb / 10);
#endif
    return test_finish("test_long_run");
}
