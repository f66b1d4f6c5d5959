/* What summary.c shares with summary_tree.c (call paths and the module
 * tree); not for use outside the summary module. */
#ifndef FAH_CLIENT_SUMMARY_INTERNAL_H
#define FAH_CLIENT_SUMMARY_INTERNAL_H

#include "client/model/summary.h"

/* The per-code facts every stage of summary_new needs. */
struct summary_build {
    const struct profile *p;
    const struct summary_options *o;
    unsigned char *counts; /* counts[code]: the frame can be charged */
    uint32_t *canon;       /* canon[code]: representative code of its function */
    size_t *func_of;       /* func_of[canon code]: index in s->functions or SIZE_MAX */
    long *charged;         /* charged[stack]: charged frame or -1 */
};

/* Fills s->traces for s->functions[0..top). Returns 0 or -ENOMEM. */
int summary_build_traces(struct summary *s, const struct summary_build *b,
                         size_t top);
void summary_free_traces(struct summary *s);

/* Fills s->modules from s->functions. Returns 0 or -ENOMEM. */
int summary_build_modules(struct summary *s);
void summary_free_modules(struct summary_module *m);

#endif
