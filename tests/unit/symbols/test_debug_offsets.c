/* debug_offsets: the per-version layouts against the DWARF of struct
 * _Py_DebugOffsets, parsing the real initialiser of _PyRuntime against the
 * DWARF of the same build, and the checks on synthetic buffers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pyinterp.h"
#include "symbols/debug_offsets.h"
#include "symbols/dwarf_offsets.h"
#include "symbols/elfsym.h"
#include "symbols/pyversion.h"

#define MAX_SLOTS 128

static void put_u64(uint8_t *buf, uint32_t pos, uint64_t v)
{
    memcpy(buf + pos, &v, sizeof(v));
}

static int starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static int slot_pos(unsigned minor, const char *name)
{
    struct dbgoff_slot slots[MAX_SLOTS];
    size_t n;
    uint32_t total;

    if (dbgoff_layout(minor, slots, MAX_SLOTS, &n, &total) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(slots[i].name, name) == 0)
            return (int)slots[i].pos;
    return -1;
}

/* A plausible struct for `minor`: every group 4096 bytes large, every member
 * at a distinct offset below that. */
static size_t synthetic(unsigned minor, uint32_t version, uint8_t *buf, size_t cap)
{
    struct dbgoff_slot slots[MAX_SLOTS];
    size_t n;
    uint32_t total;

    memset(buf, 0, cap);
    if (dbgoff_layout(minor, slots, MAX_SLOTS, &n, &total) != 0 || total > cap)
        return 0;
    memcpy(buf, DBGOFF_COOKIE, DBGOFF_COOKIE_LEN);
    put_u64(buf, 8, version);
    for (size_t i = 0; i < n; i++) {
        const char *dot = strchr(slots[i].name, '.');
        put_u64(buf, slots[i].pos, strcmp(dot + 1, "size") == 0 ? 4096 : 8 * (i + 1));
    }
    return total;
}

static void test_layouts(void)
{
    struct dbgoff_slot slots[MAX_SLOTS];
    size_t n13, n14;
    uint32_t t13, t14;

    CHECK_EQ_INT(dbgoff_layout(13, slots, MAX_SLOTS, &n13, &t13), 0);
    CHECK_EQ_INT(dbgoff_layout(14, slots, MAX_SLOTS, &n14, &t14), 0);
    CHECK_EQ_INT(t13, 24 + 8 * n13);
    CHECK_EQ_INT(t14, 24 + 8 * n14);
    CHECK(t14 > t13);
    CHECK_EQ_INT(dbgoff_max_size(), t14);
    CHECK_EQ_INT(dbgoff_layout(12, slots, MAX_SLOTS, &n13, &t13), -ENOTSUP);
    CHECK_EQ_INT(dbgoff_layout(15, slots, MAX_SLOTS, &n13, &t13), -ENOTSUP);
    /* 3.14 inserted members: later groups moved. */
    CHECK_EQ_INT(slot_pos(13, "runtime_state.interpreters_head"), 40);
    CHECK_EQ_INT(slot_pos(14, "runtime_state.interpreters_head"), 40);
    CHECK(slot_pos(14, "thread_state.current_frame") > slot_pos(13, "thread_state.current_frame"));
    CHECK_EQ_INT(slot_pos(13, "interpreter_state.threads_main"), -1);
    CHECK(slot_pos(14, "debugger_support.debugger_script_path_size") > 0);
}

static void test_parse_synthetic_314(void)
{
    uint8_t buf[2048];
    struct py_offsets off;
    char err[256];
    size_t len = synthetic(14, 0x030e00f0, buf, sizeof(buf));

    CHECK(len > 0);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), 0);
    CHECK_EQ_INT(off.version_hex, 0x030e00f0);
    CHECK_EQ_INT(off.family, PYFAMILY_TAGGED_FRAME);
    CHECK_EQ_INT(off.linetable, LINETABLE_LOCATIONS);
    /* Each py_offsets field takes the slot of the same meaning (slot value
     * 8*(index+1) = position - 16). */
    CHECK_EQ_INT(off.thread.current_frame, slot_pos(14, "thread_state.current_frame") - 16);
    CHECK_EQ_INT(off.iframe.code, slot_pos(14, "interpreter_frame.executable") - 16);
    CHECK_EQ_INT(off.iframe.instr_ptr, slot_pos(14, "interpreter_frame.instr_ptr") - 16);
    CHECK_EQ_INT(off.code.code_adaptive, slot_pos(14, "code_object.co_code_adaptive") - 16);
    CHECK_EQ_INT(off.bytes.size, slot_pos(14, "bytes_object.ob_size") - 16);
    CHECK_EQ_INT(off.interp.threads_head, slot_pos(14, "interpreter_state.threads_head") - 16);
    CHECK_EQ_INT(off.thread.size, 4096);
    CHECK_EQ_INT(off.unicode.compact_size, off.unicode.ascii_size + 16);
    CHECK_EQ_INT(off.iframe.owner_cstack, 4);
    CHECK_EQ_INT(off.iframe.owner_interpreter, 3);
    CHECK_EQ_INT(off.thread.cframe, PYOFF_ABSENT);
    CHECK_EQ_INT(off.frame_object.code, PYOFF_ABSENT);
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), 0);
}

static void test_rejects_bad_buffers(void)
{
    uint8_t buf[2048];
    struct py_offsets off;
    char err[256];
    size_t len;
    uint32_t version;

    len = synthetic(13, 0x030d05f0, buf, sizeof(buf));
    CHECK_EQ_INT(dbgoff_peek_version(buf, len, &version), 0);
    CHECK_EQ_INT(version, 0x030d05f0);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), 0);
    CHECK_EQ_INT(off.iframe.owner_cstack, 3);
    CHECK_EQ_INT(off.iframe.owner_interpreter, PYOFF_ABSENT);
    CHECK_EQ_INT(off.family, PYFAMILY_CURRENT_FRAME);

    CHECK_EQ_INT(dbgoff_parse(buf, len - 8, &off, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "needs") != NULL);
    CHECK_EQ_INT(dbgoff_parse(buf, 16, &off, err, sizeof(err)), -EINVAL);

    /* An offset outside its struct. */
    put_u64(buf, (uint32_t)slot_pos(13, "thread_state.native_thread_id"), 5000);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -EINVAL);
    CHECK_EQ_STR(err, "_Py_DebugOffsets: thread_state.native_thread_id = 5000 is out of range");
    CHECK_EQ_INT(off.family, PYFAMILY_UNKNOWN);

    len = synthetic(13, 0x030d00f0, buf, sizeof(buf));
    put_u64(buf, (uint32_t)slot_pos(13, "code_object.size"), 0);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -EINVAL);

    len = synthetic(13, 0x030d00f0, buf, sizeof(buf));
    put_u64(buf, 16, 1); /* free_threaded */
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOTSUP);
    CHECK(strstr(err, "free-threaded") != NULL);

    len = synthetic(13, 0x030c01f0, buf, sizeof(buf)); /* 3.12 has no such struct */
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOTSUP);
    put_u64(buf, 8, 0x030f00a1);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOTSUP);

    buf[0] = 'X';
    CHECK_EQ_INT(dbgoff_peek_version(buf, len, &version), -ENOENT);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOENT);
    CHECK(strstr(err, "cookie") != NULL);
}

/* A free-threaded 3.14 (3.14t): the header's free_threaded word is 1, and
 * the layout is what such a build publishes (ob_type after the thread id,
 * GIL "enabled" field and thread-local bytecode present). Refused by name,
 * with the message docs/python-3.14.md documents, before any offset is
 * used. */
static void test_free_threaded_refused(void)
{
    uint8_t buf[2048];
    struct py_offsets off;
    char err[256];
    size_t len = synthetic(14, 0x030e0af0, buf, sizeof(buf));

    put_u64(buf, 16, 1);
    put_u64(buf, (uint32_t)slot_pos(14, "pyobject.ob_type"), 24);
    put_u64(buf, (uint32_t)slot_pos(14, "interpreter_state.gil_runtime_state_enabled"), 0);
    put_u64(buf, (uint32_t)slot_pos(14, "code_object.co_tlbc"), 232);
    put_u64(buf, (uint32_t)slot_pos(14, "interpreter_frame.tlbc_index"), 72);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOTSUP);
    CHECK_EQ_STR(err, "Python 3.14.10 free-threaded build (3.14t) is not supported: its object "
                      "header, stack references and per-thread bytecode differ from the default "
                      "build's");
    CHECK_EQ_INT(off.family, PYFAMILY_UNKNOWN);
    CHECK_EQ_INT(off.thread.current_frame, PYOFF_ABSENT);

    len = synthetic(13, 0x030d00f0, buf, sizeof(buf));
    put_u64(buf, 16, 1);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOTSUP);
    CHECK(starts_with(err, "Python 3.13.0 free-threaded build (3.13t) is not supported: "));
    /* Even a version newer than any known is refused as free-threaded. */
    len = synthetic(14, 0x030f00f0, buf, sizeof(buf));
    put_u64(buf, 16, 1);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOTSUP);
    CHECK(starts_with(err, "Python 3.15.0 free-threaded build (3.15t) is not supported: "));
}

/* 3.15, newer than any layout known: its block is read with 3.14's layout,
 * the newest walker family is chosen, and the profile's note says so. A
 * block whose members moved (one inserted, as 3.14 did into 3.13's) is
 * refused with a clear message, never read as garbage. */
static void test_untested_version(void)
{
    uint8_t buf[2048], moved[2048];
    struct py_offsets off;
    char err[512], note[96];
    size_t len = synthetic(14, 0x030f00f0, buf, sizeof(buf));
    uint32_t insert = (uint32_t)slot_pos(14, "interpreter_state.threads_head") + 8;

    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), 0);
    CHECK_EQ_INT(off.version_hex, 0x030f00f0);
    CHECK_EQ_INT(off.family, PYFAMILY_TAGGED_FRAME);
    CHECK_EQ_INT(off.linetable, LINETABLE_LOCATIONS);
    CHECK_EQ_INT(off.thread.current_frame, slot_pos(14, "thread_state.current_frame") - 16);
    CHECK_EQ_INT(off.iframe.owner_cstack, 4);
    CHECK_EQ_INT(off.iframe.owner_interpreter, 3);
    CHECK_EQ_INT(pyoff_validate(&off, err, sizeof(err)), 0);
    CHECK_EQ_INT(pyver_untested_note(off.version_hex, note, sizeof(note)), 1);
    CHECK_EQ_STR(note, "offsets from _Py_DebugOffsets of an untested version 3.15");
    CHECK_EQ_INT(pyver_untested_note(0x030e0af0, note, sizeof(note)), 0);
    CHECK_EQ_STR(note, "");
    CHECK_EQ_INT(pyver_untested_note(0x030d12f0, note, sizeof(note)), 0);

    /* One member inserted after interpreter_state.threads_head: every later
     * slot moves by 8 bytes. */
    memcpy(moved, buf, insert);
    put_u64(moved, insert, 8);
    memcpy(moved + insert + 8, buf + insert, len - insert);
    CHECK_EQ_INT(dbgoff_parse(moved, len + 8, &off, err, sizeof(err)), -ENOTSUP);
    CHECK(starts_with(err, "Python 3.15 is newer than this profiler knows (3.8-3.14) and its "
                           "_Py_DebugOffsets do not fit the 3.14 layout ("));
    CHECK_EQ_INT(off.family, PYFAMILY_UNKNOWN);

    /* Not 3.x at all: no layout to try. */
    len = synthetic(14, 0x040000f0, buf, sizeof(buf));
    CHECK_EQ_INT(dbgoff_parse(buf, len, &off, err, sizeof(err)), -ENOTSUP);
}

/* The layout written from CPython's header must be the compiler's. */
static void check_layout_against_dwarf(const struct test_interp *t, struct dwoff *d)
{
    const char *name = "_Py_DebugOffsets";
    struct dbgoff_slot slots[MAX_SLOTS];
    size_t n;
    uint32_t total;
    int32_t size = -1, pos;

    CHECK_EQ_INT(dbgoff_layout((unsigned)t->minor, slots, MAX_SLOTS, &n, &total), 0);
    CHECK_EQ_INT(dwoff_scan(d, &name, 1), 1);
    CHECK_EQ_INT(dwoff_size(d, name, &size), 0);
    CHECK_EQ_INT(size, total);
    CHECK_EQ_INT(dwoff_member(d, name, "cookie", &pos), 0);
    CHECK_EQ_INT(pos, 0);
    CHECK_EQ_INT(dwoff_member(d, name, "free_threaded", &pos), 0);
    CHECK_EQ_INT(pos, 16);
    for (size_t i = 0; i < n; i++) {
        pos = -1;
        if (dwoff_member(d, name, slots[i].name, &pos) != 0 || pos != (int32_t)slots[i].pos) {
            fprintf(stderr, "%s: _Py_DebugOffsets.%s at %d in DWARF, %u in our layout\n", t->name,
                    slots[i].name, pos, slots[i].pos);
            CHECK(0);
        }
    }
}

/* _PyRuntime's static initialiser, read from the file, against the DWARF
 * of the same build, field by field. */
static void check_initialiser_against_dwarf(const struct test_interp *t, struct dwoff *d)
{
    struct py_offsets from_struct, from_dwarf;
    struct elfsym_symbol runtime;
    struct elfsym *ef;
    size_t len = dbgoff_max_size();
    uint8_t *buf = calloc(1, len);
    char err[512];

    CHECK_EQ_INT(elfsym_open(t->file, &ef, err, sizeof(err)), 0);
    if (!ef || !buf) {
        free(buf);
        return;
    }
    CHECK_EQ_INT(elfsym_lookup(ef, "_PyRuntime", &runtime), 0);
    if (runtime.size < len)
        len = runtime.size;
    CHECK_EQ_INT(elfsym_read(ef, runtime.value, buf, len, err, sizeof(err)), 0);
    CHECK_EQ_INT(dbgoff_parse(buf, len, &from_struct, err, sizeof(err)), 0);
    CHECK_EQ_INT(dwoff_fill(d, from_struct.version_hex, &from_dwarf, err, sizeof(err)), 0);
    CHECK_EQ_INT(pyoff_set_family(&from_dwarf), 0);
    CHECK_EQ_INT(from_struct.family, from_dwarf.family);
    for (size_t i = 0; i < pyoff_nfields; i++) {
        int32_t a = pyoff_get(&from_struct, &pyoff_fields[i]);
        int32_t b = pyoff_get(&from_dwarf, &pyoff_fields[i]);
        if (a != b) {
            fprintf(stderr, "%s: %s is %d in _Py_DebugOffsets, %d in DWARF\n", t->name,
                    pyoff_fields[i].name, a, b);
            CHECK(0);
        }
    }
    free(buf);
    elfsym_close(ef);
}

static void test_real_builds(void)
{
    struct test_interp interps[32];
    size_t n = test_all_interps(interps, 32);
    int checked = 0;

    for (size_t i = 0; i < n; i++) {
        const struct test_interp *t = &interps[i];
        struct dwoff *d;
        char err[1024];

        if (t->major != 3 || t->minor < 13 || t->minor > 14)
            continue;
        if (dwoff_open(t->file, NULL, &d, err, sizeof(err)) != 0) {
            fprintf(stderr, "test_debug_offsets: %s: %s\n", t->name, err);
            continue;
        }
        check_layout_against_dwarf(t, d);
        check_initialiser_against_dwarf(t, d);
        dwoff_close(d);
        checked++;
    }
    if (!checked)
        fprintf(stderr, "test_debug_offsets: no 3.13+ interpreter with DWARF here: layouts "
                        "checked against synthetic data only\n");
}

int main(void)
{
    test_layouts();
    test_parse_synthetic_314();
    test_rejects_bad_buffers();
    test_free_threaded_refused();
    test_untested_version();
    test_real_builds();
    return test_finish("test_debug_offsets");
}
