/* Stack facts shared by the export formats (see export_stack.h). */
#include "client/export/export_stack.h"

#include "client/model/summary.h"

double export_stack_seconds(const struct profile *p, const struct profile_stack *st)
{
    double folded[SUMMARY_KINDS];
    return summary_counted(st->seconds, p->include_idle, folded);
}

const char *export_thread_name(const struct profile *p, uint32_t tid)
{
    for (size_t i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == tid)
            return p->threads[i].name;
    return NULL;
}
