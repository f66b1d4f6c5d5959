/* A thread's context switches, seen in its counter's ring buffer (see
 * switchwatch.h). */
#include "daemon/switchwatch.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The control page and one page of records: the smallest buffer perf
 * maps. In overwrite mode its size only bounds what could be read back. */
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

/* The newest record, before head: every record is a bare header (no
 * sample fields are asked for), so it starts 8 bytes back. In overwrite
 * mode the kernel writes at head, so what lies behind it stays put for
 * hundreds of records. */
static enum switch_seen newest_record(const struct perf_event_mmap_page *page, uint64_t head)
{
    uint64_t size = page->data_size, offset = page->data_offset;
    struct perf_event_header h;
    if (!size || (size & (size - 1)) || head < sizeof(h))
        return SWITCH_UNKNOWN;
    const unsigned char *data = (const unsigned char *)page + offset;
    memcpy(&h, data + ((head - sizeof(h)) & (size - 1)), sizeof(h));
    if (h.type != PERF_RECORD_SWITCH || h.size != sizeof(h))
        return SWITCH_UNKNOWN;
    return (h.misc & PERF_RECORD_MISC_SWITCH_OUT) ? SWITCH_LAST_OUT : SWITCH_LAST_IN;
}

enum switch_seen switchwatch_look(struct switch_watch *w)
{
    if (!w->page)
        return SWITCH_UNKNOWN;
    const struct perf_event_mmap_page *page = w->page;
    uint64_t head = __atomic_load_n(&page->data_head, __ATOMIC_ACQUIRE);
    if (head == w->seen)
        return SWITCH_NONE;
    w->seen = head;
    return newest_record(page, head);
}

void switchwatch_unmap(struct switch_watch *w)
{
    if (w->page)
        munmap((void *)w->page, map_length());
    *w = (struct switch_watch)SWITCH_WATCH_INIT;
}
