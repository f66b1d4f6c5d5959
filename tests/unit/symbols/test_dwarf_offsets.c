/* dwarf_offsets: member paths, anonymous members, typedefs, enums and sizes
 * checked against offsetof/sizeof of fixture types compiled into this very
 * test (so the DWARF and the truth come from the same compiler run), then
 * the CPython layouts of every interpreter on the machine, their detached
 * debug files and the scan time. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pyinterp.h"
#include "symbols/dwarf_offsets.h"

struct fixture_inner {
    int a;
    long b;
};

typedef struct fixture_outer {
    char c;
    struct fixture_inner inner;
    union {
        int u1;
        double u2;
    };
    struct {
        short s1;
        short s2;
    };
    struct fixture_list {
        void *mutex;
        long head;
    } list;
    const volatile int tail;
} fixture_outer_t;

typedef struct {
    int x;
    char y[3];
} fixture_anon_typedef;

struct fixture_declared_only;
typedef struct fixture_declared_only fixture_declared_t;

enum fixture_owner { FIX_A = 0, FIX_B = 7, FIX_C = -3 };

__attribute__((used)) fixture_outer_t *fixture_outer_ptr;
__attribute__((used)) fixture_anon_typedef fixture_anon_var;
__attribute__((used)) enum fixture_owner fixture_enum_var;
__attribute__((used)) fixture_declared_t *fixture_decl_ptr;

static int member(struct dwoff *d, const char *type, const char *path)
{
    int32_t off = -1;
    return dwoff_member(d, type, path, &off) == 0 ? off : -1;
}

static void test_fixture_types(void)
{
    const char *names[] = {"fixture_outer_t", "fixture_outer", "fixture_anon_typedef",
                           "fixture_owner", "fixture_declared_t", "no_such_type|fixture_inner"};
    struct dwoff *d;
    char err[512];
    int32_t size;
    int64_t value;

    if (dwoff_open("/proc/self/exe", NULL, &d, err, sizeof(err)) != 0) {
        fprintf(stderr, "test_dwarf_offsets: fixture part skipped: %s\n", err);
        return;
    }
    /* Everything but the declaration-only typedef. */
    CHECK_EQ_INT(dwoff_scan(d, names, 6), 5);
    CHECK_EQ_INT(member(d, "fixture_outer_t", "c"), offsetof(fixture_outer_t, c));
    CHECK_EQ_INT(member(d, "fixture_outer_t", "inner.b"), offsetof(fixture_outer_t, inner.b));
    CHECK_EQ_INT(member(d, "fixture_outer", "inner.b"), offsetof(fixture_outer_t, inner.b));
    /* Anonymous union and struct members are looked through. */
    CHECK_EQ_INT(member(d, "fixture_outer_t", "u2"), offsetof(fixture_outer_t, u2));
    CHECK_EQ_INT(member(d, "fixture_outer_t", "s2"), offsetof(fixture_outer_t, s2));
    CHECK_EQ_INT(member(d, "fixture_outer_t", "list.head"), offsetof(fixture_outer_t, list.head));
    CHECK_EQ_INT(member(d, "fixture_outer_t", "tail"), offsetof(fixture_outer_t, tail));
    /* Alternatives are tried left to right. */
    CHECK_EQ_INT(member(d, "fixture_outer_t", "nope.head|list.head|c"),
                 offsetof(fixture_outer_t, list.head));
    CHECK_EQ_INT(member(d, "fixture_outer_t", "list.nope"), -1);
    CHECK_EQ_INT(member(d, "fixture_outer_t", "c.deeper"), -1);
    CHECK_EQ_INT(member(d, "fixture_anon_typedef", "y"), offsetof(fixture_anon_typedef, y));
    CHECK_EQ_INT(member(d, "no_such_type|fixture_inner", "b"), offsetof(struct fixture_inner, b));
    CHECK_EQ_INT(member(d, "not_scanned", "b"), -1);

    CHECK_EQ_INT(dwoff_size(d, "fixture_outer_t", &size), 0);
    CHECK_EQ_INT(size, sizeof(fixture_outer_t));
    CHECK_EQ_INT(dwoff_size(d, "fixture_anon_typedef", &size), 0);
    CHECK_EQ_INT(size, sizeof(fixture_anon_typedef));
    CHECK_EQ_INT(dwoff_size(d, "fixture_declared_t", &size), -ENOENT);

    CHECK_EQ_INT(dwoff_enumerator(d, "fixture_owner", "FIX_B", &value), 0);
    CHECK_EQ_INT(value, FIX_B);
    CHECK_EQ_INT(dwoff_enumerator(d, "fixture_owner", "FIX_C", &value), 0);
    CHECK_EQ_INT(value, FIX_C);
    CHECK_EQ_INT(dwoff_enumerator(d, "fixture_owner", "FIX_Z", &value), -ENOENT);
    CHECK_EQ_INT(dwoff_enumerator(d, "fixture_outer_t", "FIX_B", &value), -ENOENT);
    dwoff_close(d);
}

/* Offsets must fall inside their structs, and fields the version does not
 * have must be absent. */
static void check_layout(const struct test_interp *t, const struct py_offsets *o)
{
    int minor = t->minor;

    CHECK(o->thread.size > 0);
    CHECK(o->thread.next < o->thread.size && o->thread.interp < o->thread.size);
    CHECK(o->thread.thread_id < o->thread.size);
    CHECK(o->code.size > 0 && o->code.filename < o->code.size && o->code.name < o->code.size);
    CHECK(o->code.linetable < o->code.size && o->code.firstlineno < o->code.size);
    CHECK(o->unicode.ascii_size > o->unicode.state && o->unicode.ascii_size > o->unicode.length);
    CHECK(o->unicode.compact_size > o->unicode.ascii_size);
    CHECK(o->bytes.sval > o->bytes.size);
    CHECK_EQ_INT(o->object.ob_type, 8);
    if (minor <= 10) {
        CHECK(o->thread.frame >= 0 && o->thread.frame < o->thread.size);
        CHECK_EQ_INT(o->iframe.code, PYOFF_ABSENT);
        CHECK_EQ_INT(o->thread.native_thread_id, PYOFF_ABSENT);
        CHECK_EQ_INT(o->code.qualname, PYOFF_ABSENT);
        CHECK(o->frame_object.lasti > o->frame_object.code);
    } else {
        CHECK_EQ_INT(o->thread.frame, PYOFF_ABSENT);
        CHECK_EQ_INT(o->frame_object.back, PYOFF_ABSENT);
        CHECK(o->iframe.size > 0 && o->iframe.owner < o->iframe.size);
        CHECK(o->iframe.code < o->iframe.size && o->iframe.previous < o->iframe.size);
        CHECK(o->thread.native_thread_id < o->thread.size);
        /* co_code_adaptive is the trailing flexible array. */
        CHECK(o->code.code_adaptive >= o->code.qualname && o->code.code_adaptive < o->code.size);
    }
    CHECK_EQ_INT(o->thread.cframe >= 0, minor == 11 || minor == 12);
    CHECK_EQ_INT(o->thread.current_frame >= 0, minor >= 13);
    /* enum _frameowner: no C-stack owner before 3.12, 3 in 3.12 and 3.13. */
    if (minor == 11)
        CHECK_EQ_INT(o->iframe.owner_cstack, PYOFF_ABSENT);
    if (minor == 12 || minor == 13)
        CHECK_EQ_INT(o->iframe.owner_cstack, 3);
    /* 3.12 shrank the string headers (no wstr). */
    CHECK_EQ_INT(o->unicode.ascii_size, minor >= 12 ? 40 : 48);
}

static void test_interpreters(void)
{
    struct test_interp interps[32];
    size_t n = test_all_interps(interps, 32);
    int tested = 0;

    for (size_t i = 0; i < n; i++) {
        const struct test_interp *t = &interps[i];
        struct py_offsets off;
        struct dwoff *d;
        char err[1024];
        uint64_t ns, units;
        uint32_t hex = (uint32_t)(t->major << 24 | t->minor << 16);

        if (!test_supported(t))
            continue;
        if (dwoff_open(t->file, NULL, &d, err, sizeof(err)) != 0) {
            fprintf(stderr, "test_dwarf_offsets: %s: no DWARF, not checked: %s\n", t->name, err);
            continue;
        }
        tested++;
        CHECK_EQ_INT(dwoff_fill(d, hex, &off, err, sizeof(err)), 0);
        CHECK_EQ_INT(off.version_hex, hex);
        CHECK_EQ_INT(pyoff_set_family(&off), 0);
        if (pyoff_validate(&off, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: %s\n", t->name, err);
            CHECK(0);
        }
        check_layout(t, &off);
        dwoff_scan_stats(d, &ns, &units);
        printf("%s: DWARF from %s, scanned %llu units in %.1f ms\n", t->name, dwoff_debug_path(d),
               (unsigned long long)units, (double)ns / 1e6);
        CHECK(ns < 1000000000ull);
        dwoff_close(d);
    }
    if (!tested)
        fprintf(stderr, "test_dwarf_offsets: no interpreter with DWARF on this machine\n");
}

/* Debian's stripped python3.11 gets its DWARF from the -dbg package's
 * .build-id file, and only from the folders it is told to search. */
static void test_detached_debug_file(void)
{
    struct dwoff *d;
    char err[1024];

    if (access("/usr/bin/python3.11", R_OK) != 0)
        return;
    if (dwoff_open("/usr/bin/python3.11", "/nonexistent:/tmp", &d, err, sizeof(err)) == 0) {
        CHECK(0); /* DWARF found where there is none */
        dwoff_close(d);
    } else {
        CHECK(strstr(err, "no debug info") != NULL);
        CHECK(strstr(err, ".build-id/") != NULL);
    }
    if (access("/usr/share/doc/python3.11-dbg", F_OK) != 0)
        return;
    CHECK_EQ_INT(dwoff_open("/usr/bin/python3.11", "/nonexistent:/usr/lib/debug", &d, err,
                            sizeof(err)),
                 0);
    if (d) {
        CHECK(strncmp(dwoff_debug_path(d), "/usr/lib/debug/.build-id/", 25) == 0);
        dwoff_close(d);
    }
}

static void test_bad_files(void)
{
    struct dwoff *d = (struct dwoff *)1;
    char err[512];

    CHECK_EQ_INT(dwoff_open("/nonexistent/libpython3.9.so", NULL, &d, err, sizeof(err)), -ENOENT);
    CHECK(d == NULL);
    CHECK_EQ_INT(dwoff_open("/proc/self/maps", NULL, &d, err, sizeof(err)), -ENOEXEC);
    dwoff_close(NULL);
}

int main(void)
{
    test_fixture_types();
    test_interpreters();
    test_detached_debug_file();
    test_bad_files();
    return test_finish("test_dwarf_offsets");
}
