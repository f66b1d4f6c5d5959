/* A sampled thread's clocks from one tick to the next: its exact CPU clock
 * (cpuclock.h) or a fallback, its state and times in /proc, whether it is
 * on a CPU now, and the interval since its previous tick split by them. */
#ifndef FAH_DAEMON_THREADCLOCK_H
#define FAH_DAEMON_THREADCLOCK_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/attribute.h"
#include "daemon/switchwatch.h"
#include "daemon/taskstat.h"

/* Where a thread's CPU time comes from. Only the first is exact at every
 * tick; without it (perf counters refused) a running thread is stopped to
 * bring its clock up to date, or, alone in its process, read through the
 * process clock. */
enum cpu_source {
    CPU_EXACT = 0,      /* its perf task-clock counter */
    CPU_PROCESS = 1,    /* the process CPU clock (a one-thread process) */
    CPU_SCHEDSTAT = 2,  /* /proc/.../schedstat, exact while it is stopped */
};

/* What the clocks of one process's threads share. */
struct clock_env {
    pid_t pid;
    int exact_clocks; /* perf task-clock counters: 0 untried, 1 yes, -1 refused */
    int keep_files;   /* threads' /proc files stay open between ticks */
    int started_within; /* the process is younger than the session */
    int explained;    /* switch outs sampled (switchwatch_explain): 0 untried, 1 yes, -1 refused */
    struct switch_gil gil; /* where the GIL lies, for the switch samples */
    /* How long a reading that showed a thread alive lets it be told apart
     * without another (its exit leaves no switch record); 0: 15 ms. The
     * sampler makes it twice its gap between holds, each of which reads
     * /proc: a running lone thread then stays confirmed by its holds alone.
     * Equal to that gap, the window closed before the next hold came at 55
     * of 2000 ticks at 1 kHz (134 holds), and each such tick read the
     * clock, which interrupts the thread's CPU (52 us of the daemon's CPU
     * here), for nothing. */
    uint64_t confirm_ns;
};

/* One thread's clocks as its previous tick read them. */
struct thread_clock {
    uint32_t tid;
    uint64_t cpu_ns, runq_ns, when_ns;
    /* The kernel-mode clock as last read, and the kernel time it reported
     * that no interval has absorbed yet: it moves in 10 ms steps, so an
     * interval's kernel part is taken from this debt, at most its CPU. */
    uint64_t kernel_ns, kernel_debt_ns;
    uint64_t held_ns;         /* how long we stopped it at its last sample */
    uint64_t runs;            /* schedstat's count of times it was given a CPU */
    char state;               /* its state at the last interval's end ('R' running) */
    enum cpu_source source;   /* where cpu_ns comes from */
    int clock_fd;             /* its exact clock (cpuclock.h), -1 none */
    struct switch_watch watch; /* its switches, seen on that clock (switchwatch.h) */
    /* Whether cpu_ns was read while it ran on a CPU (on_cpu_at_read), and
     * what this tick's reading found until threadclock_interval keeps it. */
    int on_cpu_at_read, on_cpu_now;
    uint64_t confirmed_ns;    /* when a reading last showed it alive (THREADCLOCK_CONFIRMED_NS) */
    /* Added to the exact clock's count: the CPU before it was opened
     * (started_within), and what that count gained on schedstat since it
     * was first set on it (threadclock_read_stopped), taken back. */
    int64_t clock_base_ns;
    /* schedstat less the count at the stop that first set the clock on
     * schedstat (origin_set): the base is schedstat less the count less
     * this at every stop since. 0 for a thread born in the session, whose
     * base is all of its schedstat. */
    int64_t origin_ns;
    int origin_set;
    uint64_t reset_ns; /* when a stop last set the base on schedstat, 0 never */
    /* The clock's last reading (cpu_ns is what the intervals charged).
     * They part where the clock counts time the thread did not run: a
     * running thread's counter goes on while the hypervisor runs another
     * guest on its CPU (steal time), which the kernel's own clock, the one
     * thread_time() reads, leaves out. Each interval takes out the share
     * of what it counted that the count gained on schedstat over its
     * last THREADCLOCK_STEAL_PERIOD_NS of count between stops that set the
     * base (steal_ppm, 0 until then; estimated_ns since the last such
     * stop). That stop finds
     * what the count truly gained, and what the estimate missed goes to
     * the sampler (unsettled_ns below), which takes it out of the samples
     * of that period. What they could not take is owed: more than
     * estimated, a debt (setback_ns) the intervals that follow repay;
     * less, a credit (credit_ns) they give back; either at settle_ppm of
     * what they count (what is owed over the count of the period it came
     * from). Steal and debt are a wait for a CPU, never time off CPU. */
    uint64_t last_ns, estimated_ns, setback_ns, credit_ns, counted_at_reset;
    uint32_t settle_ppm, steal_ppm;
    /* The steal share is measured over at least THREADCLOCK_STEAL_PERIOD_NS
     * of count, over as many stops as that takes: what the count gained
     * since it was last measured, and the count then. steal_known: it has
     * been measured. */
    uint64_t gained_since_share, counted_at_share;
    int steal_known;
    /* A stop that set the base ended the period since the one before
     * (period_ended), of period_count_ns of count: what the steal estimate
     * missed in it (positive: the intervals charged too much) waits in
     * unsettled_ns for the sampler, which settles it in the samples it
     * held over the period (daemon/periodbuf.h) and owes the clock what
     * they could not take (threadclock_owe). */
    int64_t unsettled_ns;
    int period_ended;
    /* That stop measured the period (not the first setting): what it
     * found holds all the steal counted up to its reading, the interval
     * that ends there included, so that interval takes no estimate. */
    int period_measured;
    uint64_t period_count_ns;
    struct task_files files;  /* its /proc files, kept open */
    int last_cpu;             /* the CPU /proc last said it ran on */
    /* Time off CPU the last interval withheld (interval_split.withheld):
     * the next interval charges it. */
    struct withheld_off withheld;
};

/* What threadclock_interval moves on: what a carried interval goes back
 * to (threadclock_rewind). */
struct thread_clock_mark {
    uint64_t cpu_ns, last_ns, runq_ns, kernel_ns, kernel_debt_ns, when_ns, withheld_off_ns;
    uint64_t runs;
    char state;
    uint64_t estimated_ns, setback_ns, credit_ns;
    struct switch_waits waits; /* not yet taken by an interval */
};

/* Starts a thread's clocks (zero), opening its exact clock if perf
 * counters are allowed (the first refusal stops tries for env). The exact
 * clock counts from now: for a thread born within the session
 * (born_within, or any thread of a process started within it), it counts
 * on from what schedstat says the thread ran before. */
void threadclock_init(struct clock_env *env, struct thread_clock *c, uint32_t tid,
                      int born_within);
void threadclock_close(struct thread_clock *c);

/* The thread's state and clocks from /proc into st. 0 or a negative errno
 * code (-ESRCH: gone). */
int threadclock_read_proc(const struct clock_env *env, struct thread_clock *c,
                          struct task_stat *st);

/* threadclock_read_proc for a thread we hold stopped: it waits until the
 * thread is off its CPU (a stop is reported before, and only leaving the
 * CPU brings schedstat up to date), and makes exact the CPU a thread ran
 * before its exact clock was opened: schedstat lags a running thread by up
 * to a scheduler tick, so the base read at the opening fell short (0.5-0.9
 * ms in test_threadclock, up to 4 ms for a spawned script's start-up),
 * and the process's clock then showed that much CPU no thread had,
 * counted as "threads too short-lived to sample". The base is set on
 * schedstat at every stop until the thread has a share of steal measured,
 * then at most every 100 ms (25 ms while it has steal), not once: the
 * counter gains on the kernel's CPU clock as it runs (threadclock.c).
 * 0 or a negative errno code. */
int threadclock_read_stopped(const struct clock_env *env, struct thread_clock *c,
                             struct task_stat *st);

/* Whether the thread's exact clock, read as cpu_ns at read_ns, ran through
 * the whole interval since its previous tick: its CPU time plus the time
 * we kept it stopped falls short of the wall time by at most 10 us (a
 * thread waiting for a CPU stopped running when that wait began, so it
 * fails this unless the wait began that recently). Never when seen, what
 * its switch records said at this tick's look, is SWITCH_LAST_OUT: it left
 * its CPU last and waits, most often where the kernel preempted it, at a
 * system call's return, whatever its clock says of the interval (a clock
 * that lagged, or a wait that began within the 10 us). */
int threadclock_ran_through(const struct thread_clock *c, uint64_t cpu_ns, uint64_t read_ns,
                            enum switch_seen seen);

/* Reads the thread's state into st and says whether it is on a CPU now (1)
 * or not (0), or a negative errno code. *exact_ns gets the exact clock's
 * last reading (0: none). See threadclock.c for how. */
int threadclock_on_cpu(const struct clock_env *env, struct thread_clock *c, int is_new,
                       struct task_stat *st, uint64_t *exact_ns);

/* The CPU time of process pid, all its threads, living or gone (see
 * threadclock.c on how fresh it is). 0 or a negative errno code. */
int threadclock_process_cpu_ns(pid_t pid, uint64_t *ns);

/* Fills st->cpu_ns from the best clock there is (exact_ns when not 0,
 * else the exact clock, else the process clock of a lone thread, else
 * st's schedstat) and says which. */
enum cpu_source threadclock_cpu(const struct clock_env *env, struct thread_clock *c, int lone,
                                uint64_t exact_ns, struct task_stat *st);

/* A thread's CPU clock source changed: start its clock over, losing this
 * interval's CPU rather than mixing two clocks. */
void threadclock_settle(struct thread_clock *c, enum cpu_source source,
                        const struct task_stat *st);

/* Sets the thread's clocks to st as they stand, charging nothing: what
 * ran before is not the session's. */
void threadclock_start(struct thread_clock *c, const struct task_stat *st);

/* The interval since the thread's previous tick, split by its clocks as
 * read now (st, at now_ns); remembers them for the next. */
void threadclock_interval(struct thread_clock *c, const struct task_stat *st, uint64_t now_ns,
                          struct interval_time *out);

/* Keeps time off CPU that an interval ending with the thread waiting for a
 * CPU did not charge (interval_split.withheld) for the next interval,
 * which gives it back as its carried part, less the wait for a CPU the
 * kernel books meanwhile. */
void threadclock_withhold(struct thread_clock *c, const struct withheld_off *withheld);

/* The CPU time a thread's exact clock gained since its previous tick, as
 * its last interval (cpu and kernel only): for a thread that has ended,
 * whose counter keeps its final count, and whose /proc files are gone.
 * Its kernel part is the kernel time /proc reported that no interval took
 * yet. 0 or a negative errno code (-ENODEV: no exact clock). */
int threadclock_last_interval(struct thread_clock *c, struct interval_time *out);

/* Whether a stop ended the clock's period since the last call (1) or not
 * (0); *unsettled_ns gets what the intervals charged too much in it
 * (negative: too little), and the clock forgets it. */
int threadclock_take_period(struct thread_clock *c, int64_t *unsettled_ns);

/* Owes ns of what the intervals charged too much (negative: too little)
 * to the intervals that follow: they repay it, or are given it back, at
 * the rate it built up over the last period. */
void threadclock_owe(struct thread_clock *c, int64_t ns);

/* What the clock owes the ticks, in CPU still to charge: its credit less
 * its debt (struct thread_clock). */
int64_t threadclock_owed(const struct thread_clock *c);

/* The clocks as they stand, and back to them: an interval read but not
 * charged (a failed walk's) is carried to the next. */
struct thread_clock_mark threadclock_mark(const struct thread_clock *c);
void threadclock_rewind(struct thread_clock *c, const struct thread_clock_mark *mark);

#endif
