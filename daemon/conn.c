/* Handshake and dispatch of one client connection. Every message is
 * decoded and checked before use; anything unexpected gets an error and
 * the connection is closed, touching nothing else. */
#include "daemon/conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/msgio.h"
#include "common/proto.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/registry.h"
#include "daemon/session.h"

/* Reads the real, effective and saved uids of pid (/proc/PID/status). */
static int process_uids(pid_t pid, unsigned uids[3])
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -ESRCH;
    int found = 0;
    while (!found && fgets(line, sizeof(line), f))
        found = sscanf(line, "Uid: %u %u %u", &uids[0], &uids[1], &uids[2]) == 3;
    fclose(f);
    return found ? 0 : -ESRCH;
}

/* The caller may profile pid only if it could trace it itself: as the
 * kernel's ptrace check, its real, effective and saved uids must all be
 * the caller's (a setuid program is not), or the caller is root. The uid
 * comes from the kernel (SO_PEERCRED), never from the message. */
static int may_trace(uid_t caller, pid_t pid, char *err, size_t errlen)
{
    unsigned uids[3];
    if (process_uids(pid, uids) < 0) {
        snprintf(err, errlen, "pid %d: no such process", (int)pid);
        return -ESRCH;
    }
    if (caller != 0 && (uids[0] != caller || uids[1] != caller || uids[2] != caller)) {
        snprintf(err, errlen,
                 "pid %d runs as uid %u: you (uid %u) may not trace it; profile it as that "
                 "user or as root",
                 (int)pid, uids[1] != caller ? uids[1] : uids[0], (unsigned)caller);
        return -EPERM;
    }
    return 0;
}

static int handshake(int fd, struct msgio_msg *in)
{
    uint32_t version;
    if (msgio_recv(fd, in, PROTO_ANSWER_TIMEOUT_MS) <= 0 || in->type != PROTO_HELLO ||
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
    proto_encode_hello_ok(&out, PROTO_VERSION, (int32_t)getpid());
    int rc = msgio_send(fd, &out);
    proto_buf_free(&out);
    return rc;
}

static void serve_session(int fd, uid_t caller, const struct msgio_msg *in,
                          const struct conn_env *env)
{
    int attach = in->type == PROTO_ATTACH;
    struct proto_profile p;
    if (proto_decode_profile(in->payload, in->length, &p) < 0) {
        msgio_send_error(fd, "protocol: malformed %s request", attach ? "ATTACH" : "PROFILE");
        return;
    }
    if (p.rate_hz > env->config->max_rate_hz) {
        msgio_send_error(fd, "rate %u Hz is above this daemon's maximum of %u Hz (max_rate)",
                         p.rate_hz, env->config->max_rate_hz);
        return;
    }
    char err[256];
    if (may_trace(caller, p.pid, err, sizeof(err)) < 0) {
        msgio_send_error(fd, "%s", err);
        return;
    }
    struct session_request *req = calloc(1, sizeof(*req));
    if (!req) {
        msgio_send_error(fd, "session: out of memory");
        return;
    }
    *req = (struct session_request){.pid = p.pid, .rate_hz = p.rate_hz, .flags = p.flags,
                                    .pref = (enum pyoff_pref)p.offsets_pref, .attach = attach,
                                    .fallback_clocks = !env->config->exact_clocks,
                                    .realtime = env->config->realtime,
                                    .registry = env->registry};
    snprintf(req->debug_dirs, sizeof(req->debug_dirs), "%s", p.debug_dirs);
    snprintf(req->end_mark, sizeof(req->end_mark), "%s", p.end_mark);
    req->owner = caller;
    struct registry_info info = {.owner = caller, .pid = p.pid, .rate_hz = p.rate_hz,
                                 .kind = attach ? PROTO_KIND_ATTACH : PROTO_KIND_PROFILE};
    if (registry_add(env->registry, &info, &req->entry, err, sizeof(err)) < 0) {
        msgio_send_error(fd, "%s", err);
        free(req);
        return;
    }
    session_run(fd, req);
    registry_remove(env->registry, req->entry);
    free(req);
}

void conn_serve(int fd, const struct conn_env *env)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return;
    struct msgio_msg in = {0};
    if (handshake(fd, &in) < 0)
        goto out;
    int rc = msgio_recv(fd, &in, PROTO_ANSWER_TIMEOUT_MS);
    if (rc == -EMSGSIZE)
        msgio_send_error(fd, "protocol: message longer than %u bytes", PROTO_MAX_PAYLOAD);
    if (rc <= 0)
        goto out;
    if (in.type == PROTO_PROFILE || in.type == PROTO_ATTACH)
        serve_session(fd, cred.uid, &in, env);
    else if (!control_dispatch(fd, cred.uid, &in, env))
        msgio_send_error(fd, "protocol: unexpected message type %u", in.type);
out:
    msgio_msg_free(&in);
}
