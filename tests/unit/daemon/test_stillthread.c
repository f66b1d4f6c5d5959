/* stillthread against a real thread of this process: blocked and never
 * woken it reads as unmoved; woken to run and blocked again, it does not;
 * and the /proc files kept open for a thread (taskstat_read_kept) read as
 * gone once it has ended, never as the old thread's figures. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "daemon/stillthread.h"
#include "daemon/taskstat.h"
#include "harness.h"

struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int rounds;     /* the main thread's wake-ups given */
    int done_round; /* the last one the waiter finished */
    int quit;
    uint32_t tid;
};

/* Blocks on the condition; at each wake-up spins a moment, then blocks again. */
static void *wait_loop(void *arg)
{
    struct waiter *w = arg;
    pthread_mutex_lock(&w->lock);
    w->tid = (uint32_t)syscall(SYS_gettid);
    pthread_cond_broadcast(&w->cond);
    while (!w->quit) {
        if (w->done_round < w->rounds) {
            struct timespec t0, t;
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
            do
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
            while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 200000L);
            w->done_round = w->rounds;
            pthread_cond_broadcast(&w->cond);
        }
        pthread_cond_wait(&w->cond, &w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Reads the waiter once it is blocked (state S), as a tick would:
 * through its files kept open. */
static int read_blocked(pid_t pid, uint32_t tid, struct task_files *files, struct task_stat *st)
{
    for (int i = 0; i < 2000; i++) {
        if (taskstat_read_kept(pid, tid, files, st) < 0)
            return -1;
        if (st->state == 'S')
            return 0;
        usleep(1000);
    }
    return -1;
}

/* Reads a joined thread's kept files until they say it is gone. The join
 * returns when the thread clears its tid, which the kernel does early in
 * the thread's exit: until the task is released its files still read, as
 * a thread still running its exit ('R', or 'D' while it waits on
 * something), then as a dead task ('Z' or 'X'); a test command once
 * read it running. The kernel says nothing when it
 * releases the task, so this reads again; the 2 s only bound a failure. */
static int read_after_exit(pid_t pid, uint32_t tid, struct task_files *files,
                           struct task_stat *st)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int rc = taskstat_read_kept(pid, tid, files, st);
        if (rc != 0)
            return rc;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 2)
            return rc;
        sched_yield();
    }
}

static void wake_once(struct waiter *w)
{
    pthread_mutex_lock(&w->lock);
    int want = ++w->rounds;
    pthread_cond_broadcast(&w->cond);
    while (w->done_round < want)
        pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

int main(void)
{
    struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0};
    pthread_t thread;
    pid_t pid = getpid();
    CHECK_EQ_INT(pthread_create(&thread, NULL, wait_loop, &w), 0);
    pthread_mutex_lock(&w.lock);
    while (!w.tid)
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);

    struct still_thread still = {0};
    struct task_stat st;
    struct task_files files = TASK_FILES_INIT;
    CHECK_EQ_INT(read_blocked(pid, w.tid, &files, &st), 0);
    CHECK_EQ_INT(still_thread_check(&still, &st), 0); /* nothing kept yet */
    still_thread_kept(&still, 1);
    for (int i = 0; i < 3; i++) {
        usleep(5000);
        CHECK_EQ_INT(read_blocked(pid, w.tid, &files, &st), 0);
        CHECK_EQ_INT(still_thread_check(&still, &st), 1); /* never woken */
        still_thread_kept(&still, 1);
    }
    wake_once(&w); /* it runs 200 us and blocks again */
    CHECK_EQ_INT(read_blocked(pid, w.tid, &files, &st), 0);
    CHECK_EQ_INT(still_thread_check(&still, &st), 0);
    still_thread_kept(&still, 0); /* a stack that placed nothing is not kept */
    CHECK_EQ_INT(read_blocked(pid, w.tid, &files, &st), 0);
    CHECK_EQ_INT(still_thread_check(&still, &st), 0);

    pthread_mutex_lock(&w.lock);
    w.quit = 1;
    pthread_cond_broadcast(&w.cond);
    pthread_mutex_unlock(&w.lock);
    pthread_join(thread, NULL);
    /* Its stat and schedstat were kept open: gone now, and said so. */
    CHECK_EQ_INT(read_after_exit(pid, w.tid, &files, &st), -ESRCH);
    taskstat_files_close(&files);
    return test_finish("test_stillthread");
}
