/* Kept-open /proc task files (see taskfiles.h). */
#include "daemon/taskfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* Threads whose files stay open per sampling thread: a pool's processes
 * and their threads, two descriptors each. */
#define TASKFILES_KEPT 64

struct kept_task {
    pid_t pid; /* 0: a free entry */
    uint32_t tid;
    int fd[TASKFILE_COUNT]; /* -1 until first read */
    uint64_t used;          /* when last read (reads counted) */
};

static const char *const file_names[TASKFILE_COUNT] = {"stat", "schedstat"};

static _Thread_local struct kept_task kept[TASKFILES_KEPT];
static _Thread_local uint64_t reads;

static void close_entry(struct kept_task *k)
{
    for (int i = 0; i < TASKFILE_COUNT; i++)
        if (k->pid && k->fd[i] >= 0)
            close(k->fd[i]);
    *k = (struct kept_task){0};
}

/* The entry of (pid, tid), a fresh one when new: a free one, else the
 * least recently read gives way. */
static struct kept_task *entry_of(pid_t pid, uint32_t tid)
{
    struct kept_task *victim = &kept[0];
    for (int i = 0; i < TASKFILES_KEPT; i++) {
        struct kept_task *k = &kept[i];
        if (k->pid == pid && k->tid == tid)
            return k;
        if (!k->pid ? victim->pid : k->used < victim->used)
            victim = k;
    }
    close_entry(victim);
    *victim = (struct kept_task){.pid = pid, .tid = tid, .fd = {-1, -1}};
    return victim;
}

static int open_file(pid_t pid, uint32_t tid, enum taskfile which)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/%d/task/%u/%s", (int)pid, tid, file_names[which]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    return fd;
}

ssize_t taskfiles_read(pid_t pid, uint32_t tid, enum taskfile which, char *buf, size_t len)
{
    if (len == 0 || pid <= 0)
        return -EINVAL;
    struct kept_task *k = entry_of(pid, tid);
    k->used = ++reads;
    if (k->fd[which] < 0) {
        int fd = open_file(pid, tid, which);
        if (fd == -EMFILE || fd == -ENFILE) {
            /* Out of descriptors: ours give way (kept files are only a
             * saving), then one more try for this one. */
            taskfiles_close_all();
            k = entry_of(pid, tid);
            k->used = ++reads;
            fd = open_file(pid, tid, which);
        }
        if (fd < 0) {
            close_entry(k);
            return fd;
        }
        k->fd[which] = fd;
    }
    ssize_t n = pread(k->fd[which], buf, len - 1, 0);
    if (n <= 0) {
        /* The task is gone (ESRCH), or its file reads empty as it exits. */
        int saved = n < 0 ? errno : ESRCH;
        close_entry(k);
        return saved == ENOENT ? -ESRCH : -saved;
    }
    buf[n] = '\0';
    return n;
}

void taskfiles_close_all(void)
{
    for (int i = 0; i < TASKFILES_KEPT; i++)
        close_entry(&kept[i]);
    reads = 0;
}
