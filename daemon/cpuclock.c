/* Exact CPU clocks of other threads through perf task-clock counters (see
 * cpuclock.h). Counting only, no sampling, and user-only exclusion, so
 * that kernel.perf_event_paranoid=2 (unprivileged users may count their
 * own processes' user-space events) allows it; a task-clock counts the
 * thread's time on CPU either way. The counter also asks for the thread's
 * context-switch records and its exit, each with its time, for
 * switchwatch.h; a kernel
 * that refuses the times (older than 4.1) or the records (older than 4.3)
 * still gets the rest. */
#include "daemon/cpuclock.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* What the counter's ring buffer gets besides the count: nothing; its
 * context switches; the switches with the time of each (CLOCK_MONOTONIC,
 * as the daemon's own clock reads), which the kernel allows since 4.1. */
enum switch_records { RECORDS_NONE, RECORDS_BARE, RECORDS_TIMED };

/* The attributes of a user-only software counter of the given kind. */
static void software_counter(struct perf_event_attr *attr, uint64_t config)
{
    memset(attr, 0, sizeof(*attr));
    attr->size = sizeof(*attr);
    attr->type = PERF_TYPE_SOFTWARE;
    attr->config = config;
    attr->exclude_kernel = 1;
    attr->exclude_hv = 1;
}

static int open_attr(struct perf_event_attr *attr, pid_t tid)
{
    long fd = syscall(SYS_perf_event_open, attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

static int open_counter(pid_t tid, enum switch_records records)
{
    struct perf_event_attr attr;

    software_counter(&attr, PERF_COUNT_SW_TASK_CLOCK);
    attr.context_switch = records != RECORDS_NONE;
    /* And its exit: the counter stops before the thread's exit work (the
     * freeing of the process's memory by the last one), and without a
     * record of it the watch would read the thread as on CPU on. */
    attr.task = records != RECORDS_NONE;
    if (records == RECORDS_TIMED) {
        attr.sample_type = PERF_SAMPLE_TIME;
        attr.sample_id_all = 1;
        attr.use_clockid = 1;
        attr.clockid = CLOCK_MONOTONIC;
    }
    return open_attr(&attr, tid);
}

int cpuclock_open_dummy(pid_t tid)
{
    struct perf_event_attr attr;

    software_counter(&attr, PERF_COUNT_SW_DUMMY);
    return open_attr(&attr, tid);
}

static int refused(int fd)
{
    return fd == -EINVAL || fd == -EACCES || fd == -EPERM;
}

int cpuclock_open(pid_t tid)
{
    int fd = open_counter(tid, RECORDS_TIMED);
    if (refused(fd))
        fd = open_counter(tid, RECORDS_BARE);
    return refused(fd) ? open_counter(tid, RECORDS_NONE) : fd;
}

int cpuclock_read(int fd, uint64_t *ns)
{
    uint64_t value;
    ssize_t n = read(fd, &value, sizeof(value));
    if (n != (ssize_t)sizeof(value))
        return n < 0 ? -errno : -EIO;
    *ns = value;
    return 0;
}
