/* Records the seed images of the walker fuzz target (fuzz_walk.c), and
 * checks them.
 *
 *   capture_walk_image [--deep] PYTHON OUT.img
 *     runs PYTHON on a known nest of functions (a method, a non-ASCII name,
 *     a recursion, a second thread; with --deep the recursion goes past the
 *     depth the walker keeps whole), stops it while it sleeps inside the nest, lists its
 *     threads and walks each with the real walker through a reader that
 *     records every byte range it reads, and writes those ranges with the
 *     interpreter's offsets as a memory image (memimage.h).
 *   capture_walk_image --check IMG...
 *     walks each image again, without the process, and fails unless the
 *     main thread's stack is the whole nest (its middle left out for an
 *     image whose name says "deep"): the seeds start the fuzzer
 *     from deep inside the walker, not at its first check.
 *
 * Regenerate the seeds with tests/fuzz/capture-walk-seeds.sh. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/pywalk.h"
#include "daemon/rmem.h"
#include "spawn_ready.h"
#include "symbols/pylocate.h"
#include "tests/fuzz/memimage.h"

/* inner() waits at the bottom of a recursion of sys.argv[1] levels. */
static const char script[] =
    "import sys, threading, time\n"
    "def helper():\n"
    "    while True:\n"
    "        time.sleep(0.05)\n"
    "class Klass:\n"
    "    def method(self):\n"
    "        return données(int(sys.argv[1]))\n"
    "def données(depth):\n"
    "    return données(depth - 1) if depth else inner()\n"
    "def inner():\n"
    "    sys.stdout.write('ready\\n')\n"
    "    sys.stdout.flush()\n"
    "    while True:\n"
    "        time.sleep(0.01)\n"
    "def outer():\n"
    "    return Klass().method()\n"
    "threading.Thread(target=helper, daemon=True).start()\n"
    "outer()\n";

/* The recursion of a deep seed: past the depth the walker keeps whole, so
 * that the fuzzer starts from a stack whose middle the walker leaves out. */
#define DEEP_LEVELS (PYWALK_MAX_DEPTH + 40)

/* The main thread's stack, innermost first, by co_name's last part, for
 * a recursion of one level. */
static const char *const nest[] = {"inner", "données", "données", "method", "outer",
                                   "<module>"};
#define NEST_DEPTH (sizeof(nest) / sizeof(nest[0]))

/* ---- recording ---------------------------------------------------------- */

struct recorder {
    struct rmem live;
    struct memimage_region *reads;
    size_t n, cap;
};

static int record_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct recorder *r = ctx;
    int rc = rmem_read(&r->live, addr, buf, len);
    if (rc < 0 || len == 0)
        return rc;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        if (!(r->reads = realloc(r->reads, r->cap * sizeof(*r->reads))))
            abort();
    }
    uint8_t *copy = malloc(len);
    if (!copy)
        abort();
    memcpy(copy, buf, len);
    r->reads[r->n++] = (struct memimage_region){addr, len, copy};
    return 0;
}

static int by_addr(const void *a, const void *b)
{
    const struct memimage_region *x = a, *y = b;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

/* The union of the recorded ranges as regions of img, each filled from
 * the reads it covers. Returns 0 or -E2BIG. */
static int build_regions(struct recorder *r, struct memimage *img)
{
    qsort(r->reads, r->n, sizeof(*r->reads), by_addr);
    for (size_t i = 0; i < r->n;) {
        uint64_t start = r->reads[i].addr, end = start + r->reads[i].len;
        size_t j = i + 1;
        for (; j < r->n && r->reads[j].addr <= end; j++)
            if (r->reads[j].addr + r->reads[j].len > end)
                end = r->reads[j].addr + r->reads[j].len;
        if (img->nregions == MEMIMAGE_MAX_REGIONS)
            return -E2BIG;
        uint8_t *data = malloc(end - start);
        if (!data)
            abort();
        for (size_t k = i; k < j; k++)
            memcpy(data + (r->reads[k].addr - start), r->reads[k].data, r->reads[k].len);
        img->regions[img->nregions++] = (struct memimage_region){start, end - start, data};
        i = j;
    }
    return 0;
}

/* ---- walking ------------------------------------------------------------ */

static const char *short_name(const char *qualname)
{
    const char *dot = strrchr(qualname, '.');
    return dot ? dot + 1 : qualname;
}

/* The deep nest's frame f of n (a gap frame at PYWALK_KEEP_INNER stands
 * for the recursion's middle): NULL for the gap frame. */
static const char *deep_nest_frame(uint32_t f, uint32_t n)
{
    if (f == PYWALK_KEEP_INNER)
        return NULL;
    if (f == 0 || f + 3 >= n)
        return nest[f == 0 ? 0 : NEST_DEPTH - (n - f)];
    return "données";
}

/* Whether stack is the nest: whole (deep = 0), or with the middle of its
 * recursion left out. */
static int is_nest(const struct pywalk *walk, const struct pywalk_stack *stack, int deep)
{
    uint32_t whole = deep ? DEEP_LEVELS + NEST_DEPTH - 1 : NEST_DEPTH;
    if (stack->truncated || stack->nframes + stack->elided - (deep ? 1 : 0) != whole ||
        (deep && stack->nframes != PYWALK_MAX_DEPTH))
        return 0;
    for (uint32_t f = 0; f < stack->nframes; f++) {
        const struct pywalk_code *c = pywalk_code(walk, stack->frames[f].code_id);
        const char *want = deep ? deep_nest_frame(f, stack->nframes) : nest[f];
        if (!c || (want ? c->gap || strcmp(short_name(c->qualname), want) != 0 ||
                              stack->frames[f].line <= 0
                        : !c->gap))
            return 0;
    }
    return 1;
}

static void print_stack(const struct pywalk *walk, int thread, const struct pywalk_stack *stack)
{
    for (uint32_t f = 0; f < stack->nframes; f++) {
        const struct pywalk_code *c = pywalk_code(walk, stack->frames[f].code_id);
        if (f < 6 || f + 1 == stack->nframes)
            printf("  thread %d frame %u: %s line %d\n", thread, f, c->qualname,
                   stack->frames[f].line);
    }
}

/* Walks every thread; 0 when one of them is the nest. */
static int walk_all(const struct py_target *target, const struct rmem *mem, int deep, int verbose)
{
    static struct pywalk_thread threads[16];
    static struct pywalk_stack stack;
    struct pywalk *walk = pywalk_new(target, mem);
    int found = 0;
    if (!walk)
        return -EINVAL;
    int n = pywalk_threads(walk, threads, 16);
    for (int i = 0; i < n; i++) {
        int rc = pywalk_stack(walk, threads[i].tstate, &stack);
        if (rc == 0)
            rc = pywalk_stack_checked(walk, threads[i].tstate, &stack);
        if (rc < 0)
            continue;
        if (verbose)
            print_stack(walk, i, &stack);
        found = found || is_nest(walk, &stack, deep);
    }
    pywalk_free(walk);
    return found ? 0 : -ENOENT;
}

/* ---- the two commands --------------------------------------------------- */

static int capture_stopped(pid_t pid, const char *out, int deep)
{
    static struct py_target target;
    static struct memimage img;
    char err[512];
    if (pyloc_locate_pid(pid, PYOFF_PREF_AUTO, NULL, &target, err, sizeof(err)) < 0)
        return fprintf(stderr, "pyloc_locate_pid %d: %s\n", (int)pid, err), -1;
    struct rmem_proc *proc = rmem_proc_new(pid);
    struct recorder rec = {.live = rmem_proc_ops(proc)};
    struct rmem mem = {.read = record_read, .ctx = &rec};
    if (walk_all(&target, &mem, deep, 0) < 0)
        return fprintf(stderr, "pid %d: the main stack was not walked whole\n", (int)pid), -1;
    img.version_hex = target.off.version_hex;
    img.runtime_addr = target.runtime_addr;
    img.code_type_addr = target.code_type_addr;
    img.off = target.off;
    FILE *f = fopen(out, "wb");
    int rc = build_regions(&rec, &img) < 0 || !f || memimage_write(f, &img) < 0;
    if (f && fclose(f) != 0)
        rc = 1;
    printf("%s: %s %s, %zu reads, %zu regions\n", out, target.binary, target.version, rec.n,
           img.nregions);
    for (size_t i = 0; i < rec.n; i++)
        free((void *)rec.reads[i].data);
    for (size_t i = 0; i < img.nregions; i++)
        free((void *)img.regions[i].data);
    free(rec.reads);
    rmem_proc_free(proc);
    return rc ? -1 : 0;
}

static int capture(const char *python, const char *out, int deep)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/fah_capture_%d.py", (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f || fputs(script, f) < 0 || fclose(f) != 0)
        return fprintf(stderr, "cannot write %s\n", path), 1;
    char levels[16];
    snprintf(levels, sizeof(levels), "%d", deep ? DEEP_LEVELS : 1);
    char *argv[] = {(char *)python, "-I", "-S", path, levels, NULL};
    pid_t pid = test_spawn_ready(argv);
    int rc = -1, status;
    /* Stopped, the target's frames hold still while they are recorded. */
    if (pid > 0 && kill(pid, SIGSTOP) == 0 && waitpid(pid, &status, WUNTRACED) == pid)
        rc = capture_stopped(pid, out, deep);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    unlink(path);
    return rc < 0 ? 1 : 0;
}

static int check(const char *path)
{
    static struct memimage img;
    static uint8_t data[1 << 22];
    FILE *f = fopen(path, "rb");
    size_t size = f ? fread(data, 1, sizeof(data), f) : 0;
    if (f)
        fclose(f);
    if (memimage_parse(&img, data, size) < 0 || pyoff_set_family(&img.off) < 0)
        return fprintf(stderr, "%s: not a memory image\n", path), 1;
    static struct py_target target;
    target.version_hex = img.version_hex;
    target.runtime_addr = img.runtime_addr;
    target.code_type_addr = img.code_type_addr;
    target.off = img.off;
    struct rmem mem = memimage_ops(&img);
    printf("%s: version 0x%08x, %zu regions\n", path, img.version_hex, img.nregions);
    /* A deep seed is named so: its stack is cut at the depth cap. */
    if (walk_all(&target, &mem, strstr(path, "deep") != NULL, 1) < 0)
        return fprintf(stderr, "%s: the main stack is not the whole nest\n", path), 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--check") == 0) {
        int failed = 0;
        for (int i = 2; i < argc; i++)
            failed |= check(argv[i]);
        return failed;
    }
    int deep = argc == 4 && strcmp(argv[1], "--deep") == 0;
    if (argc != 3 + deep) {
        fprintf(stderr, "usage: capture_walk_image [--deep] PYTHON OUT.img | --check IMG...\n");
        return 2;
    }
    return capture(argv[1 + deep], argv[2 + deep], deep);
}
