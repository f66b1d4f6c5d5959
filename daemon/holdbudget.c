/* The process's budget of stops (see holdbudget.h). next_ns is when the
 * credit next covers a stop: credit accrues with planned time and is
 * capped, so next_ns never lags a tick by more than burst_ns - gap_ns. */
#include "daemon/holdbudget.h"

struct hold_budget holdbudget_make(uint64_t gap_ns, uint64_t burst_ns)
{
    return (struct hold_budget){.gap_ns = gap_ns,
                                .burst_ns = burst_ns < gap_ns ? gap_ns : burst_ns};
}

int holdbudget_allows(const struct hold_budget *b, uint64_t due_ns)
{
    return due_ns >= b->next_ns;
}

void holdbudget_spend(struct hold_budget *b, uint64_t due_ns)
{
    uint64_t full = due_ns > b->burst_ns - b->gap_ns ? due_ns - (b->burst_ns - b->gap_ns) : 0;
    uint64_t from = b->next_ns > full ? b->next_ns : full;
    b->next_ns = from + b->gap_ns;
}
