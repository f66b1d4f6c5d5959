/* The daemon's socket path and the private folder that holds it. */
#include "common/sockpath.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The folder must be ours and closed to group and others: anyone who can
 * write there could put their own socket in front of us. */
static int check_private_dir(const char *dir, int create, char *err, size_t errlen)
{
    if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return -errno;
    }
    struct stat st;
    if (lstat(dir, &st) < 0) {
        snprintf(err, errlen, "stat %s: %s", dir, strerror(errno));
        return -errno;
    }
    /* Or, to reach a shared daemon (docs/daemon.md), a folder of root's
     * that nobody else may write. */
    int private_dir = st.st_uid == geteuid() && !(st.st_mode & 077);
    int shared_dir = st.st_uid == 0 && !(st.st_mode & 022);
    if (!S_ISDIR(st.st_mode) || (!private_dir && !shared_dir)) {
        snprintf(err, errlen, "%s: not a private folder of uid %u (mode %03o)", dir,
                 (unsigned)geteuid(), (unsigned)(st.st_mode & 0777));
        return -EPERM;
    }
    return 0;
}

static int default_path(char *path, size_t pathlen)
{
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    int n;
    if (runtime && runtime[0] == '/' && access(runtime, W_OK) == 0)
        n = snprintf(path, pathlen, "%s/fixingahole/daemon.sock", runtime);
    else
        n = snprintf(path, pathlen, "/tmp/fixingahole-%u/daemon.sock", (unsigned)geteuid());
    return (n < 0 || (size_t)n >= pathlen) ? -ENAMETOOLONG : 0;
}

int sockpath_resolve(char *path, size_t pathlen, int create_dir, char *err, size_t errlen)
{
    const char *override = getenv("FIXINGAHOLE_SOCKET");
    if (override && *override) {
        if (strlen(override) >= pathlen) {
            snprintf(err, errlen, "FIXINGAHOLE_SOCKET: path too long");
            return -ENAMETOOLONG;
        }
        strcpy(path, override);
    } else if (default_path(path, pathlen) < 0) {
        snprintf(err, errlen, "socket path: too long");
        return -ENAMETOOLONG;
    }
    struct sockaddr_un probe;
    if (sockpath_address(path, &probe) < 0) {
        snprintf(err, errlen, "%s: too long for a Unix socket (max %zu bytes)", path,
                 sizeof(probe.sun_path) - 1);
        return -ENAMETOOLONG;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    return check_private_dir(dirname(dir), create_dir, err, errlen);
}

int sockpath_address(const char *path, struct sockaddr_un *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path))
        return -ENAMETOOLONG;
    strcpy(addr->sun_path, path);
    return 0;
}
