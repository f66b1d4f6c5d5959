/* Reading another process's memory. The walker sees memory only through
 * struct rmem, so tests can hand it a fabricated memory image. */
#ifndef FAH_DAEMON_RMEM_H
#define FAH_DAEMON_RMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rmem {
    /* Copies len bytes at addr into buf. Returns 0, or a negative errno code
     * (-EFAULT for an unmapped address); never a partial success. */
    int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    /* Optional (NULL: nothing is cached): drops what earlier reads cached,
     * so that the next reads see the target as it is now. */
    void (*forget)(void *ctx);
    /* Optional (NULL: a no-op): brings the len bytes at each of n addresses
     * in, with as few reads as it can, for reads that follow; a hint only,
     * failures are the later reads' to report. */
    void (*prefetch)(void *ctx, const uint64_t *addrs, size_t n, size_t len);
    void *ctx;
};

static inline void rmem_prefetch(const struct rmem *mem, const uint64_t *addrs, size_t n,
                                 size_t len)
{
    if (mem->prefetch)
        mem->prefetch(mem->ctx, addrs, n, len);
}

static inline void rmem_forget(const struct rmem *mem)
{
    if (mem->forget)
        mem->forget(mem->ctx);
}

static inline int rmem_read(const struct rmem *mem, uint64_t addr, void *buf, size_t len)
{
    return mem->read(mem->ctx, addr, buf, len);
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

/* The struct rmem reading through proc (which must outlive it). */
struct rmem rmem_proc_ops(struct rmem_proc *proc);

/* Reads that reached the kernel, for benchmarks. */
uint64_t rmem_proc_syscalls(const struct rmem_proc *proc);

#endif
