/* /proc readers (see procfs.h). */
#include "common/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

ssize_t procfs_read(const char *path, char *buf, size_t len)
{
    if (len == 0)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    ssize_t n = read(fd, buf, len - 1);
    int saved = errno;
    close(fd);
    if (n < 0)
        return -saved;
    buf[n] = '\0';
    return n;
}

ssize_t procfs_read_kept(const char *path, int *fd, char *buf, size_t len)
{
    if (len == 0)
        return -EINVAL;
    for (int fresh = *fd < 0;; fresh = 1) {
        if (*fd < 0 && (*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            return errno == ENOENT ? -ESRCH : -errno;
        ssize_t n = pread(*fd, buf, len - 1, 0);
        if (n >= 0) {
            buf[n] = '\0';
            return n;
        }
        int saved = errno;
        close(*fd);
        *fd = -1;
        if (fresh || saved != ESRCH)
            return saved == ENOENT ? -ESRCH : -saved;
    }
}

static int read_link(const char *link, char *out, size_t len)
{
    if (len == 0)
        return -EINVAL;
    ssize_t n = readlink(link, out, len - 1);
    if (n < 0) {
        out[0] = '\0';
        return -errno;
    }
    if ((size_t)n == len - 1) {
        out[0] = '\0';
        return -ENAMETOOLONG; /* readlink cuts silently */
    }
    out[n] = '\0';
    return 0;
}

int procfs_exe(pid_t pid, char *out, size_t len)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
    return read_link(link, out, len);
}

int procfs_self_exe(char *out, size_t len)
{
    return read_link("/proc/self/exe", out, len);
}

int procfs_self_dir(char *out, size_t len)
{
    int rc = procfs_self_exe(out, len);
    if (rc < 0)
        return rc;
    char *slash = strrchr(out, '/');
    if (!slash)
        return -ENOENT;
    slash[slash == out] = '\0'; /* a binary in / keeps its "/" */
    return 0;
}

ssize_t procfs_cmdline_raw(pid_t pid, char *out, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    return procfs_read(path, out, len);
}

int procfs_cmdline(pid_t pid, char *out, size_t len)
{
    ssize_t n = procfs_cmdline_raw(pid, out, len);
    if (n < 0) {
        if (len)
            out[0] = '\0';
        return (int)n;
    }
    while (n > 0 && out[n - 1] == '\0')
        n--;
    for (ssize_t i = 0; i < n; i++)
        if (out[i] == '\0')
            out[i] = ' ';
    out[n] = '\0';
    return 0;
}

int procfs_parse_state(const char *stat_text)
{
    const char *close = strrchr(stat_text, ')');
    if (!close || close[1] != ' ' || !close[2])
        return -EINVAL;
    return (unsigned char)close[2];
}

int procfs_state(pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    ssize_t n = procfs_read(path, text, sizeof(text));
    if (n < 0)
        return (int)n;
    return procfs_parse_state(text);
}

int procfs_exited(pid_t pid)
{
    int state = procfs_state(pid);
    return state < 0 || state == 'Z';
}

int procfs_peak_rss(pid_t pid, uint64_t *bytes)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -ESRCH;
    unsigned long long kb = 0;
    int found = 0;
    while (!found && fgets(line, sizeof(line), f))
        found = sscanf(line, "VmHWM: %llu kB", &kb) == 1;
    fclose(f);
    if (!found)
        return -ESRCH;
    *bytes = (uint64_t)kb * 1024u;
    return 0;
}
