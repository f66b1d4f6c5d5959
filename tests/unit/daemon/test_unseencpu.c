/* The CPU time of threads no tick saw, from this process's own CPU clock:
 * what the ticks did not charge is reported once it has stayed for the
 * settling time; what they charged, or a drift under half a percent, is
 * not. */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "daemon/unseencpu.h"
#include "harness.h"

#define MS 1000000ull
#define SETTLE_NS (100 * MS)

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What spin counts, so that its loop is not optimised away. */
static volatile uint64_t spins;

/* Runs ms of CPU in this thread; returns how much it ran. */
static uint64_t spin(uint64_t ms)
{
    uint64_t start = thread_cpu_ns();
    while (thread_cpu_ns() - start < ms * MS)
        spins = spins + 1;
    return thread_cpu_ns() - start;
}

/* Readings 10 ms of planned time apart, each after spin_ms of CPU of
 * which charge says whether the ticks saw it; returns what was reported. */
static uint64_t readings(struct unseen_cpu *u, uint64_t *due, int n, uint64_t spin_ms, int charge)
{
    uint64_t reported = 0, kernel;
    for (int i = 0; i < n; i++) {
        uint64_t ran = spin(spin_ms);
        if (charge)
            unseencpu_charged(u, ran);
        *due += 10 * MS;
        reported += unseencpu_take(u, getpid(), 0, *due, SETTLE_NS, &kernel);
    }
    return reported;
}

static void test_charged_cpu_is_not_reported(void)
{
    struct unseen_cpu u = {0};
    uint64_t due = 1000 * MS;
    readings(&u, &due, 1, 0, 1); /* the origin */
    CHECK_EQ_INT(readings(&u, &due, 30, 5, 1), 0);
    CHECK_EQ_INT(unseencpu_finish(&u, getpid(), &(uint64_t){0}), 0);
}

/* 60 ms no tick charged, then charged CPU: reported once settled,
 * within the clock's lag of what ran. */
static void test_uncharged_cpu_is_reported_once_settled(void)
{
    struct unseen_cpu u = {0};
    uint64_t due = 1000 * MS;
    readings(&u, &due, 1, 0, 1);
    uint64_t unseen = spin(60);
    uint64_t early = readings(&u, &due, 5, 2, 1); /* 50 ms: not settled yet */
    CHECK_EQ_INT(early, 0);
    uint64_t later = readings(&u, &due, 10, 2, 1);
    uint64_t last = unseencpu_finish(&u, getpid(), &(uint64_t){0});
    uint64_t total = later + last;
    CHECK(total + 5 * MS >= unseen && total <= unseen + 5 * MS);
}

/* A failed walk's interval charged and taken back, then charged again at
 * the next tick: counted once. */
static void test_carried_interval_counts_once(void)
{
    struct unseen_cpu u = {0};
    uint64_t due = 1000 * MS;
    readings(&u, &due, 1, 0, 1);
    uint64_t ran = spin(20);
    unseencpu_charged(&u, ran);
    unseencpu_uncharged(&u, ran);
    unseencpu_charged(&u, ran);
    CHECK_EQ_INT(readings(&u, &due, 20, 2, 1), 0);
}

int main(void)
{
    test_charged_cpu_is_not_reported();
    test_uncharged_cpu_is_reported_once_settled();
    test_carried_interval_counts_once();
    return test_finish("test_unseencpu");
}
