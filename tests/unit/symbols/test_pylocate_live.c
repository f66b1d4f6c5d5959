/* pylocate on live processes: for every interpreter on the machine, spawn
 * a two-line `python -I -S -c` script that says "ready" and sleeps (see
 * test_spawn), locate it with each offset
 * source, and walk its memory with those offsets: runtime -> interpreter ->
 * thread -> newest frame -> code object -> "<string>" / "<module>". Every
 * offset the walker needs is exercised against the real process; unsupported
 * versions, non-Python processes, missing and deleted files give their
 * errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pyinterp.h"
#include "symbols/elfsym.h"
#include "symbols/procmaps.h"
#include "symbols/pylocate.h"

struct walk {
    uint64_t interp, tstate, frame, code;
    char filename[64], name[64], qualname[64];
    int firstlineno;
};

/* A compact ASCII string object (all the names here are). */
static int read_ascii(pid_t pid, const struct py_offsets *o, uint64_t obj, char *out,
                      size_t len)
{
    uint32_t state = 0;
    int64_t length = -1;

    if (!obj || test_peek(pid, obj + (uint64_t)o->unicode.state, &state, 4) != 0 ||
        test_peek(pid, obj + (uint64_t)o->unicode.length, &length, 8) != 0)
        return -EFAULT;
    if (!(state & PYUNICODE_COMPACT_BIT) || !(state & PYUNICODE_ASCII_BIT) ||
        ((state >> PYUNICODE_KIND_SHIFT) & PYUNICODE_KIND_MASK) != 1 || length < 0 ||
        (size_t)length >= len)
        return -EINVAL;
    if (test_peek(pid, obj + (uint64_t)o->unicode.ascii_size, out, (size_t)length) != 0)
        return -EFAULT;
    out[length] = '\0';
    return 0;
}

/* Follows the offsets to the newest frame of the only thread. */
static int walk(pid_t pid, const struct py_target *pt, struct walk *w)
{
    const struct py_offsets *o = &pt->off;

    memset(w, 0, sizeof(*w));
    w->interp = test_peek_u64(pid, pt->runtime_addr + (uint64_t)o->runtime.interpreters_head);
    if (!w->interp)
        return -EAGAIN;
    w->tstate = test_peek_u64(pid, w->interp + (uint64_t)o->interp.threads_head);
    if (!w->tstate)
        return -EAGAIN;
    switch (o->family) {
    case PYFAMILY_FRAME_OBJECT:
        w->frame = test_peek_u64(pid, w->tstate + (uint64_t)o->thread.frame);
        if (w->frame)
            w->code = test_peek_u64(pid, w->frame + (uint64_t)o->frame_object.code);
        break;
    case PYFAMILY_INTERP_FRAME:
        w->frame = test_peek_u64(pid, w->tstate + (uint64_t)o->thread.cframe);
        if (w->frame)
            w->frame = test_peek_u64(pid, w->frame + (uint64_t)o->cframe.current_frame);
        break;
    default:
        w->frame = test_peek_u64(pid, w->tstate + (uint64_t)o->thread.current_frame);
        break;
    }
    if (o->family != PYFAMILY_FRAME_OBJECT) {
        /* 3.12+: C-stack shim frames are not Python code. */
        for (int depth = 0; w->frame && depth < 64; depth++) {
            uint8_t owner = 0;
            test_peek(pid, w->frame + (uint64_t)o->iframe.owner, &owner, 1);
            if ((int)owner != o->iframe.owner_cstack && (int)owner != o->iframe.owner_interpreter)
                break;
            w->frame = test_peek_u64(pid, w->frame + (uint64_t)o->iframe.previous);
        }
        if (w->frame)
            w->code = test_peek_u64(pid, w->frame + (uint64_t)o->iframe.code);
        /* 3.14: a tagged stack reference. */
        if (o->family == PYFAMILY_TAGGED_FRAME)
            w->code &= ~(uint64_t)3;
    }
    if (!w->code)
        return -EAGAIN;
    if (read_ascii(pid, o, test_peek_u64(pid, w->code + (uint64_t)o->code.filename), w->filename,
                   sizeof(w->filename)) != 0 ||
        read_ascii(pid, o, test_peek_u64(pid, w->code + (uint64_t)o->code.name), w->name,
                   sizeof(w->name)) != 0)
        return -EAGAIN;
    if (o->code.qualname >= 0)
        read_ascii(pid, o, test_peek_u64(pid, w->code + (uint64_t)o->code.qualname), w->qualname,
                   sizeof(w->qualname));
    test_peek(pid, w->code + (uint64_t)o->code.firstlineno, &w->firstlineno, 4);
    return strcmp(w->filename, "<string>") == 0 ? 0 : -EAGAIN;
}

static uint64_t symbol_in_target(const struct py_target *pt, const char *name)
{
    struct elfsym_symbol sym;
    struct elfsym *ef;
    char err[256], path[PATH_MAX + 32];
    uint64_t addr = 0;

    if (test_fmt(path, sizeof(path), "/proc/%d/root%s", (int)pt->pid, pt->binary) ||
        elfsym_open(path, &ef, err, sizeof(err)) != 0)
        return 0;
    if (elfsym_lookup(ef, name, &sym) == 0)
        addr = sym.value + pt->load_bias;
    elfsym_close(ef);
    return addr;
}

/* addr lies in the loaded image of path: one of its file mappings, or the
 * anonymous .bss mapping that directly follows them (3.8 and 3.9 keep a
 * zero-initialised _PyRuntime in .bss). */
static int in_mapping_of(pid_t pid, uint64_t addr, const char *path)
{
    struct procmaps maps;
    char err[256];
    int found = 0;

    if (procmaps_read(pid, &maps, err, sizeof(err)) != 0)
        return 0;
    for (size_t i = 0; i < maps.count; i++) {
        const struct procmap *m = &maps.maps[i];
        size_t j = i;
        if (addr < m->start || addr >= m->end)
            continue;
        while (j > 0 && !m->path && maps.maps[j - 1].end == maps.maps[j].start &&
               !maps.maps[j - 1].path)
            j--;
        if (!m->path && j > 0 && maps.maps[j - 1].end == maps.maps[j].start)
            m = &maps.maps[j - 1];
        found = m->path && strcmp(m->path, path) == 0;
    }
    procmaps_free(&maps);
    return found;
}

/* Everything a walk found must hold together. */
static void check_walk(const struct test_interp *t, pid_t pid, const struct py_target *pt,
                       const struct walk *w)
{
    const struct py_offsets *o = &pt->off;
    uint64_t bytes_type = symbol_in_target(pt, "PyBytes_Type");
    uint64_t unicode_type = symbol_in_target(pt, "PyUnicode_Type");
    uint64_t linetable = test_peek_u64(pid, w->code + (uint64_t)o->code.linetable);
    int64_t size = -1;

    CHECK_EQ_INT(test_peek_u64(pid, w->tstate + (uint64_t)o->thread.interp), w->interp);
    CHECK_EQ_INT(test_peek_u64(pid, w->tstate + (uint64_t)o->thread.next), 0);
    CHECK_EQ_INT(test_peek_u64(pid, w->interp + (uint64_t)o->interp.next), 0);
    CHECK(test_peek_u64(pid, w->tstate + (uint64_t)o->thread.thread_id) != 0);
    if (o->thread.native_thread_id >= 0) /* the main thread's TID is the pid */
        CHECK_EQ_INT(test_peek_u64(pid, w->tstate + (uint64_t)o->thread.native_thread_id), pid);
    CHECK_EQ_INT(test_peek_u64(pid, w->code + (uint64_t)o->object.ob_type), pt->code_type_addr);
    CHECK_EQ_STR(w->filename, "<string>");
    CHECK_EQ_STR(w->name, "<module>");
    if (o->code.qualname >= 0)
        CHECK_EQ_STR(w->qualname, "<module>");
    CHECK_EQ_INT(w->firstlineno, 1);
    CHECK(unicode_type != 0);
    CHECK_EQ_INT(test_peek_u64(pid, test_peek_u64(pid, w->code + (uint64_t)o->code.filename) +
                                        (uint64_t)o->object.ob_type),
                 unicode_type);
    /* The line table is a bytes object of plausible length. */
    CHECK(bytes_type != 0);
    CHECK_EQ_INT(test_peek_u64(pid, linetable + (uint64_t)o->object.ob_type), bytes_type);
    test_peek(pid, linetable + (uint64_t)o->bytes.size, &size, 8);
    CHECK(size > 0 && size < 4096);
    if (o->family == PYFAMILY_FRAME_OBJECT) {
        int lasti = -1;
        test_peek(pid, w->frame + (uint64_t)o->frame_object.lasti, &lasti, 4);
        CHECK(lasti >= 0 && lasti < 1000);
        CHECK_EQ_INT(test_peek_u64(pid, w->frame + (uint64_t)o->frame_object.back), 0);
    } else {
        /* The instruction pointer lies in the code's own bytecode array
         * (ob_size code units from co_code_adaptive). */
        uint64_t ip = test_peek_u64(pid, w->frame + (uint64_t)o->iframe.instr_ptr);
        uint64_t start = w->code + (uint64_t)o->code.code_adaptive;
        int64_t units = -1;
        test_peek(pid, w->code + (uint64_t)o->bytes.size, &units, 8);
        CHECK(units > 0 && units < 10000);
        CHECK(ip >= start && ip < start + 2 * (uint64_t)units);
        CHECK(o->iframe.size > 0);
    }
    (void)t;
}

static void check_located(const struct test_interp *t, pid_t pid, const struct py_target *pt)
{
    CHECK_EQ_INT(pt->pid, pid);
    CHECK_EQ_STR(pt->binary, t->file);
    if (t->version[0])
        CHECK_EQ_STR(pt->version, t->version);
    CHECK(in_mapping_of(pid, pt->runtime_addr, pt->binary));
    CHECK(in_mapping_of(pid, pt->code_type_addr, pt->binary));
    CHECK(pt->ntext >= 1);
    for (int i = 0; i < pt->ntext; i++)
        CHECK(pt->text[i].start < pt->text[i].end);
    CHECK(pyloc_pc_in_interpreter(pt, symbol_in_target(pt, "PyEval_EvalCode")));
    CHECK(!pyloc_pc_in_interpreter(pt, pt->runtime_addr));
}

static void check_interpreter(const struct test_interp *t)
{
    static const enum pyoff_pref prefs[] = {PYOFF_PREF_AUTO, PYOFF_PREF_DWARF,
                                            PYOFF_PREF_DEBUG_OFFSETS, PYOFF_PREF_TABLE};
    pid_t pid = test_spawn(t->exe);
    struct py_target pt;
    struct walk w;
    char err[2048];
    int rc;

    CHECK(pid > 0);
    if (pid <= 0)
        return;
    /* The script said it is ready: its <module> frame is the newest. */
    rc = pyloc_locate_pid(pid, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err));
    CHECK_EQ_INT(rc, 0);
    if (rc != 0 || walk(pid, &pt, &w) != 0) {
        fprintf(stderr, "%s: pid %d never showed its <module> frame: %s\n", t->name, (int)pid,
                rc ? err : "walk failed");
        CHECK(0);
        test_reap(pid);
        return;
    }
    printf("%s: pid %d, _PyRuntime at 0x%llx, offsets from %s\n", t->name, (int)pid,
           (unsigned long long)pt.runtime_addr, pt.source_detail);
    check_located(t, pid, &pt);
    for (size_t i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++) {
        rc = pyloc_locate_pid(pid, prefs[i], NULL, &pt, err, sizeof(err));
        if (rc == -ENODATA)
            continue; /* that source does not cover this build */
        CHECK_EQ_INT(rc, 0);
        if (rc)
            continue;
        CHECK_EQ_INT(walk(pid, &pt, &w), 0);
        check_walk(t, pid, &pt, &w);
    }
    test_reap(pid);
}

static void check_unsupported_live(const struct test_interp *t)
{
    pid_t pid = test_spawn(t->exe);
    struct py_target pt;
    char err[1024], want[64];
    int rc;

    snprintf(want, sizeof(want), "Python %d.%d is not supported", t->major, t->minor);
    CHECK(pid > 0);
    rc = pyloc_locate_pid(pid, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err));
    CHECK_EQ_INT(rc, -ENOTSUP);
    CHECK(strstr(err, want) != NULL);
    test_reap(pid);
}

static void test_not_python_process(void)
{
    char *argv[] = {"/bin/sleep", "60", NULL};
    pid_t pid = test_spawn_execed(argv);
    struct py_target pt;
    char err[1024];
    int rc;

    CHECK(pid > 0);
    rc = pyloc_locate_pid(pid, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err));
    CHECK_EQ_INT(rc, -ENOENT);
    CHECK(strstr(err, "no Python interpreter found") != NULL);
    test_reap(pid);

    /* Reaped: gone. */
    CHECK_EQ_INT(pyloc_locate_pid(pid, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err)), -ESRCH);
    CHECK(strstr(err, "no such process") != NULL);
    CHECK_EQ_INT(pyloc_locate_pid(0, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err)), -EINVAL);
    CHECK_EQ_INT(pyloc_locate_pid(-5, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err)), -EINVAL);
}

/* An interpreter whose file was deleted after it started (a package
 * upgrade) is read through /proc/PID/map_files. */
static void test_deleted_binary(const struct test_interp *interps, size_t n)
{
    const struct test_interp *t = NULL;
    char dir[] = "/tmp/fah-test-deleted-XXXXXX", copy[PATH_MAX], cmd[3 * PATH_MAX];
    struct py_target pt;
    struct walk w;
    char err[2048];
    pid_t pid;
    int rc = -1;

    /* A self-contained executable: the system's static python3.X. */
    for (size_t i = 0; i < n && !t; i++)
        if (test_supported(&interps[i]) && strcmp(interps[i].exe, interps[i].file) == 0)
            t = &interps[i];
    if (!t || !mkdtemp(dir))
        return;
    if (test_fmt(copy, sizeof(copy), "%s/python3.%d", dir, t->minor) ||
        test_fmt(cmd, sizeof(cmd), "cp '%s' '%s'", t->exe, copy) || system(cmd) != 0) {
        rmdir(dir);
        return;
    }
    pid = test_spawn(copy);
    if (pid > 0)
        rc = pyloc_locate_pid(pid, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err));
    CHECK_EQ_INT(rc, 0);
    unlink(copy);
    rmdir(dir);
    rc = pyloc_locate_pid(pid, PYOFF_PREF_AUTO, NULL, &pt, err, sizeof(err));
    CHECK_EQ_INT(rc, 0);
    if (rc == 0) {
        CHECK_EQ_STR(pt.binary, copy);
        CHECK(in_mapping_of(pid, pt.runtime_addr, copy));
        CHECK_EQ_INT(walk(pid, &pt, &w), 0);
        CHECK_EQ_STR(w.name, "<module>");
    } else {
        fprintf(stderr, "deleted binary: %s\n", err);
    }
    test_reap(pid);
}

int main(void)
{
    struct test_interp interps[32];
    size_t n = test_all_interps(interps, 32);
    int supported = 0;

    for (size_t i = 0; i < n; i++) {
        const struct test_interp *t = &interps[i];
        if (test_supported(t)) {
            supported++;
            check_interpreter(t);
        } else if (t->major == 3) {
            check_unsupported_live(t);
        }
    }
    test_not_python_process();
    test_deleted_binary(interps, n);
    if (!supported) {
        fprintf(stderr, "test_pylocate_live: skipped: no Python 3.8-3.14 interpreter here\n");
        return harness_failures ? 1 : 77;
    }
    return test_finish("test_pylocate_live");
}
