/* Reading a live process with process_vm_readv through a small direct-mapped
 * page cache: one sample reads dozens of small fields (thread states, frames,
 * code objects) that sit on a handful of pages, so whole-page reads turn
 * many syscalls into few. The cache lives for one sample only. */
#include "daemon/rmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define RMEM_PAGE_SIZE RMEM_PAGE_BYTES
#define RMEM_PAGES 512u /* slots; a power of two */
/* Slots a page may go to: a walk of frame objects (3.8-3.10) uses a page
 * per frame or so, and with one slot per page two of them often wanted the
 * same slot, so that one of them was read again at every sample. */
#define RMEM_WAYS 4u

/* Reads longer than this skip the cache: they would evict the pages every
 * other read needs and are rarely repeated within a sample. */
#define RMEM_DIRECT_MIN ((size_t)2 * RMEM_PAGE_SIZE)
/* Spans per rmem_readv call (the kernel takes up to IOV_MAX). */
#define RMEM_READV_MAX 256u

/* Uses one read-ahead takes: a walk's and a listing's traces. */
#define RMEM_PREFETCH_MAX (2u * RMEM_TRACE_MAX)

/* Traced uses widen to whole cache lines: a field read next time a few
 * bytes beside this time's is still inside. */
#define RMEM_LINE 64u

/* Hash slots of the trace's page index: a power of two, at least twice
 * RMEM_TRACE_MAX so that probes stay short; 1 + an index fits a byte. */
#define RMEM_TRACE_SLOTS 256u
_Static_assert(RMEM_TRACE_SLOTS >= 2 * RMEM_TRACE_MAX && RMEM_TRACE_MAX < 255,
               "the trace's index has room to spare and fits a byte");

struct rmem_page {
    uint64_t addr;       /* page-aligned address of data */
    uint64_t generation; /* valid while equal to the cache's generation */
    uint32_t lo, hi;     /* ... from data[lo] to data[hi - 1] */
    uint8_t data[RMEM_PAGE_SIZE];
};

struct rmem_proc {
    pid_t pid;
    uint64_t generation; /* bumped by invalidate: starts at 1, slots at 0 */
    uint64_t syscalls;
    struct rmem_page pages[RMEM_PAGES];
    struct iovec local[RMEM_READV_MAX], remote[RMEM_READV_MAX]; /* for proc_readv */
    /* Pages used since rmem_proc_trace, while tracing. */
    struct rmem_page_use traced[RMEM_TRACE_MAX];
    size_t ntraced;
    /* Where each traced page is in traced (1 + its index; 0: free), by its
     * page number's hash, open addressing: a deep walk traces a hundred
     * pages, and looking each read up among them all cost more than the
     * reads saved. */
    uint8_t traced_at[RMEM_TRACE_SLOTS];
    int tracing;
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

uint64_t rmem_proc_generation(const struct rmem_proc *proc)
{
    return proc->generation;
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

/* The RMEM_WAYS slots page may go to. */
static struct rmem_page *set_of(struct rmem_proc *proc, uint64_t page)
{
    return &proc->pages[((page / RMEM_PAGE_SIZE) % (RMEM_PAGES / RMEM_WAYS)) * RMEM_WAYS];
}

/* The slot holding page read since the last invalidate, or NULL. */
static struct rmem_page *cached_slot(struct rmem_proc *proc, uint64_t page)
{
    struct rmem_page *set = set_of(proc, page);
    for (unsigned w = 0; w < RMEM_WAYS; w++)
        if (set[w].generation == proc->generation && set[w].addr == page)
            return &set[w];
    return NULL;
}

/* A slot's generation while a read-ahead fills it: no walk's generation
 * (they count up from 1), so the slot is neither valid nor free. */
#define RMEM_FILLING UINT64_MAX

/* A slot of page's set holding nothing read since the last invalidate and
 * not being filled, or NULL. */
static struct rmem_page *free_slot(struct rmem_proc *proc, uint64_t page)
{
    struct rmem_page *set = set_of(proc, page);
    for (unsigned w = 0; w < RMEM_WAYS; w++)
        if (set[w].generation != proc->generation && set[w].generation != RMEM_FILLING)
            return &set[w];
    return NULL;
}

/* use widened to cover [lo, hi) too. */
static void widen_use(struct rmem_page_use *use, uint16_t lo, uint16_t hi)
{
    use->lo = lo < use->lo ? lo : use->lo;
    use->hi = hi > use->hi ? hi : use->hi;
}

/* The trace's entry for page: found, else added while there is room;
 * NULL when the trace is full. */
static struct rmem_page_use *traced_page(struct rmem_proc *proc, uint64_t page)
{
    /* Fibonacci hashing of the page number: pages a walk uses are often
     * neighbours, whose low bits alone would crowd a few slots. */
    uint32_t h = (uint32_t)(((page >> 12) * 0x9E3779B97F4A7C15ull) >> 56);
    for (;; h = (h + 1) & (RMEM_TRACE_SLOTS - 1)) {
        uint8_t at = proc->traced_at[h];
        if (at && proc->traced[at - 1].page == page)
            return &proc->traced[at - 1];
        if (!at)
            break;
    }
    if (proc->ntraced == RMEM_TRACE_MAX)
        return NULL;
    proc->traced_at[h] = (uint8_t)(++proc->ntraced);
    struct rmem_page_use *use = &proc->traced[proc->ntraced - 1];
    *use = (struct rmem_page_use){.page = page, .lo = UINT16_MAX, .hi = 0};
    return use;
}

static void note_use(struct rmem_proc *proc, uint64_t page, size_t lo, size_t hi)
{
    uint16_t line_lo = (uint16_t)(lo & ~(size_t)(RMEM_LINE - 1));
    uint16_t line_hi = (uint16_t)((hi + RMEM_LINE - 1) & ~(size_t)(RMEM_LINE - 1));
    struct rmem_page_use *use = traced_page(proc, page);
    if (use)
        widen_use(use, line_lo, line_hi);
}

static int read_in_page(struct rmem_proc *proc, uint64_t addr, uint8_t *buf, size_t len)
{
    uint64_t page = addr & ~(uint64_t)(RMEM_PAGE_SIZE - 1);
    size_t at = (size_t)(addr - page);
    struct rmem_page *slot = cached_slot(proc, page);

    if (proc->tracing)
        note_use(proc, page, at, at + len);
    if (!slot || at < slot->lo || at + len > slot->hi) {
        /* Its own slot (a part of it was read), else a free one, else one
         * picked by the page (evicting a page of this sample). */
        if (!slot)
            slot = free_slot(proc, page);
        if (!slot)
            slot = &set_of(proc, page)[(page / RMEM_PAGE_SIZE / (RMEM_PAGES / RMEM_WAYS)) %
                                       RMEM_WAYS];
        /* A whole-page read can fail where the wanted bytes would not, for
         * example when the page straddles the end of a mapping on a kernel
         * with larger pages; then read just what was asked, uncached. */
        if (read_exact(proc, page, slot->data, RMEM_PAGE_SIZE) < 0) {
            slot->generation = 0;
            return read_exact(proc, addr, buf, len);
        }
        slot->addr = page;
        slot->generation = proc->generation;
        slot->lo = 0;
        slot->hi = RMEM_PAGE_SIZE;
    }
    memcpy(buf, slot->data + at, len);
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

/* Sets iov[0..n) to the spans' local and remote sides. */
static void spans_iov(const struct rmem_span *spans, size_t n, struct iovec *local,
                      struct iovec *remote)
{
    for (size_t i = 0; i < n; i++) {
        local[i] = (struct iovec){.iov_base = spans[i].buf, .iov_len = spans[i].len};
        remote[i] = (struct iovec){.iov_base = (void *)(uintptr_t)spans[i].addr,
                                   .iov_len = spans[i].len};
    }
}

static int proc_readv(void *ctx, const struct rmem_span *spans, size_t n)
{
    struct rmem_proc *proc = ctx;
    struct iovec *local = proc->local, *remote = proc->remote;

    if (n == 0)
        return 0;
    if (n > RMEM_READV_MAX)
        n = RMEM_READV_MAX;
    spans_iov(spans, n, local, remote);
    proc->syscalls++;
    ssize_t got = process_vm_readv(proc->pid, local, (unsigned long)n, remote, (unsigned long)n, 0);
    if (got < 0)
        return -errno;
    /* A partial read stops at the first span that failed. */
    size_t whole = 0;
    for (size_t done = 0; whole < n && done + spans[whole].len <= (size_t)got; whole++)
        done += spans[whole].len;
    return whole ? (int)whole : -EFAULT;
}

/* A walker's forget starts a read of fresh memory (a check): what it uses
 * from then on is no page to read ahead of the next walk. */
static void proc_forget(void *ctx)
{
    struct rmem_proc *proc = ctx;
    rmem_proc_invalidate(proc);
    proc->tracing = 0;
}

void rmem_proc_trace(struct rmem_proc *proc)
{
    proc->ntraced = 0;
    memset(proc->traced_at, 0, sizeof(proc->traced_at));
    proc->tracing = 1;
}

size_t rmem_proc_traced(struct rmem_proc *proc, struct rmem_page_use *uses, size_t max)
{
    size_t n = proc->ntraced < max ? proc->ntraced : max;
    memcpy(uses, proc->traced, n * sizeof(*uses));
    proc->tracing = 0;
    return n;
}

/* The uses of uses[0..n) merged by page, one per page, in page order, into
 * merged (room for n): one read per page. An insertion sort: n is at most
 * RMEM_PREFETCH_MAX, mostly the same pages twice (the last walk's and the
 * listing's); looking each use up against all the others took a fifth of
 * the daemon's own instructions per tick (callgrind, 1 kHz, depth 10).
 * Returns the count. */
static size_t merge_by_page(const struct rmem_page_use *uses, size_t n,
                            struct rmem_page_use *merged)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        struct rmem_page_use use = uses[i];
        size_t at = count;
        while (at > 0 && merged[at - 1].page > use.page)
            at--;
        if (at > 0 && merged[at - 1].page == use.page) {
            widen_use(&merged[at - 1], use.lo, use.hi);
            continue;
        }
        memmove(&merged[at + 1], &merged[at], (count - at) * sizeof(*merged));
        merged[at] = use;
        count++;
    }
    return count;
}

void rmem_proc_prefetch(struct rmem_proc *proc, const struct rmem_page_use *uses, size_t n)
{
    rmem_proc_prefetch_around(proc, NULL, 0, uses, n, NULL, 0);
}

int rmem_proc_prefetch_around(struct rmem_proc *proc, const struct rmem_span *before,
                              size_t nbefore, const struct rmem_page_use *uses, size_t n,
                              const struct rmem_span *then, size_t nthen)
{
    struct rmem_page *slots[RMEM_TRACE_MAX];
    struct rmem_page_use wanted[RMEM_TRACE_MAX], merged[RMEM_PREFETCH_MAX];
    size_t count = 0, lead = 0;

    nbefore = nbefore < RMEM_READV_MAX / 2 ? nbefore : 0;
    spans_iov(before, nbefore, proc->local, proc->remote);
    for (size_t i = 0; i < nbefore; i++)
        lead += before[i].len;
    n = merge_by_page(uses, n < RMEM_PREFETCH_MAX ? n : RMEM_PREFETCH_MAX, merged);
    for (size_t i = 0; i < n && count < RMEM_TRACE_MAX; i++) {
        struct rmem_page_use use = merged[i];
        if (use.lo >= use.hi || use.hi > RMEM_PAGE_SIZE || use.page % RMEM_PAGE_SIZE)
            continue; /* not a use rmem_proc_traced made */
        if (cached_slot(proc, use.page))
            continue; /* cached already */
        struct rmem_page *slot = free_slot(proc, use.page);
        if (!slot)
            continue; /* other pages of this sample fill its set: read on demand */
        slots[count] = slot;
        wanted[count] = use;
        proc->local[nbefore + count] = (struct iovec){.iov_base = slot->data + use.lo,
                                                      .iov_len = (size_t)(use.hi - use.lo)};
        proc->remote[nbefore + count] =
            (struct iovec){.iov_base = (void *)(uintptr_t)(use.page + use.lo),
                           .iov_len = (size_t)(use.hi - use.lo)};
        slot->addr = use.page;
        slot->generation = RMEM_FILLING;
        count++;
    }
    size_t room = RMEM_READV_MAX - nbefore - count;
    nthen = nthen < room ? nthen : room;
    spans_iov(then, nthen, proc->local + nbefore + count, proc->remote + nbefore + count);
    size_t total = nbefore + count + nthen;
    if (count + nthen == 0)
        return -EFAULT;
    proc->syscalls++;
    ssize_t got = process_vm_readv(proc->pid, proc->local, (unsigned long)total, proc->remote,
                                   (unsigned long)total, 0);
    /* A partial read stops at the first part that failed: the pages from
     * there on hold nothing, and without all of before, nothing counts. */
    if (got >= 0 && (size_t)got < lead)
        got = -1;
    else if (got >= 0)
        got -= (ssize_t)lead;
    size_t done = 0, filled = 0;
    for (size_t i = 0; i < count; i++) {
        done += (size_t)(wanted[i].hi - wanted[i].lo);
        if (filled == i && got > 0 && (size_t)got >= done)
            filled++;
        slots[i]->generation = filled > i ? proc->generation : 0;
        slots[i]->lo = wanted[i].lo;
        slots[i]->hi = wanted[i].hi;
    }
    if (filled < count)
        return -EFAULT;
    size_t whole = 0;
    while (got > 0 && whole < nthen && done + then[whole].len <= (size_t)got)
        done += then[whole++].len;
    return whole ? (int)whole : -EFAULT;
}

struct rmem rmem_proc_ops(struct rmem_proc *proc)
{
    return (struct rmem){.read = proc_read, .readv = proc_readv, .forget = proc_forget,
                         .ctx = proc};
}
