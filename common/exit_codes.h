/* Exit statuses of fixingahole and fixingaholed that users can script
 * against (documented in --help, README.md and docs/daemon.md). The usage,
 * no-input and software codes follow sysexits.h; a profiled script's own
 * status is passed through when the profile succeeded. */
#ifndef FAH_COMMON_EXIT_CODES_H
#define FAH_COMMON_EXIT_CODES_H

#define EXIT_USAGE 64    /* bad command line (or a malformed configuration) */
#define EXIT_NOINPUT 66  /* the script, notebook, process or session is missing */
#define EXIT_PROFILER 70 /* the profiler failed (daemon, interpreter, output) */

/* fixingaholed only: a daemon already listens on the socket (the client
 * that started it takes this as success). */
#define EXIT_ALREADY_RUNNING 3

#endif
