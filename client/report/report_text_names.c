/* How the text report names a function: by its qualname, without the
 * enclosing functions of a nested one ("Figure.draw", "MaskedArray.count",
 * "<genexpr>" for "f.<locals>.<genexpr>"), or by its whole qualname when
 * another reported function would get the same name ("f.<locals>.<genexpr>"
 * and "g.<locals>.<genexpr>"). The file is shown beside it. */
#include <string.h>

#include "client/report/report_text_internal.h"

#define LOCALS ".<locals>."

/* The qualname after its last ".<locals>.". */
static const char *short_label(const char *qualname)
{
    const char *cut = qualname, *at;

    while ((at = strstr(cut, LOCALS)))
        cut = at + strlen(LOCALS);
    return cut;
}

const char *report_text_label(const struct summary *s, const struct summary_function *f)
{
    const char *label = short_label(f->qualname);

    if (label == f->qualname)
        return label;
    for (size_t i = 0; i < s->nfunctions; i++) {
        const struct summary_function *g = &s->functions[i];

        if (g != f && strcmp(short_label(g->qualname), label) == 0)
            return f->qualname;
    }
    return label;
}
