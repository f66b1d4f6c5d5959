/* The hold gate shared with the watchdog (see holdgate.h). */
#include "daemon/holdgate.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

/* How long a thread that wants to hold waits between looks while a release
 * is under way: that lasts as long as one sample's hold, or the daemon is
 * stopped and this thread with it. */
#define HOLDGATE_NAP_NS (1000 * 1000)

static struct holdgate_page private_page;
static struct holdgate_page *page = &private_page;
static int wake_fd = -1;
static unsigned test_stop_at;
static atomic_uint holds_stopped;

int holdgate_share(void)
{
    void *shared = mmap(NULL, sizeof(struct holdgate_page), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return -errno;
    page = shared; /* zero-filled: no hold, running */
    return 0;
}

struct holdgate_page *holdgate_page(void)
{
    return page;
}

void holdgate_set_wake_fd(int fd)
{
    wake_fd = fd;
}

/* Marks a hold's start or end, and wakes a sleeping watchdog: it sleeps
 * only after a second with nothing held, so the write happens once per idle
 * spell, not once per hold (and the plain load spares every other hold a
 * locked exchange). */
static void publish_event(void)
{
    atomic_store(&page->last_ns, clock_monotonic_ns());
    if (wake_fd >= 0 && atomic_load(&page->watchdog_asleep) &&
        atomic_exchange(&page->watchdog_asleep, 0)) {
        ssize_t n = write(wake_fd, "h", 1);
        (void)n; /* full or closed: the watchdog is awake or gone */
    }
}

/* SIGSTOP aimed at the calling thread (tgkill, as raise() does): it takes
 * the signal on its way out of the call, so the call returns only once the
 * daemon, stopped as a whole, is continued. */
static void stop_daemon_here(void)
{
    tgkill(getpid(), gettid(), SIGSTOP);
}

/* The thread that sees the last hold end after the watchdog asked stops
 * the daemon again, for the user whose stop the watchdog undid; holds stay
 * barred until the daemon is continued. */
static void stop_again_if_last(void)
{
    unsigned asked = HOLDGATE_ASKED;
    if (atomic_load(&page->active) != 0 ||
        !atomic_compare_exchange_strong(&page->release, &asked, HOLDGATE_STOPPING))
        return;
    stop_daemon_here();
    atomic_store(&page->release, HOLDGATE_RUNNING);
}

void holdgate_enter(void)
{
    for (;;) {
        atomic_fetch_add(&page->active, 1);
        if (atomic_load(&page->release) == HOLDGATE_RUNNING)
            break;
        /* Not a hold after all: count it out, and be the one who stops
         * the daemon if no real hold is left (the watchdog may have asked
         * just as the last one ended). */
        atomic_fetch_sub(&page->active, 1);
        stop_again_if_last();
        struct timespec nap = {.tv_nsec = HOLDGATE_NAP_NS};
        nanosleep(&nap, NULL);
    }
    publish_event();
}

void holdgate_leave(void)
{
    atomic_fetch_sub(&page->active, 1);
    publish_event();
    stop_again_if_last();
}

void holdgate_held(void)
{
    if (test_stop_at && atomic_fetch_add(&holds_stopped, 1) + 1 == test_stop_at)
        stop_daemon_here();
}

void holdgate_test_stop_at(unsigned n)
{
    test_stop_at = n;
}
