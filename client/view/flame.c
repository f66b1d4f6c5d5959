/* The flame graph's tree (see flame.h): codes folded into functions by
 * sorting, stacks merged into nodes through a hash of (parent, function). */
#include "client/view/flame.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Pseudo functions before the real ones: a frameless stack's, one per
 * reason the daemon gave (FUNC_NO_STACK + why; why 0 gave none), and
 * that of a code the daemon never described. */
enum {
    FUNC_NO_STACK = 0,
    FUNC_UNKNOWN = PROFILE_UNPLACED_REASONS,
    FUNC_PSEUDO = PROFILE_UNPLACED_REASONS + 1
};

struct builder {
    struct flame *f;
    const struct profile *p;
    uint32_t *func_of_code; /* code id -> function */
    size_t nodes_cap;
    uint64_t *keys; /* (parent + 1) << 32 | func; 0 empty */
    uint32_t *vals;
    size_t table_cap;
};

static int cmp_codes(const void *a, const void *b, void *profile)
{
    const struct profile *p = profile;
    const struct profile_code *x = &p->codes[*(const uint32_t *)a];
    const struct profile_code *y = &p->codes[*(const uint32_t *)b];
    int c = strcmp(x->file, y->file);
    if (!c)
        c = strcmp(x->qualname, y->qualname);
    return c ? c : (x->firstlineno > y->firstlineno) - (x->firstlineno < y->firstlineno);
}

/* Codes of the same function (file, qualname, first line) share an index. */
static int fold_codes(struct builder *b)
{
    const struct profile *p = b->p;
    uint32_t *order = malloc((p->ncodes + 1) * sizeof(*order));
    b->func_of_code = malloc((p->ncodes + 1) * sizeof(*b->func_of_code));
    b->f->funcs = calloc(p->ncodes + FUNC_PSEUDO, sizeof(*b->f->funcs));
    if (!order || !b->func_of_code || !b->f->funcs) {
        free(order);
        return -ENOMEM;
    }
    size_t n = 0;
    for (uint32_t i = 0; i < p->ncodes; i++)
        if (profile_code(p, i))
            order[n++] = i;
    qsort_r(order, n, sizeof(*order), cmp_codes, (void *)p);
    struct flame *f = b->f;
    f->funcs[FUNC_NO_STACK] = (struct flame_func){"(no Python stack)", "", 0};
    for (int why = 1; why < PROFILE_UNPLACED_REASONS; why++) {
        snprintf(f->unplaced_names[why], sizeof(f->unplaced_names[why]), "(%s)",
                 profile_unplaced_labels[why]);
        f->funcs[FUNC_NO_STACK + why] = (struct flame_func){f->unplaced_names[why], "", 0};
    }
    f->funcs[FUNC_UNKNOWN] = (struct flame_func){"(unknown code)", "", 0};
    f->nfuncs = FUNC_PSEUDO;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || cmp_codes(&order[i - 1], &order[i], (void *)p) != 0) {
            const struct profile_code *c = &p->codes[order[i]];
            f->funcs[f->nfuncs++] = (struct flame_func){c->qualname, c->file, c->firstlineno};
        }
        b->func_of_code[order[i]] = (uint32_t)(f->nfuncs - 1);
    }
    free(order);
    return 0;
}

static uint64_t hash_key(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static int grow_table(struct builder *b)
{
    size_t cap = b->table_cap ? b->table_cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof(*keys));
    uint32_t *vals = malloc(cap * sizeof(*vals));
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -ENOMEM;
    }
    for (size_t i = 0; i < b->table_cap; i++) {
        if (!b->keys[i])
            continue;
        size_t j = hash_key(b->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = b->keys[i];
        vals[j] = b->vals[i];
    }
    free(b->keys);
    free(b->vals);
    b->keys = keys;
    b->vals = vals;
    b->table_cap = cap;
    return 0;
}

static long add_node(struct builder *b, uint32_t parent, uint32_t func)
{
    struct flame *f = b->f;
    if (f->nnodes == b->nodes_cap) {
        size_t cap = b->nodes_cap ? b->nodes_cap * 2 : 256;
        if (cap > FLAME_NONE) /* node indices are 32-bit */
            return -ENOMEM;
        struct flame_node *nodes = realloc(f->nodes, cap * sizeof(*nodes));
        if (!nodes)
            return -ENOMEM;
        f->nodes = nodes;
        b->nodes_cap = cap;
    }
    uint32_t i = (uint32_t)f->nnodes++;
    f->nodes[i] = (struct flame_node){.func = func, .first_child = FLAME_NONE,
                                      .next_sibling = FLAME_NONE};
    if (parent != FLAME_NONE) {
        struct flame_node *up = &f->nodes[parent];
        f->nodes[i].depth = up->depth + 1;
        f->nodes[i].next_sibling = up->first_child;
        up->first_child = i;
        if (f->nodes[i].depth > f->max_depth)
            f->max_depth = f->nodes[i].depth;
    }
    return i;
}

/* The child of parent for func, made when new. */
static long child_of(struct builder *b, uint32_t parent, uint32_t func)
{
    if ((b->f->nnodes + 1) * 2 > b->table_cap && grow_table(b) < 0)
        return -ENOMEM;
    uint64_t key = ((uint64_t)parent + 1) << 32 | func;
    size_t j = hash_key(key) & (b->table_cap - 1);
    while (b->keys[j] && b->keys[j] != key)
        j = (j + 1) & (b->table_cap - 1);
    if (b->keys[j])
        return b->vals[j];
    long i = add_node(b, parent, func);
    if (i >= 0) {
        b->keys[j] = key;
        b->vals[j] = (uint32_t)i;
    }
    return i;
}

static void add_time(struct flame_node *n, const double seconds[SUMMARY_KINDS], double total)
{
    for (int k = 0; k < SUMMARY_KINDS; k++)
        n->seconds[k] += seconds[k];
    n->total += total;
}

static int add_frame(struct builder *b, uint32_t *node, uint32_t func,
                     const double seconds[SUMMARY_KINDS], double total)
{
    long i = child_of(b, *node, func);
    if (i < 0)
        return (int)i;
    *node = (uint32_t)i;
    add_time(&b->f->nodes[i], seconds, total);
    return 0;
}

static int add_stack(struct builder *b, const struct profile_stack *st, int include_idle)
{
    double seconds[SUMMARY_KINDS];
    double total = summary_counted(st->seconds, include_idle, seconds);
    if (total <= 0)
        return 0; /* seen only by heap events, or only idle */
    uint32_t node = 0;
    add_time(&b->f->nodes[0], seconds, total);
    if (st->nframes == 0)
        return add_frame(b, &node, FUNC_NO_STACK + st->why, seconds, total);
    for (uint32_t k = st->nframes; k-- > 0;) {
        uint32_t code = st->frames[k].code_id;
        uint32_t func = profile_code(b->p, code) ? b->func_of_code[code] : FUNC_UNKNOWN;
        int rc = add_frame(b, &node, func, seconds, total);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int cmp_by_total(const void *a, const void *b)
{
    const struct flame_node *x = *(struct flame_node *const *)a;
    const struct flame_node *y = *(struct flame_node *const *)b;
    return (x->total < y->total) - (x->total > y->total);
}

/* Relinks every node's children by total time, descending. */
static int order_children(struct flame *f)
{
    struct flame_node **kids = malloc((f->nnodes + 1) * sizeof(*kids));
    if (!kids)
        return -ENOMEM;
    for (size_t i = 0; i < f->nnodes; i++) {
        size_t n = 0;
        for (uint32_t c = f->nodes[i].first_child; c != FLAME_NONE; c = f->nodes[c].next_sibling)
            kids[n++] = &f->nodes[c];
        if (n < 2)
            continue;
        qsort(kids, n, sizeof(*kids), cmp_by_total);
        f->nodes[i].first_child = (uint32_t)(kids[0] - f->nodes);
        for (size_t k = 0; k < n; k++)
            kids[k]->next_sibling = k + 1 < n ? (uint32_t)(kids[k + 1] - f->nodes) : FLAME_NONE;
    }
    free(kids);
    return 0;
}

/* Keeps only the functions some node uses (a profile describes every code
 * object the target ran, most of them never sampled), renumbered. */
static int drop_unused_funcs(struct flame *f)
{
    uint32_t *renumber = malloc((f->nfuncs + 1) * sizeof(*renumber));
    if (!renumber)
        return -ENOMEM;
    for (size_t i = 0; i < f->nfuncs; i++)
        renumber[i] = FLAME_NONE;
    for (size_t i = 1; i < f->nnodes; i++)
        renumber[f->nodes[i].func] = 0;
    size_t kept = 0;
    for (size_t i = 0; i < f->nfuncs; i++)
        if (renumber[i] == 0) {
            f->funcs[kept] = f->funcs[i];
            renumber[i] = (uint32_t)kept++;
        }
    for (size_t i = 1; i < f->nnodes; i++)
        f->nodes[i].func = renumber[f->nodes[i].func];
    f->nfuncs = kept;
    free(renumber);
    return 0;
}

struct flame *flame_new(const struct profile *p, int include_idle)
{
    struct builder b = {.f = calloc(1, sizeof(struct flame)), .p = p};
    int rc = b.f ? fold_codes(&b) : -ENOMEM;
    if (rc == 0)
        rc = add_node(&b, FLAME_NONE, FLAME_NONE) < 0 ? -ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < p->nstacks; i++)
        rc = add_stack(&b, &p->stacks[i], include_idle);
    if (rc == 0)
        rc = order_children(b.f);
    if (rc == 0)
        rc = drop_unused_funcs(b.f);
    free(b.func_of_code);
    free(b.keys);
    free(b.vals);
    if (rc < 0) {
        flame_free(b.f);
        return NULL;
    }
    return b.f;
}

void flame_free(struct flame *f)
{
    if (!f)
        return;
    free(f->funcs);
    free(f->nodes);
    free(f);
}

double flame_self(const struct flame *f, uint32_t i)
{
    double self = f->nodes[i].total;
    for (uint32_t c = f->nodes[i].first_child; c != FLAME_NONE; c = f->nodes[c].next_sibling)
        self -= f->nodes[c].total;
    return self > 0 ? self : 0;
}

const char *flame_func_name(const struct flame_func *fn)
{
    return summary_short_name(fn->qualname);
}
