/* The memory side of a profile: the RSS timeline the daemon sampled at
 * every tick, and under --memory the sampled heap events (allocations,
 * their releases, bulk copies), each tied to a stack of the profile. The
 * reports turn these into per-line figures (client/model/summary_mem.c). */
#ifndef FAH_CLIENT_PROFILE_MEM_H
#define FAH_CLIENT_PROFILE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "client/model/profile_rss.h"

enum profile_heap_kind {
    PROFILE_HEAP_ALLOC = 0,      /* bytes > 0 */
    PROFILE_HEAP_FREE = 1,       /* bytes < 0: the release of an ALLOC */
    PROFILE_HEAP_COPY = 2,       /* bytes copied by memcpy/memmove */
    PROFILE_HEAP_RSS_GROWTH = 3, /* RSS grew by bytes while the stack ran */
};

/* Allocations and releases kept at most: past it, the client halves its
 * sampling rate (profile_mem_heap). About 3 MB of profile.json and 25 MB
 * of the client while it writes it. */
#define PROFILE_HEAP_EVENTS_MAX (1u << 16)
#define PROFILE_HEAP_NO_PAIR UINT32_MAX

struct profile_heap_event {
    double t;       /* seconds since the session started */
    uint32_t stack; /* index into profile.stacks */
    uint32_t pair;  /* FREE: index of its ALLOC in events, or PROFILE_HEAP_NO_PAIR */
    uint8_t kind;   /* enum profile_heap_kind */
    uint8_t native; /* allocated by native code */
    int64_t bytes;
};

struct profile_live_block {
    uint64_t addr; /* 0: empty slot */
    uint32_t event; /* index of its ALLOC in events */
};

struct profile_memory {
    int heap;        /* heap events were collected (--memory) */
    /* Bytes between samples: the sampler library's window, doubled each
     * time the client halved its rate (thinned times), 0 while unknown. */
    uint64_t window;
    unsigned thinned;
    uint64_t heap_samples, heap_truncated, heap_unwaited;
    uint64_t max_rss_sampled;
    struct profile_rss_series rss; /* bounded: see profile_rss.h */
    struct profile_heap_event *events;
    size_t nevents, events_cap;
    /* Copies and RSS growth count only as sums per line, so a stack has at
     * most one event of each, at the time of its first: their number is
     * bounded by the stacks', not by the run's length. sum_event[2 * stack
     * + (kind == RSS_GROWTH)] is 1 + its index in events, 0 for none. */
    uint32_t *sum_event;
    size_t sum_cap;
    struct profile_live_block *live; /* sampled blocks not yet released */
    size_t nlive, live_cap;
    long main_stack; /* the main thread's latest stack, -1 before any */
    double main_t;   /* when it was seen there, -1 before any */
    /* RSS growth between two readings, waiting for the main thread's
     * samples up to the later reading: the daemon holds a thread's samples
     * for up to a clock period (daemon/periodbuf.h), so readings come
     * before the samples of their ticks. */
    struct profile_rss_growth {
        double from, to; /* the readings' times */
        uint64_t bytes;
    } *growth;
    size_t ngrowth, growth_cap;
    /* Seconds since the session started when the script's own code ended
     * (the bootstrap's mark, client/run/launch.h), before the interpreter's
     * teardown; -1 when unknown (attach, os._exit). The figures stop here. */
    double script_end;
    /* When the script's own code started (after the interpreter's start-up
     * and the bootstrap), -1 unknown: growth is measured from here. */
    double script_start;
};

struct profile;
struct profile_frame;

/* Sets up an empty memory part. */
void profile_mem_init(struct profile_memory *m);

/* Frees what the memory part owns (not the struct itself). */
void profile_mem_free(struct profile_memory *m);

/* An RSS reading at time t; RSS growth since the previous reading is
 * charged to the stack the main thread was last seen in before t, if that
 * was after the previous reading, or, if it went unseen between the two,
 * to the stack it is seen in next: the sampler carries such a tick's time
 * there too. Which is known once the main thread is seen at t or later
 * (its samples may come after the reading), or the stream ends. The
 * readings are kept in bounded memory (profile_rss.h). A reading of 0
 * bytes (the target had exited: a zombie has no pages) is dropped. 0 or
 * -ENOMEM. */
int profile_mem_rss(struct profile *p, double t, uint64_t bytes);

/* The main thread was seen in stack `stack` at time t (for RSS growth).
 * 0 or -ENOMEM. */
int profile_mem_main_seen(struct profile *p, long stack, double t);

/* The stream ended: RSS growth still waiting for the main thread goes to
 * the stack it was last seen in. 0 or -ENOMEM. */
int profile_mem_settle(struct profile *p);

/* A sampled allocation (copy = 0, remembered by address until released)
 * or bulk copy (copy = 1) of `bytes` by thread tid in frames[0..n).
 * Allocations and releases are kept up to PROFILE_HEAP_EVENTS_MAX; when the
 * window is known and they reach it, the client halves its sampling rate as
 * the library would at twice the window: each sampled allocation (weight
 * W) stays with probability 1/2 and then weighs 2W, a block recorded whole
 * stays whole while it is at least a quarter of the new window, else
 * stays with probability size/2W and weighs 2W, and a release goes with
 * its allocation (kept ones are chosen by a hash of the event, so a run is
 * reproducible). Every later allocation is thinned the same way. So the
 * figures stay unbiased, exact ones stay exact, and their resolution is the
 * new window. 0 or -ENOMEM. */
int profile_mem_heap(struct profile *p, double t, uint32_t tid, const struct profile_frame *frames,
                     uint32_t n, uint64_t bytes, uint64_t addr, int native, int copy);

/* The sampler library's window, once known (0 before): the window of the
 * figures is it, doubled as many times as the client thinned. */
void profile_mem_set_window(struct profile *p, uint64_t library_window);

/* The release of the sampled block at addr: an unknown address (sampled
 * before the stream started) is ignored. 0 or -ENOMEM. */
int profile_mem_free_block(struct profile *p, double t, uint64_t addr);

/* Copies src's memory part into dst (whose memory part is empty), with
 * every event's stack index i replaced by stack_map[i]: for snapshots whose
 * stacks were rebuilt (client/report/live.c). Sampled blocks still live are not
 * copied: a snapshot receives no more releases. 0 or -ENOMEM. */
int profile_mem_copy(struct profile_memory *dst, const struct profile_memory *src,
                     const uint32_t *stack_map);

#endif
