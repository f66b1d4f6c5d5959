/* What the allocation-sampling library (client/alloc/, preloaded into the
 * profiled script under --memory) and the daemon (daemon/heap_link.c) agree
 * on: the fixed descriptor numbers of its two pipes, the environment variable
 * that configures it, and the one fixed-size event record it writes. Both
 * sides run on the same machine and are built from the same tree, so the
 * record is a plain struct of naturally aligned fixed-width fields.
 * Change ALLOC_ABI_MAGIC when the record changes. */
#ifndef FAH_COMMON_ALLOC_ABI_H
#define FAH_COMMON_ALLOC_ABI_H

#include <stdint.h>

/* The library moves its pipes onto these descriptors in the target so the
 * daemon can open them as /proc/PID/fd/N (it may read any process it may
 * trace). Below 1024: the default soft RLIMIT_NOFILE. */
#define ALLOC_ABI_FD_EVENTS_R 1000 /* daemon reads events from here */
#define ALLOC_ABI_FD_EVENTS_W 1001 /* library writes events here */
#define ALLOC_ABI_FD_ACK_R 1002    /* library reads acknowledgements here */
#define ALLOC_ABI_FD_ACK_W 1003    /* daemon writes acknowledgements here */

/* "WINDOW" in bytes: the mean distance between samples. Removed from the
 * environment by the library's constructor, with its own LD_PRELOAD entry. */
#define ALLOC_ABI_ENV "FIXINGAHOLE_ALLOC_WINDOW"
#define ALLOC_ABI_LIBRARY "libfixingahole_alloc.so"

#define ALLOC_ABI_MAGIC 0x46414831u /* "FAH1" */

enum alloc_abi_kind {
    ALLOC_EV_HELLO = 1, /* first record: size = magic, addr = pid, weight = window */
    ALLOC_EV_ALLOC = 2, /* a sampled allocation; the thread waits for an ack */
    ALLOC_EV_FREE = 3,  /* a sampled allocation was released (addr) */
    ALLOC_EV_COPY = 4,  /* a sampled bulk copy (memcpy/memmove); waits too */
};

enum alloc_abi_flags {
    ALLOC_EVF_NATIVE = 1u << 0,  /* the caller was not the interpreter's code */
    ALLOC_EVF_WAITING = 1u << 1, /* the thread waits for ack `seq` */
    ALLOC_EVF_MMAP = 1u << 2,    /* an anonymous mmap rather than malloc */
};

/* One record, written whole (its size is far below PIPE_BUF, so writes from
 * several threads never interleave). */
struct alloc_abi_event {
    uint32_t kind;    /* enum alloc_abi_kind */
    uint32_t flags;   /* enum alloc_abi_flags */
    uint32_t seq;     /* the ack the thread waits for (WAITING) */
    uint32_t tid;     /* the allocating thread */
    uint64_t time_ns; /* CLOCK_MONOTONIC */
    uint64_t weight;  /* bytes this sample stands for */
    uint64_t size;    /* bytes the call asked for */
    uint64_t addr;    /* the block's address */
};

_Static_assert(sizeof(struct alloc_abi_event) == 48, "alloc_abi_event is 48 bytes");

#endif
