/* Session and daemon control (see control.h). */
#include "daemon/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/proto.h"
#include "daemon/config.h"
#include "daemon/registry.h"

static void send_empty(int fd, uint32_t type)
{
    struct proto_buf out;
    proto_buf_init(&out);
    proto_encode_empty(&out, type);
    msgio_send(fd, &out);
    proto_buf_free(&out);
}

static void serve_list(int fd, uid_t caller, const struct conn_env *env)
{
    struct registry_view *views = NULL;
    int n = registry_list(env->registry, caller, &views);
    if (n < 0) {
        msgio_send_error(fd, "list: out of memory");
        return;
    }
    struct proto_buf out;
    proto_buf_init(&out);
    for (int i = 0; i < n; i++) {
        const struct registry_view *v = &views[i];
        struct proto_session_info info = {.session_id = v->id,
                                          .owner_uid = (uint32_t)v->owner,
                                          .pid = (int32_t)v->pid,
                                          .rate_hz = v->rate_hz,
                                          .kind = v->kind,
                                          .elapsed_ns = v->elapsed_ns,
                                          .ticks = v->ticks,
                                          .watchers = v->watchers,
                                          .command = v->command};
        proto_encode_session_info(&out, &info);
        if (msgio_send(fd, &out) < 0)
            goto out;
    }
    proto_encode_list_end(&out, (uint32_t)n);
    msgio_send(fd, &out);
out:
    proto_buf_free(&out);
    free(views);
}

/* The session id a WATCH or STOP_SESSION names; a malformed request gets
 * an error and -EBADMSG. */
static int requested_id(int fd, const struct msgio_msg *m, const char *what, uint32_t *id)
{
    if (proto_decode_session_id(m->payload, m->length, id) == 0)
        return 0;
    msgio_send_error(fd, "protocol: malformed %s request", what);
    return -EBADMSG;
}

static void serve_watch(int fd, uid_t caller, const struct msgio_msg *m,
                        const struct conn_env *env)
{
    uint32_t id;
    char err[256];
    if (requested_id(fd, m, "WATCH", &id) == 0 &&
        registry_watch(env->registry, id, caller, fd, err, sizeof(err)) < 0)
        msgio_send_error(fd, "%s", err);
}

static void serve_stop(int fd, uid_t caller, const struct msgio_msg *m,
                       const struct conn_env *env)
{
    uint32_t id;
    char err[256];
    if (requested_id(fd, m, "STOP_SESSION", &id) < 0)
        return;
    if (registry_request_stop(env->registry, id, caller, err, sizeof(err)) < 0)
        msgio_send_error(fd, "%s", err);
    else
        send_empty(fd, PROTO_DONE);
}

static void serve_status(int fd, const struct conn_env *env)
{
    const struct daemon_config *c = env->config;
    struct proto_buf out;
    proto_buf_init(&out);
    struct proto_daemon_state st = {.pid = (int32_t)getpid(),
                                    .uid = (uint32_t)geteuid(),
                                    .uptime_ns = clock_monotonic_ns() - env->start_ns,
                                    .sessions = registry_count(env->registry),
                                    .max_sessions = c->max_sessions,
                                    .max_rate_hz = c->max_rate_hz,
                                    .idle_timeout_s = (uint32_t)c->idle_timeout_s,
                                    .socket_path = c->socket_path,
                                    .config_path = c->config_path};
    proto_encode_daemon_state(&out, &st);
    msgio_send(fd, &out);
    proto_buf_free(&out);
}

/* A shared daemon serves several users: only its own user (who started
 * it) or root may end it for everyone. */
static void serve_shutdown(int fd, uid_t caller, const struct conn_env *env)
{
    if (caller != 0 && caller != geteuid()) {
        msgio_send_error(fd, "shutdown: only uid %u (the daemon's user) or root may stop the "
                             "daemon",
                         (unsigned)geteuid());
        return;
    }
    registry_shutdown(env->registry);
    send_empty(fd, PROTO_DONE);
}

int control_dispatch(int fd, uid_t caller, const struct msgio_msg *m, const struct conn_env *env)
{
    int empty = proto_decode_empty(m->payload, m->length) == 0;
    switch (m->type) {
    case PROTO_LIST:
        if (!empty)
            break;
        serve_list(fd, caller, env);
        return 1;
    case PROTO_WATCH:
        serve_watch(fd, caller, m, env);
        return 1;
    case PROTO_STOP_SESSION:
        serve_stop(fd, caller, m, env);
        return 1;
    case PROTO_DAEMON_STATUS:
        if (!empty)
            break;
        serve_status(fd, env);
        return 1;
    case PROTO_SHUTDOWN:
        if (!empty)
            break;
        serve_shutdown(fd, caller, env);
        return 1;
    default:
        return 0;
    }
    msgio_send_error(fd, "protocol: request type %u takes no payload", m->type);
    return 1;
}
