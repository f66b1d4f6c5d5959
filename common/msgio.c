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

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int msgio_send(int fd, struct proto_buf *buf)
{
    int rc = proto_finish(buf);
    if (rc < 0)
        return rc;
    return write_all(fd, buf->data, buf->len);
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
    proto_begin(&buf, PROTO_ERROR);
    proto_put_str(&buf, text);
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
                if (poll(&p, 1, 10000) <= 0)
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
        uint8_t *grown = realloc(msg->payload, msg->length);
        if (!grown)
            return -ENOMEM;
        msg->payload = grown;
        msg->cap = msg->length;
    }
    rc = read_all(fd, msg->payload, msg->length);
    return rc < 0 ? rc : 1;
}

void msgio_msg_free(struct msgio_msg *msg)
{
    free(msg->payload);
    memset(msg, 0, sizeof(*msg));
}
