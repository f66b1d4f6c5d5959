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

/* A run of the given kind: mode, python version, --detailed, command word. */
static void write_kind_run(const char *name, double total, double py, double nat, double sys,
                           int with_g, const char *mode, const char *version, int detailed,
                           const char *command)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "{\"schema\": \"fixingahole.profile/1\", \"mode\": \"%s\",\n"
            " \"command\": [\"fixingahole\", \"%s\"], \"python\": {\"version\": \"%s\"},\n"
            " \"detailed\": %s, \"idle_included\": false,\n"
            " \"totals\": {\"seconds\": %g},\n"
            " \"functions\": [\n"
            "  {\"name\": \"f\", \"qualname\": \"A.f\", \"file\": \"/p/a.py\", \"line\": 3,\n"
            "   \"python_percent\": %g, \"native_percent\": %g, \"system_percent\": %g}%s\n"
            " ]}\n",
            mode, command, version, detailed ? "true" : "false", total, py, nat, sys,
            with_g ? ",\n  {\"name\": \"g\", \"qualname\": \"g\", \"file\": \"/p/a.py\", "
                     "\"line\": 9, \"python_percent\": 50, \"native_percent\": 0, "
                     "\"system_percent\": 0, \"peak_bytes\": 1000}"
                   : "");
    fclose(f);
}

static void write_run(const char *name, double total, double py, double nat, double sys,
                      int with_g)
{
    write_kind_run(name, total, py, nat, sys, with_g, "memory", "3.11.7", 0, "profile");
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
    const cJSON *groups = cJSON_GetObjectItem(doc, "groups");
    CHECK_EQ_INT(cJSON_GetArraySize(groups), 1);
    const cJSON *fns = cJSON_GetObjectItem(cJSON_GetArrayItem(groups, 0), "functions");
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

static char *read_text(const char *path)
{
    static char text[65536];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    return text;
}

/* The group of runs with this mode and version, or NULL. */
static const cJSON *group_of(const cJSON *doc, const char *mode, const char *version,
                             int detailed)
{
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(doc, "groups")) {
        const cJSON *k = cJSON_GetObjectItem(g, "kind");
        if (strcmp(cJSON_GetObjectItem(k, "mode")->valuestring, mode) == 0 &&
            strcmp(cJSON_GetObjectItem(k, "python")->valuestring, version) == 0 &&
            cJSON_IsTrue(cJSON_GetObjectItem(k, "detailed")) == detailed)
            return g;
    }
    return NULL;
}

/* A mixed folder: CPU, memory, --detailed, attach and another interpreter
 * each get their own group, and memory is averaged over memory runs only. */
static void test_mixed_groups(void)
{
    char paths[7][128], out[128], err[512];
    /* f's user time: total * (py + nat) / 100. */
    write_kind_run("1.json", 10, 20, 0, 0, 0, "cpu", "3.11.7", 0, "profile");      /* 2.0 */
    write_kind_run("2.json", 10, 40, 0, 0, 0, "cpu", "3.11.7", 0, "profile");      /* 4.0 */
    write_kind_run("3.json", 10, 90, 0, 0, 1, "memory", "3.11.7", 0, "profile");   /* 9.0 */
    write_kind_run("4.json", 10, 70, 0, 0, 0, "cpu", "3.11.7", 1, "profile");      /* 7.0 */
    write_kind_run("5.json", 10, 60, 0, 0, 0, "cpu", "3.11.7", 0, "attach");       /* 6.0 */
    write_kind_run("6.json", 10, 50, 0, 0, 0, "cpu", "3.12.1", 0, "profile");      /* 5.0 */
    write_kind_run("7.json", 10, 10, 0, 0, 1, "memory", "3.11.7", 0, "profile");   /* 1.0 */
    const char *files[7];
    for (int i = 0; i < 7; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/%d.json", dir, i + 1);
        files[i] = paths[i];
    }
    snprintf(out, sizeof(out), "%s/function_stats.json", dir);
    FILE *sink = fopen("/dev/null", "w");
    CHECK_EQ_INT(stats_write(files, 7, out, NULL, sink, 10, err, sizeof(err)), 0);
    fclose(sink);
    cJSON *doc = cJSON_Parse(read_text(out));
    CHECK(doc != NULL);
    CHECK_EQ_INT(cJSON_GetObjectItem(doc, "count")->valueint, 7);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "groups")), 5);
    const cJSON *cpu = group_of(doc, "cpu", "3.11.7", 0), *mem = group_of(doc, "memory", "3.11.7", 0);
    const cJSON *det = group_of(doc, "cpu", "3.11.7", 1), *att = group_of(doc, "attach", "3.11.7", 0);
    const cJSON *other = group_of(doc, "cpu", "3.12.1", 0);
    CHECK(cpu && mem && det && att && other);
    if (cpu && mem && det && att && other) {
        CHECK_EQ_INT(cJSON_GetObjectItem(cpu, "count")->valueint, 2);
        const cJSON *f = find(cJSON_GetObjectItem(cpu, "functions"), "f");
        CHECK(f && NEAR(field(f, "user_seconds", "mean"), 3.0));
        CHECK(f && cJSON_IsNull(cJSON_GetObjectItem(f, "peak_memory_bytes")));
        f = find(cJSON_GetObjectItem(mem, "functions"), "f");
        CHECK(f && NEAR(field(f, "user_seconds", "mean"), 5.0));
        /* g: peak 1000 in both memory runs; the CPU runs do not pull it to 0. */
        const cJSON *g = find(cJSON_GetObjectItem(mem, "functions"), "g");
        CHECK(g && NEAR(field(g, "peak_memory_bytes", "mean"), 1000.0));
        CHECK(g && NEAR(field(g, "peak_memory_bytes", "std"), 0.0));
        f = find(cJSON_GetObjectItem(det, "functions"), "f");
        CHECK(f && NEAR(field(f, "user_seconds", "mean"), 7.0));
        f = find(cJSON_GetObjectItem(att, "functions"), "f");
        CHECK(f && NEAR(field(f, "user_seconds", "mean"), 6.0));
        f = find(cJSON_GetObjectItem(other, "functions"), "f");
        CHECK(f && NEAR(field(f, "user_seconds", "mean"), 5.0));
        /* The largest group first. */
        CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "groups"), 0),
                                  "count")->valueint == 2);
    }
    cJSON_Delete(doc);
    for (int i = 0; i < 7; i++)
        unlink(paths[i]);
    unlink(out);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/fah-test-stats-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_mean_std();
    test_write();
    test_mixed_groups();
    rmdir(dir);
    return test_finish("test_stats");
}
