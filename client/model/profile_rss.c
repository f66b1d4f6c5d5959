/* The bounded RSS series (see profile_rss.h). */
#include "client/model/profile_rss.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void profile_rss_init(struct profile_rss_series *s)
{
    memset(s, 0, sizeof(*s));
    s->stride = 1;
    s->latest.t = -1;
}

void profile_rss_free(struct profile_rss_series *s)
{
    free(s->points);
    profile_rss_init(s);
}

static int reserve(struct profile_rss_series *s, size_t want)
{
    if (want <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 256;
    while (cap < want)
        cap *= 2;
    struct profile_rss_point *grown = realloc(s->points, cap * sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    s->points = grown;
    s->cap = cap;
    return 0;
}

static void keep_higher(struct profile_rss_point *into, const struct profile_rss_point *p)
{
    if (p->bytes >= into->bytes)
        *into = *p;
}

/* Halves the resolution: points[0] stays, then (1,2), (3,4)... become the
 * higher of each pair. */
static void halve(struct profile_rss_series *s)
{
    size_t out = 1;
    for (size_t i = 1; i < s->n; i += 2) {
        struct profile_rss_point merged = s->points[i];
        if (i + 1 < s->n)
            keep_higher(&merged, &s->points[i + 1]);
        s->points[out++] = merged;
    }
    s->n = out;
    s->stride *= 2;
    s->open = 0;
}

int profile_rss_add(struct profile_rss_series *s, double t, uint64_t bytes)
{
    struct profile_rss_point p = {t, bytes};
    s->latest = p;
    if (s->open) { /* the newest point still takes readings */
        keep_higher(&s->points[s->n - 1], &p);
        if (++s->open == s->stride)
            s->open = 0;
        return 0;
    }
    if (s->n == PROFILE_RSS_POINTS)
        halve(s);
    if (reserve(s, s->n + 1) < 0)
        return -ENOMEM;
    s->points[s->n++] = p;
    /* The first reading stands alone: the growth rate starts from it. */
    s->open = s->n > 1 && s->stride > 1 ? 1 : 0;
    return 0;
}

int profile_rss_restore(struct profile_rss_series *s, double t, uint64_t bytes)
{
    if (reserve(s, s->n + 1) < 0)
        return -ENOMEM;
    s->points[s->n++] = (struct profile_rss_point){t, bytes};
    s->latest = s->points[s->n - 1];
    s->open = 0;
    return 0;
}

static int latest_is_extra(const struct profile_rss_series *s)
{
    return s->n && s->latest.t > s->points[s->n - 1].t;
}

size_t profile_rss_count(const struct profile_rss_series *s)
{
    return s->n + (size_t)latest_is_extra(s);
}

size_t profile_rss_points(const struct profile_rss_series *s, struct profile_rss_point *out)
{
    if (s->n)
        memcpy(out, s->points, s->n * sizeof(*out));
    if (latest_is_extra(s))
        out[s->n] = s->latest;
    return profile_rss_count(s);
}

int profile_rss_copy(struct profile_rss_series *dst, const struct profile_rss_series *src)
{
    if (reserve(dst, src->n) < 0)
        return -ENOMEM;
    if (src->n)
        memcpy(dst->points, src->points, src->n * sizeof(*dst->points));
    dst->n = src->n;
    dst->stride = src->stride;
    dst->open = src->open;
    dst->latest = src->latest;
    return 0;
}
