/* Waiting for a target to become a Python process. A spawned script's pid
 * first runs the client's fork, then maybe a wrapper (a pyenv shim), and
 * only then the interpreter: the session watches the pid's executable and
 * mappings until an interpreter shows up, and locates it while holding the
 * target still, so that the script's first lines are not missed. */
#ifndef FAH_DAEMON_LOCATE_WAIT_H
#define FAH_DAEMON_LOCATE_WAIT_H

#include <stddef.h>

#include "daemon/session.h"
#include "symbols/pylocate.h"

/* Returns 0 with *target filled; -ECONNRESET when the client left (fd
 * closed or sent anything); other negative codes with err explaining (the
 * target exited without ever running Python, unsupported version, ...). */
int locate_wait(int fd, const struct session_request *req, struct py_target *target,
                char *err, size_t errlen);

#endif
