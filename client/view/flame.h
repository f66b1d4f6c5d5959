/* The flame graph's tree: every stack of a profile merged from the
 * outermost frame in, one node per (caller node, function), each with the
 * inclusive time of the stacks through it split by kind. The HTML report
 * and the SVG flame graph draw it; merging here, in C, keeps 100k
 * distinct stacks down to one node per distinct call path prefix. */
#ifndef FAH_VIEW_FLAME_H
#define FAH_VIEW_FLAME_H

#include <stddef.h>
#include <stdint.h>

#include "client/model/profile.h"
#include "client/model/summary.h"

#define FLAME_NONE UINT32_MAX

/* A function, keyed like summary_function: file, qualname, first line.
 * Strings are borrowed from the profile (or static for the pseudo ones). */
struct flame_func {
    const char *qualname;
    const char *file;
    int firstlineno;
};

struct flame_node {
    uint32_t func;        /* index into flame.funcs; FLAME_NONE at the root */
    uint32_t first_child; /* FLAME_NONE when a leaf */
    uint32_t next_sibling;
    uint32_t depth;       /* 0 at the root */
    double seconds[SUMMARY_KINDS]; /* inclusive, counted as summary_counted */
    double total;
};

struct flame {
    char unplaced_names[PROFILE_UNPLACED_REASONS][64]; /* "(interpreter teardown)" */
    struct flame_func *funcs;
    size_t nfuncs;
    struct flame_node *nodes; /* nodes[0] is the root ("all") */
    size_t nnodes;
    uint32_t max_depth;
};

/* Merges p's stacks; idle counts as system time when include_idle, else
 * it is dropped. Stacks without frames hang under a node named for the
 * reason the daemon gave ("(interpreter teardown)"), or "(no Python
 * stack)" when it gave none. Children are ordered by total time,
 * descending. p must outlive the result. Returns NULL when out of memory. */
struct flame *flame_new(const struct profile *p, int include_idle);
void flame_free(struct flame *f);

/* The self time of node i: its total less its children's. */
double flame_self(const struct flame *f, uint32_t i);

/* The short name of a function ("g" of "A.f.<locals>.g"). */
const char *flame_func_name(const struct flame_func *fn);

#endif
