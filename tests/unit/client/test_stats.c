/* stats.c: mean and sample standard deviation, functions matched across
 * runs (absent in a run = zero), user time = python + native share of the
 * total, memory null when no run has it, bad input named. */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "client/model/stats.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static char dir[64];

static void write_run(const char *name, double total, double py, double nat, double sys,
                      int with_g)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "{\"schema\": \"fixingahole.profile/1\", \"mode\": \"memory\",\n"
            " \"totals\": {\"seconds\": %g},\n"
            " \"functions\": [\n"
            "  {\"name\": \"f\", \"qualname\": \"A.f\", \"file\": \"/p/a.py\", \"line\": 3,\n"
            "   \"python_percent\": %g, \"native_percent\": %g, \"system_percent\": %g}%s\n"
            " ]}\n",
            total, py, nat, sys,
            with_g ? ",\n  {\"name\": \"g\", \"qualname\": \"g\", \"file\": \"/p/a.py\", "
                     "\"line\": 9, \"python_percent\": 50, \"native_percent\": 0, "
                     "\"system_percent\": 0, \"peak_bytes\": 1000}"
                   : "");
    fclose(f);
}

static const cJSON *find(const cJSON *fns, const char *name)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, fns) {
        if (strcmp(cJSON_GetObjectItem(f, "name")->valuestring, name) == 0)
            return f;
    }
    return NULL;
}

static double field(const cJSON *f, const char *kind, const char *what)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(f, kind), what)->valuedouble;
}

static void test_mean_std(void)
{
    const double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
    double mean, std;
    stats_mean_std(v, 8, &mean, &std);
    CHECK(NEAR(mean, 5.0));
    CHECK(NEAR(std, sqrt(32.0 / 7.0)));
    stats_mean_std(v, 1, &mean, &std);
    CHECK(NEAR(mean, 2.0) && NEAR(std, 0.0));
}

static void test_write(void)
{
    char a[128], b[128], out[128], err[512];
    write_run("a.json", 10.0, 20.0, 10.0, 5.0, 1); /* f: user 3.0, system 0.5 */
    write_run("b.json", 4.0, 25.0, 25.0, 0.0, 0);  /* f: user 2.0, system 0.0 */
    snprintf(a, sizeof(a), "%s/a.json", dir);
    snprintf(b, sizeof(b), "%s/b.json", dir);
    snprintf(out, sizeof(out), "%s/function_stats.json", dir);
    const char *files[] = {a, b};
    FILE *sink = fopen("/dev/null", "w");
    CHECK_EQ_INT(stats_write(files, 2, out, NULL, sink, 10, err, sizeof(err)), 0);
    FILE *f = fopen(out, "r");
    char text[8192];
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    cJSON *doc = cJSON_Parse(text);
    CHECK(doc != NULL);
    CHECK_EQ_INT(cJSON_GetObjectItem(doc, "count")->valueint, 2);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(doc, "git")));
    const cJSON *fns = cJSON_GetObjectItem(doc, "functions");
    const cJSON *fa = find(fns, "f"), *ga = find(fns, "g");
    CHECK(fa && ga);
    if (fa && ga) {
        CHECK(NEAR(field(fa, "user_seconds", "mean"), 2.5));
        CHECK(NEAR(field(fa, "user_seconds", "std"), sqrt(0.5)));
        CHECK(NEAR(field(fa, "system_seconds", "mean"), 0.25));
        CHECK(cJSON_IsNull(cJSON_GetObjectItem(fa, "peak_memory_bytes")));
        CHECK(NEAR(field(ga, "user_seconds", "mean"), 2.5)); /* 5.0 and 0 (absent) */
        CHECK(NEAR(field(ga, "peak_memory_bytes", "mean"), 500.0));
        CHECK_EQ_INT(cJSON_GetObjectItem(fa, "line")->valueint, 3);
    }
    cJSON_Delete(doc);
    /* A file that is not a profile is named. */
    snprintf(b, sizeof(b), "%s/c.json", dir);
    f = fopen(b, "w");
    fputs("[1, 2]", f);
    fclose(f);
    CHECK(stats_write(files, 2, out, NULL, sink, 10, err, sizeof(err)) < 0);
    CHECK(strstr(err, "c.json: not a fixingahole profile.json") != NULL);
    fclose(sink);
    const char *names[] = {"a.json", "b.json", "c.json", "function_stats.json"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(a, sizeof(a), "%s/%s", dir, names[i]);
        unlink(a);
    }
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/fah-test-stats-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_mean_std();
    test_write();
    rmdir(dir);
    return test_finish("test_stats");
}
