/* The client's connection to the daemon: connect, start a daemon when none
 * answers (as tmux does: take a lock, try again, then start one), shake
 * hands. */
#ifndef FAH_CLIENT_DAEMON_LINK_H
#define FAH_CLIENT_DAEMON_LINK_H

#include <stddef.h>
#include <sys/types.h>

/* Returns a connected, handshaken socket and the daemon's pid (from the
 * kernel, SO_PEERCRED), or a negative errno code with err filled. */
int daemon_link_open(pid_t *daemon_pid, char *err, size_t errlen);

/* Connects to a running daemon without starting one (no handshake).
 * Returns the fd with the daemon's pid and socket path, -ENOENT or
 * -ECONNREFUSED when none is running, other negative codes with err. */
int daemon_link_probe(pid_t *daemon_pid, char *path, size_t pathlen, char *err, size_t errlen);

/* daemon_link_probe, then the handshake: for commands that only make sense
 * when a daemon runs (sessions, watch, stop, daemon status). */
int daemon_link_connect(pid_t *daemon_pid, char *path, size_t pathlen, char *err, size_t errlen);

#endif
