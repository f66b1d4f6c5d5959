/* Splitting a sampling interval between two observations (see attribute.h). */
#include "daemon/attribute.h"

#include <string.h>

/* CPU time at one observation: its kernel part is system time, the rest
 * goes where the thread ran (Python or native). */
static void charge_cpu(uint64_t ns[SAMPLE_KINDS], int cpu_kind, const struct interval_time *time)
{
    uint64_t kernel = time->kernel < time->cpu ? time->kernel : time->cpu;
    ns[cpu_kind] += time->cpu - kernel;
    ns[SAMPLE_SYSTEM] += kernel;
}

void attribute_interval(const struct thread_observation *prev,
                        const struct thread_observation *cur, const struct interval_time *time,
                        struct interval_split *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t off = time->off;
    if (!prev->valid) {
        /* A new thread: all we know is now. */
        charge_cpu(out->cur_ns, cur->running ? cur->cpu_kind : SAMPLE_PYTHON, time);
        out->cur_ns[cur->running ? cur->gap_kind : cur->off_kind] += off;
    } else if (!prev->running && cur->running) {
        /* Woke up: it waited where it was, then ran where it is. */
        out->prev_ns[prev->off_kind] += off;
        charge_cpu(out->cur_ns, cur->cpu_kind, time);
    } else if (prev->running && !cur->running) {
        /* Ran where it was, then blocked where it is. */
        charge_cpu(out->prev_ns, prev->cpu_kind, time);
        out->cur_ns[cur->off_kind] += off;
    } else if (cur->running) {
        /* Ran throughout; a gap off CPU was a wait for the GIL or a lock
         * another thread held (gap_kind tells which is likelier). A lone
         * thread has nobody to wait for: the gap is the run-queue wait the
         * kernel has not booked yet. */
        charge_cpu(out->cur_ns, cur->cpu_kind, time);
        if (!time->alone)
            out->cur_ns[cur->gap_kind] += off;
    } else if (prev->off_kind != cur->off_kind &&
               (prev->off_kind == SAMPLE_GIL_WAIT || cur->off_kind == SAMPLE_GIL_WAIT)) {
        /* From one wait to another, one of them for the GIL (a sleeper
         * woke and waits to take the GIL back): when the first ended is
         * unknown, so each gets half, each on its own line. */
        charge_cpu(out->cur_ns, SAMPLE_PYTHON, time);
        out->prev_ns[prev->off_kind] += off / 2;
        out->cur_ns[cur->off_kind] += off - off / 2;
    } else {
        /* Blocked at both ends: the short run between was the interpreter
         * going from one wait to the next. */
        charge_cpu(out->cur_ns, SAMPLE_PYTHON, time);
        out->cur_ns[cur->off_kind] += off;
    }
}
