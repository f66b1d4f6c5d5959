/* How the text report names a function: its short name when no other
 * reported function has it, else its qualname ("Figure.draw",
 * "f.<locals>.<genexpr>"); the file is shown beside it where it matters. */
#include <string.h>

#include "client/report/report_text_internal.h"

const char *report_text_label(const struct summary *s, const struct summary_function *f)
{
    for (size_t i = 0; i < s->nfunctions; i++) {
        const struct summary_function *g = &s->functions[i];

        if (g != f && strcmp(g->name, f->name) == 0)
            return f->qualname;
    }
    return f->name;
}
