/* Handshake and dispatch of one client connection. Every message is
 * decoded and checked before use; anything unexpected gets an error and
 * the connection is closed, touching nothing else. */
#include "daemon/conn.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/msgio.h"
#include "common/proto.h"
#include "daemon/session.h"

#define CONN_HANDSHAKE_MS 10000

static atomic_uint next_session_id = 1;

/* The caller may profile pid only if it could trace it itself: same user,
 * or root. The uid comes from the kernel (SO_PEERCRED), never the message. */
static int may_trace(uid_t caller, pid_t pid, char *err, size_t errlen)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "pid %d: no such process", (int)pid);
        return -ESRCH;
    }
    if (caller != 0 && st.st_uid != caller) {
        snprintf(err, errlen, "pid %d belongs to uid %u: you (uid %u) may not trace it",
                 (int)pid, (unsigned)st.st_uid, (unsigned)caller);
        return -EPERM;
    }
    return 0;
}

static int handshake(int fd, struct msgio_msg *in)
{
    uint32_t version;
    if (msgio_recv(fd, in, CONN_HANDSHAKE_MS) <= 0 || in->type != PROTO_HELLO ||
        proto_decode_hello(in->payload, in->length, &version) < 0) {
        msgio_send_error(fd, "protocol: expected HELLO");
        return -EPROTO;
    }
    if (version != PROTO_VERSION) {
        msgio_send_error(fd, "protocol version %u is not this daemon's (%u): restart the daemon "
                             "(fixingahole daemon stop) or use a matching client",
                         version, PROTO_VERSION);
        return -EPROTO;
    }
    struct proto_buf out;
    proto_buf_init(&out);
    proto_begin(&out, PROTO_HELLO_OK);
    proto_put_u32(&out, PROTO_VERSION);
    proto_put_i32(&out, (int32_t)getpid());
    int rc = msgio_send(fd, &out);
    proto_buf_free(&out);
    return rc;
}

static void serve_profile(int fd, uid_t caller, const struct msgio_msg *in)
{
    struct proto_profile p;
    if (proto_decode_profile(in->payload, in->length, &p) < 0) {
        msgio_send_error(fd, "protocol: malformed PROFILE request");
        return;
    }
    if (p.rate_hz > SESSION_MAX_RATE_HZ) {
        msgio_send_error(fd, "rate %u Hz is above the maximum of %u Hz", p.rate_hz,
                         SESSION_MAX_RATE_HZ);
        return;
    }
    char err[256];
    if (may_trace(caller, p.pid, err, sizeof(err)) < 0) {
        msgio_send_error(fd, "%s", err);
        return;
    }
    struct session_request req = {
        .pid = p.pid, .rate_hz = p.rate_hz, .flags = p.flags, .pref = (enum pyoff_pref)p.offsets_pref};
    snprintf(req.debug_dirs, sizeof(req.debug_dirs), "%s", p.debug_dirs);
    session_run(fd, &req, atomic_fetch_add(&next_session_id, 1));
}

void conn_serve(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return;
    struct msgio_msg in = {0};
    if (handshake(fd, &in) < 0)
        goto out;
    int rc = msgio_recv(fd, &in, CONN_HANDSHAKE_MS);
    if (rc <= 0)
        goto out;
    if (in.type == PROTO_PROFILE)
        serve_profile(fd, cred.uid, &in);
    else
        msgio_send_error(fd, "protocol: unexpected message type %u", in.type);
out:
    msgio_msg_free(&in);
}
