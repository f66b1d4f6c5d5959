/* The session stream's messages built from what the daemon measured: the
 * bridge from walker, sampler and heap link to the encoders of
 * common/proto.h. Each starts a message in msg and fills it; the caller
 * finishes and sends it. Times are CLOCK_MONOTONIC; start_ns is the
 * session's start, from which stream times count. */
#ifndef FAH_DAEMON_STREAM_MSG_H
#define FAH_DAEMON_STREAM_MSG_H

#include <stdint.h>

#include "common/proto.h"
#include "daemon/codeids.h"
#include "daemon/heap_link.h"
#include "daemon/proctree.h"
#include "daemon/pywalk.h"
#include "daemon/sampler.h"
#include "symbols/pylocate.h"

void stream_msg_target(struct proto_buf *msg, const struct py_target *target);
/* code may be NULL (an id the walker could not read): sent as <unknown>. */
void stream_msg_code(struct proto_buf *msg, uint32_t code_id, const struct pywalk_code *code);
/* A sample of process pid, its code ids mapped through codes (codeids.h:
 * every id of the stack must be mapped already). */
void stream_msg_sample(struct proto_buf *msg, pid_t pid, const struct codeids_proc *codes,
                       const struct thread_sample *sample, uint64_t now_ns, uint64_t start_ns);
void stream_msg_rss(struct proto_buf *msg, uint64_t now_ns, uint64_t start_ns, uint64_t rss);
void stream_msg_heap(struct proto_buf *msg, const struct codeids_proc *codes,
                     const struct heap_event *ev, uint64_t start_ns);
/* A member of the process tree, python and note as children_describe
 * gives them. */
void stream_msg_process(struct proto_buf *msg, const struct proctree_proc *p, const char *python,
                        const char *note, uint64_t start_ns);
void stream_msg_heap_stats(struct proto_buf *msg, const struct heap_link *h);

#endif
