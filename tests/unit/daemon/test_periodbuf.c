/* A thread's samples held over its clock's period: let go in the order
 * they came, each with its own stack and time, with what the period's
 * stop found the clock counted too much taken out of their Python and
 * native time in proportion, to the nanosecond, and never below zero. */
#include "daemon/periodbuf.h"
#include "common/proto.h"
#include "harness.h"

#include <stdlib.h>

struct emitted {
    struct thread_sample s[8];
    int32_t line[8];
    uint32_t nframes[8];
    int n;
};

static int record(void *ctx, const struct thread_sample *sample)
{
    struct emitted *e = ctx;
    e->s[e->n] = *sample;
    e->nframes[e->n] = sample->stack ? sample->stack->nframes : 0;
    e->line[e->n] = sample->stack && sample->stack->nframes ? sample->stack->frames[0].line : -1;
    e->n++;
    return 0;
}

static struct pywalk_stack *stack_at(int32_t line, uint32_t depth)
{
    struct pywalk_stack *st = calloc(1, sizeof(*st));
    st->nframes = depth;
    for (uint32_t i = 0; i < depth; i++)
        st->frames[i] = (struct pywalk_frame){.code_id = 7 + i, .line = line + (int32_t)i};
    return st;
}

static struct thread_sample running(uint64_t py, uint64_t native, uint64_t cpu,
                                    const struct pywalk_stack *st)
{
    struct thread_sample s = {.tid = 42, .cpu_ns = cpu, .stack = st};
    s.ns[SAMPLE_PYTHON] = py;
    s.ns[SAMPLE_NATIVE] = native;
    return s;
}

/* 30 ms held, 3 ms of it steal the stop found: a tenth off each sample's
 * CPU, none off its time off CPU; order, stacks and times kept. */
static void test_steal_comes_off_in_proportion(void)
{
    struct period_buf b = PERIOD_BUF_INIT;
    struct pywalk_stack *a = stack_at(10, 3), *c = stack_at(20, 2);
    struct pywalk_stack *scratch = calloc(1, sizeof(*scratch));
    struct thread_sample s1 = running(10000000, 0, 10000000, a);
    s1.ns[SAMPLE_IDLE] = 5000000;
    CHECK_EQ_INT(periodbuf_hold(&b, &s1, 100), 0);
    struct thread_sample s2 = running(8000000, 2000000, 10000000, a);
    CHECK_EQ_INT(periodbuf_hold(&b, &s2, 200), 0);
    struct thread_sample carried = running(4000000, 0, 0, c);
    carried.flags = PROTO_SAMPLE_CARRIED;
    carried.time_ns = 150;
    CHECK_EQ_INT(periodbuf_hold(&b, &carried, 250), 0);
    struct thread_sample s3 = running(6000000, 0, 10000000, NULL);
    CHECK_EQ_INT(periodbuf_hold(&b, &s3, 300), 0);
    CHECK_EQ_INT(periodbuf_count(&b), 4);
    CHECK_EQ_INT(periodbuf_since(&b), 100);
    struct emitted e = {0};
    int64_t applied = 0;
    CHECK_EQ_INT(periodbuf_release(&b, 3000000, &applied, scratch, record, &e), 0);
    CHECK_EQ_INT(applied, 3000000);
    CHECK_EQ_INT(e.n, 4);
    CHECK_EQ_INT(e.s[0].ns[SAMPLE_PYTHON], 9000000);
    CHECK_EQ_INT(e.s[0].ns[SAMPLE_IDLE], 5000000);
    CHECK_EQ_INT(e.s[1].ns[SAMPLE_PYTHON], 7200000);
    CHECK_EQ_INT(e.s[1].ns[SAMPLE_NATIVE], 1800000);
    CHECK_EQ_INT(e.s[2].ns[SAMPLE_PYTHON], 3600000);
    CHECK_EQ_INT(e.s[3].ns[SAMPLE_PYTHON], 5400000);
    uint64_t cpu = 0;
    for (int i = 0; i < e.n; i++)
        cpu += e.s[i].cpu_ns;
    CHECK_EQ_INT(cpu, 27000000);
    CHECK_EQ_INT(e.s[0].time_ns, 100);
    CHECK_EQ_INT(e.s[2].time_ns, 150); /* a time of its own is kept */
    CHECK_EQ_INT(e.s[2].flags, PROTO_SAMPLE_CARRIED);
    CHECK_EQ_INT(e.line[0], 10);
    CHECK_EQ_INT(e.nframes[0], 3);
    CHECK_EQ_INT(e.line[1], 10);
    CHECK_EQ_INT(e.line[2], 20);
    CHECK_EQ_INT(e.nframes[2], 2);
    CHECK_EQ_INT(e.nframes[3], 0);
    CHECK(e.s[3].stack == NULL);
    CHECK_EQ_INT(periodbuf_count(&b), 0);
    CHECK_EQ_INT(periodbuf_since(&b), 0);
    periodbuf_free(&b);
    free(a), free(c), free(scratch);
}

/* Amounts that do not divide evenly still add up to the total less what
 * was taken; a credit (negative) is added the same way; more than the
 * held CPU is never taken, and *applied says how much was. */
static void test_totals_are_exact_and_bounded(void)
{
    struct period_buf b = PERIOD_BUF_INIT;
    struct pywalk_stack *scratch = calloc(1, sizeof(*scratch));
    struct emitted e = {0};
    int64_t applied = 0;
    for (int i = 0; i < 3; i++) {
        struct thread_sample s = running(1000001, 0, 1000001, NULL);
        CHECK_EQ_INT(periodbuf_hold(&b, &s, 1), 0);
    }
    CHECK_EQ_INT(periodbuf_release(&b, 1000000, &applied, scratch, record, &e), 0);
    CHECK_EQ_INT(e.s[0].ns[SAMPLE_PYTHON] + e.s[1].ns[SAMPLE_PYTHON] + e.s[2].ns[SAMPLE_PYTHON],
                 2000003);
    e.n = 0;
    for (int i = 0; i < 2; i++) {
        struct thread_sample s = running(1000000, 0, 1000000, NULL);
        CHECK_EQ_INT(periodbuf_hold(&b, &s, 1), 0);
    }
    CHECK_EQ_INT(periodbuf_release(&b, -500000, &applied, scratch, record, &e), 0);
    CHECK_EQ_INT(applied, -500000);
    CHECK_EQ_INT(e.s[0].ns[SAMPLE_PYTHON], 1250000);
    CHECK_EQ_INT(e.s[1].cpu_ns, 1250000);
    e.n = 0;
    struct thread_sample s = running(1000000, 0, 1000000, NULL);
    CHECK_EQ_INT(periodbuf_hold(&b, &s, 1), 0);
    CHECK_EQ_INT(periodbuf_release(&b, 5000000, &applied, scratch, record, &e), 0);
    CHECK_EQ_INT(applied, 1000000);
    CHECK_EQ_INT(e.s[0].ns[SAMPLE_PYTHON], 0);
    CHECK_EQ_INT(e.s[0].cpu_ns, 0);
    periodbuf_free(&b);
    free(scratch);
}

int main(void)
{
    test_steal_comes_off_in_proportion();
    test_totals_are_exact_and_bounded();
    return test_finish("test_periodbuf");
}
