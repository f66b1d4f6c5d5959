/* A thread's context switches, seen in its counter's ring buffer (see
 * switchwatch.h). */
#include "daemon/switchwatch.h"

#include <errno.h>
#include <linux/perf_event.h>
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

int switchwatch_moved(struct switch_watch *w)
{
    if (!w->page)
        return 1;
    uint64_t head = __atomic_load_n(&((const struct perf_event_mmap_page *)w->page)->data_head,
                                    __ATOMIC_ACQUIRE);
    int moved = head != w->seen;
    w->seen = head;
    return moved;
}

void switchwatch_unmap(struct switch_watch *w)
{
    if (w->page)
        munmap((void *)w->page, map_length());
    *w = (struct switch_watch)SWITCH_WATCH_INIT;
}
