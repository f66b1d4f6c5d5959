/* Installing signal handlers one way everywhere. */
#ifndef FAH_COMMON_SIG_H
#define FAH_COMMON_SIG_H

/* Installs handler (or SIG_IGN / SIG_DFL) for signum with an empty mask and
 * no SA_RESTART, so that a blocking call the signal interrupts returns
 * EINTR and the caller sees the flag the handler set. Returns 0 or a
 * negative errno code. */
int sig_install(int signum, void (*handler)(int));

#endif
