/* Every ptrace hold of a target thread (threadstop.c) passes this gate, which
 * publishes on a page shared with the watchdog process (watchdog.c) how many
 * holds are open and when the last one began or ended. A SIGSTOPped daemon
 * would otherwise keep a held thread stopped for as long as it is stopped
 * itself: only the tracer may release its tracee. The watchdog sees that,
 * asks for the holds to be released and continues the daemon; the last
 * thread to release stops the daemon again, so the user's stop is honoured
 * with nothing held.
 *
 * The gate is process-wide, the one exception to "no global state": a stop
 * signal stops every thread of the daemon at once, whatever session it
 * serves. Callable from any thread. */
#ifndef FAH_DAEMON_HOLDGATE_H
#define FAH_DAEMON_HOLDGATE_H

#include <stdatomic.h>
#include <stdint.h>

enum holdgate_release {
    HOLDGATE_RUNNING = 0,  /* holds may begin */
    HOLDGATE_ASKED = 1,    /* the watchdog asks for every hold to end */
    HOLDGATE_STOPPING = 2, /* all ended: one daemon thread stops the daemon again */
};

/* The shared page. Written by daemon threads and the watchdog alike, so
 * every field is atomic (sequentially consistent: the sleep handshake on
 * watchdog_asleep relies on it). */
struct holdgate_page {
    atomic_uint active;           /* holds begun and not yet released */
    atomic_uint_fast64_t last_ns; /* CLOCK_MONOTONIC of the last hold's start or end */
    atomic_uint release;          /* enum holdgate_release */
    atomic_uint watchdog_asleep;  /* 1: the watchdog waits on its pipe for a hold */
    atomic_uint rescues;          /* times the watchdog asked for a release */
};

/* Moves the page into shared memory, before the watchdog is forked.
 * 0, or a negative errno code (the gate then stays private: it works, but
 * nothing watches it). */
int holdgate_share(void);

/* The page (private until holdgate_share). */
struct holdgate_page *holdgate_page(void);

/* The pipe whose read end the sleeping watchdog polls: a hold that begins
 * while it sleeps writes one byte there. Non-blocking, owned by the gate. */
void holdgate_set_wake_fd(int fd);

/* Before a hold: waits while a release is asked for, then counts it. */
void holdgate_enter(void);

/* After a hold ended (or failed to begin): uncounts it, and stops the
 * daemon again when the watchdog asked and this was the last one. */
void holdgate_leave(void);

/* Called once a hold has stopped its thread. For the tests only: the Nth
 * such hold (holdgate_test_stop_at) SIGSTOPs the daemon right there, the
 * window a user's stop otherwise hits by chance. */
void holdgate_held(void);

/* Arms holdgate_held for hold number n (1-based); 0 disarms. */
void holdgate_test_stop_at(unsigned n);

#endif
