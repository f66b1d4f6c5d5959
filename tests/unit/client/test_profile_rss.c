/* The bounded RSS series: however many readings, at most
 * PROFILE_RSS_POINTS points (plus the latest reading), in time order,
 * spread evenly over the run, the first and the latest reading as read,
 * and the highest reading kept exactly, at its own time. */
#include <stdint.h>
#include <stdlib.h>

#include "client/model/profile_rss.h"
#include "harness.h"

static void check_series(uint64_t readings, uint64_t peak_at)
{
    struct profile_rss_series s;
    profile_rss_init(&s);
    uint64_t noise = 7, first = 0, last = 0, failed = 0;
    for (uint64_t i = 0; i < readings; i++) {
        noise = noise * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t bytes = i == peak_at ? 1ull << 40 : (100ull << 20) + (noise >> 40);
        first = i == 0 ? bytes : first;
        last = bytes;
        failed += profile_rss_add(&s, (double)i / 100.0, bytes) < 0;
    }
    CHECK_EQ_INT(failed, 0);
    size_t n = profile_rss_count(&s);
    struct profile_rss_point *pt = malloc((n + 1) * sizeof(*pt));
    CHECK_EQ_INT(profile_rss_points(&s, pt), n);
    CHECK(n <= PROFILE_RSS_POINTS + 1);
    CHECK(n == readings || n >= PROFILE_RSS_POINTS / 2); /* halved at most to half */
    CHECK(pt[0].t == 0.0 && pt[0].bytes == first);
    CHECK(pt[n - 1].t == (double)(readings - 1) / 100.0 && pt[n - 1].bytes == last);
    int peak_seen = 0;
    double widest = 0;
    for (size_t i = 0; i < n; i++) {
        if (pt[i].bytes == 1ull << 40)
            peak_seen = pt[i].t == (double)peak_at / 100.0;
        if (i > 0) {
            CHECK(pt[i].t > pt[i - 1].t);
            widest = pt[i].t - pt[i - 1].t > widest ? pt[i].t - pt[i - 1].t : widest;
        }
    }
    CHECK(peak_seen);
    /* Even: no gap wider than two points' worth of readings, anywhere. */
    CHECK(widest <= 2.0 * (double)s.stride / 100.0 + 1e-9);
    free(pt);
    profile_rss_free(&s);
}

int main(void)
{
    check_series(1, 0);
    check_series(PROFILE_RSS_POINTS, 17);
    check_series(PROFILE_RSS_POINTS + 1, PROFILE_RSS_POINTS);
    check_series(360000, 359999);   /* an hour at 100 Hz, peak at the end */
    check_series(360000, 1);        /* peak at once */
    check_series(8640000, 4321777); /* a day */
    return test_finish("test_profile_rss");
}
