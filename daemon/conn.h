/* One client connection: the handshake, the caller's identity from
 * SO_PEERCRED, and the one request that follows it. */
#ifndef FAH_DAEMON_CONN_H
#define FAH_DAEMON_CONN_H

#include <stdint.h>

struct registry;
struct daemon_config;

/* What every connection shares: owned by the server, outliving them all. */
struct conn_env {
    struct registry *registry;
    const struct daemon_config *config;
    uint64_t start_ns; /* CLOCK_MONOTONIC when the daemon started */
};

/* Serves the connection until it ends; the caller closes fd. */
void conn_serve(int fd, const struct conn_env *env);

#endif
