/* The RSS readings of a run in bounded memory: at most PROFILE_RSS_POINTS
 * points, whatever the run's length. When the series is full, neighbour
 * pairs are merged (the higher reading kept, with its time) and later
 * readings are merged as many at a time as one point now stands for, so the
 * series covers the whole run at an even resolution and its peak stays
 * exact. The first reading and the latest are kept as read: the growth
 * rate compares them. */
#ifndef FAH_CLIENT_PROFILE_RSS_H
#define FAH_CLIENT_PROFILE_RSS_H

#include <stddef.h>
#include <stdint.h>

/* Ten times the 200 points of profile.json's timelines, so that merging
 * never decides a timeline's slice; about 50 kB of profile.json. */
#define PROFILE_RSS_POINTS 2048

struct profile_rss_point {
    double t;
    uint64_t bytes;
};

struct profile_rss_series {
    struct profile_rss_point *points; /* points[0] is the first reading */
    size_t n, cap;
    uint64_t stride;    /* readings per point since the last halving */
    uint64_t open;      /* readings merged into points[n-1] so far; 0: closed */
    struct profile_rss_point latest; /* the last reading (t < 0: none) */
};

void profile_rss_init(struct profile_rss_series *s);
void profile_rss_free(struct profile_rss_series *s);

/* Adds a reading; readings come in time order. 0 or -ENOMEM. */
int profile_rss_add(struct profile_rss_series *s, double t, uint64_t bytes);

/* Appends a point as it is, never merging: for reloading a series that was
 * already bounded (profile.json), so that it reads back unchanged. */
int profile_rss_restore(struct profile_rss_series *s, double t, uint64_t bytes);

/* How many points profile_rss_points writes. */
size_t profile_rss_count(const struct profile_rss_series *s);

/* The series in time order into out[0..profile_rss_count(s)): the points,
 * then the latest reading when it is not already the last point. */
size_t profile_rss_points(const struct profile_rss_series *s, struct profile_rss_point *out);

/* dst (initialised, empty) becomes a copy of src. 0 or -ENOMEM. */
int profile_rss_copy(struct profile_rss_series *dst, const struct profile_rss_series *src);

#endif
