/* report_json: the rendered document carries the summary's numbers, a
 * write -> load round trip restores the same profile (same stacks, same
 * summary), and broken input gets a clear error. */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "fixture.h"
#include "client/report/report_json.h"

#define ROOT "/proj"

static const char *const ignore[] = { ROOT "/.venv" };

static struct summary_options options(void)
{
    struct summary_options o = { .root = ROOT, .ignore = ignore, .nignore = 1 };
    return o;
}

static struct profile *run_profile(void)
{
    struct profile *p = fx_profile(ROOT);
    const char *argv[] = { "fixingahole", "profile", "app.py" };

    profile_set_command(p, argv, 3);
    profile_set_string(&p->script, ROOT "/app.py");
    profile_set_string(&p->python_executable, "/usr/bin/python3.11");
    profile_set_string(&p->python_version, "3.11.7");
    profile_set_string(&p->offsets_source, "dwarf");
    profile_set_string(&p->mode, "cpu");
    p->rate_hz = 100;
    p->wall_seconds = 3.25;
    p->samples = 9;
    p->errors = 1;
    p->max_rss_bytes = 123456789;
    p->exit_status = 2;
    p->interrupted = 1;
    return p;
}

static void test_document_has_summary_numbers(void)
{
    struct profile *p = run_profile();
    struct summary_options o = options();
    struct summary *s = summary_new(p, &o);
    char *text = report_json_render(p, s);
    cJSON *doc = cJSON_Parse(text);
    cJSON *fn0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "functions"), 0);
    cJSON *file0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
    cJSON *stack0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "stacks"), 0);
    cJSON *totals = cJSON_GetObjectItem(doc, "totals");

    CHECK(doc != NULL);
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "schema")),
                 REPORT_JSON_SCHEMA);
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
                     cJSON_GetObjectItem(doc, "python"), "version")), "3.11.7");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(doc, "interrupted")));
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(doc, "idle_included")));
    CHECK(fabs(cJSON_GetNumberValue(cJSON_GetObjectItem(totals, "seconds")) - s->total) < 1e-12);
    CHECK(fabs(cJSON_GetNumberValue(cJSON_GetObjectItem(totals, "idle_seconds")) -
               (fx_f[TIME_IDLE] + fx_g[TIME_IDLE])) < 1e-12);
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(fn0, "name")), "heavy");
    CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(fn0, "line")), 20);
    CHECK(fabs(cJSON_GetNumberValue(cJSON_GetObjectItem(fn0, "percent")) -
               s->functions[0].percent) <= 0.0005);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(file0, "lines")), 3);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "stacks")), p->nstacks);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(stack0, "frames")),
                 p->stacks[0].nframes);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "threads")), 3);
    cJSON_Delete(doc);
    free(text);
    summary_free(s);
    profile_free(p);
}

/* The loaded stack equal to st of the original (codes compared by key). */
static const struct profile_stack *match(const struct profile *a,
                                         const struct profile_stack *st,
                                         const struct profile *b)
{
    for (size_t i = 0; i < b->nstacks; i++) {
        const struct profile_stack *t = &b->stacks[i];
        int same = t->tid == st->tid && t->nframes == st->nframes && t->why == st->why;

        for (uint32_t j = 0; same && j < st->nframes; j++) {
            const struct profile_code *x = profile_code(a, st->frames[j].code_id);
            const struct profile_code *y = profile_code(b, t->frames[j].code_id);

            same = x && y && !strcmp(x->file, y->file) &&
                   !strcmp(x->qualname, y->qualname) &&
                   x->firstlineno == y->firstlineno &&
                   st->frames[j].line == t->frames[j].line;
        }
        if (same)
            return t;
    }
    return NULL;
}

static void test_round_trip(void)
{
    struct profile *p = run_profile(), *q = NULL;
    /* Frameless time of the interpreter's teardown (4), apart from the
     * frameless time without a reason. */
    static const double teardown[TIME_KINDS] = {0.5, 0, 0, 0};
    CHECK_EQ_INT(profile_add_stack(p, 1, NULL, 0, 4, 2, teardown), 0);
    struct summary_options o = options();
    struct summary *s = summary_new(p, &o), *s2;
    char path[] = "/tmp/fah-test-json-XXXXXX";
    char err[256] = "";
    int fd = mkstemp(path), same = 1;

    close(fd);
    /* The thread table's figures and --gil survive the trip. */
    p->gil_only = 1;
    p->threads[1].samples = 40;
    p->threads[1].gil_samples = 10;
    p->threads[1].observed_seconds = 0.5;
    p->threads[1].gil_seconds = 0.125;
    p->threads[1].cpu_seconds = 0.25;
    p->threads[1].gil_wait_seconds = 0.375;
    CHECK_EQ_INT(report_json_write(path, p, s, err, sizeof(err)), 0);
    CHECK_EQ_INT(report_json_load(path, &q, err, sizeof(err)), 0);
    unlink(path);
    if (!q) {
        fprintf(stderr, "load: %s\n", err);
        CHECK(q != NULL);
        summary_free(s);
        profile_free(p);
        return;
    }
    CHECK_EQ_STR(q->command[2], "app.py");
    CHECK_EQ_STR(q->python_version, "3.11.7");
    CHECK_EQ_STR(q->offsets_source, "dwarf");
    CHECK_EQ_INT(q->rate_hz, 100);
    CHECK(q->wall_seconds == 3.25);
    CHECK_EQ_INT(q->samples, 9);
    CHECK_EQ_INT(q->errors, 1);
    CHECK_EQ_INT(q->max_rss_bytes, 123456789);
    CHECK_EQ_INT(q->exit_status, 2);
    CHECK_EQ_INT(q->interrupted, 1);
    CHECK_EQ_INT(q->nthreads, 3);
    CHECK_EQ_INT(q->gil_only, 1);
    CHECK_EQ_STR(q->threads[1].name, "loader");
    CHECK(q->threads[1].samples == 40 && q->threads[1].gil_samples == 10);
    CHECK(q->threads[1].observed_seconds == 0.5 && q->threads[1].gil_seconds == 0.125);
    CHECK(q->threads[1].cpu_seconds == 0.25 && q->threads[1].gil_wait_seconds == 0.375);
    CHECK(profile_thread_gil_percent(&q->threads[1]) == 25.0);
    /* The two "heavy" code objects share a key: one code after reload. */
    CHECK_EQ_INT(q->ncodes, p->ncodes - 1);
    CHECK_EQ_INT(q->nstacks, p->nstacks);
    for (size_t i = 0; i < p->nstacks; i++) {
        const struct profile_stack *t = match(p, &p->stacks[i], q);

        same &= t && t->samples == p->stacks[i].samples &&
                !memcmp(t->seconds, p->stacks[i].seconds, sizeof(t->seconds));
    }
    CHECK(same);
    size_t with_why = 0;
    for (size_t i = 0; i < q->nstacks; i++)
        with_why += q->stacks[i].why == 4 && q->stacks[i].nframes == 0 &&
                    q->stacks[i].seconds[TIME_PYTHON] == 0.5;
    CHECK_EQ_INT(with_why, 1);
    s2 = summary_new(q, &o);
    CHECK(s2->total == s->total);
    CHECK_EQ_INT(s2->nfunctions, s->nfunctions);
    for (size_t i = 0; i < s->nfunctions && i < s2->nfunctions; i++) {
        CHECK_EQ_STR(s2->functions[i].qualname, s->functions[i].qualname);
        CHECK(s2->functions[i].total == s->functions[i].total);
    }
    summary_free(s2);
    profile_free(q);
    summary_free(s);
    profile_free(p);
}

static int parse_fails(const char *text, const char *needle)
{
    struct profile *q = (struct profile *)1;
    char err[256] = "";
    int rc = report_json_parse(text, strlen(text), "p.json", &q, err, sizeof(err));

    if (!strstr(err, needle) || !strstr(err, "p.json: "))
        fprintf(stderr, "unexpected error text: %s\n", err);
    return rc == -EINVAL && q == NULL && strstr(err, needle) != NULL;
}

static void test_bad_input_is_reported(void)
{
    const char *minimal = "{\"schema\": \"fixingahole.profile/1\", \"stacks\": []}";
    struct profile *q = NULL;
    char err[256] = "";

    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": [",
                      "invalid JSON"));
    CHECK(parse_fails("[1, 2]", "not a JSON object"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": [], "
                      "\"processes\": [{\"pid\": 0}]}", "processes[0]: \"pid\""));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": [], "
                      "\"processes\": 3}", "\"processes\" is not an array"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": [], "
                      "\"processes\": [{\"pid\": 7, \"command\": 5}]}",
                      "processes[0]: \"command\" is not a string"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": [], "
                      "\"script_end_seconds\": -1}", "\"script_end_seconds\" is out of range"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": [], "
                      "\"script_start_seconds\": \"x\"}",
                      "\"script_start_seconds\" is not a number"));
    CHECK(parse_fails("{\"stacks\": []}", "no \"schema\""));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/2\", \"stacks\": []}",
                      "schema \"fixingahole.profile/2\""));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\"}",
                      "\"stacks\" is missing"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": "
                      "[{\"frames\": [{\"file\": 3, \"qualname\": \"f\"}]}]}",
                      "stacks[0].frames[0]: \"file\" is not a string"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": "
                      "[{\"frames\": [], \"python_seconds\": -1}]}",
                      "stacks[0]: \"python_seconds\" is out of range"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": "
                      "[{\"frames\": [], \"unplaced\": \"lunch\"}]}",
                      "stacks[0]: \"unplaced\" is \"lunch\", not a reason this version knows"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"stacks\": "
                      "[{\"frames\": [], \"unplaced\": 4}]}",
                      "stacks[0]: \"unplaced\" is not a string"));
    CHECK(parse_fails("{\"schema\": \"fixingahole.profile/1\", \"interrupted\": 1, "
                      "\"stacks\": []}", "\"interrupted\" is not true or false"));
    CHECK_EQ_INT(report_json_load("/nonexistent/profile.json", &q, err, sizeof(err)),
                 -ENOENT);
    CHECK(strstr(err, "open /nonexistent/profile.json") != NULL);
    /* A minimal valid document. */
    CHECK_EQ_INT(report_json_parse(minimal, strlen(minimal), NULL, &q, err,
                                   sizeof(err)), 0);
    CHECK(q && q->nstacks == 0);
    profile_free(q);
}

/* processes[] carries the process table, and every thread and stack
 * names its process; a thread's pid survives a reload. */
static void test_processes_and_pids(void)
{
    struct profile *p = run_profile(), *q = NULL;
    struct summary_options o = options();
    struct profile_process worker = {
        .pid = 4321, .ppid = 4000, .python = 1, .exited = 1, .start_s = 0.5, .end_s = 2.0,
        .cpu_s = 1.25, .max_rss_bytes = 1000, .command = "python3 -c work",
        .python_version = "3.11.7", .note = ""};
    struct profile_process shell = {
        .pid = 4322, .ppid = 4000, .start_s = 1.0, .cpu_s = 0.001, .command = "sh",
        .python_version = "", .note = "not a Python process"};
    char path[] = "/tmp/fah-test-json-XXXXXX", err[256] = "";

    profile_set_thread_pid(p, 2, 4321);
    CHECK_EQ_INT(profile_process_set(&p->processes, &worker), 0);
    CHECK_EQ_INT(profile_process_set(&p->processes, &shell), 0);
    struct summary *s = summary_new(p, &o);
    char *text = report_json_render(p, s);
    cJSON *doc = cJSON_Parse(text);
    cJSON *procs = cJSON_GetObjectItem(doc, "processes");
    cJSON *w = cJSON_GetArrayItem(procs, 0), *sh = cJSON_GetArrayItem(procs, 1);

    CHECK_EQ_INT(cJSON_GetArraySize(procs), 2);
    CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(w, "pid")), 4321);
    CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(w, "ppid")), 4000);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(w, "sampled")));
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(w, "python_version")), "3.11.7");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(w, "note")));
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(w, "lifetime_seconds")) == 1.5);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(w, "cpu_seconds")) == 1.25);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(sh, "sampled")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(sh, "end_seconds")));
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(sh, "lifetime_seconds")) == 3.25 - 1.0);
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(sh, "note")), "not a Python process");
    cJSON *st;
    int thread2 = 0;
    cJSON_ArrayForEach(st, cJSON_GetObjectItem(doc, "stacks")) {
        int tid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "tid"));
        CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid")), tid == 2 ? 4321 : 0);
        thread2 |= tid == 2;
    }
    CHECK(thread2);
    int fd = mkstemp(path);
    close(fd);
    CHECK_EQ_INT(report_json_write(path, p, s, err, sizeof(err)), 0);
    CHECK_EQ_INT(report_json_load(path, &q, err, sizeof(err)), 0);
    unlink(path);
    CHECK(q && profile_thread_pid(q, 2) == 4321 && profile_thread_pid(q, 1) == 0);
    /* The table comes back as it was written. */
    const struct profile_process *w2 = q ? profile_process_find(&q->processes, 4321) : NULL;
    const struct profile_process *sh2 = q ? profile_process_find(&q->processes, 4322) : NULL;
    CHECK(q && q->processes.count == 2 && w2 && sh2);
    CHECK(w2 && w2->ppid == 4000 && w2->python && w2->exited && w2->start_s == 0.5 &&
          w2->end_s == 2.0 && w2->cpu_s == 1.25 && w2->max_rss_bytes == 1000 && !w2->root);
    CHECK(w2 && !strcmp(w2->command, "python3 -c work") && !strcmp(w2->python_version, "3.11.7") &&
          !strcmp(w2->note, ""));
    CHECK(sh2 && !sh2->python && !sh2->exited && !strcmp(sh2->note, "not a Python process"));
    profile_free(q);
    cJSON_Delete(doc);
    free(text);
    summary_free(s);
    profile_free(p);
}

int main(void)
{
    test_document_has_summary_numbers();
    test_processes_and_pids();
    test_round_trip();
    test_bad_input_is_reported();
    return test_finish("test_report_json");
}
