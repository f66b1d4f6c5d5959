/* An exact CPU clock for another process's thread. The kernel keeps a
 * running thread's CPU time (schedstat, /proc stat, the process CPU clock
 * as read from another process) up to date only at its scheduler ticks, at
 * context switches and when the thread reads its own CPU clock. Charging a
 * sample with such a clock moves CPU time onto the code that happens to
 * refresh it: a script that times itself with time.thread_time() would see
 * its functions' time land on the line after each call. A perf task-clock
 * counter, read, brings the count up to the moment of the read (the kernel
 * asks the thread's CPU), without stopping the thread. */
#ifndef FAH_DAEMON_CPUCLOCK_H
#define FAH_DAEMON_CPUCLOCK_H

#include <stdint.h>
#include <sys/types.h>

/* Opens a task-clock counter of thread tid (counting from now), with its
 * context-switch records, timed, where the kernel allows (switchwatch.h). Returns its
 * file descriptor, or a negative errno code: -EACCES or -EPERM where
 * kernel.perf_event_paranoid or the missing CAP_PERFMON forbid it, -ESRCH
 * when the thread is gone. */
int cpuclock_open(pid_t tid);

/* Opens a counter of thread tid that counts nothing (perfwarm.h). Its
 * file descriptor, or a negative errno code as cpuclock_open. */
int cpuclock_open_dummy(pid_t tid);

/* The thread's CPU time (ns) since the counter was opened, exact at the
 * moment of the call. 0 or a negative errno code. */
int cpuclock_read(int fd, uint64_t *ns);

#endif
