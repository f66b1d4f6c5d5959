/* The counter that keeps perf's scheduling hooks on (see perfwarm.h). */
#include "daemon/perfwarm.h"

#include <pthread.h>
#include <unistd.h>

#include "daemon/cpuclock.h"

int perfwarm_open(void)
{
    /* Attached to the main thread, which lives as long as the daemon: a
     * counter attached to a task is what switches the hooks on. */
    return cpuclock_open_dummy(getpid());
}

static void *open_and_keep(void *unused)
{
    (void)unused;
    perfwarm_open(); /* refused: the sessions fall back to other clocks anyway */
    return NULL;
}

int perfwarm_start(void)
{
    pthread_attr_t attr;
    pthread_t thread;
    int rc = pthread_attr_init(&attr);
    if (rc != 0)
        return -rc;
    rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (rc == 0)
        rc = pthread_create(&thread, &attr, open_and_keep, NULL);
    pthread_attr_destroy(&attr);
    return -rc;
}
