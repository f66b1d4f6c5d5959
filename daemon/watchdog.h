/* The watchdog: a small process forked by the daemon at start that frees
 * target threads a stopped daemon holds (see holdgate.h for why). It sleeps
 * on a pipe once nothing has been held for a second, looks every
 * WATCHDOG_POLL_MS otherwise, and when the daemon is stopped ('T' in
 * /proc/PID/stat) with a hold open for WATCHDOG_STUCK_MS or more, asks for
 * a release and sends the daemon SIGCONT. It exits when the daemon's end of the pipe closes (or
 * the daemon dies: PR_SET_PDEATHSIG), holds none of the daemon's other
 * descriptors, and runs in a process group of its own, so a terminal's
 * Ctrl-Z, which stops a foreground daemon, leaves it running. */
#ifndef FAH_DAEMON_WATCHDOG_H
#define FAH_DAEMON_WATCHDOG_H

#include <stddef.h>
#include <sys/types.h>

#define WATCHDOG_POLL_MS 50
#define WATCHDOG_STUCK_MS 50

/* Shares the hold gate's page and forks the watchdog. Call from the main
 * thread (PR_SET_PDEATHSIG follows the thread that forks) before any other
 * thread starts. Returns the watchdog's pid, or a negative errno code with
 * the reason in err; the daemon works without it. */
pid_t watchdog_start(char *err, size_t errlen);

#endif
