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

int main(void)
{
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
