/* rmem_proc reading this very process: page-spanning reads, unmapped
 * addresses, the per-sample cache and its invalidation, several spans in
 * one call, reading ahead, a trace longer than it keeps. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/rmem.h"
#include "harness.h"

#define PAGE ((size_t)4096)

static volatile uint64_t counter = 0x1122334455667788ull;

/* A walk's trace over more pages than it holds (a deep frame-object
 * walk): each page once, in the order first used, widened to every use of
 * it however far apart the uses come; pages past RMEM_TRACE_MAX are left
 * to be read on demand. */
static void test_long_trace(void)
{
    enum { NPAGES = RMEM_TRACE_MAX + 8 };
    struct rmem_proc *proc = rmem_proc_new(getpid());
    uint8_t *pages = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(proc != NULL && pages != MAP_FAILED);
    if (!proc || pages == MAP_FAILED)
        return;
    struct rmem mem = rmem_proc_ops(proc);
    uint64_t base = (uint64_t)(uintptr_t)pages, v;
    rmem_proc_trace(proc);
    /* Every page at offset 0, then every page again at 1 KiB, newest page
     * first: a page's second use comes a whole pass after its first. */
    for (size_t i = 0; i < NPAGES; i++)
        CHECK_EQ_INT(rmem_read(&mem, base + i * PAGE, &v, sizeof(v)), 0);
    for (size_t i = NPAGES; i-- > 0;)
        CHECK_EQ_INT(rmem_read(&mem, base + i * PAGE + 1024, &v, sizeof(v)), 0);
    struct rmem_page_use traced[RMEM_TRACE_MAX + 1];
    size_t ntraced = rmem_proc_traced(proc, traced, RMEM_TRACE_MAX + 1);
    CHECK_EQ_INT(ntraced, RMEM_TRACE_MAX);
    size_t whole = 0;
    for (size_t i = 0; i < ntraced; i++)
        whole += traced[i].page == base + i * PAGE && traced[i].lo == 0 &&
                 traced[i].hi == 1024 + 64;
    CHECK_EQ_INT(whole, RMEM_TRACE_MAX);
    munmap(pages, NPAGES * PAGE);
    rmem_proc_free(proc);
}

int main(void)
{
    struct rmem_proc *proc = rmem_proc_new(getpid());
    CHECK(proc != NULL);
    if (!proc)
        return test_finish("test_rmem");
    struct rmem mem = rmem_proc_ops(proc);
    uint64_t v = 0;

    /* A small field. */
    CHECK_EQ_INT(rmem_read(&mem, (uint64_t)(uintptr_t)&counter, &v, sizeof(v)), 0);
    CHECK_EQ_INT(v, 0x1122334455667788ull);
    CHECK_EQ_INT(rmem_read(&mem, (uint64_t)(uintptr_t)&counter, &v, 0), 0);

    /* Four pages with a pattern; the third unmapped afterwards. */
    uint8_t *pages = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pages != MAP_FAILED);
    for (size_t i = 0; i < 4 * PAGE; i++)
        pages[i] = (uint8_t)(i * 7 + i / PAGE);
    uint64_t base = (uint64_t)(uintptr_t)pages;
    uint8_t got[3 * PAGE];

    /* Spanning a page boundary, and spanning three pages (a direct read). */
    CHECK_EQ_INT(rmem_read(&mem, base + PAGE - 100, got, 300), 0);
    CHECK(memcmp(got, pages + PAGE - 100, 300) == 0);
    CHECK_EQ_INT(rmem_read(&mem, base + 10, got, 3 * PAGE - 20), 0);
    CHECK(memcmp(got, pages + 10, 3 * PAGE - 20) == 0);
    CHECK_EQ_INT(rmem_read(&mem, base + PAGE - 1, got, PAGE + 2), 0);
    CHECK(memcmp(got, pages + PAGE - 1, PAGE + 2) == 0);

    /* Cached until invalidated: the target has not "run" in between. */
    uint64_t before = rmem_proc_syscalls(proc);
    CHECK_EQ_INT(rmem_read(&mem, base + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_read(&mem, base + 64, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before);
    uint64_t fresh = 0xabcdef0123456789ull;
    memcpy(pages + 64, &fresh, sizeof(fresh));
    CHECK_EQ_INT(rmem_read(&mem, base + 64, &v, sizeof(v)), 0);
    CHECK(v != fresh);
    rmem_proc_invalidate(proc);
    CHECK_EQ_INT(rmem_read(&mem, base + 64, &v, sizeof(v)), 0);
    CHECK_EQ_INT(v, fresh);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);

    /* More pages than slots: evicted pages come back right. */
    size_t many = 200;
    uint8_t *big = mmap(NULL, many * PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(big != MAP_FAILED);
    for (size_t i = 0; i < many; i++)
        memcpy(big + i * PAGE + 16, &i, sizeof(i));
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < many; i++) {
            size_t x = 0;
            CHECK_EQ_INT(rmem_read(&mem, (uint64_t)(uintptr_t)big + i * PAGE + 16, &x,
                                   sizeof(x)), 0);
            CHECK_EQ_INT(x, i);
        }
    }
    munmap(big, many * PAGE);

    /* Several spans in one system call, afresh (not from the cache). */
    uint64_t a = 0, b = 0;
    struct rmem_span spans[3] = {{base + 8, &a, sizeof(a)},
                                 {base + 3 * PAGE + 16, &b, sizeof(b)},
                                 {base + PAGE - 4, got, 8}};
    before = rmem_proc_syscalls(proc);
    CHECK_EQ_INT(rmem_readv(&mem, spans, 3), 3);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    CHECK(memcmp(&a, pages + 8, 8) == 0 && memcmp(&b, pages + 3 * PAGE + 16, 8) == 0);
    CHECK(memcmp(got, pages + PAGE - 4, 8) == 0);
    memcpy(pages + 72, &fresh, sizeof(fresh));
    spans[0].addr = base + 72;
    CHECK_EQ_INT(rmem_readv(&mem, spans, 1), 1);
    CHECK_EQ_INT(a, fresh);

    /* Read-ahead: the parts of pages reads used, traced (widened to whole
     * cache lines), are read back in one call after an invalidate, and
     * reads within them need no other call; a read outside them reads its
     * page afresh. */
    rmem_proc_invalidate(proc);
    rmem_proc_trace(proc);
    CHECK_EQ_INT(rmem_read(&mem, base + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_read(&mem, base + 3 * PAGE + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_read(&mem, base + 60, &v, sizeof(v)), 0);
    struct rmem_page_use traced[RMEM_TRACE_MAX];
    size_t ntraced = rmem_proc_traced(proc, traced, RMEM_TRACE_MAX);
    CHECK_EQ_INT(ntraced, 2);
    CHECK(traced[0].page == base && traced[0].lo == 0 && traced[0].hi == 128);
    CHECK(traced[1].page == base + 3 * PAGE && traced[1].lo == 0 && traced[1].hi == 64);
    rmem_proc_invalidate(proc);
    fresh++;
    memcpy(pages + 3 * PAGE + 8, &fresh, sizeof(fresh));
    memcpy(pages + 200, &fresh, sizeof(fresh));
    before = rmem_proc_syscalls(proc);
    rmem_proc_prefetch(proc, traced, ntraced);
    CHECK_EQ_INT(rmem_read(&mem, base + 3 * PAGE + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(v, fresh);
    CHECK_EQ_INT(rmem_read(&mem, base + 100, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    CHECK_EQ_INT(rmem_read(&mem, base + 200, &v, sizeof(v)), 0);
    CHECK_EQ_INT(v, fresh);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 2);
    /* Two uses of one page in a list are one read of both parts. */
    struct rmem_page_use twice[2] = {{base, 0, 64}, {base, 256, 320}};
    rmem_proc_invalidate(proc);
    before = rmem_proc_syscalls(proc);
    rmem_proc_prefetch(proc, twice, 2);
    CHECK_EQ_INT(rmem_read(&mem, base + 200, &v, sizeof(v)), 0);
    CHECK_EQ_INT(v, fresh);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    /* Spans read in the same call, after the pages: into their own
     * buffers, counted as rmem_readv counts; none at all is -EFAULT. */
    uint64_t then_v[2] = {0, 0};
    struct rmem_span then[2] = {{base + 200, &then_v[0], 8}, {base + 3 * PAGE + 8, &then_v[1], 8}};
    rmem_proc_invalidate(proc);
    before = rmem_proc_syscalls(proc);
    CHECK_EQ_INT(rmem_proc_prefetch_around(proc, NULL, 0, twice, 2, then, 2), 2);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    CHECK_EQ_INT(then_v[0], fresh);
    CHECK_EQ_INT(then_v[1], fresh);
    CHECK_EQ_INT(rmem_read(&mem, base + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    CHECK_EQ_INT(rmem_proc_prefetch_around(proc, NULL, 0, twice, 0, then, 0), -EFAULT);
    /* With spans copied before the pages too: all in the same call, the
     * pages cached and the spans after them counted as before. */
    uint64_t first_v = 0;
    struct rmem_span first = {base + 3 * PAGE + 8, &first_v, 8};
    then_v[0] = then_v[1] = 0;
    rmem_proc_invalidate(proc);
    before = rmem_proc_syscalls(proc);
    CHECK_EQ_INT(rmem_proc_prefetch_around(proc, &first, 1, twice, 2, then, 2), 2);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    CHECK_EQ_INT(first_v, fresh);
    CHECK_EQ_INT(then_v[0], fresh);
    CHECK_EQ_INT(then_v[1], fresh);
    CHECK_EQ_INT(rmem_read(&mem, base + 8, &v, sizeof(v)), 0);
    CHECK(memcmp(&v, pages + 8, sizeof(v)) == 0);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    /* Out of order and interleaved, as a listing's trace and a walk's
     * come together: still one read per page, all in one call. */
    struct rmem_page_use mixed[4] = {
        {base + 3 * PAGE, 0, 64}, {base, 192, 256}, {base + 3 * PAGE, 64, 128}, {base, 0, 64}};
    rmem_proc_invalidate(proc);
    before = rmem_proc_syscalls(proc);
    rmem_proc_prefetch(proc, mixed, 4);
    CHECK_EQ_INT(rmem_read(&mem, base + 3 * PAGE + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(v, fresh);
    CHECK_EQ_INT(rmem_read(&mem, base + 200, &v, sizeof(v)), 0);
    CHECK_EQ_INT(v, fresh);
    CHECK_EQ_INT(rmem_read(&mem, base + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);

    /* Unmapped memory: inside, reaching into it, and no partial results. */
    rmem_proc_invalidate(proc);
    CHECK_EQ_INT(munmap(pages + 2 * PAGE, PAGE), 0);
    CHECK_EQ_INT(rmem_read(&mem, base + 2 * PAGE + 8, &v, sizeof(v)), -EFAULT);
    CHECK_EQ_INT(rmem_read(&mem, base + 2 * PAGE - 4, &v, sizeof(v)), -EFAULT);
    CHECK_EQ_INT(rmem_read(&mem, base + PAGE, got, 2 * PAGE + 8), -EFAULT);
    CHECK_EQ_INT(rmem_read(&mem, base + PAGE, got, PAGE + 8), -EFAULT);
    CHECK_EQ_INT(rmem_read(&mem, base + 2 * PAGE - 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_read(&mem, base + 3 * PAGE, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_read(&mem, 0, &v, sizeof(v)), -EFAULT);
    CHECK_EQ_INT(rmem_read(&mem, UINT64_MAX - 3, &v, sizeof(v)), -EFAULT);
    CHECK_EQ_INT(rmem_read(&mem, 0xffff800000000000ull, &v, sizeof(v)), -EFAULT);
    /* Spans stop at the first unreadable one; a read-ahead page that
     * cannot be read is left to be read on demand, and fails then. */
    spans[0].addr = base + 8;
    spans[1].addr = base + 2 * PAGE + 8;
    CHECK_EQ_INT(rmem_readv(&mem, spans, 3), 1);
    spans[0].addr = base + 2 * PAGE;
    CHECK_EQ_INT(rmem_readv(&mem, spans, 3), -EFAULT);
    struct rmem_page_use ahead[2] = {{base, 0, 64}, {base + 2 * PAGE, 0, 64}};
    rmem_proc_invalidate(proc);
    CHECK_EQ_INT(rmem_proc_prefetch_around(proc, NULL, 0, ahead, 2, then, 1), -EFAULT); /* after a failed page */
    /* A span before the pages that cannot be read: nothing counts, and
     * the pages are read on demand. */
    first.addr = base + 2 * PAGE + 8;
    rmem_proc_invalidate(proc);
    CHECK_EQ_INT(rmem_proc_prefetch_around(proc, &first, 1, twice, 2, then, 1), -EFAULT);
    before = rmem_proc_syscalls(proc);
    CHECK_EQ_INT(rmem_read(&mem, base + 8, &v, sizeof(v)), 0);
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before + 1);
    rmem_proc_invalidate(proc);
    rmem_proc_prefetch(proc, ahead, 2);
    CHECK_EQ_INT(rmem_read(&mem, base + 2 * PAGE + 8, &v, sizeof(v)), -EFAULT);
    CHECK_EQ_INT(rmem_read(&mem, base + 8, &v, sizeof(v)), 0);
    munmap(pages, 2 * PAGE);
    munmap(pages + 3 * PAGE, PAGE);
    rmem_proc_free(proc);
    rmem_proc_free(NULL);

    /* A process that is gone. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    proc = rmem_proc_new(child);
    mem = rmem_proc_ops(proc);
    CHECK_EQ_INT(rmem_read(&mem, (uint64_t)(uintptr_t)&counter, &v, sizeof(v)), -ESRCH);
    rmem_proc_free(proc);
    test_long_trace();
    return test_finish("test_rmem");
}
