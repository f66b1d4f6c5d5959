/* taskstat against the kernel's own accounting of this very thread: its
 * state, its CPU clock and its kernel-mode time, also when its name holds
 * spaces and parentheses that could derail parsing /proc/.../stat; files
 * and the task directory kept open between reads; the system call of
 * other threads. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "daemon/taskstat.h"
#include "harness.h"

static uint64_t ns_of(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
}

/* Spends about `ms` of CPU in the kernel: reading /dev/zero in big chunks
 * is all copy_to_user. */
static void kernel_work(int ms)
{
    static char buf[1 << 20];
    struct timespec t0, t;
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    do {
        if (read(fd, buf, sizeof(buf)) < 0)
            break;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
    close(fd);
}

/* A thread that notes its TID and opens its files, then ends. */
static struct task_files worker_files = TASK_FILES_INIT;

static void *report_tid(void *arg)
{
    struct task_stat st;
    *(uint32_t *)arg = (uint32_t)syscall(SYS_gettid);
    /* Its files opened while it lives, read again by main once it is gone. */
    taskstat_read_kept(getpid(), *(uint32_t *)arg, &worker_files, &st);
    return NULL;
}

/* A thread that spins until told to stop, or blocks reading a pipe. */
struct other_thread {
    volatile int started, stop;
    uint32_t tid;
    int pipe_fd; /* -1: spin */
};

static void *spin_or_block(void *arg)
{
    struct other_thread *o = arg;
    char byte;
    o->tid = (uint32_t)syscall(SYS_gettid);
    o->started = 1;
    if (o->pipe_fd >= 0) {
        ssize_t n = read(o->pipe_fd, &byte, 1);
        (void)n; /* woken by the byte, or by the pipe's end: either ends it */
        return NULL;
    }
    while (!o->stop)
        ;
    return NULL;
}

/* A thread that waits until the pipe it reads is closed. */
static void *wait_for_close(void *arg)
{
    char byte;
    while (read(*(int *)arg, &byte, 1) > 0)
        ;
    return NULL;
}

static int has_tid(const uint32_t *tids, int n, uint32_t tid)
{
    for (int i = 0; i < n; i++)
        if (tids[i] == tid)
            return 1;
    return 0;
}

/* pthread_join returns once the kernel has cleared the thread's TID, a
 * moment before the task leaves /proc/PID/task: waits, bounded, until a
 * fresh listing has this thread alone (under ASan it still had three
 * more in one run). */
static int wait_until_alone(void)
{
    uint32_t tids[8];
    for (int polls = 0; polls < 5000; polls++) {
        if (taskstat_list(getpid(), tids, 8) == 1)
            return 1;
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    return 0;
}

/* The kept task directory lists what a fresh readdir lists: more threads
 * than one read of it holds, then fewer once they ended, then the same
 * again. */
static void test_list_kept(void)
{
    enum { THREADS = 300 };
    static pthread_t threads[THREADS];
    static uint32_t fresh[THREADS + 8], kept[THREADS + 8];
    struct task_dir dir = {NULL, 0};
    int fds[2], started = 0;
    CHECK_EQ_INT(pipe(fds), 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (; started < THREADS; started++)
        if (pthread_create(&threads[started], &attr, wait_for_close, &fds[0]) != 0)
            break;
    CHECK_EQ_INT(started, THREADS);
    int nfresh = taskstat_list(getpid(), fresh, THREADS + 8);
    int nkept = taskstat_list_kept(getpid(), &dir, kept, THREADS + 8);
    CHECK_EQ_INT(nfresh, started + 1);
    CHECK_EQ_INT(nkept, nfresh);
    for (int i = 0; i < nfresh; i++)
        CHECK(has_tid(kept, nkept, fresh[i]));
    close(fds[1]);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    close(fds[0]);
    pthread_attr_destroy(&attr);
    CHECK(wait_until_alone());
    for (int again = 0; again < 2; again++) {
        CHECK_EQ_INT(taskstat_list_kept(getpid(), &dir, kept, THREADS + 8), 1);
        CHECK_EQ_INT(kept[0], (uint32_t)getpid());
    }
    CHECK_EQ_INT(taskstat_list_kept(getpid(), &dir, kept, 0), 0);
    taskstat_dir_close(&dir);
}

/* The system call of a blocked thread, and none for one that runs: what
 * a thread that woke since its state was read shows. */
static void test_syscall_of_blocked_and_running_threads(void)
{
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    struct other_thread blocked = {.pipe_fd = fds[0]}, spinning = {.pipe_fd = -1};
    pthread_t a, b;
    CHECK_EQ_INT(pthread_create(&a, NULL, spin_or_block, &blocked), 0);
    CHECK_EQ_INT(pthread_create(&b, NULL, spin_or_block, &spinning), 0);
    while (!blocked.started || !spinning.started)
        sched_yield();
    uint64_t arg0;
    struct task_stat st;
    /* Started is set just before the read: wait until it sleeps in it. */
    while (taskstat_read(getpid(), blocked.tid, &st) == 0 && st.state != 'S')
        sched_yield();
    CHECK_EQ_INT(taskstat_syscall(getpid(), blocked.tid, &arg0), SYS_read);
    CHECK_EQ_INT(arg0, (uint64_t)fds[0]);
    CHECK_EQ_INT(taskstat_syscall(getpid(), spinning.tid, &arg0), -EAGAIN);
    spinning.stop = 1;
    CHECK_EQ_INT(write(fds[1], "x", 1), 1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    pid_t pid = getpid();
    uint32_t tid = (uint32_t)syscall(SYS_gettid);
    struct task_stat before, after;
    struct rusage r0, r1;

    /* A name that a naive parser would split wrongly. */
    prctl(PR_SET_NAME, "a) b (c d", 0, 0, 0);
    CHECK_EQ_INT(taskstat_read(pid, tid, &before), 0);
    getrusage(RUSAGE_THREAD, &r0);
    kernel_work(300);
    getrusage(RUSAGE_THREAD, &r1);
    CHECK_EQ_INT(taskstat_read(pid, tid, &after), 0);
    CHECK_EQ_INT(after.state, 'R');

    uint64_t ours = after.kernel_ns - before.kernel_ns;
    uint64_t kernels = ns_of(&r1.ru_stime) - ns_of(&r0.ru_stime);
    uint64_t cpu = after.cpu_ns - before.cpu_ns;
    printf("kernel time: taskstat %.3f s, getrusage %.3f s, of %.3f s on CPU\n", ours / 1e9,
           kernels / 1e9, cpu / 1e9);
    /* Both come from the same tick-sampled split; stat rounds to 10 ms. */
    CHECK(ours + 20000000u >= kernels && ours <= kernels + 20000000u);
    CHECK(kernels > cpu / 2); /* the work really was in the kernel */
    CHECK(cpu >= 250000000u);
    CHECK(after.cpu >= 0 && after.cpu < CPU_SETSIZE); /* stat's processor field */
    CHECK(taskstat_read(pid, 0x7fffffff, &after) < 0);

    /* Kept open, the files read afresh each time, and a thread that is
     * gone reads as gone, not as its last state. */
    struct task_files files = TASK_FILES_INIT;
    CHECK_EQ_INT(taskstat_read_kept(pid, tid, &files, &before), 0);
    kernel_work(30);
    CHECK_EQ_INT(taskstat_read_kept(pid, tid, &files, &after), 0);
    CHECK(after.cpu_ns >= before.cpu_ns + 20000000u);
    taskstat_files_close(&files);
    pthread_t worker;
    uint32_t worker_tid = 0;
    CHECK_EQ_INT(pthread_create(&worker, NULL, report_tid, &worker_tid), 0);
    pthread_join(worker, NULL);
    CHECK(worker_files.stat_fd >= 0);
    CHECK_EQ_INT(taskstat_read_kept(pid, worker_tid, &worker_files, &after), -ESRCH);
    taskstat_files_close(&worker_files);
    test_syscall_of_blocked_and_running_threads();
    test_list_kept();
    return test_finish("test_taskstat");
}
