/* pylocate on files: for every interpreter on the machine and every offset
 * source, the version (checked against the installed patchlevel.h), the
 * family, the addresses (against the ELF symbols), and offsets that agree
 * field by field between DWARF, tables and _Py_DebugOffsets; the fallback
 * chain on stripped copies; the errors for unsupported and non-Python
 * files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pyinterp.h"
#include "symbols/elfsym.h"
#include "symbols/pylocate.h"

static const char *const unsupported_msg = "is not supported (3.8–3.14)";

static enum pyframe_family family_for(int minor)
{
    return minor <= 10 ? PYFAMILY_FRAME_OBJECT
           : minor <= 12 ? PYFAMILY_INTERP_FRAME
           : minor == 13 ? PYFAMILY_CURRENT_FRAME
                         : PYFAMILY_TAGGED_FRAME;
}

static void check_same_offsets(const char *what, const struct py_offsets *a,
                               const struct py_offsets *b)
{
    CHECK_EQ_INT(a->family, b->family);
    CHECK_EQ_INT(a->linetable, b->linetable);
    for (size_t i = 0; i < pyoff_nfields; i++) {
        int32_t x = pyoff_get(a, &pyoff_fields[i]), y = pyoff_get(b, &pyoff_fields[i]);
        if (x != y) {
            fprintf(stderr, "%s: %s is %d vs %d\n", what, pyoff_fields[i].name, x, y);
            CHECK(0);
        }
    }
}

/* Facts from the ELF itself that the target must repeat. */
static void check_addresses(const struct test_interp *t, const struct py_target *pt)
{
    struct elfsym_symbol runtime, code_type;
    struct elfsym *ef;
    char err[512], id[128] = "";

    CHECK_EQ_INT(elfsym_open(t->file, &ef, err, sizeof(err)), 0);
    if (!ef)
        return;
    CHECK_EQ_INT(elfsym_lookup(ef, "_PyRuntime", &runtime), 0);
    CHECK_EQ_INT(pt->runtime_addr, runtime.value);
    CHECK_EQ_INT(elfsym_lookup(ef, "PyCode_Type", &code_type), 0);
    CHECK_EQ_INT(pt->code_type_addr, code_type.value);
    CHECK_EQ_INT(pt->load_bias, 0);
    CHECK_EQ_INT(pt->pid, 0);
    elfsym_build_id(ef, id, sizeof(id));
    CHECK_EQ_STR(pt->build_id, id);
    CHECK(pt->ntext >= 1);
    /* The text range holds code: some function symbol lies inside. */
    {
        struct elfsym_symbol fn;
        CHECK_EQ_INT(elfsym_lookup(ef, "PyEval_EvalCode", &fn), 0);
        CHECK(pyloc_pc_in_interpreter(pt, fn.value));
        CHECK(!pyloc_pc_in_interpreter(pt, runtime.value));
    }
    elfsym_close(ef);
}

static void check_supported_interp(const struct test_interp *t)
{
    struct py_target dwarf, other;
    char err[2048];
    int have_dwarf;

    /* The executable: pyenv's links libpython, which must be followed. */
    CHECK_EQ_INT(pyloc_locate_file(t->exe, PYOFF_PREF_AUTO, NULL, &other, err, sizeof(err)), 0);
    CHECK_EQ_STR(other.binary, t->file);

    have_dwarf = pyloc_locate_file(t->file, PYOFF_PREF_DWARF, NULL, &dwarf, err, sizeof(err)) == 0;
    if (!have_dwarf) {
        fprintf(stderr, "%s: no DWARF: %s\n", t->name, err);
        CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_AUTO, NULL, &dwarf, err, sizeof(err)),
                     0);
    }
    printf("%s: %s, Python %s, offsets from %s\n", t->name, dwarf.binary, dwarf.version,
           dwarf.source_detail);
    if (t->version[0])
        CHECK_EQ_STR(dwarf.version, t->version);
    CHECK_EQ_INT(dwarf.version_hex >> 16, (uint32_t)(t->major << 8 | t->minor));
    CHECK_EQ_INT(dwarf.off.version_hex, dwarf.version_hex);
    CHECK_EQ_INT(dwarf.off.family, family_for(t->minor));
    CHECK_EQ_STR(dwarf.binary, t->file);
    check_addresses(t, &dwarf);
    if (!have_dwarf)
        return;
    CHECK_EQ_INT(dwarf.source, PYOFF_SOURCE_DWARF);

    /* AUTO prefers DWARF. */
    CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_AUTO, NULL, &other, err, sizeof(err)), 0);
    CHECK_EQ_INT(other.source, PYOFF_SOURCE_DWARF);

    CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_TABLE, NULL, &other, err, sizeof(err)), 0);
    CHECK_EQ_INT(other.source, PYOFF_SOURCE_TABLE);
    CHECK(strstr(other.source_detail, "(build id)") != NULL);
    check_same_offsets(t->name, &dwarf.off, &other.off);

    if (t->minor >= 13) {
        CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_DEBUG_OFFSETS, NULL, &other, err,
                                       sizeof(err)),
                     0);
        CHECK_EQ_INT(other.source, PYOFF_SOURCE_DEBUG_OFFSETS);
        check_same_offsets(t->name, &dwarf.off, &other.off);
    } else {
        CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_DEBUG_OFFSETS, NULL, &other, err,
                                       sizeof(err)),
                     -ENODATA);
        CHECK(strstr(err, "has no _Py_DebugOffsets (3.13+)") != NULL);
        CHECK_EQ_INT(other.source, PYOFF_SOURCE_NONE);
    }

    /* Without its debug folder, a detached-DWARF build falls back. */
    if (strncmp(dwarf.source_detail, "dwarf /usr/lib/debug/", 21) == 0) {
        CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_DWARF, "/nonexistent", &other, err,
                                       sizeof(err)),
                     -ENODATA);
        CHECK(strstr(err, "no debug info") != NULL);
        CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_AUTO, "/nonexistent", &other, err,
                                       sizeof(err)),
                     0);
        CHECK_EQ_INT(other.source, PYOFF_SOURCE_TABLE);
        check_same_offsets(t->name, &dwarf.off, &other.off);
    }
}

static void check_unsupported_interp(const struct test_interp *t)
{
    struct py_target pt;
    char err[1024], want[64];

    snprintf(want, sizeof(want), "Python %d.%d %s", t->major, t->minor, unsupported_msg);
    CHECK_EQ_INT(pyloc_locate_file(t->exe, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err)), -ENOTSUP);
    CHECK(strstr(err, want) != NULL);
    CHECK_EQ_INT(pyloc_locate_file(t->file, PYOFF_PREF_TABLE, NULL, &pt, err, sizeof(err)),
                 -ENOTSUP);
    CHECK(strstr(err, want) != NULL);
}

/* A copy without DWARF (and optionally without build id) in a folder of
 * its own, keeping the file name the version may come from. */
static int stripped_copy(const char *src, const char *dir, int keep_build_id, char *out,
                         size_t outlen)
{
    char cmd[3 * PATH_MAX];
    const char *base = strrchr(src, '/') + 1;

    if (test_fmt(out, outlen, "%s/%s", dir, base) ||
        test_fmt(cmd, sizeof(cmd), "objcopy --strip-debug %s '%s' '%s' 2>/dev/null",
                 keep_build_id ? "" : "--remove-section=.note.gnu.build-id", src, out))
        return -ENAMETOOLONG;
    return system(cmd) == 0 ? 0 : -EIO;
}

static void test_stripped_fallbacks(const struct test_interp *interps, size_t n)
{
    char dir[] = "/tmp/fah-test-stripped-XXXXXX";

    if (system("objcopy --version >/dev/null 2>&1") != 0 || !mkdtemp(dir)) {
        fprintf(stderr, "test_pylocate: objcopy missing: stripped fallbacks not tested\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct test_interp *t = &interps[i];
        struct py_target dwarf, pt;
        char copy[PATH_MAX], err[2048];

        if (!test_supported(t) || strcmp(t->file, t->exe) == 0 ||
            pyloc_locate_file(t->file, PYOFF_PREF_DWARF, NULL, &dwarf, err, sizeof(err)) != 0)
            continue;
        for (int keep = 1; keep >= 0; keep--) {
            if (stripped_copy(t->file, dir, keep, copy, sizeof(copy)) != 0) {
                CHECK(0);
                continue;
            }
            CHECK_EQ_INT(pyloc_locate_file(copy, PYOFF_PREF_DWARF, "/nonexistent", &pt, err,
                                           sizeof(err)),
                         -ENODATA);
            CHECK_EQ_INT(pyloc_locate_file(copy, PYOFF_PREF_AUTO, "/nonexistent", &pt, err,
                                           sizeof(err)),
                         0);
            /* Same version read from a file with no DWARF: Py_Version, or
             * PY_VERSION in .rodata for 3.8-3.10. */
            CHECK_EQ_STR(pt.version, dwarf.version);
            CHECK_EQ_INT(pt.source, t->minor >= 13 ? PYOFF_SOURCE_DEBUG_OFFSETS
                                                   : PYOFF_SOURCE_TABLE);
            check_same_offsets(copy, &dwarf.off, &pt.off);
            CHECK_EQ_INT(pyloc_locate_file(copy, PYOFF_PREF_TABLE, "/nonexistent", &pt, err,
                                           sizeof(err)),
                         0);
            CHECK(strstr(pt.source_detail, keep ? "(build id)" : "(exact version)") != NULL);
            check_same_offsets(copy, &dwarf.off, &pt.off);
            unlink(copy);
        }
    }
    rmdir(dir);
}

/* A 3.8-3.10 library renamed so that nothing tells its version. */
static void test_unknown_version(const struct test_interp *interps, size_t n)
{
    char dir[] = "/tmp/fah-test-noversion-XXXXXX", copy[PATH_MAX], cmd[3 * PATH_MAX];
    struct py_target pt;
    char err[1024];

    for (size_t i = 0; i < n; i++) {
        const struct test_interp *t = &interps[i];
        if (!test_supported(t) || t->minor > 10 || strcmp(t->file, t->exe) == 0)
            continue;
        if (!mkdtemp(dir))
            return;
        if (test_fmt(copy, sizeof(copy), "%s/libinterp.so", dir) == 0 &&
            test_fmt(cmd, sizeof(cmd), "cp '%s' '%s'", t->file, copy) == 0 && system(cmd) == 0) {
            CHECK_EQ_INT(pyloc_locate_file(copy, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err)),
                         -ENOTSUP);
            CHECK(strstr(err, "cannot tell the Python version") != NULL);
            unlink(copy);
        }
        rmdir(dir);
        return;
    }
}

static void test_not_python(void)
{
    struct py_target pt;
    char err[1024], path[] = "/tmp/fah-test-text-XXXXXX";
    int fd;

    CHECK_EQ_INT(pyloc_locate_file("/bin/sleep", PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err)),
                 -ENOENT);
    CHECK_EQ_STR(err, "/bin/sleep: no Python interpreter found (no _PyRuntime symbol)");
    CHECK_EQ_INT(pyloc_locate_file("/nonexistent/python3.9", PYOFF_PREF_AUTO, NULL, &pt, err,
                                   sizeof(err)),
                 -ENOENT);
    CHECK(strstr(err, "/nonexistent/python3.9") != NULL);
    fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "#!/bin/sh\n", 10) == 10);
        close(fd);
        CHECK_EQ_INT(pyloc_locate_file(path, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err)),
                     -ENOEXEC);
        CHECK(strstr(err, "not an ELF file") != NULL);
        unlink(path);
    }
    CHECK_EQ_INT(pt.source, PYOFF_SOURCE_NONE);
}

int main(void)
{
    struct test_interp interps[32];
    size_t n = test_all_interps(interps, 32);
    int supported = 0;

    for (size_t i = 0; i < n; i++) {
        if (test_supported(&interps[i])) {
            supported++;
            check_supported_interp(&interps[i]);
        } else {
            check_unsupported_interp(&interps[i]);
        }
    }
    test_stripped_fallbacks(interps, n);
    test_unknown_version(interps, n);
    test_not_python();
    if (!supported) {
        fprintf(stderr, "test_pylocate: skipped: no Python 3.8-3.14 interpreter on this machine\n");
        return harness_failures ? 1 : 77;
    }
    return test_finish("test_pylocate");
}
