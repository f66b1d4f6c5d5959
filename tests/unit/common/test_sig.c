/* sig_install runs the handler, and leaves SA_RESTART off: a blocking read
 * the signal interrupts returns EINTR, so a loop can look at the flag. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "common/sig.h"
#include "harness.h"

static volatile sig_atomic_t caught;
static atomic_int reading_done;

static void on_signal(int sig)
{
    caught = sig;
}

/* Signals the main thread until its read has returned: one of the signals
 * lands while it blocks, whatever the scheduling. */
static void *poke(void *arg)
{
    pthread_t main_thread = *(pthread_t *)arg;
    while (!atomic_load(&reading_done)) {
        pthread_kill(main_thread, SIGUSR1);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(void)
{
    CHECK_EQ_INT(sig_install(SIGUSR1, on_signal), 0);
    raise(SIGUSR1);
    CHECK_EQ_INT(caught, SIGUSR1);

    caught = 0;
    int fds[2];
    CHECK(pipe(fds) == 0);
    pthread_t self = pthread_self(), thread;
    pthread_create(&thread, NULL, poke, &self);
    char c;
    ssize_t n = read(fds[0], &c, 1); /* nobody writes: only a signal ends it */
    int saved = errno;
    atomic_store(&reading_done, 1);
    pthread_join(thread, NULL);
    CHECK_EQ_INT(n, -1);
    CHECK_EQ_INT(saved, EINTR);
    CHECK_EQ_INT(caught, SIGUSR1);

    CHECK_EQ_INT(sig_install(SIGUSR1, SIG_IGN), 0);
    raise(SIGUSR1); /* ignored: the test goes on */
    CHECK_EQ_INT(sig_install(-1, SIG_IGN), -EINVAL);
    close(fds[0]);
    close(fds[1]);
    return test_finish("test_sig");
}
