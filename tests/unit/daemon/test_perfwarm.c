/* The warm-up counter (perfwarm.h): opened from a thread of its own, as
 * the daemon does, it is a perf event that outlives that thread, and
 * perfwarm_start starts such a thread. What it is for, the speed of every
 * later perf_event_open, is a timing: bench/overhead.py --section empty
 * measures it. Skipped, with the reason, where perf counters are not
 * allowed. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/perfwarm.h"
#include "harness.h"

static void *open_elsewhere(void *out)
{
    *(int *)out = perfwarm_open();
    return NULL;
}

/* Whether fd is a perf event, by what /proc says it is. */
static int is_perf_event(int fd)
{
    char path[64], target[PATH_MAX];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n < 0)
        return 0;
    target[n] = '\0';
    return strstr(target, "perf_event") != NULL;
}

int main(void)
{
    int fd = -1;
    pthread_t thread;
    CHECK_EQ_INT(pthread_create(&thread, NULL, open_elsewhere, &fd), 0);
    pthread_join(thread, NULL);
    if (fd == -EACCES || fd == -EPERM || fd == -ENOSYS || fd == -ENOENT) {
        printf("test_perfwarm: skipped: perf counters are not allowed here (%d)\n", fd);
        return 77;
    }
    CHECK(fd >= 0);
    CHECK(is_perf_event(fd));
    /* Still a live counter after the thread that opened it is gone. */
    uint64_t count;
    CHECK_EQ_INT((int)read(fd, &count, sizeof(count)), (int)sizeof(count));
    CHECK_EQ_INT(perfwarm_start(), 0);
    close(fd);
    return test_finish("test_perfwarm");
}
