/* The watchdog process (see watchdog.h). */
#include "daemon/watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/procfs.h"
#include "daemon/holdgate.h"

/* Stays awake this long after the last hold before it sleeps on the pipe:
 * a session at any rate holds every few milliseconds, and a wake byte per
 * hold would cost the daemon a write and the watchdog a wake-up each. */
#define WATCHDOG_IDLE_MS 1000

#define WATCHDOG_FD 3

/* Waits up to timeout_ms (-1: for ever) for a wake byte. Returns 0, or -1
 * once the daemon's end of the pipe is closed: the daemon is gone. */
static int wait_on_pipe(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    if (n == 0)
        return 0;
    char bytes[64];
    return read(fd, bytes, sizeof(bytes)) == 0 ? -1 : 0;
}

/* Milliseconds since the last hold began or ended (0 if one just did). */
static uint64_t ms_since(const struct holdgate_page *page)
{
    uint64_t last = atomic_load(&page->last_ns);
    uint64_t now = clock_monotonic_ns();
    return now > last ? (now - last) / CLOCK_NS_PER_MS : 0;
}

/* Sleeps until a hold begins. The flag goes up before the last look at the
 * count, and the gate counts a hold before it looks at the flag: one of
 * the two sees the other, so no hold begins unseen. */
static int sleep_until_hold(int fd, struct holdgate_page *page)
{
    atomic_store(&page->watchdog_asleep, 1);
    if (atomic_load(&page->active) > 0) {
        atomic_store(&page->watchdog_asleep, 0);
        return 0;
    }
    return wait_on_pipe(fd, -1);
}

static int daemon_stopped(pid_t daemon)
{
    return procfs_state(daemon) == 'T';
}

/* Asks the daemon's threads to release their holds and continues it; the
 * last to release stops it again (holdgate.c). Asks again if the daemon
 * was stopped anew before the release; gives the request back if it was
 * continued meanwhile. Nothing to do once it is stopping itself again. */
static void rescue(struct holdgate_page *page, pid_t daemon)
{
    unsigned release = HOLDGATE_RUNNING;
    uint64_t stuck_ms = ms_since(page);
    int first = atomic_compare_exchange_strong(&page->release, &release, HOLDGATE_ASKED);
    if (!first && release != HOLDGATE_ASKED)
        return;
    if (!daemon_stopped(daemon)) {
        unsigned asked = HOLDGATE_ASKED;
        if (first)
            atomic_compare_exchange_strong(&page->release, &asked, HOLDGATE_RUNNING);
        return;
    }
    kill(daemon, SIGCONT);
    if (!first)
        return;
    atomic_fetch_add(&page->rescues, 1);
    fprintf(stderr,
            "fixingaholed: watchdog: the daemon was stopped while it held a target thread "
            "(%llu ms); continued it to release the hold, then it stops again\n",
            (unsigned long long)stuck_ms);
}

static void watch(pid_t daemon, int fd, struct holdgate_page *page)
{
    for (;;) {
        unsigned active = atomic_load(&page->active);
        uint64_t quiet_ms = ms_since(page);
        if (active == 0 && quiet_ms >= WATCHDOG_IDLE_MS) {
            if (sleep_until_hold(fd, page) < 0)
                return;
            continue;
        }
        if (active > 0 && quiet_ms >= WATCHDOG_STUCK_MS && daemon_stopped(daemon))
            rescue(page, daemon);
        if (wait_on_pipe(fd, WATCHDOG_POLL_MS) < 0)
            return;
    }
}

/* The child's setup: gone with the daemon, out of the terminal's process
 * group (Ctrl-Z must not stop it with a foreground daemon), allowed to log
 * to that terminal from the background (SIGTTOU), and holding only the
 * pipe and the standard streams. */
static void become_watchdog(pid_t daemon, int fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != daemon)
        _exit(0);
    prctl(PR_SET_NAME, "fah-watchdog");
    setpgid(0, 0);
    signal(SIGTTOU, SIG_IGN);
    if (fd != WATCHDOG_FD && dup2(fd, WATCHDOG_FD) < 0)
        _exit(1);
    close_range(WATCHDOG_FD + 1, ~0U, 0);
}

pid_t watchdog_start(char *err, size_t errlen)
{
    int rc = holdgate_share();
    if (rc < 0) {
        snprintf(err, errlen, "watchdog: mmap of the shared page: %s", strerror(-rc));
        return rc;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "watchdog: pipe: %s", strerror(errno));
        return -errno;
    }
    pid_t daemon = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[1]);
        become_watchdog(daemon, fds[0]);
        watch(daemon, WATCHDOG_FD, holdgate_page());
        _exit(0);
    }
    int saved = errno;
    close(fds[0]);
    if (pid < 0) {
        close(fds[1]);
        snprintf(err, errlen, "watchdog: fork: %s", strerror(saved));
        return -saved;
    }
    holdgate_set_wake_fd(fds[1]);
    return pid;
}
