/* Session and daemon control (see control.h). */
#include "daemon/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/proto.h"
#include "daemon/config.h"
#include "daemon/registry.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void send_empty(int fd, uint32_t type)
{
    struct proto_buf out;
    proto_buf_init(&out);
    proto_begin(&out, type);
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
        proto_begin(&out, PROTO_SESSION_INFO);
        proto_put_u32(&out, v->id);
        proto_put_u32(&out, (uint32_t)v->owner);
        proto_put_i32(&out, (int32_t)v->pid);
        proto_put_u32(&out, v->rate_hz);
        proto_put_u32(&out, v->kind);
        proto_put_u64(&out, v->elapsed_ns);
        proto_put_u64(&out, v->ticks);
        proto_put_u32(&out, v->watchers);
        proto_put_str(&out, v->command);
        if (msgio_send(fd, &out) < 0)
            goto out;
    }
    proto_begin(&out, PROTO_LIST_END);
    proto_put_u32(&out, (uint32_t)n);
    msgio_send(fd, &out);
out:
    proto_buf_free(&out);
    free(views);
}

static void serve_watch(int fd, uid_t caller, const struct msgio_msg *m,
                        const struct conn_env *env)
{
    uint32_t id;
    char err[256];
    if (proto_decode_session_id(m->payload, m->length, &id) < 0) {
        msgio_send_error(fd, "protocol: malformed WATCH request");
        return;
    }
    if (registry_watch(env->registry, id, caller, fd, err, sizeof(err)) < 0)
        msgio_send_error(fd, "%s", err);
}

static void serve_stop(int fd, uid_t caller, const struct msgio_msg *m,
                       const struct conn_env *env)
{
    uint32_t id;
    char err[256];
    if (proto_decode_session_id(m->payload, m->length, &id) < 0) {
        msgio_send_error(fd, "protocol: malformed STOP_SESSION request");
        return;
    }
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
    proto_begin(&out, PROTO_DAEMON_STATE);
    proto_put_i32(&out, (int32_t)getpid());
    proto_put_u32(&out, (uint32_t)geteuid());
    proto_put_u64(&out, now_ns() - env->start_ns);
    proto_put_u32(&out, registry_count(env->registry));
    proto_put_u32(&out, c->max_sessions);
    proto_put_u32(&out, c->max_rate_hz);
    proto_put_u32(&out, (uint32_t)c->idle_timeout_s);
    proto_put_str(&out, c->socket_path);
    proto_put_str(&out, c->config_path);
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
