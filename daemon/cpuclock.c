/* Exact CPU clocks of other threads through perf task-clock counters (see
 * cpuclock.h). Counting only, no sampling, and user-only exclusion, so
 * that kernel.perf_event_paranoid=2 (unprivileged users may count their
 * own processes' user-space events) allows it; a task-clock counts the
 * thread's time on CPU either way. The counter also asks for the thread's
 * context-switch records, for switchwatch.h; a kernel that refuses them
 * (older than 4.3) still gets the counter. */
#include "daemon/cpuclock.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_counter(pid_t tid, int switches)
{
    struct perf_event_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.context_switch = switches ? 1 : 0;
    long fd = syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

int cpuclock_open(pid_t tid)
{
    int fd = open_counter(tid, 1);
    return fd == -EINVAL || fd == -EACCES || fd == -EPERM ? open_counter(tid, 0) : fd;
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
