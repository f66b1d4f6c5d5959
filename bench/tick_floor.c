/* What this machine charges for the least a sampling tick can do, to set
 * the daemon's CPU per sample against (bench/README.md, "depth"):
 *
 *   tick_floor PID [TICKS]
 *
 * PID: a process whose main thread is running (the bench starts deep.py).
 * Seven kinds of tick, TICKS each (default 2000), taken in rounds of 200
 * in turn so that drift hits all alike, at 1 kHz:
 *   wake   a timed wait (ppoll) and nothing else;
 *   clock  the same, and one read of the thread's perf task-clock counter
 *          (the read interrupts the CPU it runs on when it is running);
 *   read   the same, and one 8 KiB process_vm_readv from its stack;
 *   bare_read  a timed wait and the 8 KiB read alone: the least a tick
 *          that finds its thread still on its CPU (its switch records say
 *          so, no clock read) can do;
 *   nanosleep, epoll, timerfd
 *          a timed wait and nothing else, by clock_nanosleep to an
 *          absolute time, epoll_pwait2 (the daemon's) and a timerfd read:
 *          whether another way to wait would wake for less.
 * It runs off the target's CPU, as the daemon does (daemon/placement.c): a
 * wake on a CPU that is busy costs less than on an idle one. Prints one
 * JSON line: the CPU time (user + system, getrusage) per tick of each kind,
 * in microseconds. A bench, not a test: it never fails on the
 * figures. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cpuclock.h"
#include "daemon/taskstat.h"

enum {
    KIND_WAKE,
    KIND_CLOCK,
    KIND_READ,
    KIND_BARE_READ,
    KIND_NANOSLEEP,
    KIND_EPOLL,
    KIND_TIMERFD,
    KINDS
};
#define ROUND_TICKS 200
#define READ_BYTES 8192

static const char *const kind_names[KINDS] = {"wake",      "clock", "read",   "bare_read",
                                              "nanosleep", "epoll", "timerfd"};

/* The descriptors the other ways to wait use. */
struct waiters {
    int epoll_fd, timer_fd;
};

/* One period's wait, the way kind says. */
static int wait_period(int kind, const struct waiters *w)
{
    struct timespec period = {0, 1000000}, due;
    if (kind == KIND_NANOSLEEP) {
        clock_gettime(CLOCK_MONOTONIC, &due);
        due.tv_nsec += period.tv_nsec;
        if (due.tv_nsec >= 1000000000L) {
            due.tv_sec++;
            due.tv_nsec -= 1000000000L;
        }
        return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == 0 ? 0 : -1;
    }
    if (kind == KIND_EPOLL) {
        struct epoll_event event;
        return epoll_pwait2(w->epoll_fd, &event, 1, &period, NULL) < 0 ? -1 : 0;
    }
    if (kind == KIND_TIMERFD) {
        struct itimerspec arm = {.it_value = period};
        uint64_t expired;
        return timerfd_settime(w->timer_fd, 0, &arm, NULL) < 0 ||
                       read(w->timer_fd, &expired, sizeof(expired)) != sizeof(expired)
                   ? -1
                   : 0;
    }
    return ppoll(NULL, 0, &period, NULL) < 0 ? -1 : 0;
}

static uint64_t cpu_us(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (uint64_t)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

/* The start of the process's [stack] mapping: memory it is sure to have. */
static uint64_t stack_address(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    uint64_t start = 0;
    while (f && fgets(line, sizeof(line), f))
        if (strstr(line, "[stack]"))
            start = strtoull(line, NULL, 16);
    if (f)
        fclose(f);
    return start;
}

/* Keeps this process off the CPU pid's main thread last ran on, where the
 * daemon would not wake either. */
static void avoid_cpu_of(pid_t pid)
{
    struct task_stat st;
    cpu_set_t set;
    if (taskstat_read(pid, (uint32_t)pid, &st) < 0 || st.cpu < 0 ||
        sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) < 2)
        return;
    CPU_CLR(st.cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

static int one_tick(int kind, const struct waiters *w, pid_t pid, int clock_fd, uint64_t address,
                    char *buf)
{
    if (wait_period(kind, w) < 0)
        return -1;
    uint64_t value;
    if ((kind == KIND_CLOCK || kind == KIND_READ) && cpuclock_read(clock_fd, &value) < 0)
        return -1;
    struct iovec local = {buf, READ_BYTES}, remote = {(void *)(uintptr_t)address, READ_BYTES};
    if ((kind == KIND_READ || kind == KIND_BARE_READ) &&
        process_vm_readv(pid, &local, 1, &remote, 1, 0) != READ_BYTES)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tick_floor PID [TICKS]\n");
        return 2;
    }
    pid_t pid = (pid_t)atoi(argv[1]);
    int ticks = argc > 2 ? atoi(argv[2]) : 2000;
    int clock_fd = cpuclock_open(pid);
    uint64_t address = stack_address(pid);
    if (clock_fd < 0 || !address || ticks < ROUND_TICKS) {
        fprintf(stderr, "tick_floor: pid %d: %s\n", (int)pid,
                clock_fd < 0 ? strerror(-clock_fd) : "no [stack] mapping, or too few ticks");
        return 1;
    }
    avoid_cpu_of(pid);
    struct waiters w = {epoll_create1(EPOLL_CLOEXEC),
                        timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)};
    if (w.epoll_fd < 0 || w.timer_fd < 0) {
        fprintf(stderr, "tick_floor: %s\n", strerror(errno));
        return 1;
    }
    static char buf[READ_BYTES];
    uint64_t spent[KINDS] = {0};
    for (int done = 0; done < ticks; done += ROUND_TICKS)
        for (int kind = 0; kind < KINDS; kind++) {
            uint64_t before = cpu_us();
            for (int i = 0; i < ROUND_TICKS; i++)
                if (one_tick(kind, &w, pid, clock_fd, address, buf) < 0) {
                    fprintf(stderr, "tick_floor: pid %d: %s\n", (int)pid, strerror(errno));
                    return 1;
                }
            spent[kind] += cpu_us() - before;
        }
    int rounds = (ticks + ROUND_TICKS - 1) / ROUND_TICKS;
    printf("{");
    for (int kind = 0; kind < KINDS; kind++)
        printf("%s\"%s_us\": %.2f", kind ? ", " : "", kind_names[kind],
               (double)spent[kind] / (rounds * ROUND_TICKS));
    printf("}\n");
    return 0;
}
