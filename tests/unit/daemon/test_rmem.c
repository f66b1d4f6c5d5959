/* rmem_proc reading this very process: page-spanning reads, unmapped
 * addresses, the per-sample cache and its invalidation. */
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

    /* Prefetch: pages 0, 1 and 3 in one read, stopping at the hole (page
     * 2): what follows it is read when asked for, right. */
    rmem_proc_invalidate(proc);
    for (size_t p = 0; p < 4; p++)
        if (p != 2)
            memset(pages + p * PAGE, (int)(0x30 + p), 16);
    uint64_t addrs[] = {base + 8, base + PAGE + 8, base + 2 * PAGE + 8, base + 3 * PAGE + 8};
    uint64_t before_prefetch = rmem_proc_syscalls(proc);
    rmem_prefetch(&mem, addrs, 4, sizeof(v));
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before_prefetch + 1);
    for (size_t p = 0; p < 4; p++) {
        uint8_t byte = 0;
        CHECK_EQ_INT(rmem_read(&mem, addrs[p], &byte, 1), p == 2 ? -EFAULT : 0);
        if (p != 2)
            CHECK_EQ_INT(byte, 0x30 + (int)p);
    }
    /* Pages 0 and 1 came with the prefetch; 2 failed again and 3 was read. */
    CHECK_EQ_INT(rmem_proc_syscalls(proc), before_prefetch + 1 + 2 + 1);
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
    return test_finish("test_rmem");
}
