/* A thread's context switches, seen in its counter's ring buffer (see
 * switchwatch.h). */
#include "daemon/switchwatch.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

/* The first argument of a system call: on x86-64 in rdi, which the kernel
 * keeps in the thread's saved user registers while it is blocked. perf's
 * register number for it (asm/perf_regs.h, PERF_REG_X86_DI). */
#define SWITCHWATCH_ARG_REG 5
/* How long before its switch record a switch out's sample may be. */
#define SWITCHWATCH_SAMPLE_LEAD_NS 1000000u

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
    w->counted_ns = clock_monotonic_ns();
    w->seen = __atomic_load_n(&((const struct perf_event_mmap_page *)page)->data_head,
                              __ATOMIC_ACQUIRE);
    return 0;
}

int switchwatch_explain(struct switch_watch *w, int fd, pid_t tid, const struct switch_gil *gil)
{
    if (!w->page)
        return -EINVAL;
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
    attr.sample_period = 1;
    attr.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER;
    attr.sample_regs_user = 1ull << SWITCHWATCH_ARG_REG;
    attr.use_clockid = 1;
    attr.clockid = CLOCK_MONOTONIC;
    attr.exclude_hv = 1;
    /* The switch is the kernel's: excluding it would exclude every sample. */
    long why = syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (why < 0)
        return -errno;
    if (ioctl((int)why, PERF_EVENT_IOC_SET_OUTPUT, fd) != 0) {
        int err = errno;
        close((int)why);
        return -err;
    }
    w->why_fd = (int)why;
    w->gil = gil;
    return 0;
}

/* One record as read: a switch in or out, and when (0: no time on it); or
 * the sample taken with a switch out, and the argument it held. */
struct switch_record {
    uint64_t time_ns;
    uint64_t arg;        /* a sample's first system call argument */
    unsigned char in;
    unsigned char sample;  /* 1: a sample, not a switch */
    unsigned char preempt; /* a switch out that left it runnable */
    unsigned char has_arg;
    unsigned char exited;  /* the thread's exit: its counter stopped */
};
/* The fewest bytes a record takes: a switch with its time. */
#define SWITCHWATCH_MIN_RECORD (sizeof(struct perf_event_header) + sizeof(uint64_t))

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

/* A switch out's sample: its time, the registers' ABI (0: none, a kernel
 * thread) and the one register asked for. */
static void parse_sample(const unsigned char *body, size_t size, struct switch_record *out)
{
    uint64_t field[3] = {0, 0, 0};
    memcpy(field, body, size < sizeof(field) ? size : sizeof(field));
    out->sample = 1;
    out->time_ns = field[0];
    out->has_arg = size >= sizeof(field) && field[1] != PERF_SAMPLE_REGS_ABI_NONE;
    out->arg = field[2];
}

/* The thread's exit record (pid, ppid, tid, ptid and a time, then the
 * sample_id: the time alone) as a switch out that no switch in follows. */
static void parse_exit(const unsigned char *body, size_t size, struct switch_record *out)
{
    size_t at = size >= 4 * sizeof(uint32_t) + 2 * sizeof(uint64_t) ? size - sizeof(uint64_t)
                                                                   : 4 * sizeof(uint32_t);
    out->exited = 1;
    if (size >= at + sizeof(uint64_t))
        memcpy(&out->time_ns, body + at, sizeof(uint64_t));
}

/* Parses len bytes of records into out (at most max): switches, their
 * samples and the thread's exit; records of other kinds (the kernel's
 * notice that it throttled the samples of a thread switching very often,
 * the threads it starts) are passed over. Returns how many, or -1 for a
 * malformed record. */
static int parse_records(const unsigned char *buf, long len, struct switch_record *out, int max)
{
    int n = 0;
    for (long at = 0; at < len;) {
        struct perf_event_header h;
        if (len - at < (long)sizeof(h))
            return -1;
        memcpy(&h, buf + at, sizeof(h));
        if (h.size < sizeof(h) || h.size > len - at)
            return -1;
        const unsigned char *body = buf + at + sizeof(h);
        size_t body_size = h.size - sizeof(h);
        at += h.size;
        if (h.type != PERF_RECORD_SAMPLE && h.type != PERF_RECORD_SWITCH &&
            h.type != PERF_RECORD_EXIT)
            continue;
        if (n == max)
            return -1;
        memset(&out[n], 0, sizeof(out[n]));
        if (h.type == PERF_RECORD_SAMPLE) {
            parse_sample(body, body_size, &out[n]);
        } else if (h.type == PERF_RECORD_EXIT) {
            parse_exit(body, body_size, &out[n]);
        } else {
            out[n].in = !(h.misc & PERF_RECORD_MISC_SWITCH_OUT);
            out[n].preempt = !out[n].in && (h.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
            if (body_size >= sizeof(uint64_t)) /* sample_id: the time alone */
                memcpy(&out[n].time_ns, body, sizeof(uint64_t));
        }
        n++;
    }
    return n;
}

/* What a switch out begins: a wait for a CPU when preempted, else the
 * wait its sample's argument names (none: unknown). */
static int wait_class(const struct switch_watch *w, const struct switch_record *out)
{
    if (out->exited)
        return SWITCH_WAIT_EXITED;
    if (out->preempt)
        return SWITCH_WAIT_QUEUED;
    /* The kernel takes the sample just before it writes the switch (1-3 us
     * here); one older than that belongs to no switch this look saw. */
    if (!w->sampled || !w->gil || w->gil->hi <= w->gil->lo || out->time_ns < w->sampled_ns ||
        out->time_ns - w->sampled_ns > SWITCHWATCH_SAMPLE_LEAD_NS)
        return SWITCH_WAIT_UNKNOWN;
    if (w->sampled_arg >= w->gil->lo && w->sampled_arg < w->gil->hi)
        return SWITCH_WAIT_GIL;
    return SWITCH_WAIT_OTHER;
}

/* Adds a stretch off CPU, from the counted mark up to until_ns, to the
 * waits of its class. */
static void count_wait(struct switch_watch *w, int class, uint64_t until_ns)
{
    uint64_t ns = until_ns > w->counted_ns ? until_ns - w->counted_ns : 0;
    if (class == SWITCH_WAIT_GIL)
        w->waits.gil_ns += ns;
    else if (class == SWITCH_WAIT_OTHER)
        w->waits.other_ns += ns;
    else if (class == SWITCH_WAIT_UNKNOWN)
        w->waits.unknown_ns += ns;
    if (until_ns > w->counted_ns)
        w->counted_ns = until_ns;
}

/* Counts the waits records rec[0..n) close or open, then the one it is in
 * up to now_ns. state is the thread's before them (-1: not known, counted
 * as an unknown wait until a record says). n -1: records were lost. */
static void count_waits(struct switch_watch *w, const struct switch_record *rec, int n,
                        int state, uint64_t now_ns)
{
    int class = state == 0 ? w->open_class : SWITCH_WAIT_UNKNOWN;
    if (n < 0) {
        w->sampled = 0;
        w->open_class = SWITCH_WAIT_UNKNOWN;
        count_wait(w, SWITCH_WAIT_UNKNOWN, now_ns);
        return;
    }
    for (int i = 0; i < n; i++) {
        if (rec[i].sample) {
            w->sampled = rec[i].has_arg;
            w->sampled_arg = rec[i].arg;
            w->sampled_ns = rec[i].time_ns;
            continue;
        }
        if (rec[i].in) {
            if (state != 1)
                count_wait(w, class, rec[i].time_ns);
        } else {
            class = wait_class(w, &rec[i]);
            w->sampled = 0;
        }
        w->counted_ns = rec[i].time_ns > w->counted_ns ? rec[i].time_ns : w->counted_ns;
        state = rec[i].in;
    }
    w->open_class = class;
    if (state != 1)
        count_wait(w, class, now_ns);
    else
        w->counted_ns = now_ns > w->counted_ns ? now_ns : w->counted_ns;
}

struct switch_waits switchwatch_take_waits(struct switch_watch *w)
{
    struct switch_waits taken = w->waits;
    w->waits = (struct switch_waits){0, 0, 0};
    return taken;
}

/* The time on a CPU from since_ns to now_ns that records rec[0..n) say,
 * the thread's state before them being state. 0, or -1 when it cannot tell. */
static int replay(const struct switch_record *rec, int n, int state, uint64_t since_ns,
                  uint64_t now_ns, struct switch_replay *out)
{
    uint64_t on = 0, from = since_ns;
    for (int i = 0; i < n; i++) {
        if (rec[i].sample)
            continue;
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

uint64_t switchwatch_mark(const struct switch_watch *w)
{
    if (!w->page)
        return 0;
    return __atomic_load_n(&((const struct perf_event_mmap_page *)w->page)->data_head,
                           __ATOMIC_ACQUIRE);
}

int switchwatch_moved_since(const struct switch_watch *w, uint64_t mark)
{
    return w->page && switchwatch_mark(w) != mark;
}

static enum switch_seen look_since(struct switch_watch *w, uint64_t since_ns, int on_at_since,
                                   uint64_t now_ns, struct switch_replay *out)
{
    *out = (struct switch_replay){0};
    if (!w->page)
        return SWITCH_UNKNOWN;
    const struct perf_event_mmap_page *page = w->page;
    uint64_t head = __atomic_load_n(&page->data_head, __ATOMIC_ACQUIRE);
    int before = w->state >= 0 ? w->state : on_at_since;
    if (head == w->seen) {
        if (now_ns)
            count_waits(w, NULL, 0, w->state, now_ns);
        replay(NULL, 0, before, since_ns, now_ns, out);
        return SWITCH_NONE;
    }
    unsigned char buf[SWITCHWATCH_MAX_BYTES];
    struct switch_record rec[SWITCHWATCH_MAX_BYTES / SWITCHWATCH_MIN_RECORD];
    rec[0] = (struct switch_record){0};
    long len = copy_records(w, head, buf);
    int n = len < 0 ? -1 : parse_records(buf, len, rec, (int)(sizeof(rec) / sizeof(rec[0])));
    w->seen = head;
    if (now_ns)
        count_waits(w, rec, n, w->state, now_ns);
    if (n == 0) { /* other records alone: no switch */
        replay(NULL, 0, before, since_ns, now_ns, out);
        return SWITCH_NONE;
    }
    int last = n - 1; /* the newest switch: a sample may follow it */
    while (last >= 0 && rec[last].sample)
        last--;
    w->state = n < 0 ? -1 : last >= 0 ? rec[last].in : w->state;
    w->preempted_ns = n > 0 && last >= 0 && !rec[last].in && rec[last].preempt ? rec[last].time_ns
                                                                                : 0;
    if (last < 0)
        return SWITCH_UNKNOWN; /* lost, or a sample whose switch is still to come */
    replay(rec, n, before, since_ns, now_ns, out);
    return rec[last].in ? SWITCH_LAST_IN : SWITCH_LAST_OUT;
}

enum switch_seen switchwatch_look_since(struct switch_watch *w, uint64_t since_ns,
                                        int on_at_since, uint64_t now_ns,
                                        struct switch_replay *out)
{
    /* A replay from before the previous look would miss the switches that
     * look read: a tick that skips a thread waiting for a CPU looks, and
     * the interval of the thread goes on from the tick before. Replayed
     * from the switch back in alone, its time on a CPU before the wait was
     * lost, and a later reading of the counter charged it all at once: a
     * syscall loop sharing its CPU with a busy loop replayed half the CPU
     * its counter counted. */
    int whole = since_ns >= w->looked_ns;
    w->looked_ns = now_ns ? now_ns : clock_monotonic_ns();
    enum switch_seen seen = look_since(w, since_ns, on_at_since, now_ns, out);
    if (!whole)
        out->known = 0;
    return seen;
}

uint64_t switchwatch_preempted_at(const struct switch_watch *w)
{
    return w->state == 0 ? w->preempted_ns : 0;
}

enum switch_seen switchwatch_look(struct switch_watch *w)
{
    struct switch_replay unused;
    return switchwatch_look_since(w, 0, -1, 0, &unused);
}

void switchwatch_unmap(struct switch_watch *w)
{
    if (w->why_fd >= 0)
        close(w->why_fd);
    if (w->page)
        munmap((void *)w->page, map_length());
    *w = (struct switch_watch)SWITCH_WATCH_INIT;
}
