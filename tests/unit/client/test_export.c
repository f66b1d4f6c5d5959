/* export: the collapsed and speedscope writers on the hand-built fixture
 * profile. Collapsed lines are root first, merged per distinct stack and
 * add up to the counted time; names that would break a line are escaped.
 * Speedscope's document parses, has one sampled profile per thread with
 * counted time, samples root first, weights that add up to the thread's
 * time. The format list and writing a file fail with a clear message. */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "fixture.h"
#include "client/export/export.h"

#define ROOT "/proj"
/* The fixture's counted seconds (idle left out): stacks A..G. */
#define FX_COUNTED 2.6

/* The writer's output for p as a NUL-terminated string (caller frees). */
static char *render(int (*write)(const struct profile *, FILE *, char *, size_t),
                    const struct profile *p)
{
    char *text = NULL, err[256] = "";
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int rc = write(p, out, err, sizeof(err));
    fclose(out);
    CHECK_EQ_INT(rc, 0);
    return text;
}

/* The value of the line whose frames are exactly `stack`, or -1. */
static long long line_value(const char *text, const char *stack)
{
    size_t n = strlen(stack);
    for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
        if (strncmp(l, stack, n) == 0 && l[n] == ' ')
            return atoll(l + n + 1);
        if (!strchr(l, '\n'))
            break;
    }
    return -1;
}

static long long sum_values(const char *text, int *lines)
{
    long long sum = 0;
    *lines = 0;
    for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
        const char *nl = strchr(l, '\n'), *sp = nl;
        while (sp > l && sp[-1] != ' ')
            sp--;
        sum += atoll(sp);
        ++*lines;
    }
    return sum;
}

static void test_collapsed_lines_and_total(void)
{
    struct profile *p = fx_profile(ROOT);
    char *text = render(export_collapsed, p);
    int lines;
    /* Stack A, seen twice (0.5 s each), root first. */
    CHECK_EQ_INT(line_value(text, "<module> (/proj/app.py:30);main (/proj/app.py:12);"
                                  "heavy (/proj/app.py:22);JSONEncoder.encode "
                                  "(/usr/lib/python3.11/json/encoder.py:200)"),
                 1000000);
    /* E: heavy's second code object reads as heavy too. */
    CHECK_EQ_INT(line_value(text, "<module> (/proj/app.py:30);main (/proj/app.py:14);"
                                  "heavy (/proj/app.py:25);heavy (/proj/app.py:23)"),
                 300000);
    /* G: system time counts, its idle part does not; F (idle only) is out. */
    CHECK_EQ_INT(line_value(text, "<module> (/proj/app.py:31);Helper.work (/proj/pkg/util.py:5)"),
                 200000);
    CHECK_EQ_INT(line_value(text, "<module> (/proj/app.py:30);main (/proj/app.py:15)"), -1);
    CHECK_EQ_INT(sum_values(text, &lines), llround(FX_COUNTED * 1e6));
    CHECK_EQ_INT(lines, 6);
    free(text);

    /* --idle runs count idle time: F appears and G has its idle too. */
    p->include_idle = 1;
    text = render(export_collapsed, p);
    CHECK_EQ_INT(line_value(text, "<module> (/proj/app.py:30);main (/proj/app.py:15)"), 1000000);
    CHECK_EQ_INT(line_value(text, "<module> (/proj/app.py:31);Helper.work (/proj/pkg/util.py:5)"),
                 700000);
    CHECK_EQ_INT(sum_values(text, &lines), llround((FX_COUNTED + 1.5) * 1e6));
    free(text);
    profile_free(p);
}

/* Equal frame names on two threads, or from two code objects of one
 * function, make one line: one line per distinct stack. */
static void test_collapsed_merges_equal_stacks(void)
{
    struct profile *p = fx_profile(ROOT);
    static const double more[TIME_KINDS] = {0.25, 0, 0, 0};
    FX_STACK(p, 2, more, {FX_HEAVY, 21}, {FX_MAIN, 12}, {FX_MODULE, 30});
    FX_STACK(p, 1, more, {FX_HEAVY2, 21}, {FX_MAIN, 12}, {FX_MODULE, 30});
    char *text = render(export_collapsed, p);
    int lines;
    CHECK_EQ_INT(line_value(text, "<module> (/proj/app.py:30);main (/proj/app.py:12);"
                                  "heavy (/proj/app.py:21)"),
                 1000000);
    CHECK_EQ_INT(sum_values(text, &lines), llround((FX_COUNTED + 0.5) * 1e6));
    CHECK_EQ_INT(lines, 6);
    free(text);
    profile_free(p);
}

/* ';' and newlines would split a frame or a line: they are escaped, and so
 * is the backslash that escapes them. A stack without frames keeps its
 * time under one named frame. */
static void test_collapsed_escapes_and_frameless(void)
{
    struct profile *p = profile_new();
    static const double one[TIME_KINDS] = {1, 0, 0, 0};
    profile_set_code(p, 0, "/x\\y;z.py", "odd;name\nhere", 1);
    FX_STACK(p, 1, one, {0, 7});
    profile_add_sample(p, 1, NULL, 0, one);
    profile_add_stack(p, 1, NULL, 0, 4, 1, one); /* the interpreter's teardown */
    char *text = render(export_collapsed, p);
    CHECK_EQ_STR(text, "[interpreter teardown] 1000000\n"
                       "[no Python frames] 1000000\n"
                       "odd\\x3bname\\x0ahere (/x\\\\y\\x3bz.py:7) 1000000\n");
    free(text);
    profile_free(p);
}

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static double sum_array(const cJSON *a)
{
    double sum = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) sum += v->valuedouble;
    return sum;
}

/* Frame names of profile `prof`'s sample `i`, root first, joined by '|'. */
static void sample_names(const cJSON *doc, const cJSON *prof, int i, char *out, size_t len)
{
    const cJSON *frames = item(item(doc, "shared"), "frames"), *index;
    size_t used = 0;
    out[0] = '\0';
    cJSON_ArrayForEach(index, cJSON_GetArrayItem(item(prof, "samples"), i)) {
        const cJSON *f = cJSON_GetArrayItem(frames, index->valueint);
        used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "|" : "",
                                 f ? item(f, "name")->valuestring : "?");
    }
}

static void test_speedscope_document(void)
{
    struct profile *p = fx_profile(ROOT);
    static const double more[TIME_KINDS] = {0.25, 0, 0, 0};
    FX_STACK(p, 1, more, {FX_HEAVY2, 21}, {FX_MAIN, 12}, {FX_MODULE, 30});
    profile_set_string(&p->script, ROOT "/app.py");
    char *text = render(export_speedscope, p), names[512];
    cJSON *doc = cJSON_Parse(text);
    CHECK(doc != NULL);
    CHECK_EQ_STR(item(doc, "$schema")->valuestring,
                 "https://www.speedscope.app/file-format-schema.json");
    CHECK_EQ_STR(item(doc, "name")->valuestring, "app.py");
    const cJSON *profiles = item(doc, "profiles");
    /* Threads 1 and 2; thread 3 was only idle. */
    CHECK_EQ_INT(cJSON_GetArraySize(profiles), 2);
    const cJSON *main_thread = cJSON_GetArrayItem(profiles, 0);
    CHECK_EQ_STR(item(main_thread, "name")->valuestring, "MainThread (thread 1)");
    CHECK_EQ_STR(item(main_thread, "type")->valuestring, "sampled");
    CHECK_EQ_STR(item(main_thread, "unit")->valuestring, "seconds");
    CHECK_EQ_INT(cJSON_GetArraySize(item(main_thread, "samples")),
                 cJSON_GetArraySize(item(main_thread, "weights")));
    CHECK(fabs(sum_array(item(main_thread, "weights")) - (FX_COUNTED - 0.1 + 0.25)) < 1e-9);
    CHECK(fabs(item(main_thread, "endValue")->valuedouble - (FX_COUNTED - 0.1 + 0.25)) < 1e-9);
    CHECK_EQ_INT(item(doc, "activeProfileIndex")->valueint, 0);
    /* The first sample is stack A: root first, line in the name. */
    sample_names(doc, main_thread, 0, names, sizeof(names));
    CHECK_EQ_STR(names, "<module> (app.py:30)|main (app.py:12)|heavy (app.py:22)|"
                        "JSONEncoder.encode (encoder.py:200)");
    const cJSON *loader = cJSON_GetArrayItem(profiles, 1);
    CHECK_EQ_STR(item(loader, "name")->valuestring, "loader (thread 2)");
    CHECK(fabs(sum_array(item(loader, "weights")) - 0.1) < 1e-9);
    const cJSON *frame = cJSON_GetArrayItem(item(item(doc, "shared"), "frames"), 0);
    CHECK_EQ_STR(item(frame, "file")->valuestring, "/usr/lib/python3.11/json/encoder.py");
    CHECK_EQ_INT(item(frame, "line")->valueint, 200);
    /* heavy's two code objects at line 21 (stack B and the one added
     * above) are one frame: one function, as profile.json counts it. */
    int heavy21 = 0;
    cJSON_ArrayForEach(frame, item(item(doc, "shared"), "frames"))
        heavy21 += strcmp(item(frame, "name")->valuestring, "heavy (app.py:21)") == 0;
    CHECK_EQ_INT(heavy21, 1);
    cJSON_Delete(doc);
    free(text);
    profile_free(p);
}

/* Quotes, backslashes and control characters in names stay valid JSON and
 * come back as they were. */
static void test_speedscope_escapes(void)
{
    struct profile *p = profile_new();
    static const double one[TIME_KINDS] = {1, 0, 0, 0};
    profile_set_code(p, 0, "/a\"b\\c.py", "q\"\n\x01", 1);
    profile_set_thread(p, 9, "t\"9");
    FX_STACK(p, 9, one, {0, 3});
    char *text = render(export_speedscope, p);
    cJSON *doc = cJSON_Parse(text);
    CHECK(doc != NULL);
    const cJSON *frame = cJSON_GetArrayItem(item(item(doc, "shared"), "frames"), 0);
    CHECK_EQ_STR(frame ? item(frame, "name")->valuestring : NULL, "q\"\n\x01 (a\"b\\c.py:3)");
    CHECK_EQ_STR(frame ? item(frame, "file")->valuestring : NULL, "/a\"b\\c.py");
    const cJSON *prof = cJSON_GetArrayItem(item(doc, "profiles"), 0);
    CHECK_EQ_STR(prof ? item(prof, "name")->valuestring : NULL, "t\"9 (thread 9)");
    cJSON_Delete(doc);
    free(text);
    profile_free(p);
}

static void test_format_list(void)
{
    const struct export_format *fmts[EXPORT_MAX_FORMATS];
    size_t n = 0;
    char err[256] = "";
    CHECK_EQ_INT(export_parse_list("collapsed,speedscope", fmts, &n, err, sizeof(err)), 0);
    CHECK_EQ_INT(export_parse_list("collapsed", fmts, &n, err, sizeof(err)), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(fmts[0]->name, "collapsed");
    CHECK_EQ_STR(fmts[1]->extension, ".speedscope.json");
    CHECK_EQ_INT(export_parse_list("collapsed,flame", fmts, &n, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "unknown format 'flame'") && strstr(err, "collapsed, speedscope"));
    CHECK_EQ_INT(export_parse_list("collapsed,", fmts, &n, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "unknown format ''") != NULL);
    CHECK(export_format_find("SPEEDSCOPE") == NULL);
}

/* A file is written whole or not at all, and a failure says where. */
static void test_write_path(void)
{
    struct profile *p = fx_profile(ROOT);
    char dir[] = "/tmp/fah-test-export-XXXXXX", path[256], err[256] = "";
    CHECK(mkdtemp(dir) != NULL);
    const struct export_format *fmt = export_format_find("collapsed");
    CHECK_EQ_INT(export_write_folder(p, dir, &fmt, 1, err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s/profile.collapsed", dir);
    FILE *f = fopen(path, "r");
    char *expected = render(export_collapsed, p), got[4096] = "";
    CHECK(f != NULL);
    if (f) {
        got[fread(got, 1, sizeof(got) - 1, f)] = '\0';
        fclose(f);
    }
    CHECK_EQ_STR(got, expected);
    unlink(path);
    rmdir(dir);
    CHECK_EQ_INT(export_write_path(p, fmt, "/nonexistent/dir/x.collapsed", err, sizeof(err)),
                 -ENOENT);
    CHECK(strstr(err, "/nonexistent/dir/x.collapsed.tmp") != NULL);
    free(expected);
    profile_free(p);
}

/* A device or FIFO named by -o (/dev/stdout, a process substitution) is
 * written, never replaced by a plain file: here a FIFO this test also
 * holds open for reading, so that the small export fits in its buffer. */
static void test_write_path_keeps_a_fifo(void)
{
    struct profile *p = fx_profile(ROOT);
    char dir[] = "/tmp/fah-test-export-XXXXXX", path[256], err[256] = "", got[4096] = "";
    struct stat st;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/fifo", dir);
    CHECK_EQ_INT(mkfifo(path, 0600), 0);
    int reader = open(path, O_RDWR | O_NONBLOCK); /* O_RDWR: open does not wait */
    CHECK(reader >= 0);
    CHECK_EQ_INT(export_write_path(p, export_format_find("collapsed"), path, err, sizeof(err)),
                 0);
    ssize_t n = read(reader, got, sizeof(got) - 1);
    got[n > 0 ? n : 0] = '\0';
    char *expected = render(export_collapsed, p);
    CHECK_EQ_STR(got, expected);
    CHECK(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    close(reader);
    unlink(path);
    rmdir(dir);
    free(expected);
    profile_free(p);
}

int main(void)
{
    test_collapsed_lines_and_total();
    test_collapsed_merges_equal_stacks();
    test_collapsed_escapes_and_frameless();
    test_speedscope_document();
    test_speedscope_escapes();
    test_format_list();
    test_write_path();
    test_write_path_keeps_a_fifo();
    return test_finish("test_export");
}
