/* The monotonic clock never goes back, converts timespecs exactly, and
 * measures a sleep as at least as long as it was. */
#include <time.h>

#include "common/clock.h"
#include "harness.h"

int main(void)
{
    struct timespec ts = {3, 250000000};
    CHECK(clock_ts_ns(&ts) == 3250000000ull);
    uint64_t prev = clock_monotonic_ns();
    int monotonic = 1;
    for (int i = 0; i < 100000; i++) {
        uint64_t now = clock_monotonic_ns();
        monotonic &= now >= prev;
        prev = now;
    }
    CHECK(monotonic);
    uint64_t start = clock_monotonic_ns();
    struct timespec nap = {0, 2 * CLOCK_NS_PER_MS};
    while (nanosleep(&nap, &nap) != 0)
        ;
    CHECK(clock_monotonic_ns() - start >= 2 * CLOCK_NS_PER_MS);
    CHECK(clock_seconds_since(start) >= 0.002);
    return test_finish("test_clock");
}
