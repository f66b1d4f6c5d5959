/* Building the memory messages of the session stream (proto.h range
 * 120-139) from what the daemon measured. */
#ifndef FAH_DAEMON_HEAP_MSG_H
#define FAH_DAEMON_HEAP_MSG_H

#include <stdint.h>

#include "common/proto.h"
#include "daemon/heap_link.h"

/* Each starts a message in msg (proto_begin) and fills it; the caller
 * finishes and sends it. Times are CLOCK_MONOTONIC; start_ns is the
 * session's start, from which stream times count. */
void heap_msg_rss(struct proto_buf *msg, uint64_t now_ns, uint64_t start_ns, uint64_t rss);
void heap_msg_event(struct proto_buf *msg, const struct heap_event *ev, uint64_t start_ns);
void heap_msg_stats(struct proto_buf *msg, const struct heap_link *h);

#endif
