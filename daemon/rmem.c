/* Reading a live process with process_vm_readv through a small direct-mapped
 * page cache: one sample reads dozens of small fields (thread states, frames,
 * code objects) that sit on a handful of pages, so whole-page reads turn
 * many syscalls into few. The cache lives for one sample only. */
#include "daemon/rmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define RMEM_PAGE_SIZE 4096u
#define RMEM_PAGES 64u /* direct-mapped slots; a power of two */

/* Reads longer than this skip the cache: they would evict the pages every
 * other read needs and are rarely repeated within a sample. */
#define RMEM_DIRECT_MIN ((size_t)2 * RMEM_PAGE_SIZE)

struct rmem_page {
    uint64_t addr;       /* page-aligned address of data */
    uint64_t generation; /* valid while equal to the cache's generation */
    uint8_t data[RMEM_PAGE_SIZE];
};

struct rmem_proc {
    pid_t pid;
    uint64_t generation; /* bumped by invalidate: starts at 1, slots at 0 */
    uint64_t syscalls;
    struct rmem_page pages[RMEM_PAGES];
};

struct rmem_proc *rmem_proc_new(pid_t pid)
{
    struct rmem_proc *proc = calloc(1, sizeof(*proc));

    if (!proc)
        return NULL;
    proc->pid = pid;
    proc->generation = 1;
    return proc;
}

void rmem_proc_free(struct rmem_proc *proc)
{
    free(proc);
}

void rmem_proc_invalidate(struct rmem_proc *proc)
{
    proc->generation++;
}

uint64_t rmem_proc_syscalls(const struct rmem_proc *proc)
{
    return proc->syscalls;
}

/* One process_vm_readv of exactly len bytes; a short read is a failure
 * since callers never see partial data. */
static int read_exact(struct rmem_proc *proc, uint64_t addr, void *buf, size_t len)
{
    struct iovec local = {.iov_base = buf, .iov_len = len};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};

    proc->syscalls++;
    ssize_t got = process_vm_readv(proc->pid, &local, 1, &remote, 1, 0);
    if (got < 0)
        return -errno;
    return (size_t)got == len ? 0 : -EFAULT;
}

/* Copies len bytes at addr, all inside one page, into buf. */
static int read_in_page(struct rmem_proc *proc, uint64_t addr, uint8_t *buf, size_t len)
{
    uint64_t page = addr & ~(uint64_t)(RMEM_PAGE_SIZE - 1);
    struct rmem_page *slot = &proc->pages[(page / RMEM_PAGE_SIZE) % RMEM_PAGES];

    if (slot->generation != proc->generation || slot->addr != page) {
        /* A whole-page read can fail where the wanted bytes would not, for
         * example when the page straddles the end of a mapping on a kernel
         * with larger pages; then read just what was asked, uncached. */
        if (read_exact(proc, page, slot->data, RMEM_PAGE_SIZE) < 0) {
            slot->generation = 0;
            return read_exact(proc, addr, buf, len);
        }
        slot->addr = page;
        slot->generation = proc->generation;
    }
    memcpy(buf, slot->data + (addr - page), len);
    return 0;
}

static int proc_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct rmem_proc *proc = ctx;
    uint8_t *out = buf;

    if (len == 0)
        return 0;
    if (addr + len < addr)
        return -EFAULT; /* wraps around the address space */
    if (len >= RMEM_DIRECT_MIN)
        return read_exact(proc, addr, buf, len);
    while (len > 0) {
        size_t in_page = RMEM_PAGE_SIZE - (size_t)(addr % RMEM_PAGE_SIZE);
        size_t chunk = len < in_page ? len : in_page;
        int rc = read_in_page(proc, addr, out, chunk);
        if (rc < 0)
            return rc;
        addr += chunk;
        out += chunk;
        len -= chunk;
    }
    return 0;
}

/* The page-aligned addresses of the uncached pages holding [addr, addr +
 * len), added to pages (at most max, each once). */
static size_t wanted_pages(const struct rmem_proc *proc, uint64_t addr, size_t len,
                           uint64_t *pages, size_t n, size_t max)
{
    if (len == 0 || len >= RMEM_DIRECT_MIN || addr + len < addr)
        return n;
    uint64_t last = (addr + len - 1) & ~(uint64_t)(RMEM_PAGE_SIZE - 1);
    for (uint64_t page = addr & ~(uint64_t)(RMEM_PAGE_SIZE - 1); page <= last && n < max;
         page += RMEM_PAGE_SIZE) {
        const struct rmem_page *slot = &proc->pages[(page / RMEM_PAGE_SIZE) % RMEM_PAGES];
        int have = slot->generation == proc->generation && slot->addr == page;
        for (size_t i = 0; i < n && !have; i++)
            have = pages[i] == page ||
                   (pages[i] / RMEM_PAGE_SIZE) % RMEM_PAGES == (page / RMEM_PAGE_SIZE) % RMEM_PAGES;
        if (!have)
            pages[n++] = page;
    }
    return n;
}

/* All the missing pages in one process_vm_readv (pages sharing a slot: the
 * first only). It stops at the first page it cannot read: those before
 * it are cached, the rest are read one by one when asked for. */
static void proc_prefetch(void *ctx, const uint64_t *addrs, size_t n, size_t len)
{
    struct rmem_proc *proc = ctx;
    uint64_t pages[RMEM_PAGES];
    struct iovec local[RMEM_PAGES], remote[RMEM_PAGES];
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count = wanted_pages(proc, addrs[i], len, pages, count, RMEM_PAGES);
    if (count < 2)
        return; /* one page is read as cheaply when it is asked for */
    for (size_t i = 0; i < count; i++) {
        struct rmem_page *slot = &proc->pages[(pages[i] / RMEM_PAGE_SIZE) % RMEM_PAGES];
        slot->generation = 0;
        local[i] = (struct iovec){.iov_base = slot->data, .iov_len = RMEM_PAGE_SIZE};
        remote[i] = (struct iovec){.iov_base = (void *)(uintptr_t)pages[i],
                                   .iov_len = RMEM_PAGE_SIZE};
    }
    proc->syscalls++;
    ssize_t got = process_vm_readv(proc->pid, local, count, remote, count, 0);
    for (size_t i = 0; got > 0 && i < (size_t)got / RMEM_PAGE_SIZE; i++) {
        struct rmem_page *slot = &proc->pages[(pages[i] / RMEM_PAGE_SIZE) % RMEM_PAGES];
        slot->addr = pages[i];
        slot->generation = proc->generation;
    }
}

static void proc_forget(void *ctx)
{
    rmem_proc_invalidate(ctx);
}

struct rmem rmem_proc_ops(struct rmem_proc *proc)
{
    return (struct rmem){
        .read = proc_read, .forget = proc_forget, .prefetch = proc_prefetch, .ctx = proc};
}
