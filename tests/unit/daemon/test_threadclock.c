/* A thread's interval from its clocks: the time off CPU of a thread found
 * woken and waiting for a CPU is held back until that wait is booked. */
#include "daemon/threadclock.h"
#include "harness.h"

/* A thread whose previous tick, at 1000 ns, found it blocked. */
static struct thread_clock blocked_at_1000(void)
{
    struct thread_clock c = {.clock_fd = -1, .when_ns = 1000};
    return c;
}

/* The interval up to a tick at now_ns whose clocks read cpu_ns on CPU and
 * runq_ns waited for one, in all. */
static struct interval_time interval_to(struct thread_clock *c, char state, uint64_t cpu_ns,
                                        uint64_t runq_ns, uint64_t now_ns)
{
    struct interval_time time;
    threadclock_interval(c, &(struct task_stat){.state = state, .cpu_ns = cpu_ns, .runq_ns = runq_ns},
                         now_ns, &time);
    return time;
}

static void test_interval_without_a_wake_is_plain(void)
{
    struct thread_clock c = blocked_at_1000();
    struct interval_time time = interval_to(&c, 'S', 2000, 3000, 11000);
    CHECK_EQ_INT(time.cpu, 2000);
    CHECK_EQ_INT(time.runq, 3000);
    CHECK_EQ_INT(time.off, 5000);
    CHECK_EQ_INT(time.woke_seen, 0);
}

/* Found woken at 11000: 10000 ns off CPU read, the wait for a CPU it is in
 * not booked yet; held back. At 21000 it has run 2000 ns and blocked
 * again, and the kernel has booked 6000 ns of waiting since. Between none
 * and all of those 6000 ns fell before 11000: half is taken from the wait
 * it left and given back to the time off CPU after, which the booking made
 * short by all of it. */
static void test_woken_thread_s_wait_for_a_cpu_is_split(void)
{
    struct thread_clock c = blocked_at_1000();
    struct interval_time time = interval_to(&c, 'R', 0, 0, 11000);
    threadclock_defer_off(&c, &time, 0);
    CHECK_EQ_INT(time.off, 0);
    time = interval_to(&c, 'S', 2000, 6000, 21000);
    CHECK_EQ_INT(time.woke_seen, 1);
    CHECK_EQ_INT(time.woke_off, 7000);
    CHECK_EQ_INT(time.off, 2000 + 3000); /* 10000 - 2000 - 6000, and the half back */
    CHECK_EQ_INT(time.woke_off + time.off + time.cpu + time.runq, 20000);
    /* The next interval starts afresh. */
    time = interval_to(&c, 'S', 2000, 6000, 31000);
    CHECK_EQ_INT(time.woke_seen, 0);
    CHECK_EQ_INT(time.off, 10000);
}

/* A wait for a CPU longer than all the time off CPU held back: at most
 * that much of it fell before. */
static void test_wait_part_bounded_by_what_was_held_back(void)
{
    struct thread_clock c = blocked_at_1000();
    struct interval_time time = interval_to(&c, 'R', 0, 0, 5000);
    threadclock_defer_off(&c, &time, 0);
    time = interval_to(&c, 'S', 1000, 9000, 21000);
    CHECK_EQ_INT(time.woke_off, 2000);
}

/* A carried interval (a failed walk) goes back to its clocks, what was
 * held back included. */
static void test_rewind_keeps_what_was_held_back(void)
{
    struct thread_clock c = blocked_at_1000();
    struct interval_time time = interval_to(&c, 'R', 0, 0, 11000);
    threadclock_defer_off(&c, &time, 0);
    struct thread_clock_mark mark = threadclock_mark(&c);
    time = interval_to(&c, 'S', 2000, 6000, 21000);
    threadclock_rewind(&c, &mark);
    time = interval_to(&c, 'S', 2000, 6000, 25000);
    CHECK_EQ_INT(time.woke_seen, 1);
    CHECK_EQ_INT(time.woke_off, 7000);
}

int main(void)
{
    test_interval_without_a_wake_is_plain();
    test_woken_thread_s_wait_for_a_cpu_is_split();
    test_wait_part_bounded_by_what_was_held_back();
    test_rewind_keeps_what_was_held_back();
    return test_finish("test_threadclock");
}
