/* The client's temporary files (see tempfile.h). */
#include "client/run/tempfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const tempfile_stems[TEMPFILE_KINDS] = {"logs", "end", "cells"};

static const char *temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

int tempfile_create(char *path, size_t len, enum tempfile_kind kind, FILE **out)
{
    snprintf(path, len, "%s/fixingahole-%s-%ld-XXXXXX", temp_dir(), tempfile_stems[kind],
             (long)getpid());
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) {
        path[0] = '\0';
        return -errno;
    }
    if (!out) {
        close(fd);
        return 0;
    }
    *out = fdopen(fd, "w");
    if (*out)
        return 0;
    close(fd);
    unlink(path);
    path[0] = '\0';
    return -ENOMEM;
}

/* The pid in "fixingahole-STEM-PID-XXXXXX", or 0 if name is not one. */
static long owner_pid(const char *name)
{
    const char *prefix = "fixingahole-";
    if (strncmp(name, prefix, strlen(prefix)) != 0)
        return 0;
    name += strlen(prefix);
    for (int kind = 0; kind < TEMPFILE_KINDS; kind++) {
        size_t n = strlen(tempfile_stems[kind]);
        if (strncmp(name, tempfile_stems[kind], n) != 0 || name[n] != '-')
            continue;
        n++;
        char *end;
        long pid = strtol(name + n, &end, 10);
        return pid > 0 && *end == '-' && strlen(end + 1) == 6 ? pid : 0;
    }
    return 0;
}

/* A file of ours whose client no longer runs (a pid reused since only
 * keeps the file a while longer). */
static int is_stale(int dir_fd, const char *name)
{
    long pid = owner_pid(name);
    if (pid <= 0 || pid == (long)getpid())
        return 0;
    struct stat st;
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid())
        return 0;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int tempfile_sweep(void)
{
    DIR *dir = opendir(temp_dir());
    if (!dir)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        if (is_stale(dirfd(dir), e->d_name) && unlinkat(dirfd(dir), e->d_name, 0) == 0)
            removed++;
    closedir(dir);
    return removed;
}
