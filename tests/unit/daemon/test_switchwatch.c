/* A thread's context switches seen without asking its CPU: stopped, it is
 * not switched and the watch says so; let run and stopped again, the
 * watch says it was switched and off its CPU (a mark taken before moved,
 * and the look after it still read the switches); a thread that looks at its
 * own watch after a sleep is on its CPU by then, and the watch says so.
 * Skipped, with the reason, where perf counters or their mapping are not
 * allowed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/select.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "daemon/cpuclock.h"
#include "daemon/switchwatch.h"
#include "harness.h"

/* The child answers every byte on cmd with one on ack, and exits at EOF. */
static void child_loop(int cmd, int ack)
{
    char c = 'r';
    if (write(ack, &c, 1) != 1)
        _exit(1);
    while (read(cmd, &c, 1) == 1)
        if (write(ack, &c, 1) != 1)
            _exit(1);
    _exit(0);
}

/* Stops the child and returns once it is off its CPU. waitpid reports the
 * stop as soon as the child has told its parent, which it does before it
 * switches out; reading /proc/PID/syscall of a task that is not running
 * waits in the kernel until it is off its CPU (wait_task_inactive). No
 * poll: both calls block until the state is reached. */
static int stop_off_cpu(pid_t pid)
{
    int status;
    if (kill(pid, SIGSTOP) < 0 || waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
        return -1;
    char path[64], buf[128];
    snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
    if (fd >= 0)
        close(fd);
    return n > 0 ? 0 : -1;
}

/* Forks a child_loop on the pipes cmd and ack and waits for its first
 * answer; the parent keeps cmd[1] and ack[0]. */
static pid_t start_child(int cmd[2], int ack[2])
{
    pid_t child = fork();
    if (child == 0) {
        close(cmd[1]);
        close(ack[0]);
        child_loop(cmd[0], ack[1]);
    }
    close(cmd[0]);
    close(ack[1]);
    char c;
    CHECK_EQ_INT((int)read(ack[0], &c, 1), 1);
    return child;
}

static int finish_child(pid_t child, int cmd)
{
    close(cmd);
    int status = 0;
    waitpid(child, &status, 0);
    return status;
}

/* This very thread, looking at its own watch after a sleep: whatever
 * switches the sleep made, it runs again to look, so the newest says in. */
static void test_own_switches_end_on_cpu(void)
{
    int fd = cpuclock_open((pid_t)syscall(SYS_gettid));
    struct switch_watch w;
    CHECK(fd >= 0);
    if (fd < 0 || switchwatch_map(&w, fd) < 0)
        return;
    for (int i = 0; i < 3; i++) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
        CHECK_EQ_INT(switchwatch_look(&w), SWITCH_LAST_IN);
    }
    switchwatch_unmap(&w);
    close(fd);
}

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The records' times against the thread's counter: how long a thread was
 * on a CPU between two moments, replayed from its switches, is what its
 * counter says (the daemon adds the one to the other), within what the
 * kernel spends at each switch between the record and the counter's update
 * (measured here: 0.5 us per switch out and in; a few switches per check).
 * Not the thread's own CPU clock: on a VM both the records and the counter
 * count the time the hypervisor ran another guest in its place (steal),
 * which that clock leaves out (replayed 7-21 ms against its 6 ms here). */
static void check_replay(const struct switch_replay *r, uint64_t clock_ns, int on_now)
{
    CHECK(r->known);
    CHECK_EQ_INT(r->on_now, on_now);
    uint64_t diff = r->on_ns > clock_ns ? r->on_ns - clock_ns : clock_ns - r->on_ns;
    if (diff > 50000u + clock_ns / 20)
        fprintf(stderr, "replayed %llu ns on CPU, the clock says %llu\n",
                (unsigned long long)r->on_ns, (unsigned long long)clock_ns);
    CHECK(diff <= 50000u + clock_ns / 20);
}

/* A watch on this thread's own switches, looked at once: its counter's
 * descriptor, or -1 (no perf counters here). */
static int watch_self(struct switch_watch *w)
{
    int fd = cpuclock_open((pid_t)syscall(SYS_gettid));
    if (fd >= 0 && switchwatch_map(w, fd) < 0) {
        close(fd);
        return -1;
    }
    if (fd >= 0)
        switchwatch_look(w);
    return fd;
}

/* This thread's own time on CPU across naps, replayed from its records:
 * on a CPU at the start (it is running) and at the end (it looks). */
static void test_own_time_replayed(void)
{
    struct switch_watch w;
    int fd = watch_self(&w);
    if (fd < 0)
        return;
    struct switch_replay r;
    uint64_t since = now_ns(CLOCK_MONOTONIC), cpu0 = 0, cpu1 = 0;
    CHECK_EQ_INT(cpuclock_read(fd, &cpu0), 0);
    for (int i = 0; i < 3; i++) {
        uint64_t spin_to = now_ns(CLOCK_THREAD_CPUTIME_ID) + 2000000u;
        while (now_ns(CLOCK_THREAD_CPUTIME_ID) < spin_to)
            ;
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    CHECK_EQ_INT(cpuclock_read(fd, &cpu1), 0);
    switchwatch_look_since(&w, since, 1, now_ns(CLOCK_MONOTONIC), &r);
    check_replay(&r, cpu1 - cpu0, 1);
    switchwatch_unmap(&w);
    close(fd);
}

/* A look in between (a tick that skipped the thread) read the switches
 * of a first nap: replayed from before that look, the first nap would
 * count as time on a CPU, so the replay is not known and the clock is
 * read instead. From after that look, it is known again. */
static void test_no_replay_across_an_earlier_look(void)
{
    struct switch_watch w;
    int fd = watch_self(&w);
    if (fd < 0)
        return;
    struct switch_replay r;
    struct timespec pause = {0, 1000000};
    uint64_t since = now_ns(CLOCK_MONOTONIC);
    nanosleep(&pause, NULL);
    uint64_t looked = now_ns(CLOCK_MONOTONIC);
    switchwatch_look_since(&w, looked, 1, looked, &r);
    nanosleep(&pause, NULL);
    switchwatch_look_since(&w, since, 1, now_ns(CLOCK_MONOTONIC), &r);
    CHECK(!r.known);
    uint64_t after = now_ns(CLOCK_MONOTONIC), cpu0 = 0, cpu1 = 0;
    CHECK_EQ_INT(cpuclock_read(fd, &cpu0), 0);
    nanosleep(&pause, NULL);
    CHECK_EQ_INT(cpuclock_read(fd, &cpu1), 0);
    switchwatch_look_since(&w, after, 1, now_ns(CLOCK_MONOTONIC), &r);
    check_replay(&r, cpu1 - cpu0, 1);
    switchwatch_unmap(&w);
    close(fd);
}

/* A child sharing this thread's CPU is preempted whenever this thread
 * runs: its newest switch out, seen from here, left it runnable, and says
 * when. Stopped, it is not preempted any more. */
static void test_preempted_at(void)
{
    cpu_set_t one, all;
    if (sched_getaffinity(0, sizeof(all), &all) < 0)
        return;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    if (sched_setaffinity(0, sizeof(one), &one) < 0)
        return;
    int started[2];
    if (pipe(started) < 0)
        return;
    pid_t child = fork();
    if (child == 0) {
        char c = 's';
        if (write(started[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            ;
    }
    char c;
    int fd = cpuclock_open(child);
    struct switch_watch w;
    if (fd >= 0 && switchwatch_map(&w, fd) == 0) {
        CHECK_EQ_INT((int)read(started[0], &c, 1), 1);
        uint64_t preempted = 0, bound = now_ns(CLOCK_MONOTONIC) + 2000000000u;
        while (!preempted && now_ns(CLOCK_MONOTONIC) < bound) {
            uint64_t spin_to = now_ns(CLOCK_THREAD_CPUTIME_ID) + 1000000u;
            while (now_ns(CLOCK_THREAD_CPUTIME_ID) < spin_to)
                ;
            switchwatch_look(&w);
            preempted = switchwatch_preempted_at(&w);
        }
        CHECK(preempted > 0 && preempted <= now_ns(CLOCK_MONOTONIC));
        CHECK_EQ_INT(stop_off_cpu(child), 0);
        switchwatch_look(&w);
        CHECK(switchwatch_preempted_at(&w) == 0);
        switchwatch_unmap(&w);
    }
    if (fd >= 0)
        close(fd);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(started[0]), close(started[1]);
    sched_setaffinity(0, sizeof(all), &all);
}

/* A thread that alternates 2 ms naps in select() with 1.5 ms waits on a
 * futex inside a stand-in "GIL", timing each kind of wait itself. */
struct waiter {
    pid_t tid;
    int gil[16]; /* the stand-in: the watch is told its bytes */
    pthread_barrier_t named; /* its tid is set */
    int go;                  /* 1 once it is watched */
    uint64_t nap_ns, gil_ns;
};

static void *alternate_waits(void *arg)
{
    struct waiter *w = arg;
    w->tid = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&w->named);
    while (!__atomic_load_n(&w->go, __ATOMIC_ACQUIRE)) /* until watched */
        syscall(SYS_futex, &w->go, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    for (int i = 0; i < 12; i++) {
        uint64_t t0 = clock_monotonic_ns();
        struct timeval nap = {0, 2000};
        select(0, NULL, NULL, NULL, &nap);
        uint64_t t1 = clock_monotonic_ns();
        struct timespec wait = {0, 1500000};
        syscall(SYS_futex, &w->gil[4], FUTEX_WAIT_PRIVATE, 0, &wait, NULL, 0);
        w->nap_ns += t1 - t0;
        w->gil_ns += clock_monotonic_ns() - t1;
    }
    return NULL;
}

/* Within a tenth and the few microseconds each wait spends running. */
static void check_near(uint64_t got, uint64_t truth, const char *what)
{
    uint64_t diff = got > truth ? got - truth : truth - got;
    if (diff > truth / 10 + 12 * 50000u)
        fprintf(stderr, "%s: the records say %llu ns, the thread measured %llu\n", what,
                (unsigned long long)got, (unsigned long long)truth);
    CHECK(diff <= truth / 10 + 12 * 50000u);
}

/* Its waits, told apart by the futex address the kernel sampled at each
 * switch out: the stand-in GIL's, the naps' other. Skipped, with the
 * reason, where kernel profiling is refused. */
static void test_waits_told_apart(void)
{
    struct waiter w = {0};
    pthread_t thread;
    pthread_barrier_init(&w.named, NULL, 2);
    if (pthread_create(&thread, NULL, alternate_waits, &w) != 0)
        return;
    pthread_barrier_wait(&w.named);
    int fd = cpuclock_open(w.tid);
    struct switch_watch watch;
    int rc = fd >= 0 ? switchwatch_map(&watch, fd) : fd;
    struct switch_gil gil = {(uint64_t)(uintptr_t)w.gil,
                             (uint64_t)(uintptr_t)w.gil + sizeof(w.gil)};
    if (rc == 0)
        rc = switchwatch_explain(&watch, fd, w.tid, &gil);
    if (rc == 0) {
        switchwatch_look_since(&watch, clock_monotonic_ns(), -1, clock_monotonic_ns(),
                               &(struct switch_replay){0});
        switchwatch_take_waits(&watch);
    }
    __atomic_store_n(&w.go, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &w.go, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    pthread_join(thread, NULL);
    pthread_barrier_destroy(&w.named);
    if (rc < 0) {
        printf("test_switchwatch: waits told apart: skipped: switch samples refused (%s)\n",
               strerror(-rc));
    } else {
        struct switch_replay r;
        switchwatch_look_since(&watch, clock_monotonic_ns(), -1, clock_monotonic_ns(), &r);
        struct switch_waits waits = switchwatch_take_waits(&watch);
        check_near(waits.gil_ns, w.gil_ns, "GIL waits");
        check_near(waits.other_ns, w.nap_ns, "naps");
        CHECK(waits.unknown_ns < 200000u);
        switchwatch_unmap(&watch);
    }
    if (fd >= 0)
        close(fd);
}

/* A thread that exits is off its CPU for good, though its last switch was
 * in (woken to read the end of its input): its counter stops at its exit,
 * and the exit is the watch's last word. Read as on a CPU, it would be
 * charged the wall time until the process is found gone. */
static void test_exit_is_the_last_switch(void)
{
    int cmd[2], ack[2];
    if (pipe(cmd) < 0 || pipe(ack) < 0)
        return;
    pid_t child = start_child(cmd, ack);
    int fd = cpuclock_open(child);
    struct switch_watch w;
    CHECK(fd >= 0 && switchwatch_map(&w, fd) == 0);
    uint64_t since = clock_monotonic_ns();
    close(cmd[1]); /* it wakes, reads the end, and exits */
    siginfo_t info;
    CHECK(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT) == 0);
    struct switch_replay r;
    CHECK_EQ_INT(switchwatch_look_since(&w, since, 0, clock_monotonic_ns(), &r),
                 SWITCH_LAST_OUT);
    CHECK(r.known && !r.on_now);
    CHECK_EQ_INT(switchwatch_look_since(&w, clock_monotonic_ns(), -1, clock_monotonic_ns(), &r),
                 SWITCH_NONE);
    CHECK(r.known && !r.on_now && r.on_ns == 0);
    switchwatch_unmap(&w);
    close(fd);
    close(ack[0]);
    waitpid(child, NULL, 0);
}

int main(void)
{
    struct switch_watch off = SWITCH_WATCH_INIT;
    CHECK_EQ_INT(switchwatch_look(&off), SWITCH_UNKNOWN); /* no watch: no telling */
    CHECK(switchwatch_mark(&off) == 0 && !switchwatch_moved_since(&off, 1));

    int cmd[2], ack[2];
    if (pipe(cmd) < 0 || pipe(ack) < 0)
        return 1;
    pid_t child = start_child(cmd, ack);
    char c;
    int fd = cpuclock_open(child);
    struct switch_watch w;
    int mapped = fd >= 0 ? switchwatch_map(&w, fd) : fd;
    if (mapped < 0) {
        printf("test_switchwatch: skipped: perf counters or their mapping are not allowed "
               "here (%s)\n", strerror(-mapped));
        if (fd >= 0)
            close(fd);
        finish_child(child, cmd[1]);
        return 77;
    }
    CHECK_EQ_INT(stop_off_cpu(child), 0);
    switchwatch_look(&w); /* from here on it stays stopped */
    for (int round = 0; round < 3; round++) {
        CHECK_EQ_INT(switchwatch_look(&w), SWITCH_NONE);
        CHECK_EQ_INT(switchwatch_look(&w), SWITCH_NONE);
        uint64_t since = now_ns(CLOCK_MONOTONIC), cpu0 = 0, cpu1 = 0;
        /* A mark (a tick's start) moves with the child's switches only,
         * and takes nothing from the next look. */
        uint64_t mark = switchwatch_mark(&w);
        CHECK(!switchwatch_moved_since(&w, mark)); /* stopped: no switch */
        CHECK_EQ_INT(cpuclock_read(fd, &cpu0), 0);
        CHECK_EQ_INT(kill(child, SIGCONT), 0);
        c = 'x';
        CHECK_EQ_INT((int)write(cmd[1], &c, 1), 1);
        CHECK_EQ_INT((int)read(ack[0], &c, 1), 1); /* it ran */
        CHECK_EQ_INT(stop_off_cpu(child), 0);
        CHECK(switchwatch_moved_since(&w, mark));
        CHECK_EQ_INT(cpuclock_read(fd, &cpu1), 0);
        struct switch_replay r;
        /* Stopped, so off CPU at the start: replayed, its time on CPU
         * since is what its clock moved. */
        CHECK_EQ_INT(switchwatch_look_since(&w, since, 0, now_ns(CLOCK_MONOTONIC), &r),
                     SWITCH_LAST_OUT);
        check_replay(&r, cpu1 - cpu0, 0);
        /* Nothing since: still off, no time on CPU. */
        CHECK_EQ_INT(switchwatch_look_since(&w, now_ns(CLOCK_MONOTONIC), -1,
                                            now_ns(CLOCK_MONOTONIC), &r),
                     SWITCH_NONE);
        CHECK(r.known && !r.on_now && r.on_ns == 0);
    }
    CHECK_EQ_INT(kill(child, SIGCONT), 0);
    switchwatch_unmap(&w);
    CHECK(w.page == NULL);
    CHECK_EQ_INT(switchwatch_look(&w), SWITCH_UNKNOWN);
    close(fd);
    CHECK_EQ_INT(finish_child(child, cmd[1]), 0);
    test_own_switches_end_on_cpu();
    test_own_time_replayed();
    test_no_replay_across_an_earlier_look();
    test_preempted_at();
    test_waits_told_apart();
    test_exit_is_the_last_switch();
    return test_finish("test_switchwatch");
}
