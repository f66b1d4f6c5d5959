/* The session-control and daemon-control requests (proto.h, 140-199 and
 * 200-219) other than starting a session: list, watch, stop, status,
 * shutdown. Each handler decodes its payload, checks the caller (uid from
 * SO_PEERCRED) and answers on fd; a malformed payload gets ERROR. */
#ifndef FAH_DAEMON_CONTROL_H
#define FAH_DAEMON_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#include "common/msgio.h"
#include "daemon/conn.h"

/* Returns 1 when msg was one of these requests (handled), 0 otherwise. */
int control_dispatch(int fd, uid_t caller, const struct msgio_msg *msg,
                     const struct conn_env *env);

#endif
