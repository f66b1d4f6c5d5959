/* Where the per-user daemon listens, and the checks that keep that place
 * private. */
#ifndef FAH_COMMON_SOCKPATH_H
#define FAH_COMMON_SOCKPATH_H

#include <stddef.h>

/* The socket path: $FIXINGAHOLE_SOCKET, else $XDG_RUNTIME_DIR/fixingahole/
 * daemon.sock, else /tmp/fixingahole-<uid>/daemon.sock. Creates the folder
 * (mode 0700) when `create_dir` and checks that it belongs to this user and
 * is not open to others. Returns 0 or a negative errno with err filled. */
int sockpath_resolve(char *path, size_t pathlen, int create_dir, char *err, size_t errlen);

/* Fills a sockaddr_un; -ENAMETOOLONG when the path does not fit. */
struct sockaddr_un;
int sockpath_address(const char *path, struct sockaddr_un *addr);

#endif
