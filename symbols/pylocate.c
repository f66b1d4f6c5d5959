/* Locating the interpreter: which ELF of a process (or which file) holds
 * _PyRuntime, its Python version read from the file (never by running it),
 * where it is loaded, and its struct offsets from DWARF, _Py_DebugOffsets or
 * the generated tables. */
#include "symbols/pylocate.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"
#include "symbols/debug_offsets.h"
#include "symbols/dwarf_cache.h"
#include "symbols/dwarf_offsets.h"
#include "symbols/elfsym.h"
#include "symbols/offset_tables.h"
#include "symbols/procmaps.h"
#include "symbols/pyversion.h"

#define MAX_CANDIDATES 8

/* One ELF that may be the interpreter. */
struct probe {
    char map_path[PATH_MAX];  /* as the target names it */
    char open_path[PATH_MAX]; /* how this process reads it */
    struct elfsym *ef;
    int has_runtime;
    struct elfsym_symbol runtime;
    struct pyver ver;
    /* The debug folders the caller named ("" for the defaults): the memo
     * key, since the defaults for a pid name the pid itself. */
    const char *memo_dirs;
};

/* snprintf for paths: -ENAMETOOLONG instead of a silently cut path. */
__attribute__((format(printf, 3, 4))) static int path_printf(char *out, size_t len,
                                                             const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int probe_open(struct probe *p, char *err, size_t errlen)
{
    int rc = elfsym_open(p->open_path, &p->ef, err, errlen);

    if (rc)
        return rc;
    p->has_runtime = elfsym_lookup(p->ef, "_PyRuntime", &p->runtime) == 0;
    pyver_detect(p->ef, p->map_path, p->has_runtime ? &p->runtime : NULL, &p->ver);
    return 0;
}

static void probe_close(struct probe *p)
{
    elfsym_close(p->ef);
    p->ef = NULL;
}

/* 3.8-3.14, or a newer 3.x that publishes _Py_DebugOffsets (tried with the
 * newest layout known, and said so in the profile). */
static int usable_version(const struct pyver *v)
{
    return pyver_supported(v->hex) || (pyver_newer_than_known(v->hex) && v->has_debug_offsets);
}

/* Refuses free-threaded builds, whose object headers and stack references
 * the walker does not know, and versions outside usable_version(). */
static int check_supported(const struct probe *p, const char *subject, char *err, size_t errlen)
{
    char ver[24];

    if (p->ver.free_threaded) {
        char why[256];
        pyver_free_threaded_refusal(p->ver.hex, p->ver.patch_known, why, sizeof(why));
        snprintf(err, errlen, "%s: %s", subject, why);
        return -ENOTSUP;
    }
    if (!usable_version(&p->ver)) {
        pyver_format(p->ver.hex, 0, ver, sizeof(ver));
        if (pyver_newer_than_known(p->ver.hex))
            snprintf(err, errlen,
                     "%s: Python %s is newer than this profiler knows (3.8–3.%d) and publishes "
                     "no _Py_DebugOffsets to read it with",
                     subject, ver, PYVER_MAX_MINOR);
        else
            snprintf(err, errlen, "%s: Python %s is not supported (3.8–3.%d)", subject, ver,
                     PYVER_MAX_MINOR);
        return -ENOTSUP;
    }
    return 0;
}

static int offsets_from_dwarf(struct probe *p, const char *debug_dirs, struct py_target *t,
                              char *why, size_t whylen)
{
    struct dwoff *d;
    int rc = dwoff_open(p->open_path, debug_dirs, &d, why, whylen);

    if (rc)
        return rc;
    rc = dwoff_fill(d, t->version_hex, &t->off, why, whylen);
    if (rc == 0 && (rc = pyoff_set_family(&t->off)) == 0 &&
        (rc = pyoff_validate(&t->off, why, whylen)) == 0)
        snprintf(t->source_detail, sizeof(t->source_detail), "dwarf %s", dwoff_debug_path(d));
    dwoff_close(d);
    return rc;
}

static int offsets_from_debug_offsets(struct probe *p, struct py_target *t, char *why,
                                      size_t whylen)
{
    size_t len = dbgoff_max_size();
    uint8_t *buf;
    int rc;

    if (((t->version_hex >> 16) & 0xff) < 13) {
        snprintf(why, whylen, "debug-offsets: Python %s has no _Py_DebugOffsets (3.13+)",
                 t->version);
        return -ENOENT;
    }
    if (p->runtime.size && p->runtime.size < len)
        len = p->runtime.size;
    buf = malloc(len);
    if (!buf) {
        snprintf(why, whylen, "debug-offsets: out of memory");
        return -ENOMEM;
    }
    rc = elfsym_read(p->ef, p->runtime.value, buf, len, why, whylen);
    if (rc == 0)
        rc = dbgoff_parse(buf, len, &t->off, why, whylen);
    free(buf);
    if (rc)
        return rc;
    if ((t->off.version_hex >> 16) != (t->version_hex >> 16)) {
        snprintf(why, whylen, "debug-offsets: struct says 0x%08x, the binary is Python %s",
                 t->off.version_hex, t->version);
        return -EINVAL;
    }
    rc = pyoff_validate(&t->off, why, whylen);
    if (rc == 0)
        snprintf(t->source_detail, sizeof(t->source_detail), "_Py_DebugOffsets%s at _PyRuntime of %.*s",
                 pyver_newer_than_known(t->version_hex) ? " (untested version)" : "",
                 PATH_MAX, t->binary);
    return rc;
}

static int offsets_from_table(struct probe *p, struct py_target *t, char *why, size_t whylen)
{
    enum offtab_match how;
    const struct offtab_entry *e = offtab_lookup(t->version, p->ver.abiflags, t->build_id, &how);
    int rc;

    if (!e) {
        snprintf(why, whylen, "table: no entry for Python %s%s", t->version, p->ver.abiflags);
        return -ENOENT;
    }
    t->off = e->off;
    /* The entry is another patch release of the same minor version when
     * matched so; the family follows the target's own version. */
    t->off.version_hex = t->version_hex;
    rc = pyoff_set_family(&t->off);
    if (rc == 0)
        rc = pyoff_validate(&t->off, why, whylen);
    if (rc == 0)
        snprintf(t->source_detail, sizeof(t->source_detail), "table %s%s %s (%s)", e->version,
                 e->abiflags, e->binary, offtab_match_name(how));
    return rc;
}

/* Tries the sources pref allows, in the order dwarf, debug-offsets, table. */
static int fill_offsets(struct probe *p, enum pyoff_pref pref, const char *debug_dirs,
                        const char *subject, struct py_target *t, char *err, size_t errlen)
{
    char why[3][PATH_MAX + 128];
    int tried[3] = {0};
    /* A version newer than any known: only its own _Py_DebugOffsets can
     * describe it (DWARF would give offsets, not the rules of its frames). */
    int untested = pyver_newer_than_known(t->version_hex);
    int rc;

    memset(why, 0, sizeof(why));
    if (untested && pref != PYOFF_PREF_AUTO && pref != PYOFF_PREF_DEBUG_OFFSETS) {
        snprintf(err, errlen,
                 "%s: Python %s is newer than this profiler knows: only its _Py_DebugOffsets "
                 "can be tried (--offsets auto or debug-offsets)",
                 subject, t->version);
        return -ENODATA;
    }
    if (!untested && (pref == PYOFF_PREF_AUTO || pref == PYOFF_PREF_DWARF)) {
        tried[0] = 1;
        char file[PATH_MAX];
        enum dwarf_cache_hit hit =
            dwarf_cache_get(t->build_id, p->memo_dirs, &t->off, file, sizeof(file));
        if (hit != DWARF_CACHE_MISS) {
            t->source = PYOFF_SOURCE_DWARF;
            if (hit == DWARF_CACHE_FILE)
                snprintf(t->source_detail, sizeof(t->source_detail),
                         "dwarf (read earlier, kept in %.*s)", PATH_MAX, file);
            else
                snprintf(t->source_detail, sizeof(t->source_detail),
                         "dwarf (read earlier for build id %s)", t->build_id);
            return 0;
        }
        if (offsets_from_dwarf(p, debug_dirs, t, why[0], sizeof(why[0])) == 0) {
            t->source = PYOFF_SOURCE_DWARF;
            dwarf_cache_put(t->build_id, p->memo_dirs, &t->off);
            return 0;
        }
    }
    if (pref == PYOFF_PREF_AUTO || pref == PYOFF_PREF_DEBUG_OFFSETS) {
        /* In AUTO, 3.8-3.12 have no such struct: not worth a reason. */
        tried[1] = pref != PYOFF_PREF_AUTO || ((t->version_hex >> 16) & 0xff) >= 13;
        rc = offsets_from_debug_offsets(p, t, why[1], sizeof(why[1]));
        if (rc == 0) {
            t->source = PYOFF_SOURCE_DEBUG_OFFSETS;
            return 0;
        }
        if (untested) {
            pyoff_clear(&t->off);
            snprintf(err, errlen, "%s: %s", subject, why[1]);
            return -ENOTSUP;
        }
    }
    if (!untested && (pref == PYOFF_PREF_AUTO || pref == PYOFF_PREF_TABLE)) {
        tried[2] = 1;
        if (offsets_from_table(p, t, why[2], sizeof(why[2])) == 0) {
            t->source = PYOFF_SOURCE_TABLE;
            return 0;
        }
    }
    pyoff_clear(&t->off);
    t->source = PYOFF_SOURCE_NONE;
    snprintf(err, errlen, "%s: no struct offsets for Python %s (%s%s%s%s%s)", subject, t->version,
             tried[0] ? why[0] : "", tried[0] && (tried[1] || tried[2]) ? "; " : "",
             tried[1] ? why[1] : "", tried[1] && tried[2] ? "; " : "", tried[2] ? why[2] : "");
    return -ENODATA;
}

/* Everything but the addresses: version, build id, offsets. */
static int describe(struct probe *p, enum pyoff_pref pref, const char *debug_dirs,
                    const char *subject, struct py_target *t, char *err, size_t errlen)
{
    int rc;

    if (!p->ver.hex) {
        snprintf(err, errlen,
                 "%s: %s: cannot tell the Python version (no Py_Version, no _Py_DebugOffsets, "
                 "no version in the file name)",
                 subject, p->map_path);
        return -ENOTSUP;
    }
    rc = check_supported(p, subject, err, errlen);
    if (rc)
        return rc;
    snprintf(t->binary, sizeof(t->binary), "%s", p->map_path);
    t->version_hex = p->ver.hex;
    memcpy(t->abiflags, p->ver.abiflags, sizeof(t->abiflags));
    pyver_format(p->ver.hex, p->ver.patch_known, t->version, sizeof(t->version));
    if (elfsym_build_id(p->ef, t->build_id, sizeof(t->build_id)) != 0)
        t->build_id[0] = '\0';
    return fill_offsets(p, pref, debug_dirs, subject, t, err, errlen);
}

static void target_init(struct py_target *t, pid_t pid)
{
    memset(t, 0, sizeof(*t));
    t->pid = pid;
    pyoff_clear(&t->off);
}

/* For an executable linked against libpython: the library's path, found
 * the way the dynamic loader would (RUNPATH/RPATH with $ORIGIN, then the
 * usual folders). Returns 0 or -ENOENT. */
static int find_libpython(struct elfsym *exe, const char *exe_path, char *out, size_t outlen)
{
    static const char *const fallback[] = {"$ORIGIN/../lib", "/usr/local/lib",
                                           "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
                                           "/usr/lib64", "/usr/lib"};
    char origin[PATH_MAX];
    const char *slash = strrchr(exe_path, '/');
    const char *lib;

    snprintf(origin, sizeof(origin), "%.*s", slash ? (int)(slash - exe_path) : 1,
             slash ? exe_path : ".");
    for (size_t i = 0; (lib = elfsym_dyn_string(exe, DT_NEEDED, i)) != NULL; i++) {
        const char *runpath = elfsym_dyn_string(exe, DT_RUNPATH, 0);
        const char *rpath = elfsym_dyn_string(exe, DT_RPATH, 0);
        char dirs[4 * PATH_MAX];
        char *save = NULL;

        if (strncmp(lib, "libpython", 9) != 0)
            continue;
        /* DT_RUNPATH overrides DT_RPATH; the system folders come last. */
        snprintf(dirs, sizeof(dirs), "%s", runpath ? runpath : rpath ? rpath : "");
        for (size_t f = 0; f < sizeof(fallback) / sizeof(fallback[0]); f++)
            snprintf(dirs + strlen(dirs), sizeof(dirs) - strlen(dirs), ":%s", fallback[f]);
        for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
            char path[PATH_MAX];
            int rc;
            if (strncmp(dir, "$ORIGIN", 7) == 0)
                rc = path_printf(path, sizeof(path), "%s%s/%s", origin, dir + 7, lib);
            else if (strncmp(dir, "${ORIGIN}", 9) == 0)
                rc = path_printf(path, sizeof(path), "%s%s/%s", origin, dir + 9, lib);
            else
                rc = path_printf(path, sizeof(path), "%s/%s", dir, lib);
            if (rc == 0 && access(path, R_OK) == 0)
                return path_printf(out, outlen, "%s", path);
        }
    }
    return -ENOENT;
}

int pyloc_locate_file(const char *path, enum pyoff_pref pref, const char *debug_dirs,
                      struct py_target *out, char *err, size_t errlen)
{
    struct probe p;
    const struct elfsym_segment *segs;
    size_t nsegs;
    int rc;

    target_init(out, 0);
    memset(&p, 0, sizeof(p));
    snprintf(p.map_path, sizeof(p.map_path), "%s", path);
    snprintf(p.open_path, sizeof(p.open_path), "%s", path);
    rc = probe_open(&p, err, errlen);
    if (rc)
        return rc;
    if (!p.has_runtime) {
        char lib[PATH_MAX];
        if (find_libpython(p.ef, path, lib, sizeof(lib)) == 0) {
            probe_close(&p);
            snprintf(p.map_path, sizeof(p.map_path), "%s", lib);
            snprintf(p.open_path, sizeof(p.open_path), "%s", lib);
            rc = probe_open(&p, err, errlen);
            if (rc)
                return rc;
        }
    }
    if (!p.has_runtime) {
        if (p.ver.hex && !usable_version(&p.ver))
            rc = check_supported(&p, path, err, errlen);
        else {
            snprintf(err, errlen, "%s: no Python interpreter found (no _PyRuntime symbol)", path);
            rc = -ENOENT;
        }
        goto out;
    }
    p.memo_dirs = debug_dirs ? debug_dirs : "";
    rc = describe(&p, pref, debug_dirs, path, out, err, errlen);
    if (rc)
        goto out;
    out->load_bias = 0;
    out->runtime_addr = p.runtime.value;
    {
        struct elfsym_symbol code_type;
        if (elfsym_lookup(p.ef, "PyCode_Type", &code_type) == 0)
            out->code_type_addr = code_type.value;
    }
    segs = elfsym_segments(p.ef, &nsegs);
    for (size_t i = 0; i < nsegs && out->ntext < PYLOC_MAX_TEXT_RANGES; i++) {
        if (!(segs[i].flags & PF_X))
            continue;
        out->text[out->ntext++] =
            (struct addr_range){.start = segs[i].vaddr, .end = segs[i].vaddr + segs[i].memsz};
    }
out:
    probe_close(&p);
    return rc;
}

/* How to read a file the target maps: through its root (containers), or
 * through map_files when it was deleted after being mapped. */
static void pid_open_path(pid_t pid, const struct procmap *m, char *out, size_t outlen)
{
    if (!m->deleted && path_printf(out, outlen, "/proc/%d/root%s", (int)pid, m->path) == 0 &&
        access(out, R_OK) == 0)
        return;
    snprintf(out, outlen, "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)m->start,
             (unsigned long long)m->end);
}

static int is_libpython(const char *path)
{
    const char *base = strrchr(path, '/');
    return strncmp(base ? base + 1 : path, "libpython", 9) == 0;
}

/* The executable, then every mapped libpython, each once. */
static size_t pid_candidates(pid_t pid, const struct procmaps *maps, const char *exe,
                             struct probe *c, size_t max)
{
    size_t n = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < maps->count && n < max; i++) {
            const struct procmap *m = &maps->maps[i];
            size_t j;
            if (!procmap_is_file(m))
                continue;
            if (pass == 0 ? strcmp(m->path, exe) != 0 : !is_libpython(m->path))
                continue;
            for (j = 0; j < n && strcmp(c[j].map_path, m->path) != 0; j++)
                ;
            if (j < n)
                continue;
            memset(&c[n], 0, sizeof(c[n]));
            snprintf(c[n].map_path, sizeof(c[n].map_path), "%s", m->path);
            pid_open_path(pid, m, c[n].open_path, sizeof(c[n].open_path));
            n++;
        }
    }
    return n;
}

int pyloc_locate_pid(pid_t pid, enum pyoff_pref pref, const char *debug_dirs,
                     struct py_target *out, char *err, size_t errlen)
{
    struct procmaps maps = {0};
    struct probe *cand = NULL, *chosen = NULL;
    char subject[32], exe[PATH_MAX], checked[512] = "", unsupported[512] = "";
    char pid_debug_dirs[80];
    size_t ncand = 0;
    size_t n;
    int rc;

    target_init(out, pid);
    snprintf(subject, sizeof(subject), "pid %d", (int)pid);
    if (pid <= 0) {
        snprintf(err, errlen, "%s: not a process id", subject);
        return -EINVAL;
    }
    rc = procmaps_read(pid, &maps, err, errlen);
    if (rc)
        goto out;
    rc = procfs_exe(pid, exe, sizeof(exe));
    if (rc < 0) {
        char dir[32];
        snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
        /* Kernel threads have no executable; only a missing pid is ESRCH. */
        if (rc != -ENOENT || access(dir, F_OK) != 0) {
            snprintf(err, errlen, "%s: %s", subject,
                     rc == -ENOENT ? "no such process" : strerror(-rc));
            rc = rc == -ENOENT ? -ESRCH : rc;
            goto out;
        }
        rc = 0;
    }
    n = strlen(exe);
    if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
        exe[n - 10] = '\0';

    cand = calloc(MAX_CANDIDATES, sizeof(*cand));
    if (!cand) {
        rc = -ENOMEM;
        snprintf(err, errlen, "%s: out of memory", subject);
        goto out;
    }
    ncand = pid_candidates(pid, &maps, exe, cand, MAX_CANDIDATES);
    for (size_t i = 0; i < ncand; i++) {
        char why[256];
        size_t used = strlen(checked);
        if (probe_open(&cand[i], why, sizeof(why)) != 0) {
            snprintf(checked + used, sizeof(checked) - used, "%s%s", used ? "; " : "", why);
            continue;
        }
        snprintf(checked + used, sizeof(checked) - used, "%s%s", used ? ", " : "",
                 cand[i].map_path);
        if (cand[i].has_runtime &&
            (!cand[i].ver.hex || usable_version(&cand[i].ver))) {
            chosen = &cand[i];
            break;
        }
        /* Python, but a version we do not support: the reason to give if no
         * other candidate is the interpreter. */
        if (cand[i].ver.hex && !usable_version(&cand[i].ver) && !unsupported[0])
            check_supported(&cand[i], subject, unsupported, sizeof(unsupported));
    }
    if (!chosen) {
        if (unsupported[0]) {
            snprintf(err, errlen, "%s", unsupported);
            rc = -ENOTSUP;
        } else {
            snprintf(err, errlen, "%s: no Python interpreter found (checked %s)", subject,
                     checked[0] ? checked : "no executable or libpython mapping");
            rc = -ENOENT;
        }
        goto out;
    }

    /* A containerised target's debug files live under its own root. */
    if (!debug_dirs)
        snprintf(pid_debug_dirs, sizeof(pid_debug_dirs),
                 "/usr/lib/debug:/proc/%d/root/usr/lib/debug", (int)pid);
    chosen->memo_dirs = debug_dirs ? debug_dirs : "";
    rc = describe(chosen, pref, debug_dirs ? debug_dirs : pid_debug_dirs, subject, out, err,
                  errlen);
    if (rc)
        goto out;
    rc = elfsym_load_bias(chosen->ef, &maps, chosen->map_path, chosen->runtime.value,
                          &out->load_bias);
    if (rc == -EAGAIN) {
        snprintf(err, errlen, "%s: %s is still being mapped by the loader", subject,
                 chosen->map_path);
        goto out;
    }
    if (rc) {
        snprintf(err, errlen, "%s: %s: no mapping holds _PyRuntime's segment", subject,
                 chosen->map_path);
        goto out;
    }
    out->runtime_addr = chosen->runtime.value + out->load_bias;
    {
        struct elfsym_symbol code_type;
        if (elfsym_lookup(chosen->ef, "PyCode_Type", &code_type) == 0)
            out->code_type_addr = code_type.value + out->load_bias;
    }
    for (size_t i = 0; i < maps.count && out->ntext < PYLOC_MAX_TEXT_RANGES; i++) {
        const struct procmap *m = &maps.maps[i];
        if (m->perms[2] != 'x' || !m->path ||
            (strcmp(m->path, chosen->map_path) != 0 && strcmp(m->path, exe) != 0))
            continue;
        out->text[out->ntext++] = (struct addr_range){.start = m->start, .end = m->end};
    }
out:
    for (size_t i = 0; i < ncand; i++)
        probe_close(&cand[i]);
    free(cand);
    procmaps_free(&maps);
    return rc;
}

int pyloc_pc_in_interpreter(const struct py_target *target, uint64_t pc)
{
    for (int i = 0; i < target->ntext; i++)
        if (pc >= target->text[i].start && pc < target->text[i].end)
            return 1;
    return 0;
}
