/* One client connection: the handshake, the caller's identity from
 * SO_PEERCRED, and the request that follows it. */
#ifndef FAH_DAEMON_CONN_H
#define FAH_DAEMON_CONN_H

/* Serves the connection until it ends; the caller closes fd. */
void conn_serve(int fd);

#endif
