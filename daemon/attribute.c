/* Splitting a sampling interval between two observations (see attribute.h). */
#include "daemon/attribute.h"

#include <string.h>

void attribute_interval(const struct thread_observation *prev,
                        const struct thread_observation *cur, const struct interval_time *time,
                        struct interval_split *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t cpu = time->cpu, off = time->off;
    if (!prev->valid) {
        /* A new thread: all we know is now. */
        out->cur_ns[cur->running ? cur->cpu_kind : SAMPLE_PYTHON] += cpu;
        out->cur_ns[cur->running ? SAMPLE_IDLE : cur->off_kind] += off;
    } else if (!prev->running && cur->running) {
        /* Woke up: it waited where it was, then ran where it is. */
        out->prev_ns[prev->off_kind] += off;
        out->cur_ns[cur->cpu_kind] += cpu;
    } else if (prev->running && !cur->running) {
        /* Ran where it was, then blocked where it is. */
        out->prev_ns[prev->cpu_kind] += cpu;
        out->cur_ns[cur->off_kind] += off;
    } else if (cur->running) {
        /* Ran throughout; a gap off CPU was a wait for the GIL or a lock
         * another thread held: idle. A lone thread has nobody to wait for:
         * the gap is the run-queue wait the kernel has not booked yet. */
        out->cur_ns[cur->cpu_kind] += cpu;
        if (!time->alone)
            out->cur_ns[SAMPLE_IDLE] += off;
    } else {
        /* Blocked at both ends: the short run between was the interpreter
         * going from one wait to the next. */
        out->cur_ns[SAMPLE_PYTHON] += cpu;
        out->cur_ns[cur->off_kind] += off;
    }
}
