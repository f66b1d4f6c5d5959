/* A running process's peak resident set size, from /proc (for processes
 * that are not our children, whose rusage we never get). */
#ifndef FAH_CLIENT_RSS_H
#define FAH_CLIENT_RSS_H

#include <stdint.h>
#include <sys/types.h>

/* Raises *peak_bytes to pid's VmHWM when that is higher. Returns 0, or
 * -ESRCH when the process (or its status) is gone. */
int rss_peak(pid_t pid, uint64_t *peak_bytes);

#endif
