/* When threading's names are read, and what each thread keeps (see
 * threadnamer.h). */
#include "daemon/threadnamer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* _active is read at least this often while the program has Python
 * threads (renames), and found anew through sys.modules this often. A
 * program that has not imported threading is not read more often than
 * this: finding no threading in sys.modules costs dozens of pages. */
#define NAMER_REREAD_NS 1000000000u
/* The longest wait between two readings for a thread still missing. */
#define NAMER_RETRY_MAX_NS 100000000u

int threadnamer_init(struct thread_namer *n, struct pyobj obj)
{
    *n = (struct thread_namer){0};
    n->names = calloc(1, sizeof(*n->names));
    if (!n->names)
        return -ENOMEM;
    n->names->obj = obj;
    return 0;
}

void threadnamer_free(struct thread_namer *n)
{
    free(n->names);
    n->names = NULL;
}

int threadname_wanted(const struct thread_name *tn, uint64_t now_ns)
{
    if (tn->name[0] || now_ns < tn->retry_ns)
        return 0;
    return tn->misses ? THREADNAME_RETRY : THREADNAME_FIRST;
}

int threadnamer_read(struct thread_namer *n, uint64_t interp, int wanted, uint64_t now_ns)
{
    uint64_t age = now_ns - n->read_ns;
    int reread = !n->read_ns || age >= NAMER_REREAD_NS;
    if (!reread && wanted != THREADNAME_FIRST && (!wanted || n->unimported))
        return 0;
    int look_up = !n->looked_up_ns || now_ns - n->looked_up_ns >= NAMER_REREAD_NS;
    int rc = pythreadname_scan(n->names, interp, look_up);
    if (look_up || rc == -ENOENT)
        n->looked_up_ns = now_ns;
    n->unimported = rc == -ENOENT;
    n->read_ns = now_ns;
    return 1;
}

void threadname_update(const struct thread_namer *n, struct thread_name *tn, uint64_t ident,
                       uint64_t now_ns, uint64_t period_ns)
{
    const char *found = pythreadname_find(n->names, ident);
    if (found) {
        snprintf(tn->name, sizeof(tn->name), "%s", found);
        tn->misses = 0;
        return;
    }
    if (tn->name[0])
        return;
    /* Half a period first: ticks are jittered, the next may come that
     * soon, and a short thread may not live to the one after. */
    uint64_t delay = period_ns > 1 ? period_ns / 2 : 1;
    for (int i = 0; i < tn->misses && delay < NAMER_RETRY_MAX_NS; i++)
        delay *= 2;
    tn->retry_ns = now_ns + (delay < NAMER_RETRY_MAX_NS ? delay : NAMER_RETRY_MAX_NS);
    tn->misses++;
}
