/* report_text: the summary lines, the module tree, the line tables (rows
 * for lines with time, "..." for skipped runs, the function summary) and the
 * stack trace, checked line by line against values computed here from the
 * fixture's inputs. The fixture's sources are written to a temporary root. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "process_fixture.h"
#include "fixture.h"
#include "client/report/report_text.h"

static char root[] = "/tmp/fah-test-text-XXXXXX";
static char *out_text;
static char **lines;
static size_t nlines;

/* Source line n of every fixture file reads "src <n>". */
static void write_source(const char *rel, int n)
{
    char *path = fx_path(root, rel);
    FILE *f = fopen(path, "w");

    for (int i = 1; f && i <= n; i++)
        fprintf(f, "src %d\n", i);
    if (f)
        fclose(f);
    free(path);
}

static void make_root(void)
{
    char *pkg;

    if (!mkdtemp(root))
        return;
    pkg = fx_path(root, "pkg");
    mkdir(pkg, 0700);
    free(pkg);
    write_source("app.py", 40);
    write_source("pkg/util.py", 10);
}

static void remove_root(void)
{
    char *a = fx_path(root, "app.py"), *u = fx_path(root, "pkg/util.py"),
         *pkg = fx_path(root, "pkg");

    unlink(a);
    unlink(u);
    rmdir(pkg);
    rmdir(root);
    free(a);
    free(u);
    free(pkg);
}

/* Renders the report into lines[]. */
static int render(const struct profile *p, const struct summary *s,
                  const struct report_text_options *o)
{
    size_t len = 0;
    FILE *f = open_memstream(&out_text, &len);
    int rc = report_text_write(f, p, s, o);

    fclose(f);
    nlines = 0;
    lines = calloc(len + 2, sizeof(*lines));
    for (char *c = out_text; c && *c;) {
        char *nl = strchr(c, '\n');

        lines[nlines++] = c;
        if (!nl)
            break;
        *nl = '\0';
        c = nl + 1;
    }
    return rc;
}

static void release(void)
{
    free(lines);
    free(out_text);
    lines = NULL;
    out_text = NULL;
}

static long find(const char *line, size_t from)
{
    for (size_t i = from; i < nlines; i++) {
        if (!strcmp(lines[i], line))
            return (long)i;
    }
    fprintf(stderr, "missing line: [%s]\n", line);
    return -1;
}

static size_t count_from(const char *prefix, size_t from, size_t to)
{
    size_t n = 0;

    for (size_t i = from; i < to && i < nlines; i++)
        n += !strncmp(lines[i], prefix, strlen(prefix));
    return n;
}

/* The test's own idea of a table cell, written independently. */
static const char *cell(char *buf, int width, double percent)
{
    char num[16];

    if (percent < 0.5) {
        memset(buf, ' ', (size_t)width);
        buf[width] = '\0';
        return buf;
    }
    snprintf(num, sizeof(num), "%.1f%%", percent);
    snprintf(buf, 32, "%*s ", width - 1, num);
    return buf;
}

static void row(char *buf, size_t len, int line, double total,
                const double sec[TIME_KINDS], const char *text)
{
    char a[32], b[32], c[32];

    snprintf(buf, len, "%6d │%s│%s│%s│%s", line,
             cell(a, 8, 100 * sec[TIME_PYTHON] / total),
             cell(b, 7, 100 * sec[TIME_NATIVE] / total),
             cell(c, 6, 100 * sec[TIME_SYSTEM] / total), text);
}

static struct profile *run_profile(void)
{
    struct profile *p = fx_profile(root);
    const char *argv[] = { "fixingahole", "profile", "my app.py", "--cpu" };

    profile_set_command(p, argv, 4);
    p->wall_seconds = 2.5;
    p->max_rss_bytes = 100ull * 1024 * 1024;
    return p;
}

static void test_summary_part(void)
{
    struct profile *p = run_profile();
    struct summary_options so = { .root = root, .ignore = NULL };
    char venv_dir[64], line[256];
    const char *ign[1];
    struct summary *s;
    struct report_text_options o = { .command = 1 };
    double total = 2 * fx_sum3(fx_a) + fx_sum3(fx_b) + fx_sum3(fx_c) +
                   fx_sum3(fx_d) + fx_sum3(fx_e) + fx_sum3(fx_g);
    double heavy = 2 * fx_sum3(fx_a) + fx_sum3(fx_b) + fx_sum3(fx_e);
    double work = fx_sum3(fx_c) + fx_sum3(fx_g);

    snprintf(venv_dir, sizeof(venv_dir), "%s/.venv", root);
    ign[0] = venv_dir;
    so.ignore = ign;
    so.nignore = 1;
    s = summary_new(p, &so);
    p->exit_status = 3;
    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK(nlines > 2 && !strcmp(lines[0], "fixingahole profile 'my app.py' --cpu"));
    CHECK(find("Finished in 2.500 seconds using 100.000 MB of RAM.", 0) == 1);
    snprintf(line, sizeof(line), "Profile Summary (%.3fs total)", total);
    CHECK(find(line, 0) > 0);
    CHECK(find("Top 2 Functions by Total Runtime:", 0) > 0);
    snprintf(line, sizeof(line), " 1. heavy%22s%4.1f%% (app.py:20)", "", 100 * heavy / total);
    CHECK(find(line, 0) > 0);
    /* A method by its class. */
    snprintf(line, sizeof(line), " 2. Helper.work%16s%4.1f%% (pkg/util.py:3)", "",
             100 * work / total);
    CHECK(find(line, 0) > 0);
    /* The tree: app.py then pkg/util.py, percent ending in column 70. */
    snprintf(line, sizeof(line), "├─ app.py (1 func, %.2f%% total)", 100 * heavy / total);
    CHECK(find(line, 0) > 0);
    snprintf(line, sizeof(line), "│  └─ heavy%.*s%.2f%%", 70 - 11 - 5,
             "......................................................................",
             100 * heavy / total);
    CHECK(find(line, 0) > 0);
    snprintf(line, sizeof(line), "└─ pkg (1 func, %.2f%% total)", 100 * work / total);
    CHECK(find(line, 0) > 0);
    snprintf(line, sizeof(line), "   └─ util.py (1 func, %.2f%% total)", 100 * work / total);
    CHECK(find(line, 0) > 0);
    snprintf(line, sizeof(line), "      └─ Helper.work%.*s%.2f%%", 70 - 20 - 5,
             "......................................................................",
             100 * work / total);
    CHECK(find(line, 0) > 0);
    CHECK(find("Max RSS Memory Usage: 100.000 MB", 0) > 0);
    CHECK(find("Wall Time: 2.500 seconds", 0) > 0);
    CHECK(find("Exit status: 3", 0) > 0);
    CHECK_EQ_INT(count_from("Interrupted", 0, nlines), 0);
    /* No tables or trace unless asked. */
    CHECK_EQ_INT(count_from("  Line │", 0, nlines), 0);
    CHECK_EQ_INT(count_from("Stack Trace Summary", 0, nlines), 0);
    release();
    summary_free(s);
    profile_free(p);
}

/* Time no stack was given for is shown, by reason, from 0.5% of the run. */
static void test_unattributed_time_is_shown(void)
{
    struct profile *p = run_profile();
    struct summary_options so = { .root = root };
    struct report_text_options o = { .command = 1 };
    struct summary *s = summary_new(p, &so);

    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK_EQ_INT(count_from("Unattributed", 0, nlines), 0);
    release();
    p->unplaced[1][TIME_PYTHON] = 0.003 * s->total; /* walk failed: 0.3% */
    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK_EQ_INT(count_from("Unattributed", 0, nlines), 0);
    release();
    p->unplaced[1][TIME_PYTHON] = 0.03 * s->total;
    p->unplaced[4][TIME_SYSTEM] = 0.01 * s->total;
    p->unplaced[3][TIME_IDLE] = 0.5 * s->total; /* idle: not counted without --idle */
    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK(find("Unattributed: 4.0% of the run (stack unreadable 3.0%, interpreter teardown "
               "1.0%)", 0) > 0);
    CHECK_EQ_INT(count_from("Outside your code", 0, nlines), 0);
    release();
    /* Time on stacks but in no reported code (start-up, imports): what
     * other_seconds holds beyond the unattributed 4%. */
    s->other_seconds = 0.14 * s->total;
    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK(find("Outside your code: 10.0% of the run (start-up, imports, code no file of yours "
               "called; --detailed shows them)",
               0) > 0);
    release();
    summary_free(s);
    profile_free(p);
}

static void test_tables_and_trace(void)
{
    struct profile *p = run_profile();
    char *venv = fx_path(root, ".venv");
    const char *ign[] = { venv };
    struct summary_options so = { .root = root, .ignore = ign, .nignore = 1 };
    struct summary *s = summary_new(p, &so);
    struct report_text_options o = { .line_tables = 1, .trace = 1 };
    const double l22[TIME_KINDS] = { 2 * fx_a[0], 2 * fx_a[1], 2 * fx_a[2], 0 };
    double total = s->total, heavy;
    char line[512], *app = fx_path(root, "app.py");
    long hdr, sep, at;

    CHECK_EQ_INT(render(p, s, &o), 0);
    heavy = 2 * fx_sum3(fx_a) + fx_sum3(fx_b) + fx_sum3(fx_e);
    snprintf(line, sizeof(line), "   %s: %% of time = %6.2f%% (%.3fs) out of %.3fs.",
             app, 100 * heavy / total, heavy, total);
    hdr = find(line, 0);
    CHECK(hdr > 0);
    CHECK(find("  Line │Python  │native │system│ app.py", 0) == hdr + 2);
    /* Lines 1-20 skipped, then 21, 22, 23 in a run. */
    CHECK(find("   ... │        │       │      │", 0) == hdr + 4);
    row(line, sizeof(line), 21, total, fx_b, "src 21");
    CHECK(find(line, 0) == hdr + 5);
    row(line, sizeof(line), 22, total, l22, "src 22");
    CHECK(find(line, 0) == hdr + 6);
    row(line, sizeof(line), 23, total, fx_e, "src 23");
    CHECK(find(line, 0) == hdr + 7);
    sep = find("       │        │       │      │ function summary for app.py", 0);
    CHECK(sep == hdr + 9);
    CHECK_EQ_INT(count_from("   ... │", (size_t)hdr, (size_t)sep), 1);
    CHECK(sep > 0 && !strncmp(lines[sep + 1], "    20 │", 9) &&
          strstr(lines[sep + 1], "│heavy") != NULL);
    /* pkg/util.py: "..." before line 4, then 4 and 5. */
    hdr = find("  Line │Python  │native │system│ pkg/util.py", 0);
    CHECK(hdr > 0 && !strcmp(lines[hdr + 2], "   ... │        │       │      │"));
    row(line, sizeof(line), 4, total, fx_c, "src 4");
    CHECK(find(line, 0) == hdr + 3);
    /* The frozen module's "other" time gets no table. */
    CHECK_EQ_INT(count_from("  Line │", 0, nlines), 2);
    /* The trace of heavy: two branches below main, the larger first. */
    snprintf(line, sizeof(line), "heavy, (%.2f%%) app.py:20", 100 * heavy / total);
    at = find(line, 0);
    CHECK(at > 0);
    CHECK(find("  ├─ app.py:12; main", 0) == at + 1);
    CHECK(find("  │  └─ app.py:30; <module>", 0) == at + 2);
    CHECK(find("  │     samples: 3", 0) == at + 3);
    CHECK(find("  │", 0) == at + 4);
    CHECK(find("  └─ app.py:25; heavy", 0) == at + 5);
    CHECK(find("     └─ app.py:14; main", 0) == at + 6);
    CHECK(find("        └─ app.py:30; <module>", 0) == at + 7);
    CHECK(find("           samples: 1", 0) == at + 8);
    release();
    free(app);
    free(venv);
    summary_free(s);
    profile_free(p);
}

static void test_helpers_and_edge_cases(void)
{
    struct profile *p = profile_new();
    struct summary_options so = { .root = root };
    struct summary *s = summary_new(p, &so);
    struct report_text_options o = { .line_tables = 1, .trace = 1 };
    char buf[32], line[256];

    report_text_bytes(buf, sizeof(buf), 1536ull * 1024 * 1024);
    CHECK_EQ_STR(buf, "1.500 GB");
    report_text_cell(buf, sizeof(buf), 6, 100.0);
    CHECK_EQ_STR(buf, " 100% ");
    report_text_cell(buf, sizeof(buf), 6, 0.49);
    CHECK_EQ_STR(buf, "      ");
    p->interrupted = 1;
    CHECK_EQ_INT(render(p, s, &o), 0);
    snprintf(line, sizeof(line), "No time was recorded in code under %s.", root);
    CHECK(find(line, 0) > 0);
    CHECK(find("Interrupted", 0) > 0);
    CHECK_EQ_INT(count_from("Exit status", 0, nlines), 0);
    release();
    summary_free(s);
    profile_free(p);
}

/* 1 when some rendered line contains needle. */
static int has(const char *needle)
{
    for (size_t i = 0; i < nlines; i++) {
        if (strstr(lines[i], needle))
            return 1;
    }
    return 0;
}

/* Columns of a line: one per UTF-8 code point. */
static size_t columns(const char *line)
{
    size_t n = 0;

    for (; *line; line++)
        n += ((unsigned char)*line & 0xC0) != 0x80;
    return n;
}

/* A large run, as a --detailed pytest run is: a file with 50 lines with
 * time, 25 more files with time, two functions named draw, a very long
 * name in a deep folder, a line 0 and a 30-frame stack. */
static void test_large_run_stays_readable(void)
{
    struct profile *p = profile_new();
    struct summary_options so = { .root = root, .detailed = 1 };
    const double t002[TIME_KINDS] = { 0.02, 0, 0, 0 }, t005[TIME_KINDS] = { 0.05, 0, 0, 0 };
    const double t03[TIME_KINDS] = { 0.3, 0, 0, 0 }, t02[TIME_KINDS] = { 0.2, 0, 0, 0 };
    const double t01[TIME_KINDS] = { 0.1, 0, 0, 0 };
    char rel[64], name[200];
    uint32_t id = 0;
    struct profile_frame deep[31];

    fx_code(p, id++, root, "big.py", "big", 1);                         /* 0 */
    fx_code(p, id++, root, "fig.py", "Figure.draw", 10);                /* 1 */
    fx_code(p, id++, root, "axes.py", "Axes.draw", 5);                  /* 2 */
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    fx_code(p, id++, root, "a/very/deep/folder/of/modules/with/long/names/deep.py", name, 3);
    fx_code(p, id++, root, "zero.py", "zero", 1);                       /* 4 */
    fx_code(p, id++, root, "callers.py", "caller", 1);                  /* 5 */
    fx_code(p, 31, root, "gen.py", "f.<locals>.<genexpr>", 2);
    fx_code(p, 32, root, "gen.py", "g.<locals>.<genexpr>", 7);
    fx_code(p, 33, root, "gen.py", "h.<locals>.inner", 12);
    for (int i = 0; i < 25; i++) {
        snprintf(rel, sizeof(rel), "m%02d.py", i);
        snprintf(name, sizeof(name), "f%02d", i);
        fx_code(p, id++, root, rel, name, 1);                           /* 6 + i */
    }
    for (int line = 1; line <= 50; line++) {
        /* Line 1 is reached through 30 callers. */
        deep[0] = (struct profile_frame){ 0, line };
        for (int k = 1; k <= 30; k++)
            deep[k] = (struct profile_frame){ 5, k };
        profile_add_sample(p, 1, deep, line == 1 ? 31 : 1, t002);
    }
    FX_STACK(p, 1, t03, { 1, 11 });
    FX_STACK(p, 1, t02, { 2, 6 });
    FX_STACK(p, 1, t02, { 3, 4 });
    FX_STACK(p, 1, t01, { 4, 0 });
    FX_STACK(p, 1, t01, { 31, 2 });
    FX_STACK(p, 1, t01, { 32, 7 });
    FX_STACK(p, 1, t01, { 33, 12 });
    for (uint32_t i = 0; i < 25; i++)
        FX_STACK(p, 1, t005, { 6 + i, 2 });
    p->wall_seconds = 2.5;

    struct summary *s = summary_new(p, &so);
    struct report_text_options o = { .line_tables = 1, .trace = 1, .running = 1 };
    CHECK_EQ_INT(render(p, s, &o), 0);
    for (size_t i = 0; i < nlines; i++) {
        if (columns(lines[i]) > 120)
            fprintf(stderr, "line %zu has %zu columns: %s\n", i, columns(lines[i]), lines[i]);
        CHECK(columns(lines[i]) <= 120);
    }
    /* A sample count is called so. */
    CHECK(!has("n_calls") && has("samples: "));
    /* The program still runs. */
    CHECK(find("Running for 2.500 seconds using 0.000 MB of RAM.", 0) == 0);
    /* Two draws: each by its class, in the Top list, the tree and the trace. */
    CHECK(count_from(" 2. Figure.draw ", 0, nlines) == 1);
    CHECK(count_from(" 3. Axes.draw ", 0, nlines) == 1 || count_from(" 4. Axes.draw ", 0, nlines) == 1);
    CHECK(has("├─ Figure.draw...") || has("└─ Figure.draw..."));
    CHECK(count_from("Figure.draw, (", 0, nlines) == 1);
    CHECK(count_from("draw, (", 0, nlines) == 0 && !has("─ draw."));
    /* Several <genexpr>: each with its enclosing function; a nested
     * function alone of its name without it. */
    CHECK(has("f.<locals>.<genexpr>") && has("g.<locals>.<genexpr>"));
    CHECK(!has("─ <genexpr>.") && !has("─ h.<locals>.inner") && has("─ inner."));
    /* Unique names stay short. */
    CHECK(count_from(" 1. big ", 0, nlines) == 1);
    /* The long name is cut, and the percentages of the Top list stay in
     * one column. */
    long top = find("Top 10 Functions by Total Runtime:", 0);
    size_t pct_col = 0;
    for (long i = top + 2; top > 0 && i < top + 12; i++) {
        const char *pct = strstr(lines[i], "% (");
        size_t col = 0;

        CHECK(pct != NULL);
        for (const char *c = lines[i]; pct && c < pct; c++)
            col += ((unsigned char)*c & 0xC0) != 0x80;
        if (!pct_col)
            pct_col = col;
        CHECK_EQ_INT((int)col, (int)pct_col);
    }
    /* big.py: its 30 most expensive lines, the other 20 named as left out. */
    long hdr = find("  Line │Python  │native │system│ big.py", 0);
    long sep = find("       │        │       │      │ function summary for big.py", 0);
    CHECK(hdr > 0 && sep > hdr);
    int rows = 0;
    for (long i = hdr; hdr > 0 && i < sep; i++) {
        int n;

        rows += sscanf(lines[i], "%6d │", &n) == 1;
    }
    CHECK_EQ_INT(rows, 30);
    CHECK(find("   ... │        │       │      │(20 more lines with time, in profile.json)", 0) ==
          sep - 2);
    /* 31 files have at least 1%: 20 tables, the rest named. */
    CHECK_EQ_INT((int)count_from("  Line │", 0, nlines), 20);
    CHECK(find("... 11 more files with at least 1% of the time: their lines are in profile.json.",
               0) > 0);
    /* The 30 callers of big: 12 shown, the rest left to profile.json. */
    CHECK(has("... more callers (full stacks in profile.json), samples: 1"));
    CHECK(!has("callers.py:13; caller"));
    CHECK(has("callers.py:12; caller"));
    release();
    summary_free(s);
    profile_free(p);
}

/* A line 0 row, in a table that is shown, says why it has no source. */
static void test_line_zero_has_a_reason(void)
{
    struct profile *p = profile_new();
    struct summary_options so = { .root = root };
    const double t[TIME_KINDS] = { 0.5, 0, 0, 0 };

    fx_code(p, 0, root, "app.py", "main", 10);
    FX_STACK(p, 1, t, { 0, 0 });
    FX_STACK(p, 1, t, { 0, 12 });
    struct summary *s = summary_new(p, &so);
    struct report_text_options o = { .line_tables = 1 };
    char want[256];

    CHECK_EQ_INT(render(p, s, &o), 0);
    row(want, sizeof(want), 0, 1.0, t,
        "(line unknown: the interpreter had not recorded a line for these samples)");
    CHECK(find(want, 0) > 0);
    CHECK(find("Finished in 0.000 seconds using 0.000 MB of RAM.", 0) == 0);
    release();
    summary_free(s);
    profile_free(p);
}

/* With two sampled threads or more, a table: name, tid, CPU seconds, the
 * share of sampled time holding the GIL, seconds waiting for it. */
static void test_thread_table(void)
{
    struct profile *p = run_profile();
    struct summary_options so = { .root = root };
    struct report_text_options o = { 0 };
    struct summary *s = summary_new(p, &so);

    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK(!has("Threads:")); /* the fixture's threads were never sampled */
    release();
    p->threads[0].samples = p->threads[1].samples = 10;
    p->threads[0].pid = (int32_t)p->threads[0].tid; /* the main thread: first, though lighter */
    p->threads[1].observed_seconds = 0.5;
    p->threads[1].gil_seconds = 0.125;
    p->threads[1].cpu_seconds = 0.25;
    p->threads[1].gil_wait_seconds = 0.375;
    p->gil_only = 1;
    CHECK_EQ_INT(render(p, s, &o), 0);
    long header = find("Threads:", 0);
    CHECK(header > 0 && header + 4 < (long)nlines);
    if (header > 0 && header + 4 < (long)nlines) {
        CHECK(strstr(lines[header + 1], "GIL held") && strstr(lines[header + 1], "GIL wait (s)"));
        CHECK(strstr(lines[header + 2], "MainThread") && strstr(lines[header + 2], " 0.0%"));
        CHECK(strstr(lines[header + 3], "loader") && strstr(lines[header + 3], "0.250") &&
              strstr(lines[header + 3], "25.0%") && strstr(lines[header + 3], "0.375"));
        CHECK(!strstr(lines[header + 4], "waiter")); /* not sampled */
    }
    CHECK(has("Only samples of threads holding the GIL are counted (--gil)."));
    release();
    summary_free(s);
    profile_free(p);
}

/* A thread per request: past 12 rows (besides the main thread), the
 * lightest threads are one row with their count and sums. */
static void test_thread_table_folds_the_lightest(void)
{
    struct profile *p = run_profile();
    struct summary_options so = { .root = root };
    struct report_text_options o = { 0 };
    struct summary *s = summary_new(p, &so);
    char name[32];

    for (uint32_t tid = 100; tid < 120; tid++) {
        snprintf(name, sizeof(name), "request-%u", tid);
        CHECK_EQ_INT(profile_set_thread(p, tid, name), 0);
        struct profile_thread *t = profile_thread_of(p, tid);
        t->samples = 1;
        t->cpu_seconds = 0.001 * (tid - 99); /* request-119 the heaviest */
        t->gil_wait_seconds = 0.001;
    }
    p->threads[0].samples = 10; /* MainThread, lighter than them all */
    p->threads[0].pid = (int32_t)p->threads[0].tid;
    CHECK_EQ_INT(render(p, s, &o), 0);
    long header = find("Threads:", 0);
    CHECK(header > 0);
    CHECK(has("MainThread"));
    CHECK(has("request-119") && has("request-108"));
    CHECK(!has("request-107") && !has("request-100"));
    /* 8 folded: request-100..107, 0.001..0.008 s of CPU, 0.001 s of wait each */
    CHECK(has("  8 more threads (profile.json lists them): 0.036 s CPU, 0.008 s GIL wait"));
    release();
    summary_free(s);
    profile_free(p);
}

/* The process table: only when the script started processes, each row
 * with its figures, the bootstrap left out of the commands, and why a
 * process was not sampled. */
static void test_process_table(void)
{
    struct profile *p = run_profile();
    struct summary_options so = { .root = root };
    struct report_text_options o = { .command = 1 };
    struct summary *s = summary_new(p, &so);

    CHECK_EQ_INT(profile_process_set(&p->processes, &fixture_script_process), 0);
    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK_EQ_INT(count_from("Processes:", 0, nlines), 0);
    release();
    CHECK_EQ_INT(profile_process_set(&p->processes, &fixture_shell_process), 0);
    CHECK_EQ_INT(render(p, s, &o), 0);
    CHECK(find("Processes: 2, 0.252 s CPU together (percentages above are of the whole tree's "
               "time)", 0) > 0);
    CHECK(find("     100        1     2.500s    0.250s  16.000 MB  python3 run.py 7", 0) > 0);
    CHECK(find("     101      100     0.300s    0.002s          -  sh -c sleep 0.3  [not a "
               "Python process]", 0) > 0);
    release();
    summary_free(s);
    profile_free(p);
}

int main(void)
{
    make_root();
    test_summary_part();
    test_unattributed_time_is_shown();
    test_thread_table();
    test_thread_table_folds_the_lightest();
    test_tables_and_trace();
    test_helpers_and_edge_cases();
    test_large_run_stays_readable();
    test_line_zero_has_a_reason();
    test_process_table();
    remove_root();
    return test_finish("test_report_text");
}
