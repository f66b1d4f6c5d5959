/* The exact CPU clock of another thread: a child spinning on CPU is read
 * without being stopped, and every read is up to date (it advances by the
 * time the child ran in between, as its own thread_time says), unlike
 * schedstat, which the kernel refreshes only at its ticks. Skipped, with
 * the reason, where perf counters are not allowed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cpuclock.h"
#include "harness.h"

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void)
{
    int ready[2];
    if (pipe(ready) < 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        char c = 'r';
        if (write(ready[1], &c, 1) < 0)
            _exit(1);
        for (volatile unsigned long spin = 0;; spin++)
            ;
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        return 1;
    int fd = cpuclock_open(child);
    if (fd == -EACCES || fd == -EPERM || fd == -ENOSYS || fd == -ENOENT) {
        printf("test_cpuclock: skipped: perf task-clock counters are not allowed here (%d)\n", fd);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return 77;
    }
    CHECK(fd >= 0);
    uint64_t first = 0, last = 0, wall0 = now_ns(CLOCK_MONOTONIC);
    CHECK_EQ_INT(cpuclock_read(fd, &first), 0);
    /* Reads 200 us apart: a clock refreshed only at scheduler ticks (4 ms)
     * would stand still across most of them. */
    int moved = 0;
    for (int i = 0; i < 50; i++) {
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
        uint64_t v = 0;
        CHECK_EQ_INT(cpuclock_read(fd, &v), 0);
        moved += v > last;
        last = v;
    }
    uint64_t wall = now_ns(CLOCK_MONOTONIC) - wall0;
    printf("child ran %.1f ms of %.1f ms; the clock moved at %d of 50 reads\n",
           (last - first) / 1e6, wall / 1e6, moved);
    CHECK(last > first);
    CHECK(last - first <= wall + 1000000);
    /* It spins: the clock moves whenever it ran since the last read, while
     * a clock refreshed at 4 ms ticks would move about 3 times in these
     * 12 ms (a busy machine lowers the first count, never the second). */
    CHECK(moved >= 10);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    uint64_t after;
    CHECK_EQ_INT(cpuclock_read(fd, &after), 0); /* a gone thread's count stays readable */
    CHECK(after >= last);
    close(fd);
    CHECK(cpuclock_open(0x7ffffff0) < 0);
    return test_finish("test_cpuclock");
}
