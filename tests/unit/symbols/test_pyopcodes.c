/* The CALL-family opcode tables: the naming rule on its own, then every
 * table held to the opcode map of each interpreter on the machine (its own
 * names and numbers, read by running it), so a wrong number in a table fails
 * here rather than misclassifying samples. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pyinterp.h"
#include "symbols/pyopcodes.h"

static void test_kind_of_name(void)
{
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_FUNCTION"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_METHOD"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("PRECALL_NO_KW_BUILTIN_O"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_BUILTIN_O"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_NON_PY_GENERAL"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_KW_NON_PY"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("INSTRUMENTED_CALL"), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_PY_EXACT_ARGS"), PYOP_CALL_PY);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_KW_PY"), PYOP_CALL_PY);
    CHECK_EQ_INT(pyopcodes_kind_of_name("PRECALL_PYFUNC"), PYOP_CALL_PY);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_BOUND_METHOD_GENERAL"), PYOP_CALL_PY);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_ALLOC_AND_ENTER_INIT"), PYOP_CALL_PY);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_INTRINSIC_1"), PYOP_OTHER);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CALL_FINALLY"), PYOP_OTHER);
    CHECK_EQ_INT(pyopcodes_kind_of_name("BUILD_MAP_UNPACK_WITH_CALL"), PYOP_OTHER);
    CHECK_EQ_INT(pyopcodes_kind_of_name("KW_NAMES"), PYOP_OTHER);
    CHECK_EQ_INT(pyopcodes_kind_of_name("BINARY_OP"), PYOP_OTHER);
    CHECK_EQ_INT(pyopcodes_kind_of_name("RECALL"), PYOP_OTHER);
    CHECK_EQ_INT(pyopcodes_kind_of_name("EXTENDED_ARG"), PYOP_EXTENDED_ARG);
    CHECK_EQ_INT(pyopcodes_kind_of_name("CACHE"), PYOP_UNKNOWN);
    CHECK_EQ_INT(pyopcodes_kind_of_name("INSTRUMENTED_LINE"), PYOP_UNKNOWN);
}

static void test_versions_without_a_table(void)
{
    struct py_opcodes ops;
    CHECK_EQ_INT(pyopcodes_for_version(0x030f00f0, &ops), -ENOTSUP); /* 3.15 */
    CHECK_EQ_INT(ops.known, 0);
    CHECK_EQ_INT(pyopcodes_kind(&ops, 53), PYOP_UNKNOWN);
    CHECK_EQ_INT(pyopcodes_for_version(0x030d00b1, &ops), -ENOTSUP); /* 3.13.0b1 */
    CHECK_EQ_INT(pyopcodes_for_version(0x030700f0, &ops), -ENOTSUP);
    CHECK_EQ_INT(pyopcodes_for_version(0x030d01f0, &ops), 0); /* 3.13.1 */
    CHECK_EQ_INT(ops.known, 1);
    CHECK_EQ_INT(pyopcodes_kind(&ops, 53), PYOP_CALL);
    CHECK_EQ_INT(pyopcodes_kind(&ops, 177), PYOP_CALL_PY);
    CHECK_EQ_INT(pyopcodes_kind(&ops, 1), PYOP_OTHER);
}

/* Prints "hexversion" then "NAME NUMBER" for every opcode, base and
 * specialized, from the interpreter's own tables. */
static const char dump_script[] =
    "import sys, opcode\n"
    "print(sys.hexversion)\n"
    "ops = dict(opcode.opmap)\n"
    "try:\n"
    "    import dis; ops.update(dis._all_opmap)\n"
    "except AttributeError: pass\n"
    "try:\n"
    "    import _opcode_metadata as m; ops.update(m.opmap); ops.update(m._specialized_opmap)\n"
    "except ImportError: pass\n"
    "for name, number in ops.items(): print(name, number)\n";

static void check_against(const struct test_interp *t)
{
    char cmd[PATH_MAX + 64], line[256];
    FILE *p;
    unsigned long hex = 0;
    struct py_opcodes ops;
    int matched = 0, mismatched = 0;
    enum pyop_kind seen[256];

    char path[] = "/tmp/fah-opdump-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, dump_script, sizeof(dump_script) - 1) < 0) {
        CHECK(!"cannot write the dump script");
        return;
    }
    close(fd);
    if (test_fmt(cmd, sizeof(cmd), "'%s' -I -S '%s'", t->exe, path) || !(p = popen(cmd, "r"))) {
        unlink(path);
        return;
    }
    for (int i = 0; i < 256; i++)
        seen[i] = PYOP_OTHER;
    if (fgets(line, sizeof(line), p))
        hex = strtoul(line, NULL, 10);
    while (fgets(line, sizeof(line), p)) {
        char name[128];
        int number;
        if (sscanf(line, "%127s %d", name, &number) == 2 && number >= 0 && number < 256)
            seen[number] = pyopcodes_kind_of_name(name);
    }
    pclose(p);
    unlink(path);
    CHECK(hex != 0);
    CHECK_EQ_INT(pyopcodes_for_version((uint32_t)hex, &ops), 0);
    for (int i = 0; i < 256 && ops.known; i++) {
        if (pyopcodes_kind(&ops, (uint8_t)i) == seen[i]) {
            matched += seen[i] != PYOP_OTHER;
            continue;
        }
        mismatched++;
        fprintf(stderr, "%s: opcode %d is kind %d in the table, %d in the interpreter\n", t->name,
                i, pyopcodes_kind(&ops, (uint8_t)i), seen[i]);
    }
    CHECK_EQ_INT(mismatched, 0);
    CHECK(matched >= 5);
    printf("%s (0x%08lx): %d call-family and prefix opcodes agree\n", t->name, hex, matched);
}

int main(void)
{
    struct test_interp interps[32];
    size_t n = test_all_interps(interps, 32);
    int checked = 0;

    test_kind_of_name();
    test_versions_without_a_table();
    for (size_t i = 0; i < n; i++)
        if (test_supported(&interps[i]) && interps[i].minor <= 14) {
            check_against(&interps[i]);
            checked++;
        }
    if (!checked)
        printf("test_pyopcodes: skipped the comparison: no Python 3.8-3.14 interpreter here\n");
    return test_finish("test_pyopcodes");
}
