/* A session's wait for its next tick (see tickwait.h). */
#include "daemon/tickwait.h"

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

int tickwait_open(struct tickwait *w)
{
    for (int r = 0; r < TICKWAIT_ROLES; r++)
        w->fd[r] = -1;
    w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    return w->epoll_fd < 0 ? -errno : 0;
}

void tickwait_close(struct tickwait *w)
{
    if (w->epoll_fd >= 0)
        close(w->epoll_fd);
    w->epoll_fd = -1;
}

void tickwait_follow(struct tickwait *w, enum tickwait_role role, int fd)
{
    if (w->fd[role] == fd)
        return;
    if (w->fd[role] >= 0)
        epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, w->fd[role], NULL);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)role};
    w->fd[role] = fd >= 0 && epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0 ? fd : -1;
}

/* epoll_pwait2 (Linux 5.11) takes a timeout in nanoseconds; before it, a
 * ppoll of the set's own descriptor waits as precisely, and the events
 * are then taken without waiting. */
static int wait_events(int epoll_fd, struct epoll_event *ev, int max, const struct timespec *ts)
{
    int n = epoll_pwait2(epoll_fd, ev, max, ts, NULL);
    if (n >= 0 || errno != ENOSYS)
        return n < 0 ? -errno : n;
    struct pollfd p = {.fd = epoll_fd, .events = POLLIN};
    n = ppoll(&p, 1, ts, NULL);
    if (n <= 0)
        return n < 0 ? -errno : 0;
    n = epoll_wait(epoll_fd, ev, max, 0);
    return n < 0 ? -errno : n;
}

int tickwait_wait(struct tickwait *w, uint64_t deadline_ns)
{
    uint64_t now = clock_monotonic_ns();
    uint64_t left = deadline_ns > now ? deadline_ns - now : 0;
    struct timespec ts = {(time_t)(left / CLOCK_NS_PER_SEC), (long)(left % CLOCK_NS_PER_SEC)};
    struct epoll_event ev[TICKWAIT_ROLES];
    int n = wait_events(w->epoll_fd, ev, TICKWAIT_ROLES, &ts);
    int ready = 0;
    for (int i = 0; i < n; i++)
        if (ev[i].data.u32 < TICKWAIT_ROLES)
            ready |= 1 << ev[i].data.u32;
    return n < 0 ? n : ready;
}
