/* The one monotonic clock of the daemon and the client: nanoseconds on
 * CLOCK_MONOTONIC, which never jumps with the wall clock. */
#ifndef FAH_COMMON_CLOCK_H
#define FAH_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_NS_PER_SEC 1000000000u
#define CLOCK_NS_PER_MS 1000000u

/* A timespec (a clock reading or a duration) in nanoseconds. */
static inline uint64_t clock_ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * CLOCK_NS_PER_SEC + (uint64_t)ts->tv_nsec;
}

/* Nanoseconds on CLOCK_MONOTONIC (cannot fail for this clock on Linux). */
static inline uint64_t clock_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return clock_ts_ns(&ts);
}

/* Seconds since an earlier clock_monotonic_ns() reading. */
static inline double clock_seconds_since(uint64_t start_ns)
{
    return (double)(clock_monotonic_ns() - start_ns) / 1e9;
}

#endif
