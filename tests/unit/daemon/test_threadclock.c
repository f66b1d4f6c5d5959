/* An interval's parts from a thread's clocks: time off CPU withheld by an
 * interval that ended with the thread waiting for a CPU comes back with
 * the next, less the wait the kernel booked meanwhile. */
#include "daemon/threadclock.h"
#include "harness.h"

#include <string.h>

static struct thread_clock clock_at(uint64_t when_ns)
{
    struct thread_clock c;
    memset(&c, 0, sizeof(c));
    c.clock_fd = -1;
    c.when_ns = when_ns;
    return c;
}

static void test_plain_interval(void)
{
    struct thread_clock c = clock_at(1000);
    struct interval_time t;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 3000, .runq_ns = 2000}, 11000, &t);
    CHECK_EQ_INT(t.cpu, 3000);
    CHECK_EQ_INT(t.runq, 2000);
    CHECK_EQ_INT(t.off, 5000);
    CHECK_EQ_INT(t.carried.ns, 0);
}

/* Blocked 6 ms, woken, and queued 3 ms when the tick finds it: the kernel
 * books those 3 ms only when it gets a CPU, with 0.5 ms more of waiting,
 * then it runs 1.5 ms. The 9 ms withheld come back as 6 ms blocked. */
static void test_withheld_time_loses_the_wait_booked_since(void)
{
    struct thread_clock c = clock_at(0);
    struct interval_time t;
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 1000}, 10000, &t);
    CHECK_EQ_INT(t.off, 9000);
    threadclock_withhold(&c, &(struct withheld_off){.ns = t.off, .kind = SAMPLE_GIL_WAIT, .to_waited = 1});
    struct thread_clock_mark mark = threadclock_mark(&c);
    threadclock_interval(&c, &(struct task_stat){.cpu_ns = 2500, .runq_ns = 3500}, 12000, &t);
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

int main(void)
{
    test_plain_interval();
    test_withheld_time_loses_the_wait_booked_since();
    return test_finish("test_threadclock");
}
