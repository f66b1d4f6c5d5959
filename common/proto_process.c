/* The process-tree message (PROTO_PROCESS of proto.h): encoder beside
 * decoder. */
#include <errno.h>

#include "common/proto.h"

void proto_encode_process(struct proto_buf *buf, const struct proto_process *p)
{
    proto_begin(buf, PROTO_PROCESS);
    proto_put_i32(buf, p->pid);
    proto_put_i32(buf, p->ppid);
    proto_put_u32(buf, p->flags & PROTO_PROCESS_KNOWN);
    proto_put_u64(buf, p->start_ns);
    proto_put_u64(buf, p->end_ns);
    proto_put_u64(buf, p->cpu_ns);
    proto_put_u64(buf, p->max_rss_bytes);
    proto_put_str(buf, p->command);
    proto_put_str(buf, p->python);
    proto_put_str(buf, p->note);
}

int proto_decode_process(const void *payload, size_t len, struct proto_process *out)
{
    struct proto_reader r;
    proto_reader_init(&r, payload, len);
    if (proto_get_i32(&r, &out->pid) < 0 || proto_get_i32(&r, &out->ppid) < 0 ||
        proto_get_u32(&r, &out->flags) < 0 || proto_get_u64(&r, &out->start_ns) < 0 ||
        proto_get_u64(&r, &out->end_ns) < 0 || proto_get_u64(&r, &out->cpu_ns) < 0 ||
        proto_get_u64(&r, &out->max_rss_bytes) < 0 || proto_get_str(&r, &out->command) < 0 ||
        proto_get_str(&r, &out->python) < 0 || proto_get_str(&r, &out->note) < 0)
        return -EBADMSG;
    if (out->pid <= 0 || (out->flags & ~PROTO_PROCESS_KNOWN) ||
        (out->end_ns && out->end_ns < out->start_ns))
        return -EBADMSG;
    return proto_get_end(&r);
}
