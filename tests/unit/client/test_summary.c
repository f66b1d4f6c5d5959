/* summary.c: who gets charged, the shares, sorting, idle handling,
 * detailed mode, call paths and the module tree, on the fixture profile.
 * Expected numbers are computed here from the fixture's inputs. */
#include <math.h>

#include "harness.h"
#include "fixture.h"
#include "client/model/summary.h"

#define ROOT "/proj"
#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static const char *const ignore[] = { ROOT "/.venv" };

static struct summary_options options(int detailed, int include_idle)
{
    struct summary_options o = {
        .root = ROOT "/", .ignore = ignore, .nignore = 1,
        .detailed = detailed, .include_idle = include_idle,
    };
    return o;
}

static const struct summary_function *find_fn(const struct summary *s,
                                              const char *qualname)
{
    for (size_t i = 0; i < s->nfunctions; i++) {
        if (!strcmp(s->functions[i].qualname, qualname))
            return &s->functions[i];
    }
    return NULL;
}

static const struct summary_line *find_line(const struct summary *s,
                                            const char *rel, int line)
{
    for (size_t i = 0; i < s->nfiles; i++) {
        for (size_t j = 0; !strcmp(s->files[i].rel, rel) && j < s->files[i].nlines; j++) {
            if (s->files[i].lines[j].line == line)
                return &s->files[i].lines[j];
        }
    }
    return NULL;
}

static void test_pure_helpers(void)
{
    struct summary_options o = options(0, 0);
    const double raw[TIME_KINDS] = { 1, 2, 3, 4 };
    double out[SUMMARY_KINDS];

    CHECK(summary_path_under("/proj/app.py", "/proj"));
    CHECK(summary_path_under("/proj/app.py", "/proj/"));
    CHECK(summary_path_under("/proj", "/proj"));
    CHECK(!summary_path_under("/project/app.py", "/proj"));
    CHECK(summary_path_under("/usr/x.py", "/"));
    CHECK(!summary_is_real_file("<frozen os>"));
    CHECK(!summary_is_real_file("<string>"));
    CHECK(!summary_is_real_file(""));
    CHECK(summary_is_user_file("/proj/a/b.py", &o));
    CHECK(!summary_is_user_file("/proj/.venv/lib/x.py", &o));
    CHECK(!summary_is_user_file("/usr/lib/python3.11/os.py", &o));
    /* The profiled script is the user's code wherever it lies. */
    struct summary_options with_script = o;
    with_script.script = "/elsewhere/job.py";
    CHECK(summary_is_user_file("/elsewhere/job.py", &with_script));
    CHECK(!summary_is_user_file("/elsewhere/helper.py", &with_script));
    CHECK(!summary_is_user_file("/elsewhere/job.py", &o));
    CHECK_EQ_STR(summary_relative("/proj/a/b.py", "/proj/"), "a/b.py");
    CHECK_EQ_STR(summary_relative("/usr/x.py", "/proj"), "/usr/x.py");
    CHECK_EQ_STR(summary_relative("/usr/x.py", "/"), "usr/x.py");
    /* Libraries outside the root: relative to their sys.path entry. */
    CHECK_EQ_STR(summary_relative("/usr/lib/python3/dist-packages/numpy/ma/core.py", "/proj"),
                 "numpy/ma/core.py");
    CHECK_EQ_STR(summary_relative("/v/lib/python3.12/site-packages/a/site-packages/b.py", "/p"),
                 "b.py");
    CHECK_EQ_STR(summary_relative("/usr/lib/python3.11/json/decoder.py", "/proj"),
                 "json/decoder.py");
    CHECK_EQ_STR(summary_relative("/usr/lib/python3.11/lib-dynload/x.py", "/proj"),
                 "lib-dynload/x.py");
    CHECK_EQ_STR(summary_relative("/opt/lib/pythonic/x.py", "/proj"), "/opt/lib/pythonic/x.py");
    CHECK_EQ_STR(summary_relative("<frozen os>", "/proj"), "<frozen os>");
    /* Under the root, the root wins even inside a site-packages. */
    CHECK_EQ_STR(summary_relative("/venv/lib/python3.11/site-packages/m/x.py",
                                  "/venv/lib/python3.11/site-packages/m"), "x.py");
    CHECK_EQ_STR(summary_short_name("A.f.<locals>.g"), "g");
    CHECK_EQ_STR(summary_short_name("<lambda>"), "<lambda>");
    CHECK(summary_percent(1, 0) == 0.0);
    CHECK(NEAR(summary_percent(1, 4), 25.0));
    CHECK(summary_counted(raw, 0, out) == 1 + 2 + 3 && out[TIME_SYSTEM] == 3);
    CHECK(summary_counted(raw, 1, out) == 1 + 2 + 3 + 4 && out[TIME_SYSTEM] == 7);
}

static void test_library_time_goes_to_calling_line(void)
{
    struct profile *p = fx_profile(ROOT);
    struct summary_options o = options(0, 0);
    struct summary *s = summary_new(p, &o);
    double total = 2 * fx_sum3(fx_a) + fx_sum3(fx_b) + fx_sum3(fx_c) +
                   fx_sum3(fx_d) + fx_sum3(fx_e) + fx_sum3(fx_f) + fx_sum3(fx_g);
    double heavy = 2 * fx_sum3(fx_a) + fx_sum3(fx_b) + fx_sum3(fx_e);
    double helper = fx_sum3(fx_c) + fx_sum3(fx_g);
    const struct summary_function *h = find_fn(s, "heavy");
    const struct summary_line *l22 = find_line(s, "app.py", 22);
    double shares = 0;

    CHECK(NEAR(s->total, total));
    CHECK(NEAR(s->other_seconds, fx_sum3(fx_d)));
    CHECK(NEAR(s->idle_seconds, fx_f[TIME_IDLE] + fx_g[TIME_IDLE]));
    CHECK_EQ_INT(s->samples, 8);
    /* Only user functions with time; the two heavy code objects are one. */
    CHECK_EQ_INT(s->nfunctions, 2);
    CHECK(h && NEAR(h->percent, 100 * heavy / total));
    CHECK(h && NEAR(h->kind_percent[TIME_NATIVE], 100 * 2 * fx_a[TIME_NATIVE] / total));
    CHECK(h && h->firstlineno == 20 && !strcmp(h->rel, "app.py"));
    CHECK(find_fn(s, "Helper.work") && NEAR(find_fn(s, "Helper.work")->percent, 100 * helper / total));
    CHECK_EQ_STR(s->functions[0].name, "heavy");
    CHECK_EQ_STR(s->functions[1].name, "work");
    CHECK(find_fn(s, "JSONEncoder.encode") == NULL);
    CHECK(find_fn(s, "lib_func") == NULL);
    /* The encoder's time lands on heavy's line 22; the venv's on line 4. */
    CHECK(l22 && NEAR(l22->seconds[TIME_PYTHON], 2 * fx_a[TIME_PYTHON]));
    CHECK(l22 && NEAR(l22->seconds[TIME_NATIVE], 2 * fx_a[TIME_NATIVE]));
    CHECK(find_line(s, "pkg/util.py", 4) &&
          NEAR(find_line(s, "pkg/util.py", 4)->total, fx_sum3(fx_c)));
    CHECK(find_line(s, "app.py", 23) != NULL); /* the second heavy code */
    CHECK(find_line(s, "app.py", 15) == NULL); /* idle only */
    /* Everything adds up: functions + other = total, files = functions. */
    for (size_t i = 0; i < s->nfunctions; i++)
        shares += s->functions[i].percent;
    CHECK(NEAR(shares + 100 * s->other_seconds / total, 100.0));
    CHECK_EQ_INT(s->nfiles, 2);
    CHECK_EQ_STR(s->files[0].rel, "app.py");
    CHECK(NEAR(s->files[0].total, heavy));
    CHECK_EQ_INT(s->files[0].nlines, 3);
    CHECK(s->files[0].lines[0].line == 21 && s->files[0].lines[2].line == 23);
    CHECK_EQ_INT(s->files[0].nfunctions, 1);
    summary_free(s);
    profile_free(p);
}

static void test_idle_counts_as_system_when_included(void)
{
    struct profile *p = fx_profile(ROOT);
    struct summary_options o = options(0, 1);
    struct summary *s = summary_new(p, &o);
    double idle = fx_f[TIME_IDLE] + fx_g[TIME_IDLE];
    double total = 2 * fx_sum3(fx_a) + fx_sum3(fx_b) + fx_sum3(fx_c) +
                   fx_sum3(fx_d) + fx_sum3(fx_e) + fx_sum3(fx_g) + idle;
    const struct summary_function *m = find_fn(s, "main");

    CHECK(s->include_idle);
    CHECK(NEAR(s->total, total));
    CHECK(NEAR(s->kind_seconds[TIME_SYSTEM],
               fx_c[TIME_SYSTEM] + fx_g[TIME_SYSTEM] + idle));
    CHECK_EQ_INT(s->nfunctions, 3);
    CHECK(m && NEAR(m->kind_percent[TIME_SYSTEM], 100 * fx_f[TIME_IDLE] / total));
    CHECK(find_line(s, "app.py", 15) != NULL);
    summary_free(s);
    profile_free(p);
}

static void test_detailed_charges_library_lines(void)
{
    struct profile *p = fx_profile(ROOT);
    struct summary_options o = options(1, 0);
    struct summary *s = summary_new(p, &o);
    const struct summary_function *enc = find_fn(s, "JSONEncoder.encode");
    const struct summary_function *h = find_fn(s, "heavy");

    CHECK(enc && NEAR(enc->total, 2 * fx_sum3(fx_a)) && !enc->user);
    /* Library files by their name under sys.path; the file stays whole. */
    CHECK(enc && !strcmp(enc->rel, "json/encoder.py"));
    CHECK(enc && !strcmp(enc->file, "/usr/lib/python3.11/json/encoder.py"));
    CHECK(h && NEAR(h->total, fx_sum3(fx_b) + fx_sum3(fx_e)));
    CHECK(find_fn(s, "lib_func") && NEAR(find_fn(s, "lib_func")->total, fx_sum3(fx_c)));
    /* A frozen module is never a real file: still "other". */
    CHECK(NEAR(s->other_seconds, fx_sum3(fx_d)));
    CHECK(find_line(s, "json/encoder.py", 200) != NULL);
    /* The module tree starts at the package, not at usr → lib → python3.11. */
    CHECK(s->modules.nchildren > 0);
    for (size_t i = 0; i < s->modules.nchildren; i++)
        CHECK(strcmp(s->modules.children[i].name, "usr") != 0);
    summary_free(s);
    profile_free(p);
}

static void test_call_paths_of_top_functions(void)
{
    struct profile *p = fx_profile(ROOT);
    struct summary_options o = options(0, 0);
    struct summary *s = summary_new(p, &o);
    const struct summary_trace *t;
    double total = s->total;

    CHECK_EQ_INT(s->ntraces, 2);
    t = &s->traces[0];
    CHECK_EQ_STR(s->functions[t->function].qualname, "heavy");
    CHECK_EQ_INT(t->npaths, 2);
    if (t->npaths == 2) {
        /* A (twice) and B share <module>:30 -> main:12. */
        CHECK_EQ_INT(t->paths[0].samples, 3);
        CHECK_EQ_INT(t->paths[0].nframes, 2);
        CHECK_EQ_STR(t->paths[0].frames[0].qualname, "<module>");
        CHECK_EQ_INT(t->paths[0].frames[0].line, 30);
        CHECK_EQ_STR(t->paths[0].frames[1].qualname, "main");
        CHECK_EQ_INT(t->paths[0].frames[1].line, 12);
        CHECK(NEAR(t->paths[0].percent,
                   100 * (2 * fx_sum3(fx_a) + fx_sum3(fx_b)) / total));
        /* E: the recursive call from heavy line 25, via main line 14. */
        CHECK_EQ_INT(t->paths[1].samples, 1);
        CHECK_EQ_INT(t->paths[1].nframes, 3);
        CHECK_EQ_STR(t->paths[1].frames[2].qualname, "heavy");
        CHECK_EQ_INT(t->paths[1].frames[2].line, 25);
    }
    /* Helper.work: the ignored library frame is not a caller. */
    t = &s->traces[1];
    CHECK_EQ_INT(t->npaths, 2);
    summary_free(s);
    profile_free(p);
}

static void test_module_tree(void)
{
    struct profile *p = fx_profile(ROOT);
    struct summary_options o = options(0, 0);
    struct summary *s = summary_new(p, &o);
    const struct summary_module *m = &s->modules;

    CHECK_EQ_INT(m->nfunctions, 2);
    CHECK_EQ_INT(m->nchildren, 2);
    if (m->nchildren == 2) {
        CHECK_EQ_STR(m->children[0].name, "app.py");
        CHECK(m->children[0].is_file);
        CHECK_EQ_INT(m->children[0].nlisted, 1);
        CHECK_EQ_STR(m->children[1].name, "pkg");
        CHECK(!m->children[1].is_file);
        CHECK_EQ_INT(m->children[1].nchildren, 1);
        CHECK_EQ_STR(m->children[1].children[0].name, "util.py");
        CHECK(NEAR(m->children[1].percent, find_fn(s, "Helper.work")->percent));
    }
    CHECK(NEAR(m->percent, 100 - 100 * s->other_seconds / s->total));
    summary_free(s);
    profile_free(p);
}

static void test_ties_sort_by_name(void)
{
    struct profile *p = profile_new();
    const double one[TIME_KINDS] = { 1, 0, 0, 0 };
    struct summary_options o = options(0, 0);
    struct summary *s;

    profile_set_code(p, 0, ROOT "/z.py", "zeta", 1);
    profile_set_code(p, 1, ROOT "/a.py", "beta", 1);
    profile_set_code(p, 2, ROOT "/a.py", "alpha", 9);
    for (uint32_t id = 0; id < 3; id++)
        profile_add_sample(p, 1, &(struct profile_frame){ id, 2 }, 1, one);
    s = summary_new(p, &o);
    CHECK_EQ_INT(s->nfunctions, 3);
    CHECK_EQ_STR(s->functions[0].name, "alpha");
    CHECK_EQ_STR(s->functions[1].name, "beta");
    CHECK_EQ_STR(s->functions[2].name, "zeta");
    /* a.py (2 s) before z.py (1 s); its functions by first line. */
    CHECK_EQ_STR(s->files[0].rel, "a.py");
    CHECK_EQ_INT(s->files[0].nfunctions, 2);
    CHECK_EQ_STR(s->functions[s->files[0].functions[0]].name, "beta");
    summary_free(s);
    profile_free(p);
}

static void test_empty_profile(void)
{
    struct profile *p = profile_new();
    struct summary_options o = options(0, 0);
    struct summary *s = summary_new(p, &o);

    CHECK(s != NULL);
    CHECK(s->total == 0 && s->nfunctions == 0 && s->nfiles == 0);
    summary_free(s);
    profile_free(p);
}

/* --native: a native frame has no line, so a stack's time stays on the
 * Python line that called into C (the sort's key runs under sorted()'s
 * line), and the C functions show among the callers of the key. */
static void test_native_frames_are_callers_never_charged(void)
{
    struct profile *p = profile_new();
    struct summary_options o = options(1, 0); /* --detailed: real files count */
    const double sec[TIME_KINDS] = { 0.5, 0.25, 0, 0 };
    enum { KEY, RUN, MODULE, SORT, DGEMM };
    profile_set_code(p, KEY, ROOT "/app.py", "key_of", 3);
    profile_set_code(p, RUN, ROOT "/app.py", "run", 8);
    profile_set_code(p, MODULE, ROOT "/app.py", "<module>", 1);
    profile_set_code(p, SORT, "/usr/bin/python3.11", "list_sort_impl", 0);
    profile_set_code(p, DGEMM, "/usr/lib/libblas.so.3", "dgemm_", 0);
    profile_mark_native(p, SORT);
    profile_mark_native(p, DGEMM);
    CHECK(profile_has_native(p));
    const struct profile_frame through_sort[] = { {KEY, 4}, {SORT, 0}, {RUN, 9}, {MODULE, 20} };
    const struct profile_frame in_blas[] = { {DGEMM, 0}, {RUN, 10}, {MODULE, 20} };
    profile_add_sample(p, 1, through_sort, 4, sec);
    profile_add_sample(p, 1, in_blas, 3, sec);
    struct summary *s = summary_new(p, &o);
    CHECK(find_fn(s, "list_sort_impl") == NULL);
    CHECK(find_fn(s, "dgemm_") == NULL);
    const struct summary_line *l = find_line(s, "app.py", 10);
    CHECK(l && NEAR(l->seconds[TIME_NATIVE], 0.25)); /* dgemm_'s time on its calling line */
    const struct summary_function *key = find_fn(s, "key_of");
    for (size_t i = 0; key && i < s->ntraces; i++) {
        const struct summary_trace *t = &s->traces[i];
        if (strcmp(s->functions[t->function].qualname, "key_of") != 0)
            continue;
        CHECK_EQ_INT(t->npaths, 1);
        CHECK_EQ_INT(t->paths[0].nframes, 3); /* <module>, run, list_sort_impl */
        if (t->paths[0].nframes == 3) {
            CHECK_EQ_STR(t->paths[0].frames[2].qualname, "list_sort_impl");
            CHECK(t->paths[0].frames[2].native && !t->paths[0].frames[1].native);
        }
    }
    CHECK(key != NULL);
    summary_free(s);
    profile_free(p);
}

int main(void)
{
    test_native_frames_are_callers_never_charged();
    test_pure_helpers();
    test_library_time_goes_to_calling_line();
    test_idle_counts_as_system_when_included();
    test_detailed_charges_library_lines();
    test_call_paths_of_top_functions();
    test_module_tree();
    test_ties_sort_by_name();
    test_empty_profile();
    return test_finish("test_summary");
}
