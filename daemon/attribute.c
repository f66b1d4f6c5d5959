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
    out->withheld = (struct withheld_off){.ns = off, .kind = kind, .to_waited = ns == out->prev_ns};
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

/* The interval split by what its two ends saw (docs/time-kinds.md): CPU
 * time into out, time off CPU into off. */
static void charge_by_ends(const struct thread_history *seen, const struct thread_observation *cur,
                           const struct interval_time *time, struct interval_split *out,
                           struct interval_split *off)
{
    const struct thread_observation *prev = &seen->prev;
    uint64_t off_ns = time->off;
    if (prev->valid)
        charge_carried(&time->carried, off);
    if (!prev->valid) {
        /* A new thread: all we know is now. */
        charge_cpu(out->cur_ns, cur->running ? cur->cpu_kind : SAMPLE_PYTHON, time);
        off->cur_ns[cur->running ? cur->gap_kind : cur->off_kind] += off_ns;
    } else if (!prev->running && cur->running) {
        /* Woke up: it waited where it was, then ran where it is. */
        charge_off_to_running(off->prev_ns, prev->off_kind, off_ns, cur, off);
        charge_run_to_now(seen, cur, time, out);
    } else if (prev->running && !cur->running) {
        /* Ran where it was, then blocked where it is. */
        charge_cpu(out->prev_ns, prev->cpu_kind, time);
        off->cur_ns[cur->off_kind] += off_ns;
    } else if (cur->running) {
        /* Ran throughout; a gap off CPU was a wait for the GIL or a lock
         * another thread held (gap_kind tells which is likelier). A lone
         * thread has nobody to wait for. */
        charge_run_to_now(seen, cur, time, out);
        if (!time->alone)
            charge_off_to_running(off->cur_ns, cur->gap_kind, off_ns, cur, off);
        else
            charge_unseen_wait(&seen->waited, cur, off_ns, off);
    } else if (prev->off_kind != cur->off_kind &&
               (prev->off_kind == SAMPLE_GIL_WAIT || cur->off_kind == SAMPLE_GIL_WAIT)) {
        /* From one wait to another, one of them for the GIL (a sleeper
         * woke and waits to take the GIL back): when the first ended is
         * unknown, so each gets half, each on its own line. */
        charge_unseen_run(&seen->ran, time, out);
        off->prev_ns[prev->off_kind] += off_ns / 2;
        off->cur_ns[cur->off_kind] += off_ns - off_ns / 2;
    } else {
        /* Blocked at both ends: it waited where it waits now. */
        charge_unseen_run(&seen->ran, time, out);
        off->cur_ns[cur->off_kind] += off_ns;
    }
}

int attribute_gil_ppm(uint64_t gil_ns, uint64_t other_ns, uint64_t unknown_ns)
{
    uint64_t known = gil_ns + other_ns;
    if (!known || unknown_ns * 10 > known + unknown_ns)
        return -1;
    return (int)(gil_ns * 1000000u / known);
}

static uint64_t ppm_of(uint64_t ns, int ppm)
{
    return ns / 1000000u * (uint64_t)ppm + (ns % 1000000u * (uint64_t)ppm + 500000u) / 1000000u;
}

/* The kinds time off CPU can have, and whether each is the GIL's. */
static const int off_kinds[] = {SAMPLE_SYSTEM, SAMPLE_IDLE, SAMPLE_GIL_WAIT};
#define OFF_KINDS (sizeof(off_kinds) / sizeof(off_kinds[0]))

/* Time off CPU the split gives the GIL (gil 1) or any other wait (0). */
static uint64_t off_of(const struct interval_split *off, int gil)
{
    const uint64_t *parts[] = {off->cur_ns, off->prev_ns, off->waited_ns, off->slept_ns};
    uint64_t sum = 0;
    for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++)
        for (size_t k = 0; k < OFF_KINDS; k++)
            if ((off_kinds[k] == SAMPLE_GIL_WAIT) == gil)
                sum += parts[p][off_kinds[k]];
    return sum;
}

/* Takes up to want ns from what the split gives the GIL (gil 1) or other
 * waits (0), nearest end first. Returns how much. */
static uint64_t take_off(struct interval_split *off, int gil, uint64_t want)
{
    uint64_t *parts[] = {off->cur_ns, off->prev_ns, off->waited_ns, off->slept_ns};
    uint64_t taken = 0;
    for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++)
        for (size_t k = 0; k < OFF_KINDS; k++) {
            uint64_t *ns = &parts[p][off_kinds[k]];
            if ((off_kinds[k] == SAMPLE_GIL_WAIT) != gil || taken == want)
                continue;
            uint64_t part = *ns < want - taken ? *ns : want - taken;
            *ns -= part;
            taken += part;
        }
    return taken;
}

static int blocked_in(const struct thread_observation *o, int gil)
{
    return o->valid && !o->running && (o->off_kind == SAMPLE_GIL_WAIT) == gil;
}

/* Where a wait other than the GIL's that the records saw goes: an end of
 * the interval found in such a wait, else the last observation that was
 * (slept). NULL: none. */
static uint64_t *other_wait_part(struct interval_split *off, const struct thread_history *seen,
                                 const struct thread_observation *cur, int *kind)
{
    const struct thread_observation *at = blocked_in(cur, 0)           ? cur
                                          : blocked_in(&seen->prev, 0) ? &seen->prev
                                          : blocked_in(&seen->slept, 0) ? &seen->slept
                                                                        : NULL;
    if (!at)
        return NULL;
    *kind = at->off_kind;
    return at == cur ? off->cur_ns : at == &seen->prev ? off->prev_ns : off->slept_ns;
}

/* Where a wait for the GIL that the records saw goes: an end found waiting
 * for it, else the previous end if it was blocked (a blocking call takes
 * the GIL back at its own line), else the current one. */
static uint64_t *gil_wait_part(struct interval_split *off, const struct thread_history *seen,
                               const struct thread_observation *cur)
{
    if (blocked_in(cur, 1))
        return off->cur_ns;
    if (seen->prev.valid && !seen->prev.running)
        return off->prev_ns;
    return off->cur_ns;
}

/* Gives the GIL the part of the time off CPU the switch records say was
 * its (own_ppm for this interval's own, carried.gil_ppm for what an
 * earlier one withheld), moving the difference from or to the other
 * waits. Only when the records tell for all of it: otherwise the ends'
 * split stands. */
static void split_by_switches(struct interval_split *off, const struct thread_history *seen,
                              const struct thread_observation *cur,
                              const struct interval_time *time, int own_ppm)
{
    uint64_t have = off_of(off, 1), total = have + off_of(off, 0);
    uint64_t carried = seen->prev.valid ? time->carried.ns : 0;
    uint64_t own = total > carried ? total - carried : 0;
    if (!total || (own && own_ppm < 0) || (carried && !time->carried.split_known))
        return;
    uint64_t want = ppm_of(own, own_ppm > 0 ? own_ppm : 0) + ppm_of(carried, time->carried.gil_ppm);
    int kind = SAMPLE_SYSTEM;
    if (have > want) {
        uint64_t *to = other_wait_part(off, seen, cur, &kind);
        if (to)
            to[kind] += take_off(off, 1, have - want);
    } else if (want > have) {
        gil_wait_part(off, seen, cur)[SAMPLE_GIL_WAIT] += take_off(off, 0, want - have);
    }
}

static void add_kinds(uint64_t to[SAMPLE_KINDS], const uint64_t from[SAMPLE_KINDS])
{
    for (int k = 0; k < SAMPLE_KINDS; k++)
        to[k] += from[k];
}

void attribute_interval(const struct thread_history *seen, const struct thread_observation *cur,
                        const struct interval_time *time, struct interval_split *out)
{
    memset(out, 0, sizeof(*out));
    struct interval_split off;
    memset(&off, 0, sizeof(off));
    charge_by_ends(seen, cur, time, out, &off);
    int own_ppm = attribute_gil_ppm(time->waits_gil, time->waits_other, time->waits_unknown);
    split_by_switches(&off, seen, cur, time, own_ppm);
    add_kinds(out->prev_ns, off.prev_ns);
    add_kinds(out->cur_ns, off.cur_ns);
    add_kinds(out->waited_ns, off.waited_ns);
    add_kinds(out->slept_ns, off.slept_ns);
    out->withheld = off.withheld;
    out->withheld.split_known = own_ppm >= 0;
    out->withheld.gil_ppm = own_ppm >= 0 ? own_ppm : 0;
}

void attribute_last_interval(const struct thread_history *seen, const struct interval_time *time,
                             struct interval_split *out)
{
    memset(out, 0, sizeof(*out));
    if (seen->prev.running)
        charge_cpu(out->prev_ns, seen->prev.cpu_kind, time);
    else if (seen->ran.valid)
        charge_cpu(out->ran_ns, seen->ran.cpu_kind, time);
    else
        charge_cpu(out->prev_ns, SAMPLE_PYTHON, time);
}
