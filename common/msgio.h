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

#endif
