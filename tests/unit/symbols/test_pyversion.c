/* pyversion: file names, formatting, the supported range, and the version
 * read from every interpreter on the machine against the PY_VERSION of its
 * installed patchlevel.h (3.8-3.10 through .rodata, 3.11+ through
 * Py_Version, 3.13+ also through _Py_DebugOffsets). */
#include <errno.h>
#include <stdio.h>

#include "harness.h"
#include "pyinterp.h"
#include "symbols/pyversion.h"

static void check_name(const char *path, uint32_t hex, const char *flags)
{
    char abiflags[8] = "junk";

    CHECK_EQ_INT(pyver_from_name(path, abiflags, sizeof(abiflags)), hex);
    CHECK_EQ_STR(abiflags, flags);
}

static void test_names(void)
{
    check_name("python3.11d", 0x030b0000, "d");
    check_name("/usr/lib/x86_64-linux-gnu/libpython3.9.so.1.0", 0x03090000, "");
    check_name("/root/.pyenv/versions/3.6.15/lib/libpython3.6m.so.1.0", 0x03060000, "m");
    check_name("/opt/bin/python3.13t", 0x030d0000, "t");
    check_name("/usr/bin/python3.11-dbg", 0x030b0000, "");
    check_name("libpython3.12.a", 0x030c0000, "");
    check_name("python2.7", 0x02070000, "");
    check_name("/usr/bin/python3", 0, "");
    check_name("/usr/bin/python", 0, "");
    check_name("/usr/bin/sleep", 0, "");
    check_name("/opt/mypython3.9", 0, "");
    check_name("python3.x", 0, "");
    check_name("python3.9_", 0, "");
    /* The folder does not count, only the file name. */
    check_name("/opt/python3.9/bin/uwsgi", 0, "");
}

static void test_format_and_range(void)
{
    char buf[24];

    pyver_format(0x030b07f0, 1, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "3.11.7");
    pyver_format(0x030d00c2, 1, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "3.13.0rc2");
    pyver_format(0x030e00a1, 1, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "3.14.0a1");
    pyver_format(0x030e00b3, 1, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "3.14.0b3");
    pyver_format(0x03090000, 0, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "3.9");

    CHECK(!pyver_supported(0x030710f0));
    CHECK(pyver_supported(0x03080000));
    CHECK(pyver_supported(0x030e00f0));
    CHECK(!pyver_supported(0x030f0000));
    CHECK(!pyver_supported(0x02070000));
    CHECK(!pyver_supported(0));
}

static void test_real_files(void)
{
    struct test_interp interps[32];
    size_t n = test_all_interps(interps, 32);

    for (size_t i = 0; i < n; i++) {
        const struct test_interp *t = &interps[i];
        struct elfsym_symbol runtime;
        struct elfsym *ef;
        struct pyver v;
        char err[512], buf[24];
        int has_runtime;

        if (elfsym_open(t->file, &ef, err, sizeof(err)) != 0) {
            CHECK(0);
            continue;
        }
        has_runtime = elfsym_lookup(ef, "_PyRuntime", &runtime) == 0;
        pyver_detect(ef, t->file, has_runtime ? &runtime : NULL, &v);
        CHECK_EQ_INT(v.hex >> 16, (uint32_t)(t->major << 8 | t->minor));
        CHECK_EQ_INT(v.free_threaded, 0);
        /* 3.6 has no _PyRuntime: its name alone tells 3.6. */
        CHECK_EQ_INT(v.patch_known, has_runtime);
        pyver_format(v.hex, v.patch_known, buf, sizeof(buf));
        if (v.patch_known && t->version[0])
            CHECK_EQ_STR(buf, t->version);
        printf("%s: %s\n", t->name, buf);

        /* Without _PyRuntime nothing but the name is consulted. */
        pyver_detect(ef, "/x/libpython3.9.so", NULL, &v);
        if (t->minor <= 10) {
            CHECK_EQ_INT(v.hex, 0x03090000);
            CHECK_EQ_INT(v.patch_known, 0);
        }
        elfsym_close(ef);
    }
}

int main(void)
{
    test_names();
    test_format_and_range();
    test_real_files();
    return test_finish("test_pyversion");
}
