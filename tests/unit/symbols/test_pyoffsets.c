/* pyoffsets: family per version, validation per family, names of sources
 * and preferences, the field list. */
#include <errno.h>
#include <stddef.h>

#include "harness.h"
#include "symbols/pyoffsets.h"

static void test_clear_sets_every_field_absent(void)
{
    struct py_offsets off;

    memset(&off, 0x5a, sizeof(off));
    pyoff_clear(&off);
    CHECK_EQ_INT(off.family, PYFAMILY_UNKNOWN);
    CHECK_EQ_INT(off.linetable, LINETABLE_UNKNOWN);
    CHECK_EQ_INT(off.version_hex, 0);
    for (size_t i = 0; i < pyoff_nfields; i++)
        CHECK_EQ_INT(pyoff_get(&off, &pyoff_fields[i]), PYOFF_ABSENT);
    CHECK_EQ_INT(off.iframe.owner_cstack, PYOFF_ABSENT);
    CHECK_EQ_INT(off.object.ob_type, PYOFF_ABSENT);
}

static void test_field_names_match_members(void)
{
    const struct pyoff_field *f = pyoff_field_by_name("thread.native_thread_id");

    CHECK(f != NULL);
    if (f)
        CHECK_EQ_INT(f->pos, offsetof(struct py_offsets, thread.native_thread_id));
    f = pyoff_field_by_name("object.ob_type");
    CHECK(f != NULL);
    if (f)
        CHECK_EQ_INT(f->pos, offsetof(struct py_offsets, object.ob_type));
    CHECK(pyoff_field_by_name("thread.nonsense") == NULL);
    /* No two names for one member. */
    for (size_t i = 0; i < pyoff_nfields; i++)
        for (size_t j = i + 1; j < pyoff_nfields; j++)
            CHECK(pyoff_fields[i].pos != pyoff_fields[j].pos);
}

static void test_family_per_version(void)
{
    static const struct {
        uint32_t hex;
        int rc;
        enum pyframe_family family;
        enum linetable_format table;
    } cases[] = {
        {0x030812f0, 0, PYFAMILY_FRAME_OBJECT, LINETABLE_LNOTAB},
        {0x03090000, 0, PYFAMILY_FRAME_OBJECT, LINETABLE_LNOTAB},
        {0x030a0df0, 0, PYFAMILY_FRAME_OBJECT, LINETABLE_310},
        {0x030b07f0, 0, PYFAMILY_INTERP_FRAME, LINETABLE_LOCATIONS},
        {0x030c01f0, 0, PYFAMILY_INTERP_FRAME, LINETABLE_LOCATIONS},
        {0x030d00f0, 0, PYFAMILY_CURRENT_FRAME, LINETABLE_LOCATIONS},
        {0x030e00c1, 0, PYFAMILY_TAGGED_FRAME, LINETABLE_LOCATIONS},
        {0x030710f0, -ENOTSUP, PYFAMILY_UNKNOWN, LINETABLE_UNKNOWN},
        {0x030f0000, -ENOTSUP, PYFAMILY_UNKNOWN, LINETABLE_UNKNOWN},
        {0x02070000, -ENOTSUP, PYFAMILY_UNKNOWN, LINETABLE_UNKNOWN},
        {0x04080000, -ENOTSUP, PYFAMILY_UNKNOWN, LINETABLE_UNKNOWN},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct py_offsets off;
        pyoff_clear(&off);
        off.version_hex = cases[i].hex;
        CHECK_EQ_INT(pyoff_set_family(&off), cases[i].rc);
        CHECK_EQ_INT(off.family, cases[i].family);
        CHECK_EQ_INT(off.linetable, cases[i].table);
    }
}

/* Sets the fields every family needs to plausible values. */
static void fill_common(struct py_offsets *off)
{
    static const char *const names[] = {
        "runtime.interpreters_head", "interp.next",        "interp.threads_head",
        "thread.next",               "thread.interp",      "thread.thread_id",
        "code.filename",             "code.name",          "code.firstlineno",
        "code.linetable",            "bytes.size",         "bytes.sval",
        "unicode.length",            "unicode.state",      "unicode.ascii_size",
        "unicode.compact_size",      "object.ob_type",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        pyoff_put(off, pyoff_field_by_name(names[i]), 8);
}

static int validate_missing(struct py_offsets *off, const char *field, char *err, size_t len)
{
    const struct pyoff_field *f = pyoff_field_by_name(field);
    int32_t saved = pyoff_get(off, f);
    int rc;

    pyoff_put(off, f, PYOFF_ABSENT);
    rc = pyoff_validate(off, err, len);
    pyoff_put(off, f, saved);
    return rc;
}

static void test_validate_frame_object_family(void)
{
    struct py_offsets off;
    char err[128];

    pyoff_clear(&off);
    off.version_hex = 0x03090000;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), -EINVAL); /* no family yet */
    pyoff_set_family(&off);
    fill_common(&off);
    off.thread.frame = 24;
    off.frame_object.back = 24;
    off.frame_object.code = 32;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), -EINVAL);
    CHECK_EQ_STR(err, "offsets: missing frame_object.lasti");
    off.frame_object.lasti = 104;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), 0);
    /* Interpreter-frame fields are not needed here. */
    CHECK_EQ_INT(off.iframe.code, PYOFF_ABSENT);
    CHECK_EQ_INT(validate_missing(&off, "object.ob_type", err, sizeof(err)), -EINVAL);
    CHECK_EQ_STR(err, "offsets: missing object.ob_type");
    CHECK_EQ_INT(validate_missing(&off, "thread.frame", err, sizeof(err)), -EINVAL);
}

static void fill_iframe(struct py_offsets *off)
{
    off->thread.native_thread_id = 160;
    off->iframe.size = 80;
    off->iframe.code = 0;
    off->iframe.previous = 8;
    off->iframe.instr_ptr = 56;
    off->iframe.owner = 70;
    off->code.qualname = 128;
    off->code.code_adaptive = 200;
}

static void test_validate_interp_frame_family(void)
{
    struct py_offsets off;
    char err[128];

    pyoff_clear(&off);
    off.version_hex = 0x030b07f0;
    pyoff_set_family(&off);
    fill_common(&off);
    fill_iframe(&off);
    off.thread.cframe = 56;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), -EINVAL);
    CHECK_EQ_STR(err, "offsets: missing cframe.current_frame");
    off.cframe.current_frame = 8;
    /* 3.11: no C-stack owner value is fine. */
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), 0);
    /* 3.12 needs it to skip shim frames. */
    off.version_hex = 0x030c01f0;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), -EINVAL);
    CHECK_EQ_STR(err, "offsets: missing iframe.owner_cstack");
    off.iframe.owner_cstack = 3;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), 0);
    CHECK_EQ_INT(validate_missing(&off, "code.code_adaptive", err, sizeof(err)), -EINVAL);
    CHECK_EQ_INT(validate_missing(&off, "thread.native_thread_id", err, sizeof(err)), -EINVAL);
}

static void test_validate_current_and_tagged_families(void)
{
    struct py_offsets off;
    char err[128];

    pyoff_clear(&off);
    off.version_hex = 0x030d00f0;
    pyoff_set_family(&off);
    fill_common(&off);
    fill_iframe(&off);
    off.iframe.owner_cstack = 3;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), -EINVAL);
    CHECK_EQ_STR(err, "offsets: missing thread.current_frame");
    off.thread.current_frame = 72;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), 0);
    /* CFrame fields are not needed from 3.13 on. */
    CHECK_EQ_INT(off.thread.cframe, PYOFF_ABSENT);

    off.version_hex = 0x030e00f0;
    pyoff_set_family(&off);
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), -EINVAL);
    CHECK_EQ_STR(err, "offsets: missing iframe.owner_interpreter");
    off.iframe.owner_interpreter = 3;
    off.iframe.owner_cstack = 4;
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), 0);
}

static void test_source_names_and_prefs(void)
{
    enum pyoff_pref pref = PYOFF_PREF_TABLE;

    CHECK_EQ_STR(pyoff_source_name(PYOFF_SOURCE_DWARF), "dwarf");
    CHECK_EQ_STR(pyoff_source_name(PYOFF_SOURCE_DEBUG_OFFSETS), "debug-offsets");
    CHECK_EQ_STR(pyoff_source_name(PYOFF_SOURCE_TABLE), "table");
    CHECK_EQ_STR(pyoff_source_name(PYOFF_SOURCE_NONE), "none");
    CHECK_EQ_STR(pyoff_source_name((enum pyoff_source)42), "none");

    CHECK_EQ_INT(pyoff_parse_pref("auto", &pref), 0);
    CHECK_EQ_INT(pref, PYOFF_PREF_AUTO);
    CHECK_EQ_INT(pyoff_parse_pref("dwarf", &pref), 0);
    CHECK_EQ_INT(pref, PYOFF_PREF_DWARF);
    CHECK_EQ_INT(pyoff_parse_pref("debug-offsets", &pref), 0);
    CHECK_EQ_INT(pref, PYOFF_PREF_DEBUG_OFFSETS);
    CHECK_EQ_INT(pyoff_parse_pref("table", &pref), 0);
    CHECK_EQ_INT(pref, PYOFF_PREF_TABLE);
    CHECK_EQ_INT(pyoff_parse_pref("DWARF", &pref), -EINVAL);
    CHECK_EQ_INT(pyoff_parse_pref("", &pref), -EINVAL);
    CHECK_EQ_INT(pyoff_parse_pref(NULL, &pref), -EINVAL);
    CHECK_EQ_INT(pref, PYOFF_PREF_TABLE);
}

int main(void)
{
    test_clear_sets_every_field_absent();
    test_field_names_match_members();
    test_family_per_version();
    test_validate_frame_object_family();
    test_validate_interp_frame_family();
    test_validate_current_and_tagged_families();
    test_source_names_and_prefs();
    return test_finish("test_pyoffsets");
}
