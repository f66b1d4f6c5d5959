/* Keeping the sampling thread off its target's CPUs (see placement.h). */
#include "daemon/placement.h"

#include <string.h>

void placement_avoid(struct placement *pl, const int *cpus, int n)
{
    cpu_set_t avoid, run;

    if (!pl->known) {
        if (sched_getaffinity(0, sizeof(pl->allowed), &pl->allowed) < 0)
            return;
        CPU_ZERO(&pl->avoided);
        pl->known = 1;
    }
    CPU_ZERO(&avoid);
    for (int i = 0; i < n; i++)
        if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
            CPU_SET(cpus[i], &avoid);
    CPU_AND(&avoid, &avoid, &pl->allowed);
    if (CPU_EQUAL(&avoid, &pl->avoided))
        return;
    CPU_XOR(&run, &pl->allowed, &avoid); /* allowed minus avoided */
    if (CPU_COUNT(&run) == 0) { /* every CPU is the target's: share them */
        CPU_ZERO(&avoid);
        run = pl->allowed;
    }
    if (sched_setaffinity(0, sizeof(run), &run) == 0)
        pl->avoided = avoid;
}
