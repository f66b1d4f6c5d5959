/* Accepting clients, counting them for the idle exit, and shutting down
 * in order: sessions end (their owners get SESSION_END) before we exit. */
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
#include <unistd.h>

#include "common/clock.h"
#include "common/sockpath.h"
#include "daemon/conn.h"
#include "daemon/registry.h"

/* How long a shutdown waits for sessions to send their end. */
#define SERVER_SHUTDOWN_GRACE_S 5

struct server {
    struct conn_env env;
    atomic_int active_connections;
};

struct connection {
    int fd;
    struct server *server;
};

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

int server_listen(const char *path, int shared, char *err, size_t errlen)
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
    mode_t old = umask(shared ? 0111 : 0177); /* the socket is born 0666 or 0600 */
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old);
    if (rc < 0 || listen(fd, SOMAXCONN) < 0) {
        int saved = errno;
        snprintf(err, errlen, "bind %s: %s", path, strerror(saved));
        close(fd);
        return -saved;
    }
    return fd;
}

static void *serve_thread(void *arg)
{
    struct connection *c = arg;
    conn_serve(c->fd, &c->server->env);
    close(c->fd);
    atomic_fetch_sub(&c->server->active_connections, 1);
    free(c);
    return NULL;
}

static int start_connection(struct server *server, int fd)
{
    struct connection *c = malloc(sizeof(*c));
    if (!c) {
        close(fd);
        return -ENOMEM;
    }
    *c = (struct connection){.fd = fd, .server = server};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    atomic_fetch_add(&server->active_connections, 1);
    int rc = pthread_create(&thread, &attr, serve_thread, c);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        atomic_fetch_sub(&server->active_connections, 1);
        close(fd);
        free(c);
        return -rc;
    }
    return 0;
}

/* Gives the sessions time to end and their threads to let go. Returns 1
 * when every connection ended (the registry may then be freed). */
static int drain(struct server *server)
{
    for (int i = 0; i < SERVER_SHUTDOWN_GRACE_S * 50; i++) {
        if (atomic_load(&server->active_connections) == 0)
            return 1;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

int server_run(int listen_fd, const struct daemon_config *config,
               volatile sig_atomic_t *terminate)
{
    struct server *server = calloc(1, sizeof(*server));
    if (!server)
        return -ENOMEM;
    server->env.config = config;
    server->env.start_ns = clock_monotonic_ns();
    server->env.registry = registry_new(config->max_sessions);
    if (!server->env.registry) {
        free(server);
        return -ENOMEM;
    }
    uint64_t idle_since = clock_monotonic_ns();
    uint64_t idle_ns = (uint64_t)config->idle_timeout_s * CLOCK_NS_PER_SEC;
    int rc = 0;
    for (;;) {
        if (*terminate)
            registry_shutdown(server->env.registry);
        if (registry_shutting_down(server->env.registry))
            break;
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};
        int n = poll(&p, 1, 200);
        if (n < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        /* Take every waiting client, so a burst never fills the backlog
         * (a full backlog makes connect fail with EAGAIN). */
        for (int k = 0; n > 0 && k < 256; k++) {
            struct pollfd q = {.fd = listen_fd, .events = POLLIN};
            if (k > 0 && poll(&q, 1, 0) <= 0)
                break;
            int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                start_connection(server, fd);
                continue;
            }
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
                fprintf(stderr, "fixingaholed: accept: %s\n", strerror(errno));
            break;
        }
        if (atomic_load(&server->active_connections) > 0)
            idle_since = clock_monotonic_ns();
        else if (idle_ns > 0 && clock_monotonic_ns() - idle_since >= idle_ns)
            break;
    }
    registry_shutdown(server->env.registry);
    /* Threads still serving after the grace period keep pointers into the
     * server: leave it to the process's exit rather than free it under them. */
    if (drain(server)) {
        registry_free(server->env.registry);
        free(server);
    }
    return rc;
}
