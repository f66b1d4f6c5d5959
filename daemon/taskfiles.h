/* The /proc/PID/task/TID/ files read at every tick, kept open. Opening one
 * costs more than reading it (the path walk through /proc: a fifth of the
 * daemon's CPU on a pool of four threads and two workers at 100 Hz); an
 * open one is read again from offset 0 and the kernel writes it afresh.
 *
 * The files are kept per sampling thread (each session samples from its
 * own thread, see session.h), so sessions never share them, and bounded
 * (TASKFILES_KEPT threads, least recently read out first). A file kept
 * open names its task, not its number: once the thread is gone its reads
 * fail (-ESRCH) and the entry is dropped, so a new thread given the same
 * number is opened anew, never read through the old one's file. Two
 * descriptors per kept thread, 128 per session at most; when the process
 * runs out, the calling thread's kept files are closed first. */
#ifndef FAH_DAEMON_TASKFILES_H
#define FAH_DAEMON_TASKFILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum taskfile {
    TASKFILE_STAT = 0,
    TASKFILE_SCHEDSTAT,
    TASKFILE_COUNT,
};

/* Reads the whole file (up to len - 1 bytes) into buf, NUL-terminated.
 * Returns the length, -ESRCH when the thread is gone, or a negative errno
 * code. */
ssize_t taskfiles_read(pid_t pid, uint32_t tid, enum taskfile which, char *buf, size_t len);

/* Closes every file the calling thread kept: at the end of its session. */
void taskfiles_close_all(void);

#endif
