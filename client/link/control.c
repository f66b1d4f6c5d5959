/* Session-control requests (see control.h). */
#include "client/link/control.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/link/daemon_link.h"

int control_request(uint32_t type, int has_arg, uint32_t arg, pid_t *daemon_pid, char *err,
                    size_t errlen)
{
    char path[PATH_MAX];
    int fd = daemon_link_connect(daemon_pid, path, sizeof(path), err, errlen);
    if (fd == -ENOENT || fd == -ECONNREFUSED) {
        snprintf(err, errlen, "no daemon is running (socket %s)", path);
        return -ENOENT;
    }
    if (fd < 0)
        return fd;
    struct proto_buf out;
    proto_buf_init(&out);
    if (has_arg)
        proto_encode_session_id(&out, type, arg);
    else
        proto_encode_empty(&out, type);
    int rc = msgio_send(fd, &out);
    proto_buf_free(&out);
    if (rc < 0) {
        snprintf(err, errlen, "send to the daemon: %s", strerror(-rc));
        close(fd);
        return rc;
    }
    return fd;
}

int control_answer(int fd, struct msgio_msg *msg, char *err, size_t errlen)
{
    int rc = msgio_recv(fd, msg, PROTO_ANSWER_TIMEOUT_MS);
    const char *text;
    if (rc == 0) {
        snprintf(err, errlen, "the daemon did not answer");
        return -ETIMEDOUT;
    }
    if (rc < 0) {
        snprintf(err, errlen, "the connection to the daemon broke");
        return rc;
    }
    if (msg->type == PROTO_ERROR) {
        if (proto_decode_error(msg->payload, msg->length, &text) < 0)
            text = "(malformed error message)";
        snprintf(err, errlen, "%s", text);
        return -EPROTO;
    }
    return 0;
}

int control_list(struct control_session **out, char *err, size_t errlen)
{
    pid_t daemon_pid;
    int fd = control_request(PROTO_LIST, 0, 0, &daemon_pid, err, errlen);
    if (fd < 0)
        return fd;
    struct msgio_msg m = {0};
    struct control_session *list = NULL;
    int n = 0, rc;
    while ((rc = control_answer(fd, &m, err, errlen)) == 0 && m.type == PROTO_SESSION_INFO) {
        struct proto_session_info info;
        struct control_session *grown = realloc(list, (size_t)(n + 1) * sizeof(*list));
        if (!grown) {
            rc = -ENOMEM;
            snprintf(err, errlen, "out of memory");
            break;
        }
        list = grown;
        if (proto_decode_session_info(m.payload, m.length, &info) < 0) {
            rc = -EBADMSG;
            break;
        }
        list[n].info = info;
        snprintf(list[n].command, sizeof(list[n].command), "%s", info.command);
        list[n].info.command = NULL;
        n++;
    }
    uint32_t count;
    if (rc == 0 && (m.type != PROTO_LIST_END ||
                    proto_decode_list_end(m.payload, m.length, &count) < 0 || count != (uint32_t)n))
        rc = -EBADMSG;
    if (rc == -EBADMSG)
        snprintf(err, errlen, "the daemon sent a malformed session list");
    msgio_msg_free(&m);
    close(fd);
    if (rc < 0) {
        free(list);
        return rc;
    }
    *out = list;
    return n;
}

int control_start_session(int fd, uint32_t type, pid_t pid, const struct control_sampling *o,
                          uint64_t *origin_ns, char *err, size_t errlen)
{
    struct proto_buf out;
    proto_buf_init(&out);
    struct proto_profile req = {
        .pid = (int32_t)pid, .rate_hz = o->rate_hz,
        .flags = (o->idle ? PROTO_FLAG_IDLE : 0) | (o->memory ? PROTO_FLAG_MEMORY : 0) |
                 (o->no_children ? PROTO_FLAG_NO_CHILDREN : 0) |
                 (o->native ? PROTO_FLAG_NATIVE : 0),
        .offsets_pref = (uint32_t)o->offsets, .debug_dirs = o->debug_dirs,
        .end_mark = o->end_mark};
    proto_encode_profile(&out, type, &req);
    struct msgio_msg in;
    uint32_t id = 0;
    uint64_t origin = 0;
    int rc = msgio_request(fd, &out, PROTO_SESSION_STARTED, &in, "the session request", err,
                           errlen);
    proto_buf_free(&out);
    if (rc == 0)
        rc = proto_decode_session_started(in.payload, in.length, &id, &origin) == 0 &&
                     id <= INT32_MAX
                 ? (int)id
                 : (snprintf(err, errlen, "did not start the session"), -EPROTO);
    msgio_msg_free(&in);
    if (rc >= 0 && origin_ns)
        *origin_ns = origin;
    return rc;
}
