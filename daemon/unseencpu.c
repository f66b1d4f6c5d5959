/* The CPU time of threads no tick saw (see unseencpu.h). */
#include "daemon/unseencpu.h"

#include "daemon/taskstat.h"
#include "daemon/threadclock.h"

/* Less than this is left to add up: the process's clock, read from
 * outside, lags a running thread by up to a scheduler tick, and a balance
 * that small is that lag as often as a thread. */
#define UNSEENCPU_MIN_NS 1000000

void unseencpu_charged(struct unseen_cpu *u, uint64_t ns)
{
    u->charged_ns += ns;
}

void unseencpu_uncharged(struct unseen_cpu *u, uint64_t ns)
{
    u->charged_ns = u->charged_ns > ns ? u->charged_ns - ns : 0;
}

/* The kernel's part of ns: the share of kernel time in what the whole
 * process ran since the last report (/proc/PID/stat, in 10 ms steps). */
static uint64_t kernel_part(struct unseen_cpu *u, pid_t pid, uint64_t ns)
{
    uint64_t kernel = 0, ran_ns = u->process_ns - u->reported_ns;
    u->reported_ns = u->process_ns;
    if (taskstat_process_kernel_ns(pid, &kernel) < 0)
        return 0;
    uint64_t gained = kernel > u->kernel_ns ? kernel - u->kernel_ns : 0;
    u->kernel_ns = kernel;
    if (!ran_ns || gained >= ran_ns)
        return gained ? ns : 0;
    return (uint64_t)((double)ns * (double)gained / (double)ran_ns);
}

uint64_t unseencpu_take(struct unseen_cpu *u, pid_t pid, int from_start, uint64_t *kernel_ns)
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
        u->charged_ns = 0;
        return 0;
    }
    uint64_t gained = now > u->process_ns ? now - u->process_ns : 0;
    u->balance_ns += (int64_t)gained - (int64_t)u->charged_ns;
    u->process_ns = now;
    u->charged_ns = 0;
    if (u->balance_ns < UNSEENCPU_MIN_NS)
        return 0;
    uint64_t ns = (uint64_t)u->balance_ns;
    u->balance_ns = 0;
    *kernel_ns = kernel_part(u, pid, ns);
    return ns;
}
