/* A thread's context switches, seen in its counter's ring buffer (see
 * switchwatch.h). */
#include "daemon/switchwatch.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The control page and one page of records: the smallest buffer perf
 * maps. In overwrite mode its size only bounds what could be read back:
 * 256 timed records, more than a thread switches between two ticks unless
 * it blocks and wakes every few microseconds. */
#define SWITCHWATCH_MAX_BYTES 4096u
static size_t map_length(void)
{
    return 2 * (size_t)sysconf(_SC_PAGESIZE);
}

int switchwatch_map(struct switch_watch *w, int fd)
{
    *w = (struct switch_watch)SWITCH_WATCH_INIT;
    void *page = mmap(NULL, map_length(), PROT_READ, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED)
        return -errno;
    w->page = page;
    w->seen = __atomic_load_n(&((const struct perf_event_mmap_page *)page)->data_head,
                              __ATOMIC_ACQUIRE);
    return 0;
}

/* One switch record as read: in or out, and when (0: no time on it). */
struct switch_record {
    int in;
    uint64_t time_ns;
};

/* The bytes between w->seen and head, copied out of the ring (at most its
 * size). Returns how many, or -1 when some were written over before or
 * while they were read. */
static long copy_records(const struct switch_watch *w, uint64_t head, unsigned char *buf)
{
    const struct perf_event_mmap_page *page = w->page;
    uint64_t size = page->data_size, offset = page->data_offset;
    if (!size || (size & (size - 1)) || size > SWITCHWATCH_MAX_BYTES || head - w->seen > size)
        return -1;
    const unsigned char *data = (const unsigned char *)page + offset;
    uint64_t len = head - w->seen, from = w->seen & (size - 1);
    uint64_t first = len < size - from ? len : size - from;
    memcpy(buf, data + from, first);
    memcpy(buf + first, data, len - first);
    /* The kernel writes on at head while this copies: what it wrote over
     * since lies within a ring's length behind its new head. */
    uint64_t now = __atomic_load_n(&page->data_head, __ATOMIC_ACQUIRE);
    return now - w->seen > size ? -1 : (long)len;
}

/* Parses len bytes of records into out (at most max). Returns how many, or
 * -1 for a record that is not a switch or is malformed. */
static int parse_records(const unsigned char *buf, long len, struct switch_record *out, int max)
{
    int n = 0;
    for (long at = 0; at < len; n++) {
        struct perf_event_header h;
        if (len - at < (long)sizeof(h) || n == max)
            return -1;
        memcpy(&h, buf + at, sizeof(h));
        if (h.type != PERF_RECORD_SWITCH || h.size < sizeof(h) || h.size > len - at)
            return -1;
        out[n].in = !(h.misc & PERF_RECORD_MISC_SWITCH_OUT);
        out[n].time_ns = 0;
        if (h.size >= sizeof(h) + sizeof(uint64_t)) /* sample_id: the time alone */
            memcpy(&out[n].time_ns, buf + at + sizeof(h), sizeof(uint64_t));
        at += h.size;
    }
    return n;
}

/* The time on a CPU from since_ns to now_ns that records rec[0..n) say,
 * the thread's state before them being state. 0, or -1 when it cannot tell. */
static int replay(const struct switch_record *rec, int n, int state, uint64_t since_ns,
                  uint64_t now_ns, struct switch_replay *out)
{
    uint64_t on = 0, from = since_ns;
    for (int i = 0; i < n; i++) {
        if (!rec[i].time_ns)
            return -1;
        if (rec[i].time_ns <= since_ns) {
            state = rec[i].in;
            continue;
        }
        if (state < 0)
            state = !rec[i].in; /* a switch out ends a time on CPU, a switch in one off it */
        if (state == 1)
            on += rec[i].time_ns - from;
        state = rec[i].in;
        from = rec[i].time_ns;
    }
    if (state < 0)
        return -1;
    if (state == 1 && now_ns > from)
        on += now_ns - from;
    *out = (struct switch_replay){.known = 1, .on_ns = on, .on_now = state == 1};
    return 0;
}

enum switch_seen switchwatch_look_since(struct switch_watch *w, uint64_t since_ns,
                                        int on_at_since, uint64_t now_ns,
                                        struct switch_replay *out)
{
    *out = (struct switch_replay){0};
    if (!w->page)
        return SWITCH_UNKNOWN;
    const struct perf_event_mmap_page *page = w->page;
    uint64_t head = __atomic_load_n(&page->data_head, __ATOMIC_ACQUIRE);
    int before = w->state >= 0 ? w->state : on_at_since;
    if (head == w->seen) {
        replay(NULL, 0, before, since_ns, now_ns, out);
        return SWITCH_NONE;
    }
    unsigned char buf[SWITCHWATCH_MAX_BYTES];
    struct switch_record rec[SWITCHWATCH_MAX_BYTES / sizeof(struct perf_event_header)];
    long len = copy_records(w, head, buf);
    int n = len < 0 ? -1 : parse_records(buf, len, rec, (int)(sizeof(rec) / sizeof(rec[0])));
    w->seen = head;
    w->state = n > 0 ? rec[n - 1].in : -1;
    if (n <= 0)
        return SWITCH_UNKNOWN;
    replay(rec, n, before, since_ns, now_ns, out);
    return rec[n - 1].in ? SWITCH_LAST_IN : SWITCH_LAST_OUT;
}

enum switch_seen switchwatch_look(struct switch_watch *w)
{
    struct switch_replay unused;
    return switchwatch_look_since(w, 0, -1, 0, &unused);
}

void switchwatch_unmap(struct switch_watch *w)
{
    if (w->page)
        munmap((void *)w->page, map_length());
    *w = (struct switch_watch)SWITCH_WATCH_INIT;
}
