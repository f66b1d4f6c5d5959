/* The CPU time of threads no tick saw (see unseencpu.h). */
#include "daemon/unseencpu.h"

#include "daemon/taskstat.h"
#include "daemon/threadclock.h"

/* Less than this is left to add up: the process's clock, read from
 * outside, lags a running thread by up to a scheduler tick. */
#define UNSEENCPU_MIN_NS 1000000
/* Nor is a balance under this share (ppm) of the process's CPU since the
 * last report: the process's clock and the threads' counters are two
 * clocks, and they drift apart by a little. A lone thread, always seen,
 * running numpy's masked-array tests (heavy on page faults) at 1 kHz had
 * its process clock gain 0.2-0.3% on its counter: a millisecond reported
 * every few hundred ticks. A pure-Python loop showed none. Half a percent
 * is also where the summary starts to show an unattributed reason. */
#define UNSEENCPU_DRIFT_PPM 5000

void unseencpu_charged(struct unseen_cpu *u, uint64_t ns)
{
    u->charged_ns += ns;
}

void unseencpu_uncharged(struct unseen_cpu *u, uint64_t ns)
{
    u->charged_ns = u->charged_ns > ns ? u->charged_ns - ns : 0;
}

/* The kernel's part of ns: the share of kernel time in what the whole
 * process ran since the last report (/proc/PID/stat, in 10 ms steps), the
 * exit's (exit_ns, all kernel time, in both) left out. */
static uint64_t kernel_part(struct unseen_cpu *u, pid_t pid, uint64_t ns, uint64_t exit_ns)
{
    uint64_t kernel = 0, ran = u->process_ns - u->reported_ns;
    u->reported_ns = u->process_ns;
    if (taskstat_process_kernel_ns(pid, &kernel) < 0)
        return 0;
    uint64_t gained = kernel > u->kernel_ns ? kernel - u->kernel_ns : 0;
    u->kernel_ns = kernel;
    gained = gained > exit_ns ? gained - exit_ns : 0;
    ran = ran > exit_ns ? ran - exit_ns : 0;
    if (!ran || gained >= ran)
        return gained ? ns : 0;
    return (uint64_t)((double)ns * (double)gained / (double)ran);
}

/* Whether a balance of ns is worth reporting (UNSEENCPU_MIN_NS and
 * UNSEENCPU_DRIFT_PPM of the CPU the process ran since the last report). */
static int beyond_drift(const struct unseen_cpu *u, int64_t ns)
{
    uint64_t ran = u->process_ns - u->reported_ns;
    return ns >= UNSEENCPU_MIN_NS &&
           (double)ns * 1e6 >= (double)ran * (double)UNSEENCPU_DRIFT_PPM;
}

static void remember(struct unseen_cpu *u, uint64_t due_ns)
{
    u->newest = (u->newest + 1) % UNSEENCPU_READINGS;
    u->recent[u->newest].due_ns = due_ns;
    u->recent[u->newest].balance_ns = u->balance_ns;
    if (u->nrecent < UNSEENCPU_READINGS)
        u->nrecent++;
}

/* The least balance over the last settle_ns of ticking before due_ns, if
 * the readings kept go back that far; else 0. That span starts with the
 * balance of the last reading before it, which held until the next. A
 * gap between readings longer than settle_ns is a stall of the daemon
 * (stopped, or starved of CPU): no tick ran in it to charge a carried
 * interval, so the span starts after it. Counted in planned time alone,
 * the first reading after a 1.5 s stop found the stall's CPU not yet
 * charged and reported it at once, or at the next reading, as the ticks
 * that charged it came up to 8 ticks later (1.1 s of a loop's CPU in both
 * its unseen time and its short-lived threads). The sampler now passes
 * its ticked time (sampler.c: ticked_ns), in which a stall lasts at most
 * four periods, so that the span itself counts ticks; this rule remains
 * for due times that are planned time. */
static int64_t settled(const struct unseen_cpu *u, uint64_t due_ns, uint64_t settle_ns)
{
    int64_t least = u->balance_ns;
    uint64_t later_ns = due_ns;
    for (int i = 0; i < u->nrecent; i++) {
        int at = (u->newest - i + UNSEENCPU_READINGS) % UNSEENCPU_READINGS;
        uint64_t at_ns = u->recent[at].due_ns;
        if (later_ns - at_ns > settle_ns)
            return 0;
        least = u->recent[at].balance_ns < least ? u->recent[at].balance_ns : least;
        if (due_ns - at_ns > settle_ns)
            return least;
        later_ns = at_ns;
    }
    return 0;
}

/* Takes ns out of the balance and out of every reading kept: reported. */
static uint64_t report(struct unseen_cpu *u, pid_t pid, int64_t ns, uint64_t exit_ns,
                       uint64_t *kernel_ns)
{
    u->balance_ns -= ns;
    for (int i = 0; i < u->nrecent; i++)
        u->recent[i].balance_ns -= ns;
    *kernel_ns = kernel_part(u, pid, (uint64_t)ns, exit_ns);
    return (uint64_t)ns;
}

uint64_t unseencpu_take(struct unseen_cpu *u, pid_t pid, int from_start, uint64_t due_ns,
                        uint64_t settle_ns, uint64_t *kernel_ns)
{
    uint64_t now;
    *kernel_ns = 0;
    if (threadclock_process_cpu_ns(pid, &now) < 0)
        return 0;
    if (!u->known) {
        u->known = 1;
        u->process_ns = u->reported_ns = from_start ? 0 : now;
        if (!from_start)
            taskstat_process_kernel_ns(pid, &u->kernel_ns);
    }
    uint64_t gained = now > u->process_ns ? now - u->process_ns : 0;
    u->balance_ns += (int64_t)gained - (int64_t)u->charged_ns;
    u->process_ns = now;
    u->charged_ns = 0;
    int64_t ready = settled(u, due_ns, settle_ns) - (u->owed_ns > 0 ? u->owed_ns : 0);
    remember(u, due_ns);
    return beyond_drift(u, ready) ? report(u, pid, ready, 0, kernel_ns) : 0;
}

uint64_t unseencpu_finish(struct unseen_cpu *u, pid_t pid, uint64_t *kernel_ns,
                          uint64_t *exit_ns)
{
    *kernel_ns = *exit_ns = 0;
    if (!u->known)
        return 0;
    int64_t left = u->balance_ns - (int64_t)u->charged_ns;
    uint64_t now;
    if (threadclock_process_cpu_ns(pid, &now) == 0 && now > u->process_ns) {
        /* The charges since the last reading pay first what it held
         * (intervals carried across it: a teardown whose walks tore had
         * 70 ms of them), then what the clock gained since. */
        uint64_t owed = u->balance_ns > 0 ? (uint64_t)u->balance_ns : 0;
        uint64_t paid_since = u->charged_ns > owed ? u->charged_ns - owed : 0;
        int64_t exit = (int64_t)(now - u->process_ns) - (int64_t)paid_since;
        left += (int64_t)(now - u->process_ns);
        *exit_ns = exit <= 0 || left <= 0 ? 0 : (uint64_t)(exit < left ? exit : left);
        left -= (int64_t)*exit_ns;
        u->process_ns = now;
    }
    u->balance_ns = left; /* the exit taken out, the charges settled */
    u->charged_ns = 0;
    if (!beyond_drift(u, left))
        return 0;
    return report(u, pid, left, *exit_ns, kernel_ns);
}
