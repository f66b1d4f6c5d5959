/* The GIL's holder read from fabricated memory: embedded in the runtime
 * (3.8-3.11) and behind the interpreter's pointer (3.12+); a released or
 * uncreated GIL has no holder; futexes inside the GIL are its waits. */
#include <errno.h>
#include <string.h>

#include "daemon/fakemem.h"
#include "daemon/pygil.h"
#include "harness.h"

#define GIL_AT 1152 /* _PyRuntime.ceval.gil in 3.8.18 */

static void gil_layout(struct py_offsets *o, int per_interp)
{
    memset(o, 0xff, sizeof(*o));
    if (per_interp)
        o->interp.ceval_gil = 16;
    else
        o->runtime.gil = GIL_AT;
    o->gil.size = 208;
    o->gil.last_holder = 8;
    o->gil.locked = 16;
    o->gil.switch_number = 24;
}

static void put_gil(struct fake_mem *m, uint64_t gil, int32_t locked, uint64_t holder,
                    uint64_t switches)
{
    fake_i32(m, gil + 16, locked);
    fake_u64(m, gil + 8, holder);
    fake_u64(m, gil + 24, switches);
}

static void test_runtime_gil(void)
{
    struct fake_mem m;
    struct py_offsets o;
    struct pygil_state st;
    fake_init(&m);
    gil_layout(&o, 0);
    struct rmem mem = fake_ops(&m);
    uint64_t runtime = fake_alloc(&m, 4096), gil = runtime + GIL_AT;
    CHECK(pygil_known(&o));
    put_gil(&m, gil, 1, 0xabc000, 7);
    CHECK_EQ_INT(pygil_read(&mem, &o, runtime, 0, &st), 0);
    CHECK(st.addr == gil && st.size == 208 && st.holder == 0xabc000 && st.switches == 7);
    CHECK(pygil_has_futex(&st, gil + 72) && pygil_has_futex(&st, gil));
    CHECK(!pygil_has_futex(&st, gil + 208) && !pygil_has_futex(&st, gil - 8));
    /* Released: last_holder is stale. Not created yet: locked is -1. */
    put_gil(&m, gil, 0, 0xabc000, 8);
    CHECK_EQ_INT(pygil_read(&mem, &o, runtime, 0, &st), 0);
    CHECK_EQ_INT(st.holder, 0);
    put_gil(&m, gil, -1, 0, 0);
    CHECK_EQ_INT(pygil_read(&mem, &o, runtime, 0, &st), 0);
    CHECK_EQ_INT(st.holder, 0);
    fake_fini(&m);
}

static void test_interpreter_gil(void)
{
    struct fake_mem m;
    struct py_offsets o;
    struct pygil_state st;
    fake_init(&m);
    gil_layout(&o, 1);
    struct rmem mem = fake_ops(&m);
    uint64_t interp = fake_alloc(&m, 256), gil = fake_alloc(&m, 208);
    CHECK_EQ_INT(pygil_read(&mem, &o, 0, interp, &st), -EAGAIN); /* pointer not set yet */
    fake_u64(&m, interp + 16, gil);
    put_gil(&m, gil, 1, 0x5000, 3);
    CHECK_EQ_INT(pygil_read(&mem, &o, 0, interp, &st), 0);
    CHECK(st.addr == gil && st.holder == 0x5000);
    fake_u64(&m, interp + 16, 0xdead0000);
    CHECK_EQ_INT(pygil_read(&mem, &o, 0, interp, &st), -EFAULT);
    /* Offsets that would read past the struct are not trusted. */
    o.gil.switch_number = 204;
    CHECK(!pygil_known(&o));
    CHECK_EQ_INT(pygil_read(&mem, &o, 0, interp, &st), -ENOTSUP);
    fake_fini(&m);
}

int main(void)
{
    test_runtime_gil();
    test_interpreter_gil();
    return test_finish("test_pygil");
}
