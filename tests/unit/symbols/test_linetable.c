/* Line-table decoders: hand-built vectors for every format's edge cases,
 * then a cross-check against every installed interpreter's own answers
 * (linetable_dump.py prints the raw tables and what CPython computes). */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "symbols/linetable.h"

#define LINE(fmt, tab, first, off) linetable_line(fmt, tab, sizeof(tab), first, off)

static void test_lnotab(void)
{
    /* (6, +1), (8, +2): [0,6) first, [6,14) +1, [14,...) +3 */
    static const uint8_t basic[] = {6, 1, 8, 2};
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, 0), 10);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, 4), 10);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, 5), 10);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, 6), 11); /* boundary */
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, 12), 11);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, 14), 13);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, 400), 13);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, basic, 10, -1), 10); /* not started */

    /* Line jumps beyond 127 take pairs with a zero address increment. */
    static const uint8_t jump[] = {0, 127, 0, 127, 4, 6};
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, jump, 1, 0), 255);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, jump, 1, 2), 255);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, jump, 1, 4), 261);

    /* Address jumps beyond 255 take pairs with a zero line increment. */
    static const uint8_t far[] = {255, 0, 45, 1};
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, far, 7, 298), 7);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, far, 7, 300), 8);

    /* Negative line increments (3.8 allows them). */
    static const uint8_t back[] = {4, 3, 4, (uint8_t)-2, 2, (uint8_t)-128};
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, back, 200, 4), 203);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, back, 200, 8), 201);
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, back, 200, 10), 73);

    /* A truncated table ignores the half pair; an empty one is firstlineno. */
    static const uint8_t odd[] = {6, 1, 8};
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, odd, 10, 100), 11);
    CHECK_EQ_INT(linetable_line(LINETABLE_LNOTAB, NULL, 0, 10, 8), 10);
    CHECK_EQ_INT(linetable_line(LINETABLE_LNOTAB, NULL, 12, 10, 8), 10);

    /* A line outside int range is no line, not an overflow. */
    static const uint8_t up[] = {0, 1};
    CHECK_EQ_INT(LINE(LINETABLE_LNOTAB, up, INT_MAX, 0), -1);
}

static void test_linetable_310(void)
{
    /* [0,6) +1, [6,14) no line, [14,18) +2 more, then nothing. */
    static const uint8_t basic[] = {6, 1, 8, 0x80, 4, 2};
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, 0), 11);
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, 4), 11);
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, 6), -1); /* boundary */
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, 12), -1);
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, 14), 13); /* -128 kept line */
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, 16), 13);
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, 18), -1); /* past the end */
    CHECK_EQ_INT(LINE(LINETABLE_310, basic, 10, -2), 10);

    /* Zero-length ranges move the line; their "no line" marks do not. */
    static const uint8_t zero[] = {0, 5, 0, 0x80, 0, 120, 4, 1, 2, (uint8_t)-3};
    CHECK_EQ_INT(LINE(LINETABLE_310, zero, 1, 0), 127);
    CHECK_EQ_INT(LINE(LINETABLE_310, zero, 1, 2), 127);
    CHECK_EQ_INT(LINE(LINETABLE_310, zero, 1, 4), 124); /* negative delta */

    /* Address steps of one byte, boundaries on odd offsets. */
    static const uint8_t tiny[] = {2, 0, 2, 1};
    CHECK_EQ_INT(LINE(LINETABLE_310, tiny, 5, 1), 5);
    CHECK_EQ_INT(LINE(LINETABLE_310, tiny, 5, 2), 6);
    CHECK_EQ_INT(LINE(LINETABLE_310, tiny, 5, 3), 6);
    CHECK_EQ_INT(LINE(LINETABLE_310, tiny, 5, 4), -1);

    /* Truncated: the half pair at the end covers nothing. */
    static const uint8_t cut[] = {4, 1, 4};
    CHECK_EQ_INT(LINE(LINETABLE_310, cut, 5, 2), 6);
    CHECK_EQ_INT(LINE(LINETABLE_310, cut, 5, 4), -1);
    CHECK_EQ_INT(linetable_line(LINETABLE_310, NULL, 0, 5, 0), -1);
}

/* Location table entries: 1ccccLLL, length LLL+1 code units. */
#define LOC(code, units) (uint8_t)(0x80 | ((code) << 3) | ((units) - 1))

static void test_locations(void)
{
    static const uint8_t table[] = {
        LOC(0, 2), 0x05,             /* [0,4)   short form, same line */
        LOC(11, 1), 0x04, 0x08,      /* [4,6)   one-line form, +1 */
        LOC(15, 3),                  /* [6,12)  no location */
        LOC(14, 4), 0x50, 0x06,      /* [12,20) long form, +200 (varint 400) */
        0x00, 0x05, 0x48, 0x03,      /*         end line, columns (200) */
        LOC(13, 1), 0x0b,            /* [20,22) no columns, -5 */
        LOC(9, 8), 0x01,             /* [22,38) short form */
        LOC(12, 1), 0x00, 0x01,      /* [38,40) one-line form, +2 */
        LOC(14, 1), 0x43, 0x01,      /* [40,42) long form, -33 (varint 67) */
        0x00, 0x00, 0x00,
    };
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 0), 100);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 2), 100);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 3), 100);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 4), 101); /* boundary */
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 6), -1);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 10), -1);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 12), 301);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 18), 301);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 20), 296);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 22), 296);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 36), 296);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 38), 298);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 40), 265);
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, 42), -1); /* past end */
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, table, 100, -2), 100);

    /* Truncated in the middle of the long form's line delta: entries
     * before it still answer, nothing reads past the cut. Copying to the
     * heap lets ASan catch an overrun. */
    uint8_t *cut = malloc(8);
    memcpy(cut, table, 8); /* up to and including 0x50, the varint's 1st byte */
    CHECK_EQ_INT(linetable_line(LINETABLE_LOCATIONS, cut, 8, 100, 4), 101);
    CHECK_EQ_INT(linetable_line(LINETABLE_LOCATIONS, cut, 8, 100, 12), -1);
    CHECK_EQ_INT(linetable_line(LINETABLE_LOCATIONS, cut, 7, 100, 6), -1);
    CHECK_EQ_INT(linetable_line(LINETABLE_LOCATIONS, cut, 7, 100, 12), -1);
    free(cut);

    /* A varint that never ends, and a table not starting at an entry. */
    static const uint8_t endless[] = {LOC(13, 1), 0x41, 0x41, 0x41, 0x41, 0x41,
                                      0x41, 0x41, 0x41, 0x41, 0x01};
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, endless, 1, 0), -1);
    static const uint8_t garbage[] = {0x05, LOC(0, 1), 0x00};
    CHECK_EQ_INT(LINE(LINETABLE_LOCATIONS, garbage, 1, 0), -1);

    CHECK_EQ_INT(LINE(LINETABLE_UNKNOWN, table, 100, 0), -1);
}

/* ---- live cross-check ------------------------------------------------- */

static unsigned hexval(int c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    CHECK(!"bad hex digit from linetable_dump.py");
    return 0;
}

/* Parses "1,2,-1,..." into out (at most max); returns the count. */
static size_t parse_lines(char *text, int *out, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(text, ","); tok && n < max; tok = strtok(NULL, ","))
        out[n++] = atoi(tok);
    return n;
}

struct crosscheck {
    const char *label;
    int code_objects;
    long offsets;
    int mismatches;
};

static void check_code_object(struct crosscheck *cc, enum linetable_format fmt, char *line)
{
    char *save = NULL;
    char *name = strtok_r(line, " \n", &save);
    char *first = strtok_r(NULL, " \n", &save);
    char *hex = strtok_r(NULL, " \n", &save);
    char *own = strtok_r(NULL, " \n", &save);
    char *capi = strtok_r(NULL, " \n", &save);

    if (!name || !first || !hex || !own || !capi) {
        CHECK(!"malformed line from linetable_dump.py");
        return;
    }
    size_t hexlen = strcmp(hex, "-") == 0 ? 0 : strlen(hex);
    uint8_t *table = malloc(hexlen / 2 + 1);
    size_t len = 0;
    for (size_t i = 0; i + 1 < hexlen; i += 2)
        table[len++] = (uint8_t)(hexval(hex[i]) << 4 | hexval(hex[i + 1]));

    size_t cap = strlen(own) + 1;
    int *own_lines = malloc(cap * sizeof(int));
    int *capi_lines = malloc(cap * sizeof(int));
    size_t n = parse_lines(own, own_lines, cap);
    size_t ncapi = strcmp(capi, "-") == 0 ? 0 : parse_lines(capi, capi_lines, cap);
    int firstlineno = atoi(first);

    CHECK(ncapi == 0 || ncapi == n);
    cc->code_objects++;
    for (size_t i = 0; i < n; i++) {
        int got = linetable_line(fmt, table, len, firstlineno, (int64_t)i * 2);
        int bad = got != own_lines[i] || (i < ncapi && got != capi_lines[i]);
        cc->offsets++;
        harness_checks++;
        if (bad) {
            harness_failures++;
            if (cc->mismatches++ < 10)
                fprintf(stderr, "%s: %s (first line %d) offset %zu: decoded %d, "
                        "interpreter says %d (PyCode_Addr2Line %d)\n", cc->label,
                        name, firstlineno, i * 2, got, own_lines[i],
                        i < ncapi ? capi_lines[i] : -2);
        }
    }
    free(capi_lines);
    free(own_lines);
    free(table);
}

static const char *dump_script(void)
{
    static char path[PATH_MAX];
    const char *src = getenv("FAH_SOURCE_DIR");

    if (src)
        snprintf(path, sizeof(path), "%s/tests/unit/symbols/linetable_dump.py", src);
    else
        snprintf(path, sizeof(path), "%.*s/linetable_dump.py",
                 (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') - __FILE__ : 1),
                 strrchr(__FILE__, '/') ? __FILE__ : ".");
    return path;
}

/* Runs one interpreter on the dump script and checks every offset of every
 * code object. Returns 0, or -1 when the interpreter could not be run. */
static int crosscheck(const char *python, const char *xopt)
{
    char cmd[PATH_MAX * 2 + 64];
    struct crosscheck cc = {.label = python};
    char *line = NULL;
    size_t cap = 0;
    enum linetable_format fmt = LINETABLE_UNKNOWN;
    int major = 0, minor = 0;

    snprintf(cmd, sizeof(cmd), "'%s' %s '%s'", python, xopt, dump_script());
    FILE *out = popen(cmd, "r");
    if (!out)
        return -1;
    while (getline(&line, &cap, out) > 0) {
        if (sscanf(line, "version %d %d", &major, &minor) == 2) {
            fmt = minor >= 11 ? LINETABLE_LOCATIONS
                : minor == 10 ? LINETABLE_310 : LINETABLE_LNOTAB;
            continue;
        }
        if (fmt == LINETABLE_UNKNOWN)
            continue;
        check_code_object(&cc, fmt, line);
    }
    free(line);
    int status = pclose(out);
    CHECK_EQ_INT(status, 0);
    CHECK(cc.code_objects >= 15);
    printf("  %s%s%s (%d.%d): %d code objects, %ld offsets, %d mismatches\n", python,
           *xopt ? " " : "", xopt, major, minor, cc.code_objects, cc.offsets, cc.mismatches);
    return 0;
}

static void test_live(void)
{
    static const int minors[] = {8, 9, 10, 11, 12, 13};
    int found = 0;

    for (size_t i = 0; i < sizeof(minors) / sizeof(minors[0]); i++) {
        char pattern[64];
        glob_t g;
        snprintf(pattern, sizeof(pattern), "/root/.pyenv/versions/3.%d.*/bin/python3",
                 minors[i]);
        if (glob(pattern, 0, NULL, &g) != 0) {
            printf("  skipped: no python 3.%d under /root/.pyenv/versions\n", minors[i]);
            continue;
        }
        for (size_t j = 0; j < g.gl_pathc; j++) {
            /* -X no_debug_ranges makes 3.11+ write column-less entries. */
            found += crosscheck(g.gl_pathv[j], "") == 0;
            found += crosscheck(g.gl_pathv[j], "-X no_debug_ranges") == 0;
        }
        globfree(&g);
    }
    if (access("/usr/bin/python3", X_OK) == 0) {
        found += crosscheck("/usr/bin/python3", "") == 0;
        found += crosscheck("/usr/bin/python3", "-X no_debug_ranges") == 0;
    } else {
        printf("  skipped: /usr/bin/python3 absent\n");
    }
    if (!found)
        printf("  skipped: no interpreter to cross-check against\n");
}

int main(void)
{
    test_lnotab();
    test_linetable_310();
    test_locations();
    test_live();
    return test_finish("test_linetable");
}
