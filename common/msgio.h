/* Sending and receiving whole protocol messages on a stream socket. */
#ifndef FAH_COMMON_MSGIO_H
#define FAH_COMMON_MSGIO_H

#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"

/* A received message; payload is owned and reused across receives. */
struct msgio_msg {
    uint32_t type;
    uint32_t length;
    uint8_t *payload;
    size_t cap;
};

/* Sends all len bytes, retrying EINTR and short writes. Never raises
 * SIGPIPE. Returns 0 or a negative errno code (-EAGAIN when fd is
 * non-blocking and full: use msgio_send_ready there). */
int msgio_send_all(int fd, const void *data, size_t len);

/* Sends what the socket takes now without blocking (EINTR retried).
 * Returns the bytes sent (0 when the socket is full), or a negative errno
 * code when the peer is gone. */
long msgio_send_ready(int fd, const void *data, size_t len);

/* Sends a message built with proto_begin/..., calling proto_finish itself.
 * Never raises SIGPIPE. Returns 0 or a negative errno code. */
int msgio_send(int fd, struct proto_buf *buf);

/* Sends PROTO_ERROR with a printf-style one-line message. */
int msgio_send_error(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waits up to timeout_ms (-1: forever) for a message to start, then reads
 * it whole. Returns 1 with *msg filled, 0 on timeout, -ECONNRESET when the
 * peer closed, -EMSGSIZE when it announced more than PROTO_MAX_PAYLOAD, other
 * negative errno codes on failure. */
int msgio_recv(int fd, struct msgio_msg *msg, int timeout_ms);

void msgio_msg_free(struct msgio_msg *msg);

/* One request and its answer: sends req, waits (PROTO_ANSWER_TIMEOUT_MS)
 * for a message of type want, left in *answer for the caller to decode
 * (and free with msgio_msg_free). A PROTO_ERROR answer puts its message
 * in err, anything else "no valid answer to WHAT"; both return -EPROTO, as
 * does a broken exchange. */
int msgio_request(int fd, struct proto_buf *req, uint32_t want, struct msgio_msg *answer,
                  const char *what, char *err, size_t errlen);

#endif
