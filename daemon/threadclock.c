/* A sampled thread's clocks from one tick to the next (see threadclock.h). */
#include "daemon/threadclock.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "daemon/cpuclock.h"

/* How far a thread's CPU time may fall short of the wall time since its
 * previous tick for it to count as having run through (threadclock_ran_through):
 * about the time one read of its /proc files takes, the span of the two
 * counter readings that tell whether it is on CPU otherwise. */
#define THREADCLOCK_RAN_THROUGH_NS 10000u
/* A thread told apart without any reading (stayed_on_cpu, replayed_on_cpu)
 * must have been seen alive this recently, unless its sampler says
 * otherwise (clock_env.confirm_ns): its exit leaves no record (the kernel
 * detaches its counter first), so a thread gone, or a zombie main thread,
 * would otherwise read as running on forever. */
#define THREADCLOCK_CONFIRMED_NS 15000000u
/* How often a stop sets the exact clock on schedstat (threadclock_read_stopped):
 * the wait for the thread to leave its CPU costs about 25 us a stop here,
 * 16 us per sample at 100 Hz if made at every stop (a stop about every
 * other tick), while the counter gains 0.1-0.6 ms in 0.3 s: a tenth of a
 * second of it is well under a tick's worth. */
#define THREADCLOCK_RESET_GAP_NS 100000000u
/* The least count between two stops that set the base for the share it
 * gained to stand for the thread's steal from then on: a few scheduler
 * ticks, so that schedstat's lag on the stopped thread does not matter. */
#define THREADCLOCK_STEAL_PERIOD_NS 20000000u
/* The least count for a thread's first share, and until it has one every
 * stop sets its base (reset_gap): a thread that lives a few ticks (a
 * 30 ms worker at 100 Hz, stopped about every 15 ms) never counted 20 ms
 * between two settings 25 ms apart, and its last period, which no stop
 * settles, kept all its steal as CPU: 30 ms workers came out 5-9% over
 * their thread_time() under 8-20% steal. Its own recent share, however
 * rough, stands for that period better than none; a share its process
 * measured on another thread did not (docs/time-kinds.md). */
#define THREADCLOCK_FIRST_SHARE_NS 5000000u
/* How often a stop sets the base while the thread's clock shows steal, or
 * its last estimate missed (reset_gap; with no share yet, every stop): the
 * samples of a period are held until such a stop settles what the
 * estimate missed in them (daemon/periodbuf.h), and a thread's last
 * period, which ends with no such stop, keeps the estimate. Steal on the
 * VMs here came in bursts of seconds (1% one minute, 15-37% the next);
 * with 100 ms periods settled by the intervals after them, a 0.3 s spin's
 * CPU before its end came out 3-98 ms under in one full run
 * (startup_cpu_is_counted). A little over THREADCLOCK_STEAL_PERIOD_NS, so
 * that a thread that runs throughout measures a share at every such stop. */
#define THREADCLOCK_RESET_GAP_STEAL_NS 25000000u
/* A share of the count, in ppm, that is steal or an estimate's miss: on a
 * quiet VM here the counter gained 330-2000 ppm on schedstat (0.1-0.6 ms
 * in 0.3 s), under steal 150000-370000. */
#define THREADCLOCK_STEAL_SEEN_PPM 5000u
/* The kernel's CPUCLOCK_SCHED clock of a whole process (clock_getcpuclockid
 * works for pids too, but this avoids a glibc call per tick). */
#define THREADCLOCK_PROCESS_CLOCK(pid) ((clockid_t)(((unsigned)~(pid) << 3) | 2u))

void threadclock_init(struct clock_env *env, struct thread_clock *c, uint32_t tid, int born_within)
{
    memset(c, 0, sizeof(*c));
    c->tid = tid;
    c->files = (struct task_files)TASK_FILES_INIT;
    c->clock_fd = -1;
    c->watch = (struct switch_watch)SWITCH_WATCH_INIT;
    if (env->exact_clocks < 0)
        return;
    int fd = cpuclock_open((pid_t)tid);
    if (fd >= 0)
        env->exact_clocks = 1;
    else if (fd != -ESRCH && env->exact_clocks == 0)
        env->exact_clocks = -1;
    c->clock_fd = fd >= 0 ? fd : -1;
    if (c->clock_fd >= 0 && switchwatch_map(&c->watch, c->clock_fd) == 0 &&
        env->explained >= 0) {
        /* Without the watch, a counter read per tick; without its samples,
         * waits the ends of an interval did not see are told apart by
         * neither. A refusal is the kernel's setting: not tried again (a
         * thread gone, or out of descriptors, is no refusal). */
        int why = switchwatch_explain(&c->watch, c->clock_fd, (pid_t)tid, &env->gil);
        if (why == 0)
            env->explained = 1;
        else if ((why == -EACCES || why == -EPERM || why == -EINVAL) && env->explained == 0)
            env->explained = -1;
    }
    /* A thread born in the session (in a process born in it, or since
     * the session's first tick) brings what it ran before its exact clock
     * was opened: up to a listing's gap, and all of a short worker's. */
    struct task_stat st;
    if ((env->started_within || born_within) && c->clock_fd >= 0 &&
        taskstat_read(env->pid, tid, &st) == 0) {
        c->clock_base_ns = (int64_t)st.cpu_ns;
        c->origin_set = 1;
    }
}

/* Moves what the intervals charged against the clock by ns: a debt to
 * repay when positive (a credit first cancelled), a credit to give back
 * when negative. Either is settled at the rate it built up (settle_ppm of
 * each interval's count, over the period it built up in): a credit given
 * back whole went to one interval's stack, and function shares of 3 s
 * runs came out 2-10 pp off on 4 interpreters in a full run. */
void threadclock_owe(struct thread_clock *c, int64_t ns)
{
    uint64_t *against = ns > 0 ? &c->credit_ns : &c->setback_ns;
    uint64_t *onto = ns > 0 ? &c->setback_ns : &c->credit_ns;
    uint64_t amount = ns > 0 ? (uint64_t)ns : (uint64_t)-ns;
    uint64_t cancelled = amount < *against ? amount : *against;
    *against -= cancelled;
    *onto += amount - cancelled;
    uint64_t owed = c->setback_ns + c->credit_ns; /* one of them is 0 */
    uint64_t period = c->period_count_ns;
    c->settle_ppm = !owed           ? 0
                    : period > owed ? (uint32_t)(owed * 1000000u / period)
                                    : 1000000u;
}

int threadclock_take_period(struct thread_clock *c, int64_t *unsettled_ns)
{
    int ended = c->period_ended;
    *unsettled_ns = ended ? c->unsettled_ns : 0;
    if (ended)
        c->unsettled_ns = 0, c->period_ended = 0, c->period_measured = 0;
    return ended;
}

/* The share of the count that the count gained on schedstat (gained at
 * this stop) since the share was last measured, once that is
 * THREADCLOCK_STEAL_PERIOD_NS of count: stops that come closer together
 * add up, so that a thread that runs in short bursts gets a share too. */
static void measure_steal(struct thread_clock *c, uint64_t gained, uint64_t counted)
{
    c->gained_since_share += gained;
    uint64_t period = counted > c->counted_at_share ? counted - c->counted_at_share : 0;
    if (period < (c->steal_known ? THREADCLOCK_STEAL_PERIOD_NS : THREADCLOCK_FIRST_SHARE_NS))
        return;
    uint64_t g = c->gained_since_share;
    c->steal_ppm = g < period ? (uint32_t)(g * 1000000u / period) : 1000000u;
    c->steal_known = 1;
    c->gained_since_share = 0;
    c->counted_at_share = counted;
}

/* Sets the exact clock's base at a stop, the count then being counted.
 * The first setting makes exact a base read from a running thread's
 * schedstat (it fell short): what it adds is CPU the thread ran. Later
 * ones move the clock's scale (its last reading with it) by what the
 * count gained on schedstat since the stop before; what the steal
 * estimate missed of that is owed (owe). */
static void set_base(struct thread_clock *c, int64_t base, uint64_t counted)
{
    if (c->reset_ns) {
        int64_t shift = base - c->clock_base_ns;
        int64_t last = (int64_t)c->last_ns + shift;
        c->last_ns = last > 0 ? (uint64_t)last : 0;
        c->unsettled_ns += -shift - (int64_t)c->estimated_ns;
        c->period_ended = c->period_measured = 1;
        c->period_count_ns = counted > c->counted_at_reset ? counted - c->counted_at_reset : 0;
        measure_steal(c, shift < 0 ? (uint64_t)-shift : 0, counted);
    } else {
        c->counted_at_share = counted;
        c->period_ended = 1; /* what was held so far has nothing to settle */
    }
    c->estimated_ns = 0;
    c->clock_base_ns = base;
    c->counted_at_reset = counted;
}

/* Waits until a stopped thread is off its CPU: reading its system call
 * waits for that (the kernel's wait_task_inactive), and only that brings
 * schedstat up to date. Read before, schedstat was as stale as at the
 * clock's opening in one run of two. */
static long wait_off_cpu(const struct clock_env *env, struct thread_clock *c)
{
    uint64_t unused;
    return env->keep_files ? taskstat_syscall_kept(env->pid, c->tid, &c->files, &unused)
                           : taskstat_syscall(env->pid, c->tid, &unused);
}

/* How long after its last setting a stop sets the base again: at once
 * while no share of steal is measured yet (THREADCLOCK_FIRST_SHARE_NS),
 * sooner while there is steal to follow (THREADCLOCK_RESET_GAP_STEAL_NS). */
static uint64_t reset_gap(const struct thread_clock *c)
{
    if (!c->steal_known)
        return 0;
    int quiet = c->steal_ppm < THREADCLOCK_STEAL_SEEN_PPM &&
                c->settle_ppm < THREADCLOCK_STEAL_SEEN_PPM;
    return quiet ? THREADCLOCK_RESET_GAP_NS : THREADCLOCK_RESET_GAP_STEAL_NS;
}

/* Whether the exact clock's base is due to be set on schedstat again. */
static int rebase_due(const struct thread_clock *c, uint64_t now_ns)
{
    return c->clock_fd >= 0 && (!c->reset_ns || now_ns - c->reset_ns >= reset_gap(c));
}

/* Sets the exact clock's base on schedstat, sched_ns, read while the
 * thread was off its CPU with the count at counted: at its first such
 * reading and every THREADCLOCK_RESET_GAP_NS after, not only once. The
 * counter gains on the kernel's own CPU clock, the one that
 * time.thread_time(), rusage and schedstat read (0.1-0.6 ms in 0.3 s of
 * spinning here, and 4.4 ms in one run of twenty beside two busy loops: a
 * whole start-up's error). Between two settings it counts as before; the
 * interval after one takes the difference. */
static void rebase(struct thread_clock *c, uint64_t sched_ns, uint64_t counted, uint64_t now_ns)
{
    int64_t offset = (int64_t)sched_ns - (int64_t)counted;
    if (!c->origin_set) {
        c->origin_ns = offset;
        c->origin_set = 1;
    }
    set_base(c, offset - c->origin_ns, counted);
    c->reset_ns = now_ns;
}

int threadclock_read_stopped(const struct clock_env *env, struct thread_clock *c,
                             struct task_stat *st)
{
    uint64_t counted, now_ns = clock_monotonic_ns();
    int due = rebase_due(c, now_ns);
    /* Without an exact clock, schedstat (or the process clock) is the CPU
     * time, and is exact only once the thread is off its CPU. Read as soon
     * as the stop was reported, it was the time of the thread's last
     * switch or clock read, and under steal the thread stays on its CPU a
     * while after the report: the CPU of every interval then ended where
     * the script last read its clock, at the start of each timed call, and
     * a 5 kHz run gave a call's tail to the next call (-1.4 to -3.4 pp
     * for a 4 ms call between 1 ms ones, with a third to half of the CPUs
     * stolen; 22-39% of the stops found the thread in the first tenth of
     * a call, 7-11% once they waited). */
    long waited = due || c->clock_fd < 0 ? wait_off_cpu(env, c) : 0;
    int rc = threadclock_read_proc(env, c, st);
    if (rc < 0 || !due || waited == -EAGAIN || waited == -ESRCH ||
        cpuclock_read(c->clock_fd, &counted) < 0)
        return rc;
    rebase(c, st->cpu_ns, counted, now_ns);
    return 0;
}

/* The exact clock's reading, on the scale of the thread's whole run. */
static int read_exact(const struct thread_clock *c, uint64_t *ns)
{
    int rc = cpuclock_read(c->clock_fd, ns);
    if (rc == 0) {
        int64_t total = (int64_t)*ns + c->clock_base_ns;
        *ns = total > 0 ? (uint64_t)total : 0;
    }
    return rc;
}

void threadclock_close(struct thread_clock *c)
{
    switchwatch_unmap(&c->watch);
    if (c->clock_fd >= 0)
        close(c->clock_fd);
    c->clock_fd = -1;
    taskstat_files_close(&c->files);
}

int threadclock_ran_through(const struct thread_clock *c, uint64_t cpu_ns, uint64_t read_ns,
                            enum switch_seen seen)
{
    if (seen == SWITCH_LAST_OUT || c->source != CPU_EXACT || cpu_ns < c->last_ns ||
        read_ns < c->when_ns)
        return 0;
    return cpu_ns - c->last_ns + c->held_ns + THREADCLOCK_RAN_THROUGH_NS >= read_ns - c->when_ns;
}

/* The CPU it ran on is kept. Its files stay open between ticks unless the
 * process has many threads. Out of descriptors, its kept files give way
 * (they are only a saving) and it is read once more without keeping. */
int threadclock_read_proc(const struct clock_env *env, struct thread_clock *c,
                          struct task_stat *st)
{
    if (!env->keep_files)
        taskstat_files_close(&c->files);
    int rc = env->keep_files ? taskstat_read_kept(env->pid, c->tid, &c->files, st)
                             : taskstat_read(env->pid, c->tid, st);
    if (rc == -EMFILE || rc == -ENFILE) {
        taskstat_files_close(&c->files);
        rc = taskstat_read(env->pid, c->tid, st);
    }
    if (rc == 0) {
        c->last_cpu = st->cpu;
        c->confirmed_ns = clock_monotonic_ns();
    }
    return rc;
}

/* What /proc would say of a thread that ran through the interval (see
 * threadclock_ran_through): running; on the CPU it last ran on (it was not switched
 * out, so it did not move); no wait for a CPU to speak of. Its kernel-mode
 * time, counted in 10 ms steps anyway, comes with its next read of /proc,
 * at the latest after its next hold. */
static void still_running(const struct thread_clock *c, struct task_stat *st)
{
    *st = (struct task_stat){.state = 'R', .cpu_ns = c->last_ns, .runq_ns = c->runq_ns,
                             .runs = c->runs, .kernel_ns = c->kernel_ns, .cpu = c->last_cpu};
}

/* Whether a reading showed the thread alive recently enough for it to be
 * told apart without one (THREADCLOCK_CONFIRMED_NS). */
static int still_confirmed(const struct clock_env *env, const struct thread_clock *c,
                           uint64_t now_ns)
{
    uint64_t window = env->confirm_ns ? env->confirm_ns : THREADCLOCK_CONFIRMED_NS;
    return now_ns - c->confirmed_ns < window;
}

/* Whether the thread has stayed on its CPU since its clock was last read
 * there: read on a CPU, not stopped by us since, and no context switch
 * recorded from before that reading until now (switchwatch.h). Its clock
 * then moved as the wall clock did, and reading it would only cost its CPU
 * an interrupt. The watch is looked at every time, so that what it shows
 * next is what happened after this tick's reading; *seen is what it
 * showed now. */
static int stayed_on_cpu(const struct clock_env *env, struct thread_clock *c, int is_new,
                         uint64_t now_ns, enum switch_seen *seen, struct switch_replay *replay)
{
    int was_on_cpu = c->on_cpu_at_read;
    c->on_cpu_at_read = 0; /* until threadclock_interval keeps this tick's */
    *seen = switchwatch_look_since(&c->watch, c->when_ns, was_on_cpu ? 1 : -1, now_ns, replay);
    return *seen == SWITCH_NONE && was_on_cpu && !is_new && c->source == CPU_EXACT &&
           !c->held_ns && now_ns >= c->when_ns && still_confirmed(env, c, now_ns);
}

/* Whether the thread's switch records, with their times, say it is on a
 * CPU now and how long it was since its clock was last read (exact): a
 * thread we stopped at the last tick, read while stopped, ran from its
 * switch back in when we let it go; one preempted and resumed ran around
 * the gap. Its clock then need not be read (nor its CPU interrupted). */
static int replayed_on_cpu(const struct clock_env *env, const struct thread_clock *c,
                           int is_new, uint64_t now_ns, const struct switch_replay *replay)
{
    return replay->known && replay->on_now && !is_new && c->source == CPU_EXACT &&
           now_ns >= c->when_ns && still_confirmed(env, c, now_ns);
}

/* What this tick's reading found, for the next tick's stayed_on_cpu: on a
 * CPU only when that is certain. A clock that ran through the interval
 * says so within THREADCLOCK_RAN_THROUGH_NS: a thread switched out that
 * little before the watch was looked at, and waiting since, passes too,
 * but then the watch's newest record says it was switched out. */
static int on_cpu_now(struct thread_clock *c, int on_cpu, int certain)
{
    c->on_cpu_now = on_cpu == 1 && certain;
    return on_cpu;
}

/* A thread found off its CPU and alive (blocked, or stopped) needs no
 * stop for its base: its schedstat is exact, and st, read between two
 * readings of its count, before and after, that agree, was read while it
 * did not run. Every wait (a sleep, a lock, the GIL) then settles what the
 * steal estimate missed, as a stop does. Not a thread that has exited:
 * its schedstat then holds the CPU of the process's exit (freeing its
 * memory), which its counter never saw: set on it, the clock took that CPU
 * for the thread's own, and the teardown lost it (a 400 MiB exit's
 * teardown 1-8 ms in 7 runs of 10, where it costs 15-28 ms). Set at
 * every such reading once the count moved since the last setting, not
 * every 25-100 ms as at stops: it costs no stop, and the period that ends
 * at a sleep is settled then, not left to the estimate (a 0.3 s spin
 * before a 50 ms sleep came out 3.2 ms over its process_time() under 2%
 * steal, its last 100 ms period unsettled). *exact_ns becomes the count
 * on the new scale. */
static void rebase_off_cpu(struct thread_clock *c, const struct task_stat *st, uint64_t before,
                           uint64_t *exact_ns)
{
    uint64_t now_ns = clock_monotonic_ns(), after;
    int64_t counted = (int64_t)before - c->clock_base_ns;
    int settled = c->reset_ns && (uint64_t)counted == c->counted_at_reset;
    if (st->state == 'Z' || st->state == 'X' || c->clock_fd < 0 || settled || before == 0 ||
        counted < 0 || read_exact(c, &after) < 0 || after != before)
        return;
    rebase(c, st->cpu_ns, (uint64_t)counted, now_ns);
    int64_t scaled = counted + c->clock_base_ns;
    *exact_ns = scaled > 0 ? (uint64_t)scaled : 0;
}

/* Whether a thread that reads as runnable is on a CPU now, or waits for
 * one: its exact clock moves across a short read of /proc, or it does
 * not. Without an exact clock there is no telling: on CPU. Reading a
 * running thread's counter interrupts its CPU (an IPI, the largest cost
 * of a tick): one that ran through the interval (threadclock_ran_through) is on CPU
 * without a second reading, nor a read of /proc, and the last reading
 * goes to *exact_ns (0: none), so that the clock is not read again for
 * its CPU time. One that stayed on its CPU since its last reading there
 * (stayed_on_cpu) is on CPU without any reading at all. */
int threadclock_on_cpu(const struct clock_env *env, struct thread_clock *c, int is_new,
                       struct task_stat *st, uint64_t *exact_ns)
{
    uint64_t before, after;
    enum switch_seen seen;
    struct switch_replay replay;
    *exact_ns = 0;
    c->on_cpu_now = 0;
    uint64_t now_ns = clock_monotonic_ns();
    if (stayed_on_cpu(env, c, is_new, now_ns, &seen, &replay)) {
        still_running(c, st);
        *exact_ns = c->last_ns + (now_ns - c->when_ns);
        return on_cpu_now(c, 1, 1);
    }
    if (replayed_on_cpu(env, c, is_new, now_ns, &replay)) {
        still_running(c, st);
        *exact_ns = c->last_ns + replay.on_ns;
        return on_cpu_now(c, 1, 1);
    }
    if (c->clock_fd < 0 || read_exact(c, &before) < 0) {
        int rc = threadclock_read_proc(env, c, st);
        return rc < 0 ? rc : 1;
    }
    if (!is_new && threadclock_ran_through(c, before, clock_monotonic_ns(), seen)) {
        c->confirmed_ns = now_ns; /* its clock moved: alive */
        still_running(c, st);
        *exact_ns = before;
        return on_cpu_now(c, 1, seen == SWITCH_NONE || seen == SWITCH_LAST_IN);
    }
    int rc = threadclock_read_proc(env, c, st);
    if (rc < 0)
        return rc;
    if (st->state != 'R') {
        *exact_ns = before;
        rebase_off_cpu(c, st, before, exact_ns);
        return 0;
    }
    if (read_exact(c, &after) < 0)
        return 1;
    *exact_ns = after;
    /* It moved between the two readings, so it ran after the watch was
     * looked at: a switch since shows at the next look. */
    return on_cpu_now(c, after > before, 1);
}

/* The CPU time of a one-thread process, for when perf counters are refused.
 * Read from another process it is no fresher than schedstat (measured: it
 * stands still between the target's scheduler ticks, context switches and
 * its own clock reads; see cpuclock.h), but unlike schedstat it is exact
 * while the thread is stopped or off CPU. */
int threadclock_process_cpu_ns(pid_t pid, uint64_t *ns)
{
    struct timespec ts;
    if (clock_gettime(THREADCLOCK_PROCESS_CLOCK(pid), &ts) < 0)
        return -errno;
    *ns = clock_ts_ns(&ts);
    return 0;
}

enum cpu_source threadclock_cpu(const struct clock_env *env, struct thread_clock *c, int lone,
                                uint64_t exact_ns, struct task_stat *st)
{
    if (exact_ns) {
        st->cpu_ns = exact_ns;
        return CPU_EXACT;
    }
    if (c->clock_fd >= 0 && read_exact(c, &st->cpu_ns) == 0)
        return CPU_EXACT;
    if (lone && threadclock_process_cpu_ns(env->pid, &st->cpu_ns) == 0)
        return CPU_PROCESS;
    return CPU_SCHEDSTAT;
}

/* The CPU clock counts on from cpu_ns, nothing charged or owed. */
static void restart_cpu(struct thread_clock *c, uint64_t cpu_ns)
{
    c->cpu_ns = c->last_ns = cpu_ns;
    c->estimated_ns = c->setback_ns = c->credit_ns = 0;
    c->unsettled_ns = 0;
}

void threadclock_settle(struct thread_clock *c, enum cpu_source source,
                        const struct task_stat *st)
{
    if (c->source == source)
        return;
    c->on_cpu_now = 0;
    c->source = source;
    restart_cpu(c, st->cpu_ns);
}

void threadclock_start(struct thread_clock *c, const struct task_stat *st)
{
    restart_cpu(c, st->cpu_ns);
    c->runq_ns = st->runq_ns;
    c->runs = st->runs;
    c->state = st->state;
    c->kernel_ns = st->kernel_ns;
}

/* Whether the thread may have been off its CPU in the interval other
 * than stopped by us. Not if it was running at both ends, on a CPU at the
 * last (as far as an exact clock tells: a thread woken from a wait and
 * queued for a CPU has not been given one yet), and the kernel gave it a
 * CPU no more often than the one time we let it go: to block it must
 * leave its CPU, and to run again be given one. What its clocks leave of
 * the wall time is then steal, which schedstat and the process clock
 * leave out, or the moment between reading the clock and the time. Taken
 * for time off CPU, that went where the thread last waited: at 5 kHz,
 * with every tick stopping the thread, 5% of a CPU-bound script's run
 * went to the read() of an import at its start, under 30% steal. */
static int left_cpu(const struct thread_clock *c, const struct task_stat *st)
{
    uint64_t ours = c->held_ns ? 1 : 0;
    int on_cpu = c->clock_fd < 0 || c->on_cpu_now;
    return c->state != 'R' || st->state != 'R' || !on_cpu || st->runs - c->runs > ours;
}

static uint64_t ppm_part(uint64_t ns, uint32_t ppm)
{
    return ns / 1000000u * ppm + ns % 1000000u * ppm / 1000000u;
}

/* Time the sampler itself kept the thread stopped is nobody's. */
void threadclock_interval(struct thread_clock *c, const struct task_stat *st, uint64_t now_ns,
                          struct interval_time *out)
{
    uint64_t wall = now_ns > c->when_ns ? now_ns - c->when_ns : 0;
    uint64_t counted = st->cpu_ns > c->last_ns ? st->cpu_ns - c->last_ns : 0;
    /* The steal in what the clock counted, and what is owed (set_base).
     * A wait for a CPU, counted like one: were it time off CPU, a lone
     * running thread would have it charged where it last waited (6-21 pp
     * of a sleep-and-spin loop's run moved to its sleep line on a VM with
     * 15-37% steal). Schedstat and the process clock leave steal out.
     * None for the interval that ends at a stop that measured its period:
     * what that stop found is all the steal up to now, taken out of the
     * period's samples, this interval's among them. Estimated too, it was
     * taken twice: a 1.5 s interval of a 0.71 s CPU loop under 30% steal
     * kept 0.07 s, the rest given back to later intervals as credit. */
    uint64_t stolen = c->source == CPU_EXACT && !c->period_measured
                          ? ppm_part(counted, c->steal_ppm)
                          : 0;
    uint64_t settled = ppm_part(counted, c->settle_ppm);
    uint64_t repay = settled < c->setback_ns ? settled : c->setback_ns;
    repay = repay < counted - stolen ? repay : counted - stolen;
    uint64_t give = settled < c->credit_ns ? settled : c->credit_ns;
    uint64_t run = counted - stolen - repay + give;
    uint64_t wait = st->runq_ns > c->runq_ns ? st->runq_ns - c->runq_ns : 0;
    /* No clamp to the wall time: the two clocks are read a moment apart,
     * and an interval that reads long is followed by one that reads short.
     * Clamping would drop CPU time whenever the daemon itself is preempted
     * between the reads; CPU time is what the shares are made of. */
    out->cpu = run;
    /* Withheld time holds the wait for a CPU in progress at the last tick,
     * which the kernel books now, at the latest: it takes the wait from
     * that time first, and what is left of it stays the earlier wait's. */
    uint64_t rest = (wall > counted ? wall - counted : 0) + c->withheld.ns;
    out->runq = wait < rest ? wait : rest;
    rest -= out->runq;
    out->runq += stolen + repay;
    uint64_t off = rest > c->held_ns ? rest - c->held_ns : 0;
    if (!left_cpu(c, st)) {
        out->runq += off;
        off = 0;
    }
    /* Our own stop of the thread is a switch out too: not its wait. */
    struct switch_waits waits = switchwatch_take_waits(&c->watch);
    out->waits_gil = waits.gil_ns;
    out->waits_other = waits.other_ns > c->held_ns ? waits.other_ns - c->held_ns : 0;
    out->waits_unknown = waits.unknown_ns;
    out->carried = c->withheld;
    out->carried.ns = off < c->withheld.ns ? off : c->withheld.ns;
    out->off = off - out->carried.ns;
    c->withheld.ns = 0;
    c->kernel_debt_ns += st->kernel_ns > c->kernel_ns ? st->kernel_ns - c->kernel_ns : 0;
    out->kernel = c->kernel_debt_ns < run ? c->kernel_debt_ns : run;
    c->kernel_debt_ns -= out->kernel;
    c->kernel_ns = st->kernel_ns;
    c->cpu_ns += run;
    c->last_ns = st->cpu_ns > c->last_ns ? st->cpu_ns : c->last_ns;
    c->estimated_ns += stolen;
    c->setback_ns -= repay;
    c->credit_ns -= give;
    c->runq_ns = st->runq_ns;
    c->runs = st->runs;
    c->state = st->state;
    c->when_ns = now_ns;
    c->on_cpu_at_read = c->on_cpu_now;
    c->on_cpu_now = 0;
}

void threadclock_withhold(struct thread_clock *c, const struct withheld_off *withheld)
{
    c->withheld = *withheld;
}

int threadclock_last_interval(struct thread_clock *c, struct interval_time *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t cpu_ns;
    if (c->source != CPU_EXACT || c->clock_fd < 0)
        return -ENODEV;
    int rc = read_exact(c, &cpu_ns);
    if (rc < 0)
        return rc;
    /* The last: its steal taken out, and what is owed settled at once. */
    uint64_t counted = cpu_ns > c->last_ns ? cpu_ns - c->last_ns : 0;
    uint64_t run = counted - ppm_part(counted, c->steal_ppm) + c->credit_ns;
    out->cpu = run > c->setback_ns ? run - c->setback_ns : 0;
    out->kernel = c->kernel_debt_ns < out->cpu ? c->kernel_debt_ns : out->cpu;
    c->kernel_debt_ns -= out->kernel;
    c->cpu_ns += out->cpu;
    c->last_ns = cpu_ns > c->last_ns ? cpu_ns : c->last_ns;
    c->estimated_ns = c->setback_ns = c->credit_ns = 0;
    return 0;
}

int64_t threadclock_owed(const struct thread_clock *c)
{
    return (int64_t)c->credit_ns - (int64_t)c->setback_ns;
}

struct thread_clock_mark threadclock_mark(const struct thread_clock *c)
{
    return (struct thread_clock_mark){c->cpu_ns,      c->last_ns,      c->runq_ns,
                                      c->kernel_ns,   c->kernel_debt_ns, c->when_ns,
                                      c->withheld.ns, c->runs,         c->state,
                                      c->estimated_ns, c->setback_ns,  c->credit_ns,
                                      c->watch.waits};
}

void threadclock_rewind(struct thread_clock *c, const struct thread_clock_mark *mark)
{
    c->cpu_ns = mark->cpu_ns;
    c->last_ns = mark->last_ns;
    c->estimated_ns = mark->estimated_ns;
    c->credit_ns = mark->credit_ns;
    c->runq_ns = mark->runq_ns;
    c->runs = mark->runs;
    c->state = mark->state;
    c->kernel_ns = mark->kernel_ns;
    c->kernel_debt_ns = mark->kernel_debt_ns;
    c->when_ns = mark->when_ns;
    c->withheld.ns = mark->withheld_off_ns;
    c->setback_ns = mark->setback_ns;
    c->watch.waits = mark->waits;
    c->on_cpu_at_read = 0; /* the watch has been looked at since that reading */
}
