/* The daemon's listening socket: accepts clients, serves each connection on
 * its own thread (so one slow target or stuck client stalls nobody else),
 * and exits after an idle period with no connection. */
#ifndef FAH_DAEMON_SERVER_H
#define FAH_DAEMON_SERVER_H

#include <stddef.h>

struct server_config {
    const char *socket_path;
    int idle_timeout_s; /* exit after this long without a connection; 0: never */
    int foreground;
};

/* Binds the socket (replacing a stale one, refusing when a live daemon
 * answers on it). Returns the listening fd or a negative errno code. */
int server_listen(const char *path, char *err, size_t errlen);

/* Serves until idle. Returns 0 at an idle exit, negative on failure. */
int server_run(int listen_fd, const struct server_config *config);

#endif
