/* A thread's samples held for one clock period (see periodbuf.h). */
#include "daemon/periodbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

/* Whether the newest record's stack is this one: a thread that stays on a
 * line gives the same stack tick after tick, kept once. */
static int same_as_newest(const struct period_buf *b, const struct pywalk_stack *stack)
{
    if (!b->n || !b->records[b->n - 1].has_stack)
        return 0;
    const struct period_record *r = &b->records[b->n - 1];
    return r->nframes == stack->nframes &&
           memcmp(&b->frames[r->frames_at], stack->frames,
                  stack->nframes * sizeof(stack->frames[0])) == 0;
}

int periodbuf_hold(struct period_buf *b, const struct thread_sample *sample, uint64_t now_ns)
{
    struct period_record *records = buf_grow_array(b->records, &b->cap, b->n + 1,
                                                   sizeof(*b->records));
    if (!records)
        return -ENOMEM;
    b->records = records;
    struct period_record r = {.sample = *sample};
    r.sample.stack = NULL;
    if (!r.sample.time_ns)
        r.sample.time_ns = now_ns;
    if (sample->stack) {
        r.has_stack = 1;
        r.nframes = sample->stack->nframes;
        if (same_as_newest(b, sample->stack)) {
            r.frames_at = b->records[b->n - 1].frames_at;
        } else {
            struct pywalk_frame *frames = buf_grow_array(b->frames, &b->frames_cap,
                                                         b->nframes + r.nframes, sizeof(*frames));
            if (!frames)
                return -ENOMEM;
            b->frames = frames;
            r.frames_at = b->nframes;
            memcpy(&b->frames[b->nframes], sample->stack->frames,
                   r.nframes * sizeof(*b->frames));
            b->nframes += r.nframes;
        }
    }
    if (!b->n)
        b->first_ns = now_ns;
    b->records[b->n++] = r;
    b->user_ns += sample->ns[SAMPLE_PYTHON] + sample->ns[SAMPLE_NATIVE];
    b->cpu_ns += sample->cpu_ns;
    return 0;
}

size_t periodbuf_count(const struct period_buf *b)
{
    return b->n;
}

uint64_t periodbuf_since(const struct period_buf *b)
{
    return b->n ? b->first_ns : 0;
}

/* Takes `less` out of a total `of`, value by value: each value's new
 * amount is what the running sum up to it becomes, less what came before,
 * so that the amounts add up to of - less exactly. */
struct share_out {
    int64_t less;
    uint64_t of, sum, kept;
};

static uint64_t share_out(struct share_out *s, uint64_t value)
{
    if (!s->of)
        return value;
    s->sum += value;
    __int128 taken = (__int128)s->less * (__int128)s->sum / (__int128)s->of;
    __int128 now = (__int128)s->sum - taken;
    uint64_t kept = now > 0 ? (uint64_t)now : 0;
    uint64_t out = kept > s->kept ? kept - s->kept : 0;
    s->kept = kept > s->kept ? kept : s->kept;
    return out;
}

static int64_t clamp_less(int64_t less, uint64_t user)
{
    int64_t most = user > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)user;
    return less > most ? most : less < -most ? -most : less;
}

int periodbuf_release(struct period_buf *b, int64_t less_ns, int64_t *applied,
                      struct pywalk_stack *scratch, sampler_emit_fn emit, void *ctx)
{
    int64_t less = clamp_less(less_ns, b->user_ns);
    *applied = less;
    /* The CPU time is taken down by as much, in proportion to it, but no
     * lower than zero. */
    int64_t cpu_less = clamp_less(less, b->cpu_ns);
    struct share_out user = {less, b->user_ns, 0, 0}, cpu = {cpu_less, b->cpu_ns, 0, 0};
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        struct period_record *r = &b->records[i];
        struct thread_sample out = r->sample;
        out.ns[SAMPLE_PYTHON] = share_out(&user, out.ns[SAMPLE_PYTHON]);
        out.ns[SAMPLE_NATIVE] = share_out(&user, out.ns[SAMPLE_NATIVE]);
        out.cpu_ns = share_out(&cpu, out.cpu_ns);
        if (r->has_stack) {
            scratch->nframes = r->nframes;
            memcpy(scratch->frames, &b->frames[r->frames_at], r->nframes * sizeof(*b->frames));
            out.stack = scratch;
        }
        rc = emit(ctx, &out);
    }
    b->n = b->nframes = 0;
    b->user_ns = b->cpu_ns = b->first_ns = 0;
    return rc;
}

void periodbuf_free(struct period_buf *b)
{
    free(b->records);
    free(b->frames);
    *b = (struct period_buf)PERIOD_BUF_INIT;
}
