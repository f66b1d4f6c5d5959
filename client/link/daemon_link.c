/* Connecting to (and starting) the daemon (see daemon_link.h). */
#include "client/link/daemon_link.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/exit_codes.h"
#include "common/install_paths.h"
#include "common/msgio.h"
#include "common/proto.h"
#include "common/sockpath.h"

static int try_connect(const char *path)
{
    struct sockaddr_un addr;
    if (sockpath_address(path, &addr) < 0)
        return -ENAMETOOLONG;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int saved = errno;
        close(fd);
        return -saved;
    }
    return fd;
}

/* The daemon binary: $FIXINGAHOLE_DAEMON, else fixingaholed beside us
 * (installed or in the build tree, both keep them in one folder), else
 * whichever PATH finds. */
static void daemon_binary(char *out, size_t len)
{
    const char *env = getenv("FIXINGAHOLE_DAEMON");
    char err[PATH_MAX + 128];
    if (env && *env)
        snprintf(out, len, "%s", env);
    else if (install_find("fixingaholed", NULL, out, len, err, sizeof(err)) < 0)
        snprintf(out, len, "fixingaholed");
}

/* Runs the daemon, which returns once its socket is bound. */
static int start_daemon(char *err, size_t errlen)
{
    char binary[PATH_MAX];
    daemon_binary(binary, sizeof(binary));
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -errno;
    }
    if (pid == 0) {
        execlp(binary, binary, (char *)NULL);
        fprintf(stderr, "fixingahole: cannot run %s: %s\n", binary, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* Another daemon won the race, which is as good. */
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0 || code == EXIT_ALREADY_RUNNING)
        return 0;
    snprintf(err, errlen, "the daemon %s failed to start (see %s.log)", binary, "its socket");
    return -ECHILD;
}

/* Connects, starting the daemon under a lock so that two clients starting
 * at once do not start two daemons. */
static int connect_or_start(const char *path, char *err, size_t errlen)
{
    int fd = try_connect(path);
    if (fd >= 0 || (fd != -ENOENT && fd != -ECONNREFUSED)) {
        if (fd < 0)
            snprintf(err, errlen, "connect %s: %s", path, strerror(-fd));
        return fd;
    }
    char lock_path[PATH_MAX + 8];
    snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0)
        flock(lock, LOCK_EX);
    fd = try_connect(path);
    if (fd < 0 && start_daemon(err, errlen) == 0)
        fd = try_connect(path);
    if (lock >= 0)
        close(lock);
    if (fd < 0 && !err[0])
        snprintf(err, errlen, "connect %s: %s", path, strerror(-fd));
    return fd;
}

static int handshake(int fd, char *err, size_t errlen)
{
    struct proto_buf out;
    struct msgio_msg in;
    uint32_t version;
    int32_t pid;

    proto_buf_init(&out);
    proto_encode_hello(&out, PROTO_VERSION);
    char why[512];
    int rc = msgio_request(fd, &out, PROTO_HELLO_OK, &in, "the handshake", why, sizeof(why));
    proto_buf_free(&out);
    if (rc == 0 && proto_decode_hello_ok(in.payload, in.length, &version, &pid) < 0)
        rc = (snprintf(why, sizeof(why), "no valid handshake answer"), -EPROTO);
    if (rc < 0)
        snprintf(err, errlen, "daemon: %s", why);
    msgio_msg_free(&in);
    return rc;
}

int daemon_link_open(pid_t *daemon_pid, char *err, size_t errlen)
{
    char path[PATH_MAX];
    err[0] = '\0';
    int rc = sockpath_resolve(path, sizeof(path), 1, err, errlen);
    if (rc < 0)
        return rc;
    int fd = connect_or_start(path, err, errlen);
    if (fd < 0)
        return fd;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
        (rc = handshake(fd, err, errlen)) < 0) {
        close(fd);
        return rc < 0 ? rc : -EPROTO;
    }
    *daemon_pid = cred.pid;
    return fd;
}

int daemon_link_probe(pid_t *daemon_pid, char *path, size_t pathlen, char *err, size_t errlen)
{
    err[0] = '\0';
    int rc = sockpath_resolve(path, pathlen, 0, err, errlen);
    if (rc < 0)
        return rc;
    int fd = try_connect(path);
    if (fd < 0)
        return fd;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        snprintf(err, errlen, "SO_PEERCRED: %s", strerror(errno));
        close(fd);
        return -EPROTO;
    }
    *daemon_pid = cred.pid;
    return fd;
}

int daemon_link_connect(pid_t *daemon_pid, char *path, size_t pathlen, char *err, size_t errlen)
{
    int fd = daemon_link_probe(daemon_pid, path, pathlen, err, errlen);
    if (fd < 0)
        return fd;
    int rc = handshake(fd, err, errlen);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}
