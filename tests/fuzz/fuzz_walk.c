/* Fuzzing the walker (daemon/pywalk.c with pycode.c, pystr.c and
 * symbols/linetable.c) over a memory image the fuzzer controls: recorded
 * images of real interpreters (memimage.h), mutated. Every input must end
 * with a stack or an error after a bounded number of reads: a frame chain
 * read mid-update must cost one bad sample, never a hang or a crash of the
 * daemon that serves every session. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pystr.h"
#include "daemon/pywalk.h"
#include "tests/fuzz/memimage.h"

/* Threads walked per image: the walk of one is what the budget bounds. */
#define FUZZ_THREADS 8

/* The reads a walk may make, from the walker's own bounds: the chain
 * (the newest frame through at most two pointers; per step the frame and
 * its code object's type), the recheck (the same for the newest frame), a
 * new code object per frame (the object; two strings, each a header and
 * its characters 256 at a time as pystr.c reads them; the line table's
 * size and bytes), and the innermost instruction (co_code and at most four
 * code units). */
#define FUZZ_READS_PER_STRING (1 + PYSTR_MAX_CHARS / 256)
#define FUZZ_READS_PER_WALK                                                 \
    (2 + 2 * (2 * PYWALK_MAX_DEPTH + 2) + 4 +                               \
     PYWALK_MAX_DEPTH * (3 + 2 * FUZZ_READS_PER_STRING) + 5)
/* Listing threads: the runtime, per interpreter (at most 64) itself and
 * two pointers, per thread state (at most PYWALK_MAX_THREADS) one read. */
#define FUZZ_READS_PER_LISTING (1 + 64 * 3 + PYWALK_MAX_THREADS)

static struct memimage image; /* too large for the stack */

static void over_budget(const char *what, uint64_t reads, uint64_t budget)
{
    fprintf(stderr, "fuzz_walk: %s made %llu reads, budget %llu\n", what,
            (unsigned long long)reads, (unsigned long long)budget);
    abort();
}

/* Touches what a stack names, so that the sanitizers check it. */
static size_t use_stack(const struct pywalk *walk, const struct pywalk_stack *stack)
{
    size_t sum = 0;
    if (stack->nframes > PYWALK_MAX_DEPTH)
        abort();
    for (uint32_t i = 0; i < stack->nframes; i++) {
        const struct pywalk_code *code = pywalk_code(walk, stack->frames[i].code_id);
        if (!code)
            abort(); /* every id handed out names a code object */
        sum += strlen(code->file) + strlen(code->qualname) + (size_t)stack->frames[i].line;
    }
    return sum;
}

static void walk_thread(struct pywalk *walk, uint64_t tstate)
{
    static struct pywalk_stack stack;
    uint64_t before = image.reads;
    pywalk_stack(walk, tstate, &stack);
    if (image.reads - before > FUZZ_READS_PER_WALK)
        over_budget("pywalk_stack", image.reads - before, FUZZ_READS_PER_WALK);
    use_stack(walk, &stack);
    before = image.reads;
    pywalk_stack_checked(walk, tstate, &stack);
    if (image.reads - before > FUZZ_READS_PER_WALK)
        over_budget("pywalk_stack_checked", image.reads - before, FUZZ_READS_PER_WALK);
    use_stack(walk, &stack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pywalk_thread threads[PYWALK_MAX_THREADS];
    if (memimage_parse(&image, data, size) < 0 || pyoff_set_family(&image.off) < 0 ||
        pyoff_validate(&image.off, NULL, 0) < 0)
        return 0;
    struct py_target target;
    memset(&target, 0, sizeof(target));
    target.version_hex = image.version_hex;
    target.runtime_addr = image.runtime_addr;
    target.code_type_addr = image.code_type_addr;
    target.off = image.off;
    struct rmem mem = memimage_ops(&image);
    struct pywalk *walk = pywalk_new(&target, &mem);
    if (!walk)
        return 0;
    int n = pywalk_threads(walk, threads, PYWALK_MAX_THREADS);
    if (image.reads > FUZZ_READS_PER_LISTING)
        over_budget("pywalk_threads", image.reads, FUZZ_READS_PER_LISTING);
    for (int i = 0; i < n && i < FUZZ_THREADS; i++)
        walk_thread(walk, threads[i].tstate);
    pywalk_free(walk);
    return 0;
}
