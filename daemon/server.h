/* The daemon's listening socket: accepts clients, serves each connection on
 * its own thread (so one slow target or stuck client stalls nobody else),
 * owns the session registry every connection shares, and exits after an
 * idle period with no connection, or on request. */
#ifndef FAH_DAEMON_SERVER_H
#define FAH_DAEMON_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "daemon/config.h"

/* Binds the socket (replacing a stale one, refusing when a live daemon
 * answers on it): mode 0600, or 0666 when `shared` (the folder then
 * decides who may connect, and SO_PEERCRED what each may do). Returns the
 * listening fd or a negative errno code. */
int server_listen(const char *path, int shared, char *err, size_t errlen);

/* Serves until idle, until a SHUTDOWN request, or until *terminate is set
 * (by a signal handler). Sessions are asked to stop first, so their owners
 * get SESSION_END. Returns 0, negative on failure. */
int server_run(int listen_fd, const struct daemon_config *config,
               volatile sig_atomic_t *terminate);

#endif
