/* Reading another process's memory. The walker sees memory only through
 * struct rmem, so tests can hand it a fabricated memory image. */
#ifndef FAH_DAEMON_RMEM_H
#define FAH_DAEMON_RMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One of several spans read together (rmem_readv). */
struct rmem_span {
    uint64_t addr;
    void *buf;
    size_t len;
};

struct rmem {
    /* Copies len bytes at addr into buf. Returns 0, or a negative errno code
     * (-EFAULT for an unmapped address); never a partial success. */
    int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    /* Optional (NULL: read one span at a time): reads spans in order, all
     * at one moment and afresh (never from what forget drops). Returns how
     * many leading spans were read whole, or a negative errno code when
     * not even the first was. */
    int (*readv)(void *ctx, const struct rmem_span *spans, size_t n);
    /* Optional (NULL: nothing is cached): drops what earlier reads cached,
     * so that the next reads see the target as it is now. */
    void (*forget)(void *ctx);
    void *ctx;
};

static inline void rmem_forget(const struct rmem *mem)
{
    if (mem->forget)
        mem->forget(mem->ctx);
}

static inline int rmem_read(const struct rmem *mem, uint64_t addr, void *buf, size_t len)
{
    return mem->read(mem->ctx, addr, buf, len);
}

/* Reads n spans: one system call for a live process, where reading many
 * small fields costs mostly the calls. The caller makes sure the reads are
 * fresh where that matters (forget first: without readv they are served
 * from mem's cache). Returns as readv above; 0 spans read is -EFAULT or
 * the first span's error. */
static inline int rmem_readv(const struct rmem *mem, const struct rmem_span *spans, size_t n)
{
    if (mem->readv)
        return mem->readv(mem->ctx, spans, n);
    for (size_t i = 0; i < n; i++) {
        int rc = mem->read(mem->ctx, spans[i].addr, spans[i].buf, spans[i].len);
        if (rc < 0)
            return i ? (int)i : rc;
    }
    return (int)n;
}

/* A live process read with process_vm_readv through a small page cache:
 * one sample reads many small fields on few pages. */
struct rmem_proc;

/* Returns NULL when out of memory. */
struct rmem_proc *rmem_proc_new(pid_t pid);
void rmem_proc_free(struct rmem_proc *proc);

/* Forgets cached pages: call at the start of every sample, since the target
 * has run since. */
void rmem_proc_invalidate(struct rmem_proc *proc);

/* Changes at every invalidate (and forget): what was cached at one value
 * is still cached while it stands. */
uint64_t rmem_proc_generation(const struct rmem_proc *proc);

/* The struct rmem reading through proc (which must outlive it). */
struct rmem rmem_proc_ops(struct rmem_proc *proc);

/* Reading ahead. A walk of one thread uses much the same memory at every
 * sample: the thread state, the frames near the top of its stack. Read
 * one field at a time it costs a system call each; read together
 * (prefetch) one. rmem_proc_trace starts noting which parts of which
 * pages reads use (at most RMEM_TRACE_MAX pages; a forget ends it: what a
 * check reads afresh is read afresh again next time), rmem_proc_traced
 * hands them out and stops. rmem_proc_prefetch reads such a list into the
 * cache in one system call, after an invalidate: only the parts used
 * (each page costs the kernel a lookup and a pin whatever its length, but
 * copying whole pages cost a walk more than the fields it needs); what
 * cannot be read, or a read outside them, is read on demand. */
#define RMEM_TRACE_MAX 128
#define RMEM_PAGE_BYTES 4096u /* a page, as the cache keeps and traces them */
struct rmem_page_use {
    uint64_t page;  /* page-aligned */
    uint16_t lo, hi; /* the bytes [page + lo, page + hi) were used */
};
void rmem_proc_trace(struct rmem_proc *proc);
size_t rmem_proc_traced(struct rmem_proc *proc, struct rmem_page_use *uses, size_t max);
void rmem_proc_prefetch(struct rmem_proc *proc, const struct rmem_page_use *uses, size_t n);

/* rmem_proc_prefetch, and in the same system call the spans of before
 * copied first, before the pages (which are copied in address order,
 * whatever the order their uses came in), and the spans of then once the
 * pages are copied: a check of what the pages held, bracketing them.
 * Returns how many leading spans of then were read whole, or -EFAULT when
 * none was (nthen 0 included) or a span of before was not read whole. */
int rmem_proc_prefetch_around(struct rmem_proc *proc, const struct rmem_span *before,
                              size_t nbefore, const struct rmem_page_use *uses, size_t n,
                              const struct rmem_span *then, size_t nthen);

/* Reads that reached the kernel, for benchmarks. */
uint64_t rmem_proc_syscalls(const struct rmem_proc *proc);

#endif
