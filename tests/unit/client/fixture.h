/* A small hand-built profile shared by the client tests. Under `root`:
 * app.py (<module>, main, heavy, and heavy again as a second code object),
 * pkg/util.py (Helper.work), .venv/lib/x.py (ignored); outside it the json
 * encoder and a frozen module. The stacks below cover library time charged
 * to a calling line, recursion, an ignored directory, idle-only samples and
 * a sample with no user frame at all. */
#ifndef FAH_TEST_CLIENT_FIXTURE_H
#define FAH_TEST_CLIENT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/profile.h"

enum {
    FX_MODULE = 0,  /* app.py <module>, line 1 */
    FX_MAIN = 1,    /* app.py main, line 10 */
    FX_HEAVY = 2,   /* app.py heavy, line 20 */
    FX_ENCODE = 3,  /* /usr/lib/python3.11/json/encoder.py */
    FX_VENV = 4,    /* .venv/lib/x.py lib_func */
    FX_FROZEN = 5,  /* <frozen importlib._bootstrap> */
    FX_HELPER = 6,  /* pkg/util.py Helper.work, line 3 */
    FX_HEAVY2 = 7,  /* app.py heavy, line 20, another code object */
};

/* Seconds per stack, as python, native, system, idle. */
static const double fx_a[TIME_KINDS] = { 0.2, 0.3, 0.0, 0.0 }; /* added twice */
static const double fx_b[TIME_KINDS] = { 0.5, 0.0, 0.0, 0.0 };
static const double fx_c[TIME_KINDS] = { 0.0, 0.4, 0.1, 0.0 };
static const double fx_d[TIME_KINDS] = { 0.1, 0.0, 0.0, 0.0 };
static const double fx_e[TIME_KINDS] = { 0.3, 0.0, 0.0, 0.0 };
static const double fx_f[TIME_KINDS] = { 0.0, 0.0, 0.0, 1.0 };
static const double fx_g[TIME_KINDS] = { 0.0, 0.0, 0.2, 0.5 };

static inline double fx_sum3(const double s[TIME_KINDS])
{
    return s[TIME_PYTHON] + s[TIME_NATIVE] + s[TIME_SYSTEM];
}

static inline char *fx_path(const char *root, const char *rel)
{
    size_t n = strlen(root) + strlen(rel) + 2;
    char *s = malloc(n);

    snprintf(s, n, "%s/%s", root, rel);
    return s;
}

static inline int fx_code(struct profile *p, uint32_t id, const char *root,
                          const char *rel, const char *qualname, int line)
{
    char *file = rel[0] == '/' || rel[0] == '<' ? strdup(rel) : fx_path(root, rel);
    int rc = profile_set_code(p, id, file, qualname, line);

    free(file);
    return rc;
}

#define FX_STACK(p, tid, secs, ...)                                            \
    do {                                                                       \
        const struct profile_frame fr_[] = { __VA_ARGS__ };                    \
        profile_add_sample((p), (tid), fr_, sizeof(fr_) / sizeof(fr_[0]),      \
                           (secs));                                            \
    } while (0)

static inline struct profile *fx_profile(const char *root)
{
    struct profile *p = profile_new();

    /* Out of order on purpose: ids arrive dense but unordered. */
    fx_code(p, FX_HEAVY2, root, "app.py", "heavy", 20);
    fx_code(p, FX_MODULE, root, "app.py", "<module>", 1);
    fx_code(p, FX_MAIN, root, "app.py", "main", 10);
    fx_code(p, FX_HEAVY, root, "app.py", "heavy", 20);
    fx_code(p, FX_ENCODE, root, "/usr/lib/python3.11/json/encoder.py",
            "JSONEncoder.encode", 180);
    fx_code(p, FX_VENV, root, ".venv/lib/x.py", "lib_func", 5);
    fx_code(p, FX_FROZEN, root, "<frozen importlib._bootstrap>",
            "_find_and_load", 1);
    fx_code(p, FX_HELPER, root, "pkg/util.py", "Helper.work", 3);

    /* A: json encoding called from heavy line 22, twice. */
    for (int i = 0; i < 2; i++)
        FX_STACK(p, 1, fx_a, { FX_ENCODE, 200 }, { FX_HEAVY, 22 },
                 { FX_MAIN, 12 }, { FX_MODULE, 30 });
    /* B: heavy line 21 itself. */
    FX_STACK(p, 1, fx_b, { FX_HEAVY, 21 }, { FX_MAIN, 12 }, { FX_MODULE, 30 });
    /* C: ignored library under root, called from Helper.work line 4. */
    FX_STACK(p, 1, fx_c, { FX_VENV, 7 }, { FX_HELPER, 4 }, { FX_MAIN, 13 },
             { FX_MODULE, 30 });
    /* D: no user frame at all. */
    FX_STACK(p, 2, fx_d, { FX_FROZEN, 100 });
    /* E: heavy (second code object) line 23 called from heavy line 25. */
    FX_STACK(p, 1, fx_e, { FX_HEAVY2, 23 }, { FX_HEAVY, 25 }, { FX_MAIN, 14 },
             { FX_MODULE, 30 });
    /* F: main line 15 only idle (a join). */
    FX_STACK(p, 3, fx_f, { FX_MAIN, 15 }, { FX_MODULE, 30 });
    /* G: Helper.work line 5, system and idle. */
    FX_STACK(p, 1, fx_g, { FX_HELPER, 5 }, { FX_MODULE, 31 });

    profile_set_thread(p, 1, "MainThread");
    profile_set_thread(p, 2, "loader");
    profile_set_thread(p, 3, "waiter");
    return p;
}

#endif
