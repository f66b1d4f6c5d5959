/* Attaching to a process that is already running (`fixingahole attach`):
 * unlike a spawned script there is nothing to wait for, so the interpreter
 * is located once, and each way that can fail gets one line that says why
 * and what to do. */
#ifndef FAH_DAEMON_ATTACH_H
#define FAH_DAEMON_ATTACH_H

#include <stddef.h>

#include "daemon/session.h"
#include "symbols/pylocate.h"

/* Returns 0 with *target filled, or a negative errno code with err set:
 * -ESRCH gone, -EPERM not traceable (ptrace_scope, capabilities,
 * containers), -ENOENT not a Python process, -ENOTSUP or -ENODATA an
 * interpreter this profiler cannot read. */
int attach_locate(const struct session_request *req, struct py_target *target, char *err,
                  size_t errlen);

/* The advice appended to a permission failure, for the daemon's user. */
void attach_permission_hint(char *out, size_t len);

#endif
