/* Brief ptrace stops of single threads (see threadstop.h). */
#include "daemon/threadstop.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#include "common/clock.h"
#include "daemon/holdgate.h"

/* Waits for the stop PTRACE_INTERRUPT asked for. A signal arriving at the
 * same moment shows up first as a signal-delivery-stop: keep it to hand it
 * back at release, so the target never loses a signal. */
static int wait_for_stop(struct thread_hold *hold)
{
    for (;;) {
        int status;
        pid_t got = waitpid(hold->tid, &status, __WALL);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (!WIFSTOPPED(status))
            return -ESRCH; /* exited or killed while we asked */
        int event = status >> 16;
        int sig = WSTOPSIG(status);
        if (event == 0 && sig != SIGTRAP)
            hold->pending_signal = sig;
        return 0;
    }
}

int threadstop_hold(pid_t tid, struct thread_hold *hold)
{
    memset(hold, 0, sizeof(*hold));
    hold->tid = tid;
    holdgate_enter();
    int rc = 0;
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0) {
        rc = errno == ESRCH ? -ESRCH : -EPERM;
        goto out;
    }
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0) {
        rc = -errno;
        ptrace(PTRACE_DETACH, tid, NULL, NULL);
        goto out;
    }
    rc = wait_for_stop(hold);
    if (rc < 0) {
        ptrace(PTRACE_DETACH, tid, NULL, NULL);
        goto out;
    }
    hold->held = 1;
    hold->stopped_ns = clock_monotonic_ns();
    holdgate_held();
    return 0;
out:
    holdgate_leave();
    return rc;
}

int threadstop_regs(const struct thread_hold *hold, uint64_t *pc, uint64_t *sp)
{
    struct user_regs_struct regs;
    if (!hold->held)
        return -EINVAL;
    if (ptrace(PTRACE_GETREGS, hold->tid, NULL, &regs) < 0)
        return -errno;
    *pc = regs.rip;
    *sp = regs.rsp;
    return 0;
}

uint64_t threadstop_release(struct thread_hold *hold)
{
    if (!hold->held)
        return 0;
    ptrace(PTRACE_DETACH, hold->tid, NULL, (void *)(long)hold->pending_signal);
    hold->held = 0;
    uint64_t stopped_ns = clock_monotonic_ns() - hold->stopped_ns;
    holdgate_leave();
    return stopped_ns;
}
