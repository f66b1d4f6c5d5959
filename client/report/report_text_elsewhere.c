/* When no time was charged to the user's code (an `attach` to a server
 * whose loop lives in its libraries, a script run from outside the root):
 * where the time went instead, by the innermost library function, as
 * --detailed would charge it. */
#include "client/report/report_text_internal.h"

#include <string.h>

#define ELSEWHERE_TOP 5
#define ELSEWHERE_NAME_WIDTH 26

void report_text_elsewhere(FILE *out, const struct profile *p, const struct summary *s)
{
    fprintf(out, "No time was recorded in code under %s.\n", s->root);
    if (s->detailed || s->total <= 0)
        return;
    struct summary_options o = {.root = s->root, .detailed = 1,
                                .include_idle = s->include_idle};
    struct summary *d = summary_new(p, &o);
    if (!d)
        return;
    size_t n = d->nfunctions < ELSEWHERE_TOP ? d->nfunctions : ELSEWHERE_TOP;
    if (n > 0) {
        fprintf(out, "The time went to library code; its top functions:\n");
        for (size_t i = 0; i < n; i++) {
            const struct summary_function *f = &d->functions[i];
            size_t len = strlen(f->name);
            fprintf(out, "%2zu. %s", i + 1, f->name);
            report_text_repeat(out, " ",
                               len < ELSEWHERE_NAME_WIDTH ? ELSEWHERE_NAME_WIDTH - len : 1);
            fprintf(out, "%5.1f%% (%s:%d)\n", f->percent, f->rel, f->firstlineno);
        }
        fputs("Run with --detailed to see library code line by line (or set the root to the "
              "code's folder).\n",
              out);
    }
    summary_free(d);
}
