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

/* CPU time run between two observations that both found the thread
 * blocked: where it ran is unseen, and the line it blocks at is the least
 * likely place (a loop that computes 3 ms and sleeps 2 ms would have its
 * computing charged to its sleep). The last place it was seen running is
 * a draw from where it spends its CPU time; after a change of phase it is
 * stale only until the thread is next seen running, which costs about one
 * sampling period of CPU time. A thread never seen running has nowhere
 * else: the current line. */
static void charge_unseen_run(const struct thread_observation *ran,
                              const struct interval_time *time, struct interval_split *out)
{
    if (ran->valid)
        charge_cpu(out->ran_ns, ran->cpu_kind, time);
    else
        charge_cpu(out->cur_ns, SAMPLE_PYTHON, time);
}

/* Time a lone thread running at both ends spent off CPU between: it did
 * not wait for a CPU (the kernel booked that when it got one back) nor
 * for another thread, so it slept or waited for I/O somewhere unseen. The
 * last place it was seen blocked is a draw from where it blocks, stale
 * only until it is next seen blocked. While it waits for a CPU now, the
 * gap may be that unbooked wait: nobody's. */
static void charge_unseen_wait(const struct thread_observation *waited,
                               const struct thread_observation *cur, uint64_t off,
                               struct interval_split *out)
{
    if (waited->valid && cur->on_cpu)
        out->waited_ns[waited->off_kind] += off;
}

/* CPU time that ended with the thread running: where it runs now, unless
 * it waits for a CPU now. A runnable thread waits where it woke or was
 * preempted (a sleep it just left, the line after a system call), which
 * says nothing of where it ran before; where it was last seen on a CPU
 * does. */
static void charge_run_to_now(const struct thread_history *seen,
                              const struct thread_observation *cur,
                              const struct interval_time *time, struct interval_split *out)
{
    if (cur->on_cpu || !seen->ran.valid)
        charge_cpu(out->cur_ns, cur->cpu_kind, time);
    else
        charge_cpu(out->ran_ns, seen->ran.cpu_kind, time);
}

/* Time off CPU of an interval that ends with the thread running: withheld
 * (interval_split.withheld) when it waits for a CPU now. Charged now,
 * the wait in progress would count as the wait it woke from (a contender
 * woken by the GIL's hand-off and queued behind another task would wait
 * for the GIL while it waits for a CPU), and the kernel's booking of it
 * at the next interval would find no time there to take it from. */
static void charge_off_to_running(uint64_t ns[SAMPLE_KINDS], int kind, uint64_t off,
                                  const struct thread_observation *cur, struct interval_split *out)
{
    if (cur->on_cpu) {
        ns[kind] += off;
        return;
    }
    out->withheld = (struct withheld_off){off, kind, ns == out->prev_ns};
}

/* Withheld time given back: to the wait it woke from, which is the last
 * observation that found it blocked (it may have run since, and been
 * preempted elsewhere), or to the observation that withheld it. */
static void charge_carried(const struct withheld_off *carried, struct interval_split *out)
{
    if (carried->to_waited)
        out->waited_ns[carried->kind] += carried->ns;
    else
        out->prev_ns[carried->kind] += carried->ns;
}

static uint64_t take_share(uint64_t *ns, double share)
{
    uint64_t taken = (uint64_t)((double)*ns * share);
    taken = taken < *ns ? taken : *ns;
    *ns -= taken;
    return taken;
}

void attribute_unseen_part(struct interval_time *time, uint64_t wall_ns, uint64_t cap_ns,
                           struct interval_time *unseen)
{
    memset(unseen, 0, sizeof(*unseen));
    if (wall_ns <= cap_ns)
        return;
    double share = (double)(wall_ns - cap_ns) / (double)wall_ns;
    unseen->kernel = take_share(&time->kernel, share);
    unseen->cpu = take_share(&time->cpu, share);
    /* cpu keeps at least its kernel part */
    if (unseen->cpu < unseen->kernel) {
        time->cpu -= unseen->kernel - unseen->cpu;
        unseen->cpu = unseen->kernel;
    }
    unseen->runq = take_share(&time->runq, share);
    unseen->off = take_share(&time->off, share);
    unseen->alone = time->alone;
}

void attribute_interval(const struct thread_history *seen, const struct thread_observation *cur,
                        const struct interval_time *time, struct interval_split *out)
{
    memset(out, 0, sizeof(*out));
    const struct thread_observation *prev = &seen->prev;
    uint64_t off = time->off;
    if (prev->valid)
        charge_carried(&time->carried, out);
    if (!prev->valid) {
        /* A new thread: all we know is now. */
        charge_cpu(out->cur_ns, cur->running ? cur->cpu_kind : SAMPLE_PYTHON, time);
        out->cur_ns[cur->running ? cur->gap_kind : cur->off_kind] += off;
    } else if (!prev->running && cur->running) {
        /* Woke up: it waited where it was, then ran where it is. */
        charge_off_to_running(out->prev_ns, prev->off_kind, off, cur, out);
        charge_run_to_now(seen, cur, time, out);
    } else if (prev->running && !cur->running) {
        /* Ran where it was, then blocked where it is. */
        charge_cpu(out->prev_ns, prev->cpu_kind, time);
        out->cur_ns[cur->off_kind] += off;
    } else if (cur->running) {
        /* Ran throughout; a gap off CPU was a wait for the GIL or a lock
         * another thread held (gap_kind tells which is likelier). A lone
         * thread has nobody to wait for. */
        charge_run_to_now(seen, cur, time, out);
        if (!time->alone)
            charge_off_to_running(out->cur_ns, cur->gap_kind, off, cur, out);
        else
            charge_unseen_wait(&seen->waited, cur, off, out);
    } else if (prev->off_kind != cur->off_kind &&
               (prev->off_kind == SAMPLE_GIL_WAIT || cur->off_kind == SAMPLE_GIL_WAIT)) {
        /* From one wait to another, one of them for the GIL (a sleeper
         * woke and waits to take the GIL back): when the first ended is
         * unknown, so each gets half, each on its own line. */
        charge_unseen_run(&seen->ran, time, out);
        out->prev_ns[prev->off_kind] += off / 2;
        out->cur_ns[cur->off_kind] += off - off / 2;
    } else {
        /* Blocked at both ends: it waited where it waits now. */
        charge_unseen_run(&seen->ran, time, out);
        out->cur_ns[cur->off_kind] += off;
    }
}
