/* Reading thread states and clocks from /proc/PID/task/TID/. */
#include "daemon/taskstat.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/procfs.h"

/* Bytes read from a task directory per system call. */
#define TASK_DIR_READ 4096
/* The largest entry a task directory holds: struct dirent64 up to its
 * name, and a TID of at most 10 digits with its NUL, 8-byte aligned. */
#define TASK_DIRENT_MAX 32

/* Reads the TIDs of an open task directory from its start. */
static int list_dir(DIR *dir, uint32_t *tids, int max)
{
    int count = 0;
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir(dir)) && count < max) {
        char *end;
        unsigned long tid = strtoul(entry->d_name, &end, 10);
        if (*end == '\0' && tid > 0)
            tids[count++] = (uint32_t)tid;
    }
    /* The directory of a process that exited reads as an error. */
    return count == 0 && errno ? -ESRCH : count;
}

static DIR *open_task_dir(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    return opendir(path);
}

int taskstat_list(pid_t pid, uint32_t *tids, int max)
{
    DIR *dir = open_task_dir(pid);
    if (!dir)
        return -ESRCH;
    int count = list_dir(dir, tids, max);
    closedir(dir);
    return count;
}

/* Appends the TIDs among len bytes of getdents64 entries to tids[count..]
 * (at most max in all). Returns the new count. */
static int add_entries(const char *buf, long len, uint32_t *tids, int count, int max)
{
    for (long at = 0; at < len && count < max;) {
        struct dirent64 entry_head;
        memcpy(&entry_head, buf + at, offsetof(struct dirent64, d_name));
        char *end;
        const char *name = buf + at + offsetof(struct dirent64, d_name);
        unsigned long tid = strtoul(name, &end, 10);
        if (*end == '\0' && tid > 0)
            tids[count++] = (uint32_t)tid;
        at += entry_head.d_reclen ? entry_head.d_reclen : len;
    }
    return count;
}

/* Read with getdents64 rather than readdir, which always asks once more
 * to see the end: the kernel fills the buffer until the directory ends or
 * the next entry does not fit, so a call that left room for one more
 * entry read to the end. It also stops early for a signal: a listing
 * shorter than the previous one is read on to be sure. */
int taskstat_list_kept(pid_t pid, struct task_dir *kept, uint32_t *tids, int max)
{
    _Alignas(8) char buf[TASK_DIR_READ];
    if (!kept->dir && !(kept->dir = open_task_dir(pid)))
        return -ESRCH;
    int fd = dirfd(kept->dir), count = 0;
    if (lseek(fd, 0, SEEK_SET) < 0)
        return -ESRCH;
    while (count < max) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        if (n < 0)
            return count ? count : -ESRCH; /* the process exited */
        if (n == 0)
            break;
        count = add_entries(buf, n, tids, count, max);
        if (sizeof(buf) - (size_t)n >= TASK_DIRENT_MAX && count >= kept->last_count)
            break;
    }
    kept->last_count = count;
    return count;
}

void taskstat_dir_close(struct task_dir *kept)
{
    if (kept->dir)
        closedir(kept->dir);
    kept->dir = NULL;
}

/* The fields of stat after comm (which may hold spaces and parentheses,
 * hence the last ')'): stime is the 15th field, processor the 39th. */
static int parse_stat_fields(const char *stat_text, struct task_stat *out)
{
    static long ticks_per_second;
    const char *p = strrchr(stat_text, ')');
    unsigned long long value = 0, stime = 0;
    int field = 2, cpu = -1;

    if (!ticks_per_second)
        ticks_per_second = sysconf(_SC_CLK_TCK);
    if (!p || ticks_per_second <= 0)
        return -EINVAL;
    for (p++; *p && field < 39; field++) {
        char *end;
        while (*p == ' ')
            p++;
        value = strtoull(p, &end, 10);
        if (field + 1 == 15)
            stime = value;
        else if (field + 1 == 39 && end != p)
            cpu = (int)value;
        while (*p && *p != ' ')
            p++;
    }
    if (field < 15)
        return -EINVAL;
    out->kernel_ns = (uint64_t)stime * (1000000000u / (uint64_t)ticks_per_second);
    out->cpu = cpu;
    return 0;
}

static ssize_t read_kept(pid_t pid, uint32_t tid, const char *name, int *fd, char *buf,
                         size_t len)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/%d/task/%u/%s", (int)pid, tid, name);
    return procfs_read_kept(path, fd, buf, len);
}

int taskstat_read_kept(pid_t pid, uint32_t tid, struct task_files *files, struct task_stat *out)
{
    char text[1024];
    ssize_t n = read_kept(pid, tid, "stat", &files->stat_fd, text, sizeof(text));
    if (n < 0)
        return (int)n;
    int state = procfs_parse_state(text);
    if (state < 0)
        return state;
    out->state = (char)state;
    if (parse_stat_fields(text, out) < 0)
        return -EINVAL;
    n = read_kept(pid, tid, "schedstat", &files->schedstat_fd, text, sizeof(text));
    if (n < 0)
        return (int)n;
    if (sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64, &out->cpu_ns, &out->runq_ns,
               &out->runs) != 3)
        return -EINVAL;
    return 0;
}

void taskstat_files_close(struct task_files *files)
{
    if (files->stat_fd >= 0)
        close(files->stat_fd);
    if (files->schedstat_fd >= 0)
        close(files->schedstat_fd);
    if (files->syscall_fd >= 0)
        close(files->syscall_fd);
    *files = (struct task_files)TASK_FILES_INIT;
}

int taskstat_read(pid_t pid, uint32_t tid, struct task_stat *out)
{
    struct task_files files = TASK_FILES_INIT;
    int rc = taskstat_read_kept(pid, tid, &files, out);
    taskstat_files_close(&files);
    return rc;
}

/* "NR 0xARG0 0xARG1 ... 0xSP 0xPC", "-1 0xSP 0xPC" or "running". */
static long parse_syscall(const char *text, uint64_t *arg0)
{
    if (strncmp(text, "running", 7) == 0)
        return -EAGAIN;
    char *end;
    long nr = strtol(text, &end, 10);
    if (end == text)
        return -EINVAL;
    char *next;
    unsigned long long a0 = strtoull(end, &next, 16);
    if (next != end)
        *arg0 = a0;
    return nr;
}

long taskstat_syscall(pid_t pid, uint32_t tid, uint64_t *arg0)
{
    struct task_files files = TASK_FILES_INIT;
    long nr = taskstat_syscall_kept(pid, tid, &files, arg0);
    taskstat_files_close(&files);
    return nr;
}

long taskstat_syscall_kept(pid_t pid, uint32_t tid, struct task_files *files, uint64_t *arg0)
{
    char text[256];
    *arg0 = 0;
    ssize_t n = read_kept(pid, tid, "syscall", &files->syscall_fd, text, sizeof(text));
    return n < 0 ? (long)n : parse_syscall(text, arg0);
}

int taskstat_comm(pid_t pid, uint32_t tid, char *name, size_t len)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/%d/task/%u/comm", (int)pid, tid);
    ssize_t n = procfs_read(path, name, len);
    if (n < 0)
        return (int)n;
    name[strcspn(name, "\n")] = '\0';
    return 0;
}

int taskstat_process_kernel_ns(pid_t pid, uint64_t *ns)
{
    char path[64], text[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    ssize_t n = procfs_read(path, text, sizeof(text));
    if (n < 0)
        return (int)n;
    struct task_stat st;
    if (parse_stat_fields(text, &st) < 0)
        return -EINVAL;
    *ns = st.kernel_ns;
    return 0;
}

int64_t taskstat_rss_bytes(pid_t pid, int *statm_fd)
{
    char path[64], text[256];
    snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
    ssize_t n = procfs_read_kept(path, statm_fd, text, sizeof(text));
    if (n < 0)
        return n;
    unsigned long long size, resident;
    if (sscanf(text, "%llu %llu", &size, &resident) != 2)
        return -EINVAL;
    return (int64_t)(resident * (unsigned long long)sysconf(_SC_PAGESIZE));
}
