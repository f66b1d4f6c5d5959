/* What /proc says about a target's threads: which exist, whether each is
 * running, how much CPU it has had, and which system call it waits in. */
#ifndef FAH_DAEMON_TASKSTAT_H
#define FAH_DAEMON_TASKSTAT_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct task_stat {
    char state;       /* R running, S sleeping, D disk wait, t/T stopped, Z zombie */
    uint64_t cpu_ns;  /* schedstat: time on CPU */
    uint64_t runq_ns; /* schedstat: time waiting for a CPU */
    uint64_t runs;    /* schedstat: how many times it was given a CPU */
    /* stat's stime: CPU time in kernel mode. The kernel samples user or
     * kernel mode at its timer ticks and reports the split in USER_HZ
     * units (10 ms): exact over a run, coarse over one interval. */
    uint64_t kernel_ns;
    int cpu; /* the CPU it last ran on (stat's processor), -1 unknown */
};

/* Lists the TIDs of pid's threads into tids (at most max). Returns the count,
 * or -ESRCH when the process is gone. */
int taskstat_list(pid_t pid, uint32_t *tids, int max);

/* Reads state and CPU clocks of one thread. 0, or -ESRCH when it is gone. */
int taskstat_read(pid_t pid, uint32_t tid, struct task_stat *out);

/* The same, through a thread's files kept open between reads (a sampler
 * reads them at every tick, and opening a /proc file costs more than
 * reading it). Start from TASK_FILES_INIT; opened on first use; the owner
 * closes them with taskstat_files_close. */
struct task_files {
    int stat_fd, schedstat_fd, syscall_fd; /* -1: not open */
};
#define TASK_FILES_INIT {.stat_fd = -1, .schedstat_fd = -1, .syscall_fd = -1}
int taskstat_read_kept(pid_t pid, uint32_t tid, struct task_files *files, struct task_stat *out);
void taskstat_files_close(struct task_files *files);

/* taskstat_list through the task directory kept open (start from
 * {NULL}; close with taskstat_dir_close). */
struct task_dir {
    DIR *dir;
    int last_count; /* TIDs the last listing found */
};
int taskstat_list_kept(pid_t pid, struct task_dir *kept, uint32_t *tids, int max);
void taskstat_dir_close(struct task_dir *kept);

/* The system call a blocked thread is in (/proc/.../syscall), -1 when it is
 * blocked outside one (a page fault), -EAGAIN when it is not blocked (the
 * kernel's "running": it woke since its state was read), or another
 * negative errno code; *arg0 gets its first argument (a futex's address),
 * 0 when unknown. */
long taskstat_syscall(pid_t pid, uint32_t tid, uint64_t *arg0);
/* The same through the thread's kept files (a sampler reads it at every
 * stop: see threadclock_read_stopped). */
long taskstat_syscall_kept(pid_t pid, uint32_t tid, struct task_files *files, uint64_t *arg0);

/* The thread's name (comm) into name. 0 or -ESRCH. */
int taskstat_comm(pid_t pid, uint32_t tid, char *name, size_t len);

/* Resident set size in bytes (/proc/PID/statm, read through *statm_fd
 * kept open: see procfs_read_kept), or a negative errno code. */
int64_t taskstat_rss_bytes(pid_t pid, int *statm_fd);

/* The kernel-mode CPU time of process pid, all its threads, living or
 * gone (/proc/PID/stat's stime, in 10 ms steps). 0 or a negative errno
 * code. */
int taskstat_process_kernel_ns(pid_t pid, uint64_t *ns);

#endif
