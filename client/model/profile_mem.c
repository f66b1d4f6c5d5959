/* The memory part of a profile (see profile_mem.h). */
#include "client/model/profile_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/profile.h"

void profile_mem_init(struct profile_memory *m)
{
    memset(m, 0, sizeof(*m));
    profile_rss_init(&m->rss);
    m->main_stack = -1;
    m->main_t = -1;
    m->script_end = -1;
    m->script_start = -1;
}

void profile_mem_free(struct profile_memory *m)
{
    profile_rss_free(&m->rss);
    free(m->events);
    free(m->live);
    free(m->sum_event);
    free(m->growth);
    m->growth = NULL;
    m->ngrowth = m->growth_cap = 0;
    m->events = NULL;
    m->live = NULL;
    m->sum_event = NULL;
    m->sum_cap = 0;
}

static int grow(void **array, size_t *cap, size_t want, size_t size)
{
    if (want <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 256;
    while (n < want)
        n *= 2;
    void *grown = realloc(*array, n * size);
    if (!grown)
        return -ENOMEM;
    *array = grown;
    *cap = n;
    return 0;
}

static int add_event(struct profile_memory *m, const struct profile_heap_event *ev)
{
    if (grow((void **)&m->events, &m->events_cap, m->nevents + 1, sizeof(*m->events)) < 0)
        return -ENOMEM;
    m->events[m->nevents++] = *ev;
    return 0;
}

/* A copy or an RSS growth: added to its stack's event of that kind. */
static int add_summed(struct profile_memory *m, const struct profile_heap_event *ev)
{
    size_t slot = 2 * (size_t)ev->stack + (ev->kind == PROFILE_HEAP_RSS_GROWTH);
    if (slot >= m->sum_cap) {
        size_t cap = m->sum_cap ? m->sum_cap : 256, old = m->sum_cap;
        while (cap <= slot)
            cap *= 2;
        if (grow((void **)&m->sum_event, &m->sum_cap, cap, sizeof(*m->sum_event)) < 0)
            return -ENOMEM;
        memset(m->sum_event + old, 0, (m->sum_cap - old) * sizeof(*m->sum_event));
    }
    if (m->sum_event[slot]) {
        struct profile_heap_event *sum = &m->events[m->sum_event[slot] - 1];
        sum->bytes = sum->bytes > INT64_MAX - ev->bytes ? INT64_MAX : sum->bytes + ev->bytes;
        sum->native |= ev->native;
        return 0;
    }
    if (add_event(m, ev) < 0)
        return -ENOMEM;
    m->sum_event[slot] = (uint32_t)m->nevents;
    return 0;
}

static int charge_rss_growth(struct profile_memory *m, double t, uint64_t bytes, long stack)
{
    struct profile_heap_event ev = {.t = t, .stack = (uint32_t)stack,
                                    .kind = PROFILE_HEAP_RSS_GROWTH, .bytes = (int64_t)bytes};
    return add_summed(m, &ev);
}

/* Charges the waiting growth that ended by `until` (all of it when
 * until < 0): to the main thread's last stack when it was seen after the
 * growth's first reading, else to `next`, the one it is seen in now. */
static int charge_waiting(struct profile_memory *m, double until, long next)
{
    size_t i = 0;
    for (; i < m->ngrowth && (until < 0 || m->growth[i].to <= until); i++) {
        const struct profile_rss_growth *g = &m->growth[i];
        long stack = m->main_stack >= 0 && m->main_t > g->from ? m->main_stack : next;
        if (stack < 0)
            stack = m->main_stack;
        if (stack >= 0 && charge_rss_growth(m, g->to, g->bytes, stack) < 0)
            return -ENOMEM;
    }
    if (i && i < m->ngrowth)
        memmove(m->growth, m->growth + i, (m->ngrowth - i) * sizeof(*m->growth));
    m->ngrowth -= i;
    return 0;
}

int profile_mem_settle(struct profile *p)
{
    return charge_waiting(&p->memory, -1, -1);
}

int profile_mem_main_seen(struct profile *p, long stack, double t)
{
    struct profile_memory *m = &p->memory;
    if (charge_waiting(m, t, stack) < 0)
        return -ENOMEM;
    m->main_stack = stack;
    m->main_t = t;
    return 0;
}

int profile_mem_rss(struct profile *p, double t, uint64_t bytes)
{
    struct profile_memory *m = &p->memory;
    if (bytes == 0)
        return 0;
    uint64_t before = m->rss.latest.t >= 0 ? m->rss.latest.bytes : bytes;
    double before_t = m->rss.latest.t >= 0 ? m->rss.latest.t : t;
    if (profile_rss_add(&m->rss, t, bytes) < 0)
        return -ENOMEM;
    if (bytes > m->max_rss_sampled)
        m->max_rss_sampled = bytes;
    if (bytes <= before)
        return 0;
    if (grow((void **)&m->growth, &m->growth_cap, m->ngrowth + 1, sizeof(*m->growth)) < 0)
        return -ENOMEM;
    m->growth[m->ngrowth++] = (struct profile_rss_growth){before_t, t, bytes - before};
    return 0;
}

static size_t live_slot(const struct profile_memory *m, uint64_t addr)
{
    size_t mask = m->live_cap - 1;
    size_t i = (size_t)((addr >> 4) * 0x9e3779b97f4a7c15u) & mask;
    while (m->live[i].addr && m->live[i].addr != addr)
        i = (i + 1) & mask;
    return i;
}

/* Open addressing with backward-shift deletion: no tombstones to pile up
 * under churn. */
static int live_put(struct profile_memory *m, uint64_t addr, uint32_t event)
{
    if ((m->nlive + 1) * 2 > m->live_cap) {
        size_t cap = m->live_cap ? m->live_cap * 2 : 1024;
        struct profile_live_block *old = m->live;
        size_t old_cap = m->live_cap;
        if (!(m->live = calloc(cap, sizeof(*m->live)))) {
            m->live = old;
            return -ENOMEM;
        }
        m->live_cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].addr)
                m->live[live_slot(m, old[i].addr)] = old[i];
        free(old);
    }
    size_t i = live_slot(m, addr);
    if (!m->live[i].addr)
        m->nlive++;
    m->live[i] = (struct profile_live_block){addr, event};
    return 0;
}

static long live_take(struct profile_memory *m, uint64_t addr)
{
    if (!m->live_cap)
        return -1;
    size_t mask = m->live_cap - 1, i = live_slot(m, addr);
    if (!m->live[i].addr)
        return -1;
    long event = (long)m->live[i].event;
    m->live[i].addr = 0;
    m->nlive--;
    for (size_t j = (i + 1) & mask; m->live[j].addr; j = (j + 1) & mask) {
        struct profile_live_block b = m->live[j];
        m->live[j].addr = 0;
        m->live[live_slot(m, b.addr)] = b;
    }
    return event;
}

/* A number in [0, 1) that only the event decides (splitmix64 of its
 * fields): which events thinning keeps, the same in every run. */
static double event_hash(const struct profile_heap_event *ev)
{
    uint64_t x;
    memcpy(&x, &ev->t, sizeof(x));
    x ^= ((uint64_t)ev->stack << 32) ^ (uint64_t)ev->bytes;
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return (double)(x >> 11) / 9007199254740992.0; /* 2^53 */
}

/* Whether an allocation recorded at window `from` (a sampled one weighs
 * exactly that, a whole block its size) stays at window `to`, and its
 * weight there (see profile_mem_heap). */
static int thin_keep(struct profile_heap_event *ev, uint64_t from, uint64_t to)
{
    uint64_t bytes = (uint64_t)ev->bytes;
    if (from == to || (bytes != from && bytes >= to / 4))
        return 1;
    double keep = (double)(bytes == from ? from : bytes) / (double)to;
    if (event_hash(ev) >= keep)
        return 0;
    ev->bytes = (int64_t)to;
    return 1;
}

/* The live blocks whose allocation moved from index i to moved[i], those
 * whose allocation was dropped forgotten. */
static int live_remap(struct profile_memory *m, const uint32_t *moved)
{
    struct profile_live_block *kept = malloc((m->nlive + 1) * sizeof(*kept));
    size_t n = 0;
    if (!kept)
        return -ENOMEM;
    for (size_t i = 0; i < m->live_cap; i++)
        if (m->live[i].addr && moved[m->live[i].event] != PROFILE_HEAP_NO_PAIR)
            kept[n++] = (struct profile_live_block){m->live[i].addr, moved[m->live[i].event]};
    memset(m->live, 0, m->live_cap * sizeof(*m->live));
    m->nlive = 0;
    for (size_t i = 0; i < n; i++)
        live_put(m, kept[i].addr, kept[i].event); /* fewer than before: no growth */
    free(kept);
    return 0;
}

/* Halves the sampling rate of the allocations and releases kept so far. */
static int thin_out(struct profile_memory *m)
{
    uint64_t to = m->window * 2;
    uint32_t *moved = malloc((m->nevents + 1) * sizeof(*moved));
    size_t out = 0;
    if (!moved)
        return -ENOMEM;
    for (size_t i = 0; i < m->nevents; i++) {
        struct profile_heap_event ev = m->events[i];
        int keep = 1;
        if (ev.kind == PROFILE_HEAP_ALLOC) {
            keep = thin_keep(&ev, m->window, to);
        } else if (ev.kind == PROFILE_HEAP_FREE && ev.pair != PROFILE_HEAP_NO_PAIR) {
            keep = ev.pair < i && moved[ev.pair] != PROFILE_HEAP_NO_PAIR;
            if (keep) { /* its allocation is already in place, maybe reweighed */
                ev.pair = moved[ev.pair];
                ev.bytes = -m->events[ev.pair].bytes;
            }
        }
        moved[i] = keep ? (uint32_t)out : PROFILE_HEAP_NO_PAIR;
        if (keep)
            m->events[out++] = ev;
    }
    for (size_t i = 0; i < m->sum_cap; i++) /* copies and RSS growth all stay */
        if (m->sum_event[i])
            m->sum_event[i] = moved[m->sum_event[i] - 1] + 1;
    int rc = live_remap(m, moved);
    free(moved);
    m->nevents = out;
    m->window = to;
    m->thinned++;
    return rc;
}

/* Thins until there is room for one more allocation or release. */
static int make_room(struct profile_memory *m)
{
    while (m->nevents >= PROFILE_HEAP_EVENTS_MAX && m->window > 0 && m->window < (1ull << 62))
        if (thin_out(m) < 0)
            return -ENOMEM;
    return 0;
}

void profile_mem_set_window(struct profile *p, uint64_t library_window)
{
    p->memory.window = library_window << p->memory.thinned;
}

int profile_mem_heap(struct profile *p, double t, uint32_t tid, const struct profile_frame *frames,
                     uint32_t n, uint64_t bytes, uint64_t addr, int native, int copy)
{
    struct profile_memory *m = &p->memory;
    long stack = profile_intern_stack(p, tid, frames, n, 0);
    if (stack < 0)
        return -ENOMEM;
    m->heap = 1;
    struct profile_heap_event ev = {.t = t, .stack = (uint32_t)stack,
                                    .pair = PROFILE_HEAP_NO_PAIR,
                                    .kind = copy ? PROFILE_HEAP_COPY : PROFILE_HEAP_ALLOC,
                                    .native = native ? 1 : 0,
                                    .bytes = bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes};
    if (copy)
        return add_summed(m, &ev);
    /* realloc in place, or a release we never heard of: the old block at
     * this address is gone. */
    if (make_room(m) < 0 || (addr && profile_mem_free_block(p, t, addr) < 0))
        return -ENOMEM;
    if (!thin_keep(&ev, m->window >> m->thinned, m->window))
        return 0;
    if (addr && live_put(m, addr, (uint32_t)m->nevents) < 0)
        return -ENOMEM;
    return add_event(m, &ev);
}

int profile_mem_free_block(struct profile *p, double t, uint64_t addr)
{
    struct profile_memory *m = &p->memory;
    if (make_room(m) < 0)
        return -ENOMEM;
    long at = live_take(m, addr);
    if (at < 0)
        return 0;
    const struct profile_heap_event *a = &m->events[at];
    struct profile_heap_event ev = {.t = t, .stack = a->stack, .pair = (uint32_t)at,
                                    .kind = PROFILE_HEAP_FREE, .native = a->native,
                                    .bytes = -a->bytes};
    return add_event(m, &ev);
}

int profile_mem_copy(struct profile_memory *dst, const struct profile_memory *src,
                     const uint32_t *stack_map)
{
    dst->heap = src->heap;
    dst->window = src->window;
    dst->thinned = src->thinned;
    dst->heap_samples = src->heap_samples;
    dst->heap_truncated = src->heap_truncated;
    dst->heap_unwaited = src->heap_unwaited;
    dst->max_rss_sampled = src->max_rss_sampled;
    dst->script_end = src->script_end;
    dst->script_start = src->script_start;
    dst->main_stack = src->main_stack < 0 ? -1 : (long)stack_map[src->main_stack];
    /* sum_event is not copied: a snapshot receives no more events. */
    if (profile_rss_copy(&dst->rss, &src->rss) < 0 ||
        grow((void **)&dst->events, &dst->events_cap, src->nevents, sizeof(*dst->events)) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < src->nevents; i++) {
        dst->events[i] = src->events[i];
        dst->events[i].stack = stack_map[src->events[i].stack];
    }
    dst->nevents = src->nevents;
    return 0;
}
