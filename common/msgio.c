/* Whole-message I/O over stream sockets: the framing half of the protocol. */
#include "common/msgio.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"

/* Sends until done, or until the socket is full (with MSG_DONTWAIT).
 * Returns the bytes sent or a negative errno code. */
static long send_loop(int fd, const uint8_t *data, size_t len, int flags)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL | flags);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (flags & MSG_DONTWAIT) && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0)
            return -errno;
        off += (size_t)n;
    }
    return (long)off;
}

int msgio_send_all(int fd, const void *data, size_t len)
{
    long n = send_loop(fd, data, len, 0);
    return n < 0 ? (int)n : 0;
}

long msgio_send_ready(int fd, const void *data, size_t len)
{
    return send_loop(fd, data, len, MSG_DONTWAIT);
}

int msgio_send(int fd, struct proto_buf *buf)
{
    int rc = proto_finish(buf);
    if (rc < 0)
        return rc;
    return msgio_send_all(fd, buf->wire.data, buf->wire.len);
}

int msgio_send_error(int fd, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    struct proto_buf buf;
    proto_buf_init(&buf);
    proto_encode_error(&buf, text);
    int rc = msgio_send(fd, &buf);
    proto_buf_free(&buf);
    return rc;
}

/* Reads exactly len bytes; a peer that closes midway is -ECONNRESET. */
static int read_all(int fd, uint8_t *data, size_t len)
{
    while (len) {
        ssize_t n = recv(fd, data, len, 0);
        if (n == 0)
            return -ECONNRESET;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, PROTO_ANSWER_TIMEOUT_MS) <= 0)
                    return -ETIMEDOUT; /* a peer that stalls mid-message */
                continue;
            }
            return -errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int wait_readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (;;) {
        int n = poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        return n;
    }
}

int msgio_recv(int fd, struct msgio_msg *msg, int timeout_ms)
{
    int ready = wait_readable(fd, timeout_ms);
    if (ready <= 0)
        return ready;
    uint8_t header[PROTO_HEADER_SIZE];
    int rc = read_all(fd, header, sizeof(header));
    if (rc < 0)
        return rc;
    memcpy(&msg->type, header, 4);
    memcpy(&msg->length, header + 4, 4);
    if (msg->length > PROTO_MAX_PAYLOAD)
        return -EMSGSIZE;
    if (msg->length > msg->cap) {
        uint8_t *grown = buf_grow_array(msg->payload, &msg->cap, msg->length, 1);
        if (!grown)
            return -ENOMEM;
        msg->payload = grown;
    }
    rc = read_all(fd, msg->payload, msg->length);
    return rc < 0 ? rc : 1;
}

void msgio_msg_free(struct msgio_msg *msg)
{
    free(msg->payload);
    memset(msg, 0, sizeof(*msg));
}

int msgio_request(int fd, struct proto_buf *req, uint32_t want, struct msgio_msg *answer,
                  const char *what, char *err, size_t errlen)
{
    const char *text;
    int rc = msgio_send(fd, req);

    memset(answer, 0, sizeof(*answer));
    if (rc == 0)
        rc = msgio_recv(fd, answer, PROTO_ANSWER_TIMEOUT_MS);
    if (rc > 0 && answer->type == want)
        return 0;
    if (rc > 0 && answer->type == PROTO_ERROR &&
        proto_decode_error(answer->payload, answer->length, &text) == 0)
        snprintf(err, errlen, "%s", text);
    else
        snprintf(err, errlen, "no valid answer to %s", what);
    msgio_msg_free(answer);
    return -EPROTO;
}
