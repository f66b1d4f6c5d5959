/* An interval's parts from a thread's clocks: time off CPU withheld by an
 * interval that ended with the thread waiting for a CPU comes back with
 * the next, less the wait the kernel booked meanwhile. A clock opened on a
 * running thread born in the session counts, once the thread was read
 * stopped, exactly the CPU the thread ran, before the opening too, and is
 * set on schedstat again at every stop. */
#include "daemon/threadclock.h"
#include "common/clock.h"
#include "harness.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cpuclock.h"

static struct thread_clock clock_at(uint64_t when_ns)
{
    struct thread_clock c;
    memset(&c, 0, sizeof(c));
    c.clock_fd = -1;
    c.when_ns = when_ns;
    return c;
}

/* Blocked, woken, preempted: the kernel gave it a CPU twice. */
static void test_plain_interval(void)
{
    struct thread_clock c = clock_at(1000);
    struct interval_time t;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 3000, .runq_ns = 2000, .runs = 2},
                         11000, &t);
    CHECK_EQ_INT(t.cpu, 3000);
    CHECK_EQ_INT(t.runq, 2000);
    CHECK_EQ_INT(t.off, 5000);
    CHECK_EQ_INT(t.carried.ns, 0);
}

/* A clock set back by 2 ms at a stop (its counter had gained that much)
 * charges nothing until it passes its last reading, and the interval
 * after that only what lies beyond: over the three, the CPU charged is
 * what the clock says in the end, none of the 2 ms counted twice. */
static void test_clock_set_back_is_taken_from_later_intervals(void)
{
    struct thread_clock c = clock_at(0);
    struct interval_time t;
    uint64_t charged = 0;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 10000000}, 10000000, &t);
    charged += t.cpu;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 9000000}, 11000000, &t);
    CHECK_EQ_INT(t.cpu, 0);
    charged += t.cpu;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 10500000}, 12000000, &t);
    CHECK_EQ_INT(t.cpu, 500000);
    charged += t.cpu;
    CHECK_EQ_INT(charged, 10500000);
}

/* A stop found the count 2 ms ahead of schedstat after it counted 10 ms
 * (steal time: the hypervisor ran another guest while the thread was on
 * its CPU), so the base went back 2 ms: a running thread's intervals that
 * follow give a fifth of what the clock counts back, as a wait for a CPU,
 * never as time off CPU, until the 2 ms are repaid; then all it counts is
 * CPU again. Over the three, CPU is what schedstat says it ran. */
static void test_steal_is_repaid_as_a_wait_not_off_cpu(void)
{
    struct thread_clock c = clock_at(0);
    struct interval_time t;
    c.cpu_ns = 10000000; /* charged before the stop */
    c.last_ns = 8000000;  /* the clock's reading on its new scale */
    c.source = CPU_EXACT;
    c.setback_ns = 2000000;
    c.settle_ppm = 200000;
    uint64_t cpu = 0, waited = 0;
    uint64_t reading = 8000000; /* the clock's reading on its new scale */
    for (int i = 0; i < 3; i++) {
        reading += 5000000;
        threadclock_interval(&c, &(struct task_stat){.cpu_ns = reading}, 5000000u * (i + 1), &t);
        CHECK_EQ_INT(t.off, 0);
        CHECK_EQ_INT(t.carried.ns, 0);
        cpu += t.cpu;
        waited += t.runq;
    }
    CHECK_EQ_INT(cpu, 13000000);
    CHECK_EQ_INT(waited, 2000000);
    CHECK_EQ_INT(c.setback_ns, 0);
    /* An interval that counted nothing (off CPU) repays nothing. */
    c.setback_ns = 1000000; /* another stop set it back */
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = reading, .runs = 1}, 20000000, &t);
    CHECK_EQ_INT(t.cpu, 0);
    CHECK_EQ_INT(t.runq, 0);
    CHECK_EQ_INT(t.off, 5000000);
    CHECK_EQ_INT(c.setback_ns, 1000000);
    /* A stop found the estimate took 2 ms too much: given back at the same
     * rate, not all to one interval's stack. */
    c.setback_ns = 0, c.credit_ns = 2000000;
    uint64_t when = 20000000;
    cpu = 0;
    for (int i = 0; i < 3; i++) {
        reading += 5000000, when += 5000000;
        threadclock_interval(&c, &(struct task_stat){.cpu_ns = reading, .runs = 1}, when, &t);
        CHECK(t.cpu <= 6000000);
        CHECK_EQ_INT(t.off, 0);
        cpu += t.cpu;
    }
    CHECK_EQ_INT(cpu, 17000000);
    CHECK_EQ_INT(c.credit_ns, 0);
}

/* A running thread whose count gained a fifth on schedstat between its
 * last two stops counts 10 ms: 8 ms are CPU, 2 ms a wait for a CPU, none
 * of it time off CPU. A clock from schedstat has no steal in it: what it
 * leaves of the wall time is steal while the thread never left its CPU,
 * and time off CPU once it did. */
static void test_steal_is_taken_out_of_the_count(void)
{
    struct thread_clock c = clock_at(0);
    struct interval_time t;
    c.source = CPU_EXACT;
    c.steal_ppm = 200000;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 10000000}, 10000000, &t);
    CHECK_EQ_INT(t.cpu, 8000000);
    CHECK_EQ_INT(t.runq, 2000000);
    CHECK_EQ_INT(t.off, 0);
    CHECK_EQ_INT(c.estimated_ns, 2000000);
    c.source = CPU_SCHEDSTAT;
    c.state = 'R';
    threadclock_interval(&c, &(struct task_stat){.state = 'R', .cpu_ns = 18000000}, 20000000, &t);
    CHECK_EQ_INT(t.cpu, 8000000);
    CHECK_EQ_INT(t.runq, 2000000);
    CHECK_EQ_INT(t.off, 0);
    threadclock_interval(&c, &(struct task_stat){.state = 'R', .cpu_ns = 26000000, .runs = 1},
                         30000000, &t);
    CHECK_EQ_INT(t.cpu, 8000000);
    CHECK_EQ_INT(t.runq, 0);
    CHECK_EQ_INT(t.off, 2000000);
}

/* The interval that ends at the stop that measured its period takes no
 * steal estimate: what that stop found (2 ms here) is all the steal up to
 * its reading, and the sampler takes it out of the period's samples, this
 * interval's among them. The interval after estimates again. */
static void test_interval_ending_a_measured_period_takes_no_estimate(void)
{
    struct thread_clock c = clock_at(0);
    struct interval_time t;
    c.source = CPU_EXACT;
    c.steal_ppm = 200000;
    c.period_ended = c.period_measured = 1;
    c.unsettled_ns = 2000000;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 10000000}, 10000000, &t);
    CHECK_EQ_INT(t.cpu, 10000000);
    CHECK_EQ_INT(c.estimated_ns, 0);
    int64_t unsettled = 0;
    CHECK(threadclock_take_period(&c, &unsettled));
    CHECK_EQ_INT(unsettled, 2000000);
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 20000000}, 20000000, &t);
    CHECK_EQ_INT(t.cpu, 8000000);
    CHECK_EQ_INT(c.estimated_ns, 2000000);
}

/* Running at both ends and given a CPU again only after our stop of it,
 * a thread never left its CPU of its own: the time its clock leaves out
 * is nobody's (steal), not a wait at the line it last waited at. Given
 * one more time, or blocked at either end, it may have been. */
static void test_only_our_stop_switched_it_out(void)
{
    struct thread_clock c = clock_at(0);
    struct interval_time t;
    c.source = CPU_SCHEDSTAT;
    c.held_ns = 30000;
    c.runs = 7;
    c.state = 'R';
    threadclock_interval(&c, &(struct task_stat){.state = 'R', .cpu_ns = 150000, .runs = 8},
                         200000, &t);
    CHECK_EQ_INT(t.cpu, 150000);
    CHECK_EQ_INT(t.off, 0);
    CHECK_EQ_INT(t.runq, 20000); /* 50 us left out, 30 of them ours */
    c.held_ns = 30000;
    threadclock_interval(&c, &(struct task_stat){.state = 'R', .cpu_ns = 300000, .runs = 10},
                         400000, &t);
    CHECK_EQ_INT(t.cpu, 150000);
    CHECK_EQ_INT(t.off, 20000);
    CHECK_EQ_INT(t.runq, 0);
    /* It went to sleep after the last tick and sleeps now: never given a
     * CPU again, and off CPU. */
    c.held_ns = 0;
    threadclock_interval(&c, &(struct task_stat){.state = 'S', .cpu_ns = 350000, .runs = 10},
                         600000, &t);
    CHECK_EQ_INT(t.cpu, 50000);
    CHECK_EQ_INT(t.off, 150000);
    /* Running at both ends, but its exact clock said it waits for a CPU:
     * woken from a wait, it has not been given one yet. */
    c.clock_fd = 1000; /* never read here */
    c.state = 'R';
    c.on_cpu_now = 0;
    threadclock_interval(&c, &(struct task_stat){.state = 'R', .cpu_ns = 400000, .runs = 10},
                         800000, &t);
    CHECK_EQ_INT(t.off, 150000);
    c.clock_fd = -1;
}

/* A clock that moved as much as the wall clock ran through the interval,
 * unless the thread's switch records say it left its CPU last: then it
 * waits, whatever its clock says. One that fell short by more than 10 us
 * did not. */
static void test_switched_out_never_ran_through(void)
{
    struct thread_clock c = clock_at(1000000);
    c.source = CPU_EXACT;
    c.cpu_ns = c.last_ns = 5000000;
    CHECK(threadclock_ran_through(&c, 7000000, 3000000, SWITCH_NONE));
    CHECK(threadclock_ran_through(&c, 7000000, 3000000, SWITCH_LAST_IN));
    CHECK(!threadclock_ran_through(&c, 7000000, 3000000, SWITCH_LAST_OUT));
    CHECK(!threadclock_ran_through(&c, 6900000, 3000000, SWITCH_NONE));
    c.held_ns = 200000; /* we kept it stopped for part of it */
    CHECK(threadclock_ran_through(&c, 6900000, 3000000, SWITCH_NONE));
}

/* Blocked 6 ms, woken, and queued 3 ms when the tick finds it: the kernel
 * books those 3 ms only when it gets a CPU, with 0.5 ms more of waiting,
 * then it runs 1.5 ms. The 9 ms withheld come back as 6 ms blocked. */
static void test_withheld_time_loses_the_wait_booked_since(void)
{
    struct thread_clock c = clock_at(0);
    struct interval_time t;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 1000, .runs = 1}, 10000, &t);
    CHECK_EQ_INT(t.off, 9000);
    threadclock_withhold(&c, &(struct withheld_off){.ns = t.off, .kind = SAMPLE_GIL_WAIT, .to_waited = 1});
    struct thread_clock_mark mark = threadclock_mark(&c);
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 2500, .runq_ns = 3500, .runs = 2},
                         12000, &t);
    CHECK_EQ_INT(t.cpu, 1500);
    CHECK_EQ_INT(t.runq, 3500);
    CHECK_EQ_INT(t.carried.ns, 6000);
    CHECK_EQ_INT(t.carried.kind, SAMPLE_GIL_WAIT);
    CHECK_EQ_INT(t.carried.to_waited, 1);
    CHECK_EQ_INT(t.off, 0);
    CHECK_EQ_INT(c.withheld.ns, 0);
    /* An interval read but not charged keeps what was withheld. */
    threadclock_rewind(&c, &mark);
    CHECK_EQ_INT(c.withheld.ns, 9000);
}

/* This thread's CPU time in ns. */
static uint64_t own_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The child: spins until told (a byte on go), spins 30 ms more, stores its
 * own CPU time in the shared page and stops itself at once: nothing but the
 * store lies between its reading and its stop, no system call a VM host
 * could stretch. */
static void spinner(int go, volatile uint64_t *out)
{
    struct pollfd p = {.fd = go, .events = POLLIN};
    while (poll(&p, 1, 0) == 0)
        ;
    uint64_t until = own_cpu_ns() + 30000000u, now;
    while ((now = own_cpu_ns()) < until)
        ;
    *out = now;
    raise(SIGSTOP);
    _exit(0);
}

/* Whether a stop of the (stopped) thread sets its base, its last setting
 * ago_ns before. */
static int resets_after(const struct clock_env *env, struct thread_clock *c, uint64_t ago_ns)
{
    struct task_stat st;
    c->reset_ns = clock_monotonic_ns() - ago_ns;
    uint64_t before = c->reset_ns;
    CHECK_EQ_INT(threadclock_read_stopped(env, c, &st), 0);
    return c->reset_ns != before;
}

/* A stop sets the base at every stop while the thread has no steal share
 * yet; 25 ms after the last setting while it has steal, or its last
 * estimate missed; 100 ms after it once its clock is known to keep up
 * with schedstat. */
static void check_reset_gap(const struct clock_env *env, struct thread_clock *c)
{
    c->steal_known = 0, c->steal_ppm = 0, c->settle_ppm = 0;
    CHECK(resets_after(env, c, 1000000));
    c->steal_known = 1, c->steal_ppm = 150000;
    CHECK(resets_after(env, c, 30000000));
    CHECK(!resets_after(env, c, 20000000));
    c->steal_known = 1, c->steal_ppm = 0, c->settle_ppm = 0;
    CHECK(!resets_after(env, c, 30000000));
    CHECK(resets_after(env, c, 110000000));
    c->steal_ppm = 150000;
    CHECK(resets_after(env, c, 30000000));
    c->steal_ppm = 0, c->settle_ppm = 20000;
    CHECK(resets_after(env, c, 30000000));
}

/* Opened while the child spins, the clock's base is schedstat's, up to a
 * scheduler tick behind; made exact from the stopped child's schedstat,
 * base and counter add up to the CPU the child measured itself, give or
 * take what it ran between its reading and its stop. */
static void test_base_is_exact_once_stopped(void)
{
    int go[2];
    volatile uint64_t *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED || pipe(go) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        spinner(go[0], shared);
        _exit(0);
    }
    uint64_t spin_until = own_cpu_ns() + 20000000u;
    while (own_cpu_ns() < spin_until)
        ; /* the child spins meanwhile: a scheduler tick or more of it */
    struct clock_env env = {.pid = pid, .started_within = 1};
    struct thread_clock c;
    threadclock_init(&env, &c, (uint32_t)pid, 1);
    char byte = 'g';
    uint64_t measured = 0, counted = 0;
    CHECK_EQ_INT(write(go[1], &byte, 1), 1);
    int status;
    CHECK_EQ_INT(waitpid(pid, &status, WUNTRACED), pid);
    measured = *shared; /* stored before the child stopped */
    if (c.clock_fd < 0) {
        printf("test_threadclock: part skipped: no perf counter for the child\n");
    } else {
        struct task_stat st;
        CHECK_EQ_INT(threadclock_read_stopped(&env, &c, &st), 0);
        CHECK_EQ_INT(cpuclock_read(c.clock_fd, &counted), 0);
        /* A base read from a running thread's schedstat falls short (0.5-1 ms
         * here); the child runs a few us after its reading (its stop), and
         * the two clocks may drift a little either way. */
        uint64_t total = (uint64_t)c.clock_base_ns + counted;
        int exact = total + 250000u >= measured && total <= measured + 2000000u;
        CHECK(exact);
        if (!exact)
            fprintf(stderr, "base %lld + counted %llu, measured %llu\n",
                    (long long)c.clock_base_ns, (unsigned long long)counted,
                    (unsigned long long)measured);
        /* A clock that has gained on schedstat (as a counter does on a
         * loaded VM) is set back on it at the next stop once its last
         * reset is 0.1 s old, exactly: the child is stopped, so schedstat
         * stands still. */
        int64_t unsettled = -1;
        CHECK(threadclock_take_period(&c, &unsettled)); /* the first stop held nothing to settle */
        CHECK_EQ_INT(unsettled, 0);
        c.clock_base_ns += 5000000;
        c.reset_ns -= 200000000; /* its last reset 0.2 s ago */
        CHECK_EQ_INT(threadclock_read_stopped(&env, &c, &st), 0);
        /* The period that stop ended charged 5 ms too much: the sampler
         * takes that out of the samples it held, once. */
        CHECK(threadclock_take_period(&c, &unsettled));
        CHECK_EQ_INT(unsettled, 5000000);
        CHECK(!threadclock_take_period(&c, &unsettled));
        CHECK_EQ_INT(unsettled, 0);
        /* With no share yet every stop sets the base, however recent the
         * last setting, and 5 ms of count make a first share: 1 ms gained
         * over 4 ms is none yet; 1 ms more, over 6 ms, is a third. */
        c.gained_since_share = 0;
        c.counted_at_share = counted - 4000000;
        c.clock_base_ns += 1000000;
        CHECK_EQ_INT(threadclock_read_stopped(&env, &c, &st), 0);
        CHECK(!c.steal_known);
        c.counted_at_share = counted - 6000000;
        c.clock_base_ns += 1000000;
        CHECK_EQ_INT(threadclock_read_stopped(&env, &c, &st), 0);
        CHECK(c.steal_known);
        CHECK_EQ_INT(c.steal_ppm, 333333);
        while (threadclock_take_period(&c, &unsettled))
            ;
        uint64_t now_ns = 0;
        CHECK_EQ_INT(threadclock_cpu(&env, &c, 0, 0, &st), CPU_EXACT);
        now_ns = st.cpu_ns;
        struct task_stat fresh;
        CHECK_EQ_INT(taskstat_read(pid, (uint32_t)pid, &fresh), 0);
        CHECK(now_ns == fresh.cpu_ns);
        if (now_ns != fresh.cpu_ns)
            fprintf(stderr, "set back to %llu, schedstat %llu\n", (unsigned long long)now_ns,
                    (unsigned long long)fresh.cpu_ns);
        check_reset_gap(&env, &c);
    }
    threadclock_close(&c);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(go[0]), close(go[1]);
    munmap((void *)shared, sizeof(*shared));
}

/* A thread found off its CPU, here stopped by its own SIGSTOP, gets its
 * exact clock's base from its schedstat without a stop of ours: its clock
 * reads what schedstat says, exactly, and what the count had gained since
 * the last setting is its period's to settle, as at a stop; at every such
 * reading once its count moved, not only every 25-100 ms. */
static void test_base_is_set_off_cpu(void)
{
    int go[2];
    volatile uint64_t *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED || pipe(go) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0)
        spinner(go[0], shared);
    struct clock_env env = {.pid = pid, .started_within = 1};
    struct thread_clock c;
    threadclock_init(&env, &c, (uint32_t)pid, 1);
    char byte = 'g';
    int status;
    uint64_t unused;
    CHECK_EQ_INT(write(go[1], &byte, 1), 1);
    CHECK_EQ_INT(waitpid(pid, &status, WUNTRACED), pid);
    /* Reported stopped; reading its system call waits until it is off its
     * CPU too (the kernel's wait_task_inactive). */
    taskstat_syscall(pid, (uint32_t)pid, &unused);
    if (c.clock_fd < 0) {
        printf("test_threadclock: part skipped: no perf counter for the child\n");
    } else {
        struct task_stat st, fresh;
        uint64_t exact = 0;
        int64_t unsettled = -1;
        CHECK_EQ_INT(threadclock_on_cpu(&env, &c, 1, &st, &exact), 0);
        CHECK(c.reset_ns != 0);
        CHECK(threadclock_take_period(&c, &unsettled)); /* the first: nothing to settle */
        CHECK_EQ_INT(unsettled, 0);
        c.clock_base_ns += 5000000;    /* the count gained 5 ms on schedstat */
        c.counted_at_reset -= 5000000; /* (it counted 5 ms since the setting) */
        CHECK_EQ_INT(threadclock_on_cpu(&env, &c, 1, &st, &exact), 0);
        CHECK_EQ_INT(taskstat_read(pid, (uint32_t)pid, &fresh), 0);
        CHECK(exact == fresh.cpu_ns && st.cpu_ns == fresh.cpu_ns);
        if (exact != fresh.cpu_ns)
            fprintf(stderr, "off CPU: clock %llu, schedstat %llu\n", (unsigned long long)exact,
                    (unsigned long long)fresh.cpu_ns);
        CHECK(threadclock_take_period(&c, &unsettled));
        CHECK_EQ_INT(unsettled, 5000000);
        /* Found off its CPU again with its count where the setting left
         * it: nothing to settle, no period ends. Once the count moved
         * (here: the last setting saw 1 ms less), it is set again at once,
         * however recent the last setting. */
        CHECK_EQ_INT(threadclock_on_cpu(&env, &c, 1, &st, &exact), 0);
        CHECK(!threadclock_take_period(&c, &unsettled));
        c.counted_at_reset -= 1000000;
        c.reset_ns = clock_monotonic_ns();
        CHECK_EQ_INT(threadclock_on_cpu(&env, &c, 1, &st, &exact), 0);
        CHECK(threadclock_take_period(&c, &unsettled));
        CHECK(exact == fresh.cpu_ns);
    }
    threadclock_close(&c);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(go[0]), close(go[1]);
    munmap((void *)shared, sizeof(*shared));
}

int main(void)
{
    test_plain_interval();
    test_withheld_time_loses_the_wait_booked_since();
    test_clock_set_back_is_taken_from_later_intervals();
    test_steal_is_repaid_as_a_wait_not_off_cpu();
    test_steal_is_taken_out_of_the_count();
    test_interval_ending_a_measured_period_takes_no_estimate();
    test_only_our_stop_switched_it_out();
    test_switched_out_never_ran_through();
    test_base_is_exact_once_stopped();
    test_base_is_set_off_cpu();
    return test_finish("test_threadclock");
}
