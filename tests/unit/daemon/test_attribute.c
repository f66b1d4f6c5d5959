/* An interval's CPU and off-CPU time go to the line where each happened:
 * at a transition the parts belong to different observations. */
#include "daemon/attribute.h"
#include "harness.h"

static const struct thread_observation running_python = {1, 1, SAMPLE_PYTHON, SAMPLE_IDLE,
                                                         SAMPLE_GIL_WAIT, 1};
static const struct thread_observation running_native = {1, 1, SAMPLE_NATIVE, SAMPLE_IDLE,
                                                         SAMPLE_IDLE, 0};
static const struct thread_observation sleeping = {1, 0, SAMPLE_PYTHON, SAMPLE_SYSTEM,
                                                   SAMPLE_IDLE, 0};
static const struct thread_observation waiting_lock = {1, 0, SAMPLE_PYTHON, SAMPLE_IDLE,
                                                       SAMPLE_IDLE, 0};
static const struct thread_observation waiting_gil = {1, 0, SAMPLE_PYTHON, SAMPLE_GIL_WAIT,
                                                      SAMPLE_GIL_WAIT, 0};
static const struct thread_observation unseen = {0, 0, 0, 0, 0, 0};

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
            attribute_interval(all[i], all[j], &(struct interval_time){3000, 0, 7000, 0, 0}, &split);
            CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns), 10000);
        }
}

static void test_waking_thread_slept_on_previous_line(void)
{
    struct interval_split split;
    attribute_interval(&sleeping, &running_python, &(struct interval_time){4000, 0, 6000, 0, 0}, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 6000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 0);
}

static void test_blocking_thread_ran_on_previous_line(void)
{
    struct interval_split split;
    attribute_interval(&running_native, &sleeping, &(struct interval_time){4000, 0, 6000, 0, 0}, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_NATIVE], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 6000);
    attribute_interval(&running_python, &waiting_lock, &(struct interval_time){4000, 0, 6000, 0, 0}, &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 6000);
}

static void test_running_throughout_stays_current(void)
{
    struct interval_split split;
    attribute_interval(&running_python, &running_native, &(struct interval_time){9000, 0, 1000, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_NATIVE], 9000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 1000); /* a wait, not a sleep */
    /* Back in the interpreter's own code: the gap was a wait for the GIL. */
    attribute_interval(&running_native, &running_python, &(struct interval_time){9000, 0, 1000, 0, 0},
                       &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 1000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 0);
}

/* A wait for the GIL stays a wait for the GIL, on the line it waited at. */
static void test_gil_wait_is_its_own_kind(void)
{
    struct interval_split split;
    attribute_interval(&running_python, &waiting_gil, &(struct interval_time){4000, 0, 6000, 0, 0},
                       &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 6000);
    attribute_interval(&waiting_gil, &running_python, &(struct interval_time){4000, 0, 6000, 0, 0},
                       &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_GIL_WAIT], 6000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE] + split.prev_ns[SAMPLE_IDLE], 0);
    /* Asleep, then waiting for the GIL: when the sleep ended is unknown. */
    attribute_interval(&sleeping, &waiting_gil, &(struct interval_time){0, 0, 8001, 0, 0},
                       &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 4000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_GIL_WAIT], 4001);
}

static void test_lone_thread_gap_is_nobody_s(void)
{
    struct interval_split split;
    struct interval_time time = {9000, 0, 1000, 1, 0};
    attribute_interval(&running_python, &running_python, &time, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 9000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 0);
}

static void test_blocked_throughout_keeps_its_wait_kind(void)
{
    struct interval_split split;
    attribute_interval(&sleeping, &sleeping, &(struct interval_time){10, 0, 9990, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 9990);
    attribute_interval(&waiting_lock, &waiting_lock, &(struct interval_time){0, 0, 10000, 0, 0}, &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_IDLE], 10000);
}

static void test_cpu_wait_is_charged_to_nobody(void)
{
    struct interval_split split;
    attribute_interval(&running_python, &running_python, &(struct interval_time){4000, 6000, 0, 0, 0},
                       &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 4000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns), 4000);
    attribute_interval(&running_python, &sleeping, &(struct interval_time){3000, 2000, 5000, 0, 0},
                       &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 3000);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 5000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns), 8000);
}

static void test_new_thread_charged_to_now(void)
{
    struct interval_split split;
    attribute_interval(&unseen, &sleeping, &(struct interval_time){500, 0, 9500, 0, 0}, &split);
    CHECK_EQ_INT(sum(split.prev_ns), 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_PYTHON], 500);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 9500);
}

static void test_kernel_time_is_system_where_it_ran(void)
{
    struct interval_split split;
    /* 4 ms on CPU of which 1.5 ms in the kernel, then blocked: the kernel
     * part is system time on the line that ran. */
    attribute_interval(&running_python, &sleeping, &(struct interval_time){4000, 0, 6000, 0, 1500},
                       &split);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_PYTHON], 2500);
    CHECK_EQ_INT(split.prev_ns[SAMPLE_SYSTEM], 1500);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 6000);
    /* Running throughout in native code; more kernel than CPU is capped. */
    attribute_interval(&running_native, &running_native, &(struct interval_time){3000, 0, 0, 1, 9000},
                       &split);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_NATIVE], 0);
    CHECK_EQ_INT(split.cur_ns[SAMPLE_SYSTEM], 3000);
    CHECK_EQ_INT(sum(split.prev_ns) + sum(split.cur_ns), 3000);
}

int main(void)
{
    test_time_is_conserved();
    test_waking_thread_slept_on_previous_line();
    test_blocking_thread_ran_on_previous_line();
    test_running_throughout_stays_current();
    test_gil_wait_is_its_own_kind();
    test_blocked_throughout_keeps_its_wait_kind();
    test_new_thread_charged_to_now();
    test_lone_thread_gap_is_nobody_s();
    test_cpu_wait_is_charged_to_nobody();
    test_kernel_time_is_system_where_it_ran();
    return test_finish("test_attribute");
}
