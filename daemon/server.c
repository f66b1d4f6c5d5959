/* Accepting clients and counting them for the idle exit. */
#include "daemon/server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/sockpath.h"
#include "daemon/conn.h"

static atomic_int active_connections;

/* A socket file nobody answers on is left over from a dead daemon. */
static int socket_is_live(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int live = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
    close(fd);
    return live;
}

int server_listen(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un addr;
    if (sockpath_address(path, &addr) < 0) {
        snprintf(err, errlen, "%s: path too long for a Unix socket", path);
        return -ENAMETOOLONG;
    }
    if (socket_is_live(&addr)) {
        snprintf(err, errlen, "%s: a daemon is already listening there", path);
        return -EADDRINUSE;
    }
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -errno;
    }
    mode_t old = umask(0177); /* the socket is born 0600 */
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old);
    if (rc < 0 || listen(fd, 64) < 0) {
        int saved = errno;
        snprintf(err, errlen, "bind %s: %s", path, strerror(saved));
        close(fd);
        return -saved;
    }
    return fd;
}

static void *serve_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    conn_serve(fd);
    close(fd);
    atomic_fetch_sub(&active_connections, 1);
    return NULL;
}

static int start_connection(int fd)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    atomic_fetch_add(&active_connections, 1);
    int rc = pthread_create(&thread, &attr, serve_thread, (void *)(intptr_t)fd);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        atomic_fetch_sub(&active_connections, 1);
        close(fd);
        return -rc;
    }
    return 0;
}

static time_t monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

int server_run(int listen_fd, const struct server_config *config)
{
    time_t idle_since = monotonic_seconds();
    for (;;) {
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};
        int n = poll(&p, 1, 1000);
        if (n < 0 && errno != EINTR)
            return -errno;
        if (n > 0) {
            int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0)
                start_connection(fd);
            else if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
                fprintf(stderr, "fixingaholed: accept: %s\n", strerror(errno));
        }
        if (atomic_load(&active_connections) > 0)
            idle_since = monotonic_seconds();
        else if (config->idle_timeout_s > 0 &&
                 monotonic_seconds() - idle_since >= config->idle_timeout_s)
            return 0;
    }
}
