/* Reading thread states and clocks from /proc/PID/task/TID/. */
#include "daemon/taskstat.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"
#include "daemon/taskfiles.h"

int taskstat_list(pid_t pid, uint32_t *tids, int max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (!dir)
        return -ESRCH;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && count < max) {
        char *end;
        unsigned long tid = strtoul(entry->d_name, &end, 10);
        if (*end == '\0' && tid > 0)
            tids[count++] = (uint32_t)tid;
    }
    closedir(dir);
    return count;
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

int taskstat_read(pid_t pid, uint32_t tid, struct task_stat *out)
{
    char text[1024];
    ssize_t n = taskfiles_read(pid, tid, TASKFILE_STAT, text, sizeof(text));
    if (n < 0)
        return (int)n;
    int state = procfs_parse_state(text);
    if (state < 0)
        return state;
    out->state = (char)state;
    if (parse_stat_fields(text, out) < 0)
        return -EINVAL;
    n = taskfiles_read(pid, tid, TASKFILE_SCHEDSTAT, text, sizeof(text));
    if (n < 0)
        return (int)n;
    if (sscanf(text, "%" SCNu64 " %" SCNu64, &out->cpu_ns, &out->runq_ns) != 2)
        return -EINVAL;
    return 0;
}

long taskstat_syscall(pid_t pid, uint32_t tid, uint64_t *arg0)
{
    char path[96], text[256];
    *arg0 = 0;
    snprintf(path, sizeof(path), "/proc/%d/task/%u/syscall", (int)pid, tid);
    ssize_t n = procfs_read(path, text, sizeof(text));
    if (n < 0)
        return n;
    if (strncmp(text, "running", 7) == 0)
        return -1;
    char *end;
    long nr = strtol(text, &end, 10);
    if (end == text)
        return -EINVAL;
    /* "NR 0xARG0 0xARG1 ... 0xSP 0xPC" */
    char *next;
    unsigned long long a0 = strtoull(end, &next, 16);
    if (next != end)
        *arg0 = a0;
    return nr;
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

int64_t taskstat_rss_bytes(pid_t pid)
{
    char path[64], text[256];
    snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
    ssize_t n = procfs_read(path, text, sizeof(text));
    if (n < 0)
        return n;
    unsigned long long size, resident;
    if (sscanf(text, "%llu %llu", &size, &resident) != 2)
        return -EINVAL;
    return (int64_t)(resident * (unsigned long long)sysconf(_SC_PAGESIZE));
}
