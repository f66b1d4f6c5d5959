/* Locating the interpreter of a running process (see attach.h). */
#include "daemon/attach.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"
#include "daemon/threadstop.h"

static int read_ptrace_scope(void)
{
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
    int scope = -1;
    if (f) {
        if (fscanf(f, "%d", &scope) != 1)
            scope = -1;
        fclose(f);
    }
    return scope;
}

void attach_permission_hint(char *out, size_t len)
{
    int scope = read_ptrace_scope();
    char yama[96] = "";
    if (scope > 0)
        snprintf(yama, sizeof(yama), " or lower kernel.yama.ptrace_scope (now %d)", scope);
    snprintf(out, len,
             "run the daemon as root or with CAP_SYS_PTRACE (see docs/daemon.md)%s; in a "
             "container, start it with --cap-add SYS_PTRACE",
             yama);
}

int attach_locate(const struct session_request *req, struct py_target *target, char *err,
                  size_t errlen)
{
    pid_t pid = req->pid;
    if (procfs_exited(pid)) {
        snprintf(err, errlen, "pid %d: no such process", (int)pid);
        return -ESRCH;
    }
    /* Holding the main thread is the permission test that counts: ptrace
     * is what every sample needs, and what Yama and capabilities govern. */
    struct thread_hold hold;
    int rc = threadstop_hold(pid, &hold);
    if (rc == -EPERM) {
        char hint[256];
        attach_permission_hint(hint, sizeof(hint));
        snprintf(err, errlen,
                 "pid %d: the daemon may not trace it (or a debugger already does): %s", (int)pid,
                 hint);
        return -EPERM;
    }
    if (rc == -ESRCH) {
        snprintf(err, errlen, "pid %d: no such process", (int)pid);
        return -ESRCH;
    }
    char why[400];
    rc = pyloc_locate_pid(pid, req->pref, req->debug_dirs[0] ? req->debug_dirs : NULL, target,
                          why, sizeof(why));
    if (hold.held)
        threadstop_release(&hold);
    if (rc == -ENOENT) {
        char exe[PATH_MAX];
        if (procfs_exe(pid, exe, sizeof(exe)) < 0)
            snprintf(exe, sizeof(exe), "executable unknown");
        snprintf(err, errlen, "pid %d (%s) is not a Python process: no interpreter is mapped",
                 (int)pid, exe);
    } else if (rc == -EPERM || rc == -EACCES) {
        char hint[256];
        attach_permission_hint(hint, sizeof(hint));
        snprintf(err, errlen, "pid %d: the daemon may not read its memory: %s", (int)pid, hint);
    } else if (rc < 0) {
        snprintf(err, errlen, "%s", why);
    }
    return rc;
}
