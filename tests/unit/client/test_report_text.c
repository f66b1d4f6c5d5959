/* report_text: the summary lines, the module tree, the line tables (rows
 * for lines with time, "..." for skipped runs, the function summary) and the
 * stack trace, checked line by line against values computed here from the
 * fixture's inputs. The fixture's sources are written to a temporary root. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
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
    snprintf(line, sizeof(line), " 2. work%23s%4.1f%% (pkg/util.py:3)", "", 100 * work / total);
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
    snprintf(line, sizeof(line), "heavy, (%.2f%%)", 100 * heavy / total);
    at = find(line, 0);
    CHECK(at > 0);
    CHECK(find("  ├─ app.py:12; main", 0) == at + 1);
    CHECK(find("  │  └─ app.py:30; <module>", 0) == at + 2);
    CHECK(find("  │     n_calls: 3", 0) == at + 3);
    CHECK(find("  │", 0) == at + 4);
    CHECK(find("  └─ app.py:25; heavy", 0) == at + 5);
    CHECK(find("     └─ app.py:14; main", 0) == at + 6);
    CHECK(find("        └─ app.py:30; <module>", 0) == at + 7);
    CHECK(find("           n_calls: 1", 0) == at + 8);
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

int main(void)
{
    make_root();
    test_summary_part();
    test_tables_and_trace();
    test_helpers_and_edge_cases();
    remove_root();
    return test_finish("test_report_text");
}
