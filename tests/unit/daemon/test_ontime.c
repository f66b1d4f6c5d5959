/* A session's ticking thread: at SCHED_FIFO while it samples when the
 * daemon may take it, back to its old policy after, nothing it starts
 * inheriting it; refused without privilege, and nothing changed then. */
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/ontime.h"
#include "harness.h"

static int policy_now(void)
{
    return sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;
}

/* The policy a child forked now starts with (its exit status). */
static int child_policy(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(policy_now());
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In a child that dropped root: begin is refused and changes nothing. */
static int refused_without_privilege(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        struct on_time saved;
        int rc = ontime_begin(1, &saved);
        ontime_end(&saved);
        _exit(rc == 0 && policy_now() == SCHED_OTHER ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A daemon within a period of its deadline keeps its rhythm; one further
 * behind goes on from now: one tick, not a burst of the missed ones. */
static void test_late_ticks_go_on_from_now(void)
{
    const uint64_t period = 1000000, due = 5000000;
    CHECK(ontime_catch_up(due, period, due + 200000) == due);
    CHECK(ontime_catch_up(due, period, due + period) == due);
    CHECK(ontime_catch_up(due, period, due + period + 1) == due + period + 1);
    CHECK(ontime_catch_up(due, period, due + 30 * period) == due + 30 * period);
    /* Ticks missed while a target was stopped for a second, at 1 kHz: the
     * next deadline after the catch-up lies ahead of now, so the one tick
     * that follows is the only one. */
    uint64_t now = due + 1000 * period, next = ontime_catch_up(due, period, now) + period;
    CHECK(next > now);
}

int main(void)
{
    test_late_ticks_go_on_from_now();
    struct on_time saved;
    CHECK_EQ_INT(ontime_begin(0, &saved), 0); /* realtime = no */
    CHECK_EQ_INT(policy_now(), SCHED_OTHER);
    ontime_end(&saved);
    CHECK_EQ_INT(policy_now(), SCHED_OTHER);

    if (geteuid() != 0) {
        printf("test_ontime: not root: SCHED_FIFO is refused here, only that is checked\n");
        CHECK_EQ_INT(ontime_begin(1, &saved), 0);
        CHECK_EQ_INT(policy_now(), SCHED_OTHER);
        return test_finish("test_ontime");
    }
    CHECK_EQ_INT(ontime_begin(1, &saved), 1);
    CHECK_EQ_INT(policy_now(), SCHED_FIFO);
    CHECK_EQ_INT(child_policy(), SCHED_OTHER);
    ontime_end(&saved);
    CHECK_EQ_INT(policy_now(), SCHED_OTHER);
    CHECK_EQ_INT(refused_without_privilege(), 0);
    return test_finish("test_ontime");
}
