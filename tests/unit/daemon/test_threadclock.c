/* A thread's interval from its clocks: a tick that finds a blocked thread
 * awake, waiting for a CPU, bounds the wait it left. */
#include "daemon/threadclock.h"
#include "harness.h"

/* A thread whose previous tick, at 1000 ns, found it blocked. */
static struct thread_clock blocked_at_1000(void)
{
    struct thread_clock c = {.clock_fd = -1, .when_ns = 1000};
    return c;
}

/* The interval up to a tick at now_ns that finds it blocked again, having
 * run cpu_ns and waited runq_ns for a CPU in all. */
static struct interval_time blocked_again(struct thread_clock *c, uint64_t cpu_ns,
                                          uint64_t runq_ns, uint64_t now_ns)
{
    struct interval_time time;
    threadclock_interval(c, &(struct task_stat){.state = 'S', .cpu_ns = cpu_ns, .runq_ns = runq_ns},
                         now_ns, &time);
    return time;
}

/* A tick at now_ns that finds it awake, waiting for a CPU. */
static void seen_awake(struct thread_clock *c, uint64_t now_ns)
{
    threadclock_note_wake(c, &(struct task_stat){.state = 'R'}, 0, now_ns);
}

static void test_interval_without_a_wake_is_plain(void)
{
    struct thread_clock c = blocked_at_1000();
    struct interval_time time = blocked_again(&c, 2000, 3000, 11000);
    CHECK_EQ_INT(time.cpu, 2000);
    CHECK_EQ_INT(time.runq, 3000);
    CHECK_EQ_INT(time.off, 5000);
    CHECK_EQ_INT(time.woke_seen, 0);
}

/* Seen awake at 11000 (10000 ns off CPU so far, the wait for a CPU it is
 * in not booked yet); at 21000 it has run 2000 ns and blocked again, and
 * the kernel has booked 6000 ns of waiting since. Between none and all of
 * those 6000 ns fell before the tick that saw it awake: half is taken. */
static void test_wake_bounds_the_wait_it_left(void)
{
    struct thread_clock c = blocked_at_1000();
    seen_awake(&c, 11000);
    /* A later tick that finds it still waiting changes nothing. */
    seen_awake(&c, 15000);
    struct interval_time time = blocked_again(&c, 2000, 6000, 21000);
    CHECK_EQ_INT(time.off, 12000);
    CHECK_EQ_INT(time.woke_seen, 1);
    CHECK_EQ_INT(time.woke_off, 7000);
    /* The next interval starts afresh. */
    time = blocked_again(&c, 2000, 6000, 31000);
    CHECK_EQ_INT(time.woke_seen, 0);
    CHECK_EQ_INT(time.off, 10000);
}

/* A wait for a CPU longer than all the time off CPU seen by the wake: at
 * most that much of it fell before. */
static void test_wake_part_never_below_half(void)
{
    struct thread_clock c = blocked_at_1000();
    seen_awake(&c, 5000);
    struct interval_time time = blocked_again(&c, 1000, 9000, 21000);
    CHECK_EQ_INT(time.off, 10000);
    CHECK_EQ_INT(time.woke_off, 2000);
}

/* A carried interval (a failed walk) goes back to its clocks, the wake
 * seen within it included. */
static void test_rewind_keeps_the_wake(void)
{
    struct thread_clock c = blocked_at_1000();
    seen_awake(&c, 11000);
    struct thread_clock_mark mark = threadclock_mark(&c);
    struct interval_time time = blocked_again(&c, 2000, 6000, 21000);
    threadclock_rewind(&c, &mark);
    time = blocked_again(&c, 2000, 6000, 25000);
    CHECK_EQ_INT(time.woke_seen, 1);
    CHECK_EQ_INT(time.woke_off, 7000);
}

int main(void)
{
    test_interval_without_a_wake_is_plain();
    test_wake_bounds_the_wait_it_left();
    test_wake_part_never_below_half();
    test_rewind_keeps_the_wake();
    return test_finish("test_threadclock");
}
