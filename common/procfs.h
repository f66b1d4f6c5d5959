/* Small readers of /proc: a process's executable, command line, state and
 * peak memory, and the folder of our own binary. */
#ifndef FAH_COMMON_PROCFS_H
#define FAH_COMMON_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads a small /proc file (at most len - 1 bytes) into buf and
 * NUL-terminates it. Returns the length, or a negative errno code (-ESRCH
 * when the file is missing: the process or thread is gone). */
ssize_t procfs_read(const char *path, char *buf, size_t len);

/* procfs_read through *fd, kept open between reads (-1: open it now): a
 * file read at every sampling tick costs less read again than reopened.
 * A kept file reads as -ESRCH once its process or thread is gone, even when
 * a new one has taken the id: then path is opened afresh, once. The caller
 * closes *fd when >= 0. */
ssize_t procfs_read_kept(const char *path, int *fd, char *buf, size_t len);

/* The path of pid's executable (/proc/PID/exe), " (deleted)" included when
 * the file was replaced. 0, or a negative errno code (-ENOENT for a kernel
 * thread or a vanished pid, -ENAMETOOLONG when out is too small). */
int procfs_exe(pid_t pid, char *out, size_t len);

/* The path of our own executable (/proc/self/exe). As procfs_exe. */
int procfs_self_exe(char *out, size_t len);

/* The folder our own executable is in, without a trailing slash. */
int procfs_self_dir(char *out, size_t len);

/* pid's command line with its arguments joined by spaces (cut to len - 1
 * bytes); "" for a zombie or kernel thread. 0, or -ESRCH when pid is gone. */
int procfs_cmdline(pid_t pid, char *out, size_t len);

/* The raw command line: arguments each NUL-terminated, as the kernel keeps
 * them. Returns the byte count (cut to len - 1; out[count] is a NUL too),
 * or -ESRCH. */
ssize_t procfs_cmdline_raw(pid_t pid, char *out, size_t len);

/* The state letter of a /proc/.../stat text ('R', 'S', 'Z', ...): it
 * follows the last ')', as the command name may hold ')' itself. Returns
 * the letter, or -EINVAL for a text that is not a stat line. */
int procfs_parse_state(const char *stat_text);

/* pid's state letter ('Z' once it exited and is not reaped), or -ESRCH. */
int procfs_state(pid_t pid);

/* 1 when pid has exited (gone, unreadable, or a zombie nobody reaped
 * yet), else 0. */
int procfs_exited(pid_t pid);

/* pid's peak resident set size (VmHWM) in bytes. 0, or -ESRCH when pid is
 * gone or a zombie (which has no memory left to report). */
int procfs_peak_rss(pid_t pid, uint64_t *bytes);

#endif
