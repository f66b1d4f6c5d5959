/* An interval's CPU and off-CPU time go to the line where each happened:
 * at a transition the parts belong to different observations. */
#include "daemon/attribute.h"
#include "harness.h"

static const struct thread_observation running_python = {.valid = 1,
                                                         .running = 1,
                                                         .cpu_kind = SAMPLE_PYTHON,
                                                         .off_kind = SAMPLE_IDLE,
                                                         .gap_kind = SAMPLE_GIL_WAIT,
                                                         .holds_gil = 1,
                                                         .on_cpu = 1};
static const struct thread_observation running_native = {.valid = 1,
                                                         .running = 1,
                                                         .cpu_kind = SAMPLE_NATIVE,
                                                         .off_kind = SAMPLE_IDLE,
                                                         .gap_kind = SAMPLE_IDLE,
                                                         .on_cpu = 1};
/* Runnable, but waiting for a CPU. */
static const struct thread_observation preempted_python = {.valid = 1,
                                                           .running = 1,
                                                           .cpu_kind = SAMPLE_PYTHON,
                                                           .off_kind = SAMPLE_IDLE,
                                                           .gap_kind = SAMPLE_IDLE};
static const struct thread_observation sleeping = {
    .valid = 1, .cpu_kind = SAMPLE_PYTHON, .off_kind = SAMPLE_SYSTEM, .gap_kind = SAMPLE_IDLE};
static const struct thread_observation waiting_lock = {
    .valid = 1, .cpu_kind = SAMPLE_PYTHON, .off_kind = SAMPLE_IDLE, .gap_kind = SAMPLE_IDLE};
static const struct thread_observation waiting_gil = {.valid = 1,
                                                      .cpu_kind = SAMPLE_PYTHON,
                                                      .off_kind = SAMPLE_GIL_WAIT,
                                                      .gap_kind = SAMPLE_GIL_WAIT};
static const struct thread_observation unseen = {0};

/* An interval after prev, with ran the last observation that found the
 * thread running and none that found it blocked. */
static void attribute(const struct thread_observation *prev, const struct thread_observation *cur,
                      const struct thread_observation *ran, const struct interval_time *time,
                      struct interval_split *split)
{
    struct thread_history seen = {*prev, *ran, unseen, unseen};
    attribute_interval(&seen, cur, time, split);
}

static uint64_t sum(const uint64_t ns[SAMPLE_KINDS])
{
    uint64_t total = 0;
    for (int k = 0; k < SAMPLE_KINDS; k++)
        total += ns[k];
    return total;
}

static void test_time_is_conserved(void)
{
    const struct thread_observation *all[] = {&running_python, &running_native, &sleeping,
                                              &waiting_lock, &waiting_gil};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            struct interval_split split;
            attribute(all[i], all[j], j % 2 ? &running_native : &unseen,
                      &(struct interval_time){3000, 0, 7000, 0, 0, {0}, 0, 0, 0}, &split);
            uint64_t earlier = sum(split.prev_ns) + sum(split.ran_ns) + sum(split.waited_ns);
            CHECK_EQ_INT(earlier + sum(split.cur_ns), 10000);
        }
}

static void test_waking_thread_slept_on_previous_line(void)
{
    struct interval_split split;
    attribute(&sleeping, &running_python, &unseen, &(struct interval_time){4000, 0, 6000, 0, 0, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 6000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 0);
    /* Woken, and still waiting for a CPU: it has not run where it stands
     * yet; what it ran went where it was last seen on a CPU. Its time off
     * CPU still holds the wait for a CPU the kernel has not booked yet:
     * withheld, as the wait it woke from, for the next interval. */
    attribute(&sleeping, &preempted_python, &running_native,
              &(struct interval_time){4000, 0, 6000, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.withheld.ns, 6000);
    CHECK_EQ_INT(split.withheld.kind, SAMPLE_SYSTEM);
    CHECK_EQ_INT(split.withheld.to_waited, 1);
    CHECK_EQ_INT(split.ran_ns[SAMPLE_NATIVE], 4000);
    CHECK_EQ_INT(sum(split.cur_ns), 0);
    /* The next interval gives back what is left of it as its kind, to the
     * wait it woke from (it may have run and been preempted elsewhere). */
    struct thread_history seen = {preempted_python, running_native, sleeping, unseen};
    attribute_interval(&seen, &running_python,
                       &(struct interval_time){1000, 0, 0, 0, 0, {5000, SAMPLE_SYSTEM, 1, 0, 0}, 0, 0, 0},
                       &split);
    CHECK_EQ_INT(split.waited_ns[SAMPLE_SYSTEM], 5000);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 1000);
    CHECK_EQ_INT(split.withheld.ns, 0);
}

/* Running at both ends, waiting for a CPU now (its skips ran out): the gap
 * holds the wait in progress, so it is withheld too, as the gap's kind. */
static void test_gap_before_a_wait_for_a_cpu_is_withheld(void)
{
    struct interval_split split;
    attribute(&running_python, &preempted_python, &running_python,
              &(struct interval_time){1000, 0, 9000, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns) + sum(split.waited_ns), 0);
    CHECK_EQ_INT(split.ran_ns[SAMPLE_PYTHON], 1000);
    CHECK_EQ_INT(split.withheld.ns, 9000);
    CHECK_EQ_INT(split.withheld.kind, SAMPLE_IDLE);
    CHECK_EQ_INT(split.withheld.to_waited, 0);
    /* Given back to the observation that withheld it. */
    attribute(&preempted_python, &running_python, &running_python,
              &(struct interval_time){1000, 0, 0, 0, 0, {7000, SAMPLE_IDLE, 0, 0, 0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_IDLE], 7000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 1000);
}

static void test_blocking_thread_ran_on_previous_line(void)
{
    struct interval_split split;
    attribute(&running_native, &sleeping, &unseen, &(struct interval_time){4000, 0, 6000, 0, 0, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_NATIVE], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 6000);
    attribute(&running_python, &waiting_lock, &unseen, &(struct interval_time){4000, 0, 6000, 0, 0, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 6000);
}

static void test_running_throughout_stays_current(void)
{
    struct interval_split split;
    attribute(&running_python, &running_native, &unseen,
              &(struct interval_time){9000, 0, 1000, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_NATIVE], 9000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 1000); /* a wait, not a sleep */
    /* Back in the interpreter's own code: the gap was a wait for the GIL. */
    attribute(&running_native, &running_python, &unseen,
              &(struct interval_time){9000, 0, 1000, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 1000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 0);
}

/* A wait for the GIL stays a wait for the GIL, on the line it waited at. */
static void test_gil_wait_is_its_own_kind(void)
{
    struct interval_split split;
    attribute(&running_python, &waiting_gil, &unseen, &(struct interval_time){4000, 0, 6000, 0, 0, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 6000);
    attribute(&waiting_gil, &running_python, &unseen, &(struct interval_time){4000, 0, 6000, 0, 0, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_GIL_WAIT], 6000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE] + split.prev_ns[SAMPLE_IDLE], 0);
    /* Asleep, then waiting for the GIL: when the sleep ended is unknown. */
    attribute(&sleeping, &waiting_gil, &unseen, &(struct interval_time){0, 0, 8001, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 4001);
}

static void test_lone_thread_gap_is_nobody_s(void)
{
    struct interval_split split;
    struct interval_time time = {9000, 0, 1000, 1, 0, {0}, 0, 0, 0};
    attribute(&running_python, &running_python, &unseen, &time, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 9000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 0);
}

static void test_blocked_throughout_keeps_its_wait_kind(void)
{
    struct interval_split split;
    attribute(&sleeping, &sleeping, &unseen, &(struct interval_time){10, 0, 9990, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 9990);
    attribute(&waiting_lock, &waiting_lock, &unseen, &(struct interval_time){0, 0, 10000, 0, 0, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 10000);
}

/* A loop that computes and then sleeps, seen asleep at both ends of an
 * interval: what it computed in between ran where it was last seen
 * running, not on the line it sleeps at. */
static void test_run_between_two_waits_goes_where_it_last_ran(void)
{
    struct interval_split split;
    attribute(&sleeping, &sleeping, &running_native,
              &(struct interval_time){6000, 0, 4000, 0, 1000, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(split.ran_ns[SAMPLE_NATIVE], 5000);
    CHECK_EQ_INT(split.ran_ns[SAMPLE_SYSTEM], 1000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON] + sum(split.prev_ns), 0);
    /* Never seen running: the current line is all there is. */
    attribute(&sleeping, &sleeping, &unseen, &(struct interval_time){6000, 0, 4000, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.ran_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 6000);
    /* Running at either end: the ends say where it ran, not the last run. */
    attribute(&sleeping, &running_python, &running_native,
              &(struct interval_time){6000, 0, 4000, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.ran_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 6000);
}

/* A lone thread seen running at both ends of an interval, off CPU in
 * between: it slept where it was last seen blocked. */
static void test_lone_thread_gap_goes_where_it_last_waited(void)
{
    struct interval_split split;
    struct interval_time time = {6000, 0, 4000, 1, 0, {0}, 0, 0, 0};
    struct thread_history seen = {running_python, running_python, sleeping, unseen};
    attribute_interval(&seen, &running_native, &time, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_NATIVE], 6000);
    CHECK_EQ_INT(split.waited_ns[SAMPLE_SYSTEM], 4000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.ran_ns), 0);
    /* Waiting for a CPU now: the gap may be that wait, not yet booked, and
     * the run was where it was last seen on a CPU. */
    attribute_interval(&seen, &preempted_python, &time, &split);
    CHECK_EQ_INT(sum(split.waited_ns) + sum(split.cur_ns), 0);
    CHECK_EQ_INT(split.ran_ns[SAMPLE_PYTHON], 6000);
    /* Another thread could hold the GIL: the gap is a wait at the line. */
    time.alone = 0;
    attribute_interval(&seen, &running_python, &time, &split);
    CHECK_EQ_INT(sum(split.waited_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 4000);
}

/* A stall of the daemon: only the part of an interval up to the cap is
 * charged to its observations; the rest, in proportion, is unseen. */
static void test_stall_beyond_the_cap_is_unseen(void)
{
    struct interval_time time = {4000, 1000, 5000, 0, 2000, {0}, 0, 0, 0}, stalled;
    attribute_unseen_part(&time, 10000, 2500, &stalled);
    CHECK_EQ_INT(stalled.cpu, 3000);
    CHECK_EQ_INT(stalled.kernel, 1500);
    CHECK_EQ_INT(stalled.runq, 750);
    CHECK_EQ_INT(stalled.off, 3750);
    CHECK_EQ_INT(time.cpu, 1000);
    CHECK_EQ_INT(time.kernel, 500);
    CHECK_EQ_INT(time.off + time.runq + time.cpu, 2500);
    /* Up to the cap: all of it is seen. */
    struct interval_time short_one = {4000, 1000, 5000, 0, 2000, {0}, 0, 0, 0};
    attribute_unseen_part(&short_one, 10000, 10000, &stalled);
    CHECK_EQ_INT(stalled.cpu + stalled.off + stalled.runq + stalled.kernel, 0);
    CHECK_EQ_INT(short_one.cpu, 4000);
}

static void test_cpu_wait_is_charged_to_nobody(void)
{
    struct interval_split split;
    attribute(&running_python, &running_python, &unseen,
              &(struct interval_time){4000, 6000, 0, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns), 4000);
    attribute(&running_python, &sleeping, &unseen, &(struct interval_time){3000, 2000, 5000, 0, 0, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 3000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 5000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns), 8000);
}

static void test_new_thread_charged_to_now(void)
{
    struct interval_split split;
    attribute(&unseen, &sleeping, &unseen, &(struct interval_time){500, 0, 9500, 0, 0, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 500);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 9500);
}

static void test_kernel_time_is_system_where_it_ran(void)
{
    struct interval_split split;
    /* 4 ms on CPU of which 1.5 ms in the kernel, then blocked: the kernel
     * part is system time on the line that ran. */
    attribute(&running_python, &sleeping, &unseen, &(struct interval_time){4000, 0, 6000, 0, 1500, {0}, 0, 0, 0},
              &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 2500);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 1500);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 6000);
    /* Running throughout in native code; more kernel than CPU is capped. */
    attribute(&running_native, &running_native, &unseen,
              &(struct interval_time){3000, 0, 0, 1, 9000, {0}, 0, 0, 0}, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_NATIVE], 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 3000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns), 3000);
}

/* A thread's last interval, after its last tick until it ended: its CPU
 * goes where it was last seen running. */
static void test_last_interval_goes_where_it_last_ran(void)
{
    struct interval_split split;
    struct interval_time time = {.cpu = 5000, .kernel = 1000};
    /* Running at its last tick (a worker waiting for a CPU as it ends). */
    struct thread_history seen = {running_native, running_native, unseen, unseen};
    attribute_last_interval(&seen, &time, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_NATIVE], 4000);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 1000);
    CHECK_EQ_INT(sum(split.ran_ns) + sum(split.cur_ns), 0);
    /* Blocked at its last tick: where it last ran. */
    seen = (struct thread_history){waiting_lock, running_python, waiting_lock, waiting_lock};
    attribute_last_interval(&seen, &time, &split);
    CHECK_EQ_INT(split.ran_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns) + sum(split.waited_ns), 0);
    /* Never seen running: where it was. */
    seen = (struct thread_history){sleeping, unseen, sleeping, sleeping};
    attribute_last_interval(&seen, &time, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(sum(split.prev_ns), 5000);
}


/* An interval blocked at both ends with what the switch records say of its
 * waits: gil and other ns of 10000 blocked (unknown the rest). */
static void attribute_with_waits(const struct thread_observation *prev,
                                 const struct thread_observation *cur,
                                 const struct thread_observation *slept, uint64_t gil,
                                 uint64_t other, struct interval_split *split)
{
    struct thread_history seen = {*prev, unseen, *prev, *slept};
    struct interval_time time = {.off = 10000, .waits_gil = gil, .waits_other = other,
                                 .waits_unknown = 10000 - gil - other};
    attribute_interval(&seen, cur, &time, split);
}

/* One interval blocked at both ends with its records, and what the ends'
 * stacks and the kept one must get of it. */
struct records_case {
    const struct thread_observation *prev, *cur;
    uint64_t gil, other; /* what the records say, of 10000 */
    uint64_t prev_system, prev_gil, cur_system, cur_gil, slept_system;
};

static void check_records_case(const struct records_case *c)
{
    struct interval_split split;
    attribute_with_waits(c->prev, c->cur, &sleeping, c->gil, c->other, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], c->prev_system);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_GIL_WAIT], c->prev_gil);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], c->cur_system);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], c->cur_gil);
    CHECK_EQ_INT(split.slept_ns[SAMPLE_SYSTEM], c->slept_system);
}

/* A napper seen waiting for the GIL at both ends napped between: the
 * records give the nap its time, on the line it was last seen napping;
 * found napping at both ends with a GIL wait between, the wait is the
 * GIL's, on the line the nap takes the GIL back. From a nap to a GIL wait
 * or back: not half each, but as the records say. */
static void test_switch_records_split_the_waits(void)
{
    const struct records_case cases[] = {
        {&waiting_gil, &waiting_gil, 6000, 4000, 0, 0, 0, 6000, 4000},
        {&sleeping, &sleeping, 3000, 7000, 0, 3000, 7000, 0, 0},
        {&sleeping, &waiting_gil, 7000, 3000, 3000, 0, 0, 7000, 0},
        {&waiting_gil, &sleeping, 1000, 9000, 0, 1000, 9000, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_records_case(&cases[i]);
}

/* Records that say too little (more than a tenth unknown, or nothing)
 * leave the ends' split as it was; one never seen in another wait has
 * nowhere to put it, and keeps it too. */
static void test_switch_records_unknown_change_nothing(void)
{
    struct interval_split split;
    attribute_with_waits(&sleeping, &waiting_gil, &sleeping, 2000, 6000, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 5000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 5000);
    attribute_with_waits(&sleeping, &waiting_gil, &sleeping, 0, 0, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 5000);
    attribute_with_waits(&waiting_gil, &waiting_gil, &unseen, 5000, 5000, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 10000);
}

/* Time withheld while the thread waited for a CPU comes back split as the
 * records of its own interval said. */
static void test_withheld_time_keeps_its_records_split(void)
{
    struct interval_split split;
    struct thread_history seen = {waiting_gil, unseen, waiting_gil, sleeping};
    struct interval_time woke = {.cpu = 1000, .off = 9000, .waits_gil = 4000, .waits_other = 5000};
    attribute_interval(&seen, &preempted_python, &woke, &split);
    CHECK_EQ_INT(split.withheld.ns, 9000);
    CHECK(split.withheld.split_known);
    CHECK_EQ_INT(split.withheld.gil_ppm, 444444);
    struct thread_history after = {preempted_python, unseen, waiting_gil, sleeping};
    struct interval_time next = {.cpu = 500, .carried = split.withheld};
    next.carried.ns = 9000;
    attribute_interval(&after, &running_python, &next, &split);
    CHECK_EQ_INT(split.waited_ns[SAMPLE_GIL_WAIT], 4000);
    CHECK_EQ_INT(split.slept_ns[SAMPLE_SYSTEM], 5000);
}

int main(void)
{
    test_time_is_conserved();
    test_waking_thread_slept_on_previous_line();
    test_gap_before_a_wait_for_a_cpu_is_withheld();
    test_blocking_thread_ran_on_previous_line();
    test_running_throughout_stays_current();
    test_gil_wait_is_its_own_kind();
    test_blocked_throughout_keeps_its_wait_kind();
    test_new_thread_charged_to_now();
    test_lone_thread_gap_is_nobody_s();
    test_cpu_wait_is_charged_to_nobody();
    test_run_between_two_waits_goes_where_it_last_ran();
    test_stall_beyond_the_cap_is_unseen();
    test_lone_thread_gap_goes_where_it_last_waited();
    test_kernel_time_is_system_where_it_ran();
    test_last_interval_goes_where_it_last_ran();
    test_switch_records_split_the_waits();
    test_switch_records_unknown_change_nothing();
    test_withheld_time_keeps_its_records_split();
    return test_finish("test_attribute");
}
