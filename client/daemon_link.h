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

#endif
