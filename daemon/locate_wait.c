/* Waiting for the interpreter to appear in a target (see locate_wait.h). */
#include "daemon/locate_wait.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"
#include "daemon/threadstop.h"

/* What the pid looked like at the last attempt: try again only on change. */
struct watch {
    char exe[PATH_MAX];
    int libpython_tries; /* a mapping in progress may need a second look */
};

static int maps_mention_libpython(pid_t pid)
{
    char path[64], line[4096];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    int found = 0;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, "/libpython") != NULL;
    fclose(f);
    return found;
}

/* True when the pid changed in a way that may have brought an interpreter. */
static int worth_a_try(pid_t pid, struct watch *w)
{
    char exe[PATH_MAX];
    if (procfs_exe(pid, exe, sizeof(exe)) < 0)
        return 0;
    int changed = strcmp(exe, w->exe) != 0;
    if (changed)
        snprintf(w->exe, sizeof(w->exe), "%s", exe);
    if (w->libpython_tries < 50 && maps_mention_libpython(pid)) {
        w->libpython_tries++;
        changed = 1;
    }
    return changed;
}

/* Locates with the main thread held still (when it can be held), so that
 * reading DWARF does not cost the script its first lines. */
static int try_locate(const struct session_request *req, struct py_target *target, char *err,
                      size_t errlen)
{
    struct thread_hold hold;
    int held = threadstop_hold(req->pid, &hold) == 0;
    int rc = pyloc_locate_pid(req->pid, req->pref, req->debug_dirs[0] ? req->debug_dirs : NULL,
                              target, err, errlen);
    if (held)
        threadstop_release(&hold);
    return rc;
}

/* Sleeps up to ms, returning -ECONNRESET if the client spoke or left. */
static int nap(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, ms);
    return n > 0 ? -ECONNRESET : 0;
}

int locate_wait(int fd, const struct session_request *req, struct py_target *target,
                char *err, size_t errlen)
{
    struct watch w = {{0}, 0};
    int last = -ENOENT;
    for (int round = 0;; round++) {
        if (procfs_exited(req->pid)) {
            if (last == -ENOENT || last == -EAGAIN)
                snprintf(err, errlen, "pid %d exited without running a Python interpreter (%s)",
                         (int)req->pid, w.exe[0] ? w.exe : "unknown executable");
            return last;
        }
        if (worth_a_try(req->pid, &w)) {
            last = try_locate(req, target, err, errlen);
            if (last == 0)
                return 0;
            /* -EAGAIN: the loader is still mapping libpython. */
            if (last != -ENOENT && last != -EAGAIN)
                return last;
        }
        /* Poll fast at first: the interpreter maps itself within
         * milliseconds of the exec, and the script starts soon after. */
        if (nap(fd, round < 2000 ? 1 : 20) < 0)
            return -ECONNRESET;
    }
}
