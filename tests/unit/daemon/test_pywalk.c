/* The frame walker against fabricated memory images: one per frame family,
 * laid out by hand-filled offsets, plus the ways remote memory goes wrong
 * (cycles, depth, unreadable frames, absurd strings, torn lists). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/fakemem.h"
#include "daemon/pycode.h"
#include "daemon/pywalk.h"
#include "harness.h"
#include "symbols/pyopcodes.h"

/* Made-up but plausible layouts: what matters is that the walker takes
 * every position from struct py_offsets. */
enum layout { L38, L310, L311, L312, L313, L314 };

static const char *layout_name[] = {"3.8", "3.10", "3.11", "3.12", "3.13", "3.14"};

static void fill_offsets(struct py_offsets *o, enum layout l)
{
    int iframe = l >= L311, modern = l >= L313;

    memset(o, 0xff, sizeof(*o)); /* every offset PYOFF_ABSENT */
    o->version_hex = (uint32_t[]){0x030812f0, 0x030a0df0, 0x030b07f0, 0x030c01f0,
                                  0x030d00f0, 0x030e00f0}[l];
    o->family = l <= L310 ? PYFAMILY_FRAME_OBJECT
              : l <= L312 ? PYFAMILY_INTERP_FRAME
              : l == L313 ? PYFAMILY_CURRENT_FRAME : PYFAMILY_TAGGED_FRAME;
    o->linetable = l == L38 ? LINETABLE_LNOTAB : l == L310 ? LINETABLE_310
                 : LINETABLE_LOCATIONS;
    o->runtime.interpreters_head = 32;
    o->interp.next = 0;
    o->interp.threads_head = 16;
    o->thread.size = 256;
    o->thread.next = 8;
    o->thread.interp = 16;
    o->thread.thread_id = 176;
    if (iframe)
        o->thread.native_thread_id = 184;
    else
        o->thread.unique_id = 240;
    if (l <= L310)
        o->thread.frame = 24;
    else if (l <= L312)
        o->thread.cframe = 56;
    else
        o->thread.current_frame = 72;
    o->cframe.current_frame = l == L311 ? 8 : 0;
    if (l <= L310) {
        o->frame_object.back = 24;
        o->frame_object.code = 32;
        o->frame_object.lasti = 104;
    } else {
        o->iframe.size = 80;
        o->iframe.code = modern ? 0 : 32;
        o->iframe.previous = modern ? 8 : 48;
        o->iframe.instr_ptr = 56;
        o->iframe.owner = modern ? 70 : 69;
        o->iframe.owner_cstack = l == L311 ? -1 : l == L314 ? 4 : 3;
        o->iframe.owner_interpreter = l == L314 ? 3 : -1;
    }
    o->code.size = 208;
    o->code.filename = 104;
    o->code.name = 112;
    if (iframe)
        o->code.qualname = 120;
    o->code.firstlineno = 40;
    o->code.linetable = 128;
    if (!iframe)
        o->code.bytecode = 48;
    if (iframe)
        o->code.code_adaptive = 200;
    o->bytes.size = 16;
    o->bytes.sval = 32;
    o->unicode.length = 16;
    o->unicode.state = 32;
    o->unicode.ascii_size = l >= L312 ? 40 : 48;
    o->unicode.compact_size = l >= L312 ? 56 : 72;
    o->object.ob_type = 8;
}

/* ---- a fake process --------------------------------------------------- */

#define MAX_THREADS 16

struct fake_proc {
    enum layout layout;
    struct fake_mem m;
    struct rmem mem;
    struct py_target target;
    struct py_offsets *off;
    uint64_t runtime;
    uint64_t cframe[MAX_THREADS]; /* per thread, 3.11-3.12 */
    uint64_t tstate[MAX_THREADS];
    int nthreads;
    uint8_t tables[3][256]; /* line tables: line at byte offset 2k = first + k */
    size_t table_len[3];
};

#define LOC(code, units) (uint8_t)(0x80 | ((code) << 3) | ((units) - 1))

/* A table where the instruction at byte offset 2k has line firstlineno + k,
 * for k < 64, in each format. */
static size_t make_table(enum linetable_format fmt, uint8_t *t)
{
    size_t n = 0;
    for (int k = 0; k < 64; k++) {
        switch (fmt) {
        case LINETABLE_LNOTAB:
            if (k) {
                t[n++] = 2;
                t[n++] = 1;
            }
            break;
        case LINETABLE_310:
            t[n++] = 2;
            t[n++] = k ? 1 : 0;
            break;
        default:
            if (k) {
                t[n++] = LOC(11, 1); /* one-line form, +1 */
                t[n++] = 0;
                t[n++] = 4;
            } else {
                t[n++] = LOC(0, 1); /* short form, same line */
                t[n++] = 3;
            }
        }
    }
    return n;
}

static void proc_init(struct fake_proc *p, enum layout l)
{
    memset(p, 0, sizeof(*p));
    p->layout = l;
    fake_init(&p->m);
    p->mem = fake_ops(&p->m);
    p->off = &p->target.off;
    fill_offsets(p->off, l);
    p->target.pid = 4242;
    p->target.runtime_addr = p->runtime = fake_alloc(&p->m, 256);
    p->target.code_type_addr = fake_alloc(&p->m, 64);
    p->table_len[0] = make_table(p->off->linetable, p->tables[0]);
}

static void proc_fini(struct fake_proc *p)
{
    fake_fini(&p->m);
}

static uint64_t add_interp(struct fake_proc *p)
{
    uint64_t interp = fake_alloc(&p->m, 128);
    uint64_t at = p->runtime + (uint64_t)p->off->runtime.interpreters_head;
    /* Appended, so the first one made stays the main interpreter. */
    for (;;) {
        uint64_t cur = fake_get_u64(&p->m, at);
        if (!cur)
            break;
        at = cur + (uint64_t)p->off->interp.next;
    }
    fake_u64(&p->m, at, interp);
    return interp;
}

/* A new thread state at the head of interp's list, as CPython adds them. */
static int add_thread(struct fake_proc *p, uint64_t interp, uint64_t pthread_id, uint32_t tid)
{
    const struct py_offsets *o = p->off;
    uint64_t t = fake_alloc(&p->m, (size_t)o->thread.size);
    uint64_t head = fake_get_u64(&p->m, interp + (uint64_t)o->interp.threads_head);
    int i = p->nthreads++;

    fake_u64(&p->m, t + (uint64_t)o->thread.next, head);
    fake_u64(&p->m, t + (uint64_t)o->thread.interp, interp);
    fake_u64(&p->m, t + (uint64_t)o->thread.thread_id, pthread_id);
    if (o->thread.native_thread_id >= 0)
        fake_u64(&p->m, t + (uint64_t)o->thread.native_thread_id, tid);
    if (o->thread.unique_id >= 0) /* CPython counts from 1 */
        fake_u64(&p->m, t + (uint64_t)o->thread.unique_id, (uint64_t)p->nthreads);
    fake_u64(&p->m, interp + (uint64_t)o->interp.threads_head, t);
    if (o->thread.cframe >= 0) {
        /* On a page of its own, as on a C stack: a read ahead check
         * (struct pywalk_tail) copies the whole page around it. */
        uint64_t stack_page = fake_alloc(&p->m, 2 * RMEM_PAGE_BYTES);
        p->cframe[i] = ((stack_page + RMEM_PAGE_BYTES - 1) & ~(uint64_t)(RMEM_PAGE_BYTES - 1)) + 64;
        fake_u64(&p->m, t + (uint64_t)o->thread.cframe, p->cframe[i]);
    }
    p->tstate[i] = t;
    return i;
}

static uint64_t add_code(struct fake_proc *p, const char *file, const char *name,
                         const char *qualname, int firstlineno)
{
    struct fake_code_spec spec = {
        .file = file, .name = name, .qualname = qualname, .firstlineno = firstlineno,
        .table = p->tables[0], .table_len = p->table_len[0],
        .type = p->target.code_type_addr,
    };
    return fake_code(&p->m, p->off, &spec);
}

/* Where a thread's newest-frame pointer lives. */
static uint64_t newest_slot(struct fake_proc *p, int thread)
{
    const struct py_offsets *o = p->off;
    if (o->family == PYFAMILY_FRAME_OBJECT)
        return p->tstate[thread] + (uint64_t)o->thread.frame;
    if (o->family == PYFAMILY_INTERP_FRAME)
        return p->cframe[thread] + (uint64_t)o->cframe.current_frame;
    return p->tstate[thread] + (uint64_t)o->thread.current_frame;
}

static uint64_t previous_slot(struct fake_proc *p, uint64_t frame)
{
    return frame + (uint64_t)(p->off->family == PYFAMILY_FRAME_OBJECT
                                  ? p->off->frame_object.back
                                  : p->off->iframe.previous);
}

/* Pushes a frame running code (a code object, or any object for 3.13+) at
 * byte offset `offset` onto a thread; owner is the iframe owner byte. */
static uint64_t push_frame_owned(struct fake_proc *p, int thread, uint64_t code,
                                 int64_t offset, uint8_t owner)
{
    const struct py_offsets *o = p->off;
    uint64_t slot = newest_slot(p, thread), f;
    uint64_t prev = fake_get_u64(&p->m, slot);

    if (o->family == PYFAMILY_FRAME_OBJECT) {
        int scale = o->linetable == LINETABLE_310 ? 2 : 1;
        f = fake_alloc(&p->m, 128);
        fake_u64(&p->m, f + (uint64_t)o->frame_object.code, code);
        fake_i32(&p->m, f + (uint64_t)o->frame_object.lasti,
                 offset < 0 ? -1 : (int32_t)(offset / scale));
    } else {
        f = fake_alloc(&p->m, (size_t)o->iframe.size);
        /* 3.14 tags the reference's low bit */
        uint64_t exec = o->family == PYFAMILY_TAGGED_FRAME ? code | 1 : code;
        fake_u64(&p->m, f + (uint64_t)o->iframe.code, exec);
        fake_u64(&p->m, f + (uint64_t)o->iframe.instr_ptr,
                 code + (uint64_t)o->code.code_adaptive + (uint64_t)offset);
        fake_u8(&p->m, f + (uint64_t)o->iframe.owner, owner);
    }
    fake_u64(&p->m, previous_slot(p, f), prev);
    fake_u64(&p->m, slot, f);
    return f;
}

static uint64_t push_frame(struct fake_proc *p, int thread, uint64_t code, int64_t offset)
{
    return push_frame_owned(p, thread, code, offset, 0);
}

/* ---- tests ------------------------------------------------------------ */

static void check_frame(struct pywalk *w, const struct pywalk_stack *s, uint32_t i,
                        const char *qualname, const char *file, int line)
{
    CHECK(i < s->nframes);
    if (i >= s->nframes)
        return;
    const struct pywalk_code *c = pywalk_code(w, s->frames[i].code_id);
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_EQ_STR(c->qualname, qualname);
    CHECK_EQ_STR(c->file, file);
    CHECK_EQ_INT(s->frames[i].line, line);
}

/* The main case for every family: three functions, innermost first, with
 * qualnames where the version has them and non-ASCII names intact. */
static void test_basic(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;

    proc_init(&p, l);
    int q = p.off->code.qualname >= 0;
    uint64_t interp = add_interp(&p);
    int t = add_thread(&p, interp, 0x7f0000001000, 4242);
    uint64_t mod = add_code(&p, "/srv/app.py", "<module>", NULL, 1);
    uint64_t outer = add_code(&p, "/srv/app.py", "outer", "Klass.outer", 10);
    uint64_t inner = add_code(&p, "/srv/lib/données.py", "données", "outer.<locals>.données", 200);
    uint64_t cjk = add_code(&p, "/srv/日本.py", "関数🐍", NULL, 3000);

    push_frame(&p, t, mod, 8);     /* line 1 + 4 */
    push_frame(&p, t, outer, 2);   /* line 11 */
    push_frame(&p, t, inner, 0);   /* line 200 */
    push_frame(&p, t, cjk, -2);    /* not started: firstlineno */

    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    CHECK(w != NULL);
    if (!w)
        goto out;
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.truncated, 0);
    CHECK_EQ_INT(s.nframes, 4);
    check_frame(w, &s, 0, "関数🐍", "/srv/日本.py", 3000);
    check_frame(w, &s, 1, q ? "outer.<locals>.données" : "données", "/srv/lib/données.py", 200);
    check_frame(w, &s, 2, q ? "Klass.outer" : "outer", "/srv/app.py", 11);
    check_frame(w, &s, 3, "<module>", "/srv/app.py", 5);
    CHECK_EQ_INT(pywalk_code_count(w), 4);
    CHECK_EQ_INT(pywalk_code(w, 0)->firstlineno, 3000);
    CHECK(pywalk_code(w, 4) == NULL);

    /* Stable ids: a second walk decodes nothing new. */
    uint32_t ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = s.frames[i].code_id;
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(s.frames[i].code_id, ids[i]);
    CHECK_EQ_INT(pywalk_code_count(w), 4);

    /* Recursion: the same code object twice is one id. */
    push_frame(&p, t, outer, 40);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.nframes, 5);
    CHECK_EQ_INT(s.frames[0].code_id, ids[2]);
    CHECK_EQ_INT(s.frames[0].line, 30);
    CHECK_EQ_INT(pywalk_code_count(w), 4);
    /* Lines are remembered per code and offset, not per code: walked
     * again, each frame keeps its own. */
    for (int again = 0; again < 2; again++) {
        CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
        check_frame(w, &s, 0, q ? "Klass.outer" : "outer", "/srv/app.py", 30);
        check_frame(w, &s, 3, q ? "Klass.outer" : "outer", "/srv/app.py", 11);
        check_frame(w, &s, 4, "<module>", "/srv/app.py", 5);
    }
    pywalk_free(w);
out:
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_basic %s)\n", layout_name[l]);
}

/* Moves a frame to the instruction at a byte offset into its code. */
static void set_frame_offset(struct fake_proc *p, uint64_t frame, uint64_t code, int64_t offset)
{
    if (p->off->family == PYFAMILY_FRAME_OBJECT)
        fake_i32(&p->m, frame + (uint64_t)p->off->frame_object.lasti,
                 (int32_t)(offset / (p->off->linetable == LINETABLE_310 ? 2 : 1)));
    else
        fake_u64(&p->m, frame + (uint64_t)p->off->iframe.instr_ptr,
                 code + (uint64_t)p->off->code.code_adaptive + (uint64_t)offset);
}

/* A freed code object's address reused by another code object: new id, and
 * the old id still names the old function. An object is freed only once
 * no frame runs it, so the new one comes with a frame pushed anew: here at
 * the old one's address, but at another instruction. */
static void test_reused_address(void)
{
    struct fake_proc p;
    struct pywalk_stack s;

    proc_init(&p, L311);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    uint64_t code = add_code(&p, "a.py", "first", NULL, 1);
    uint64_t frame = push_frame(&p, t, code, 0);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);

    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    uint32_t old = s.frames[0].code_id;
    fake_u64(&p.m, code + (uint64_t)p.off->code.qualname, fake_str(&p.m, p.off, "second"));
    fake_i32(&p.m, code + (uint64_t)p.off->code.firstlineno, 50);
    set_frame_offset(&p, frame, code, 2);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK(s.frames[0].code_id != old);
    CHECK_EQ_STR(pywalk_code(w, s.frames[0].code_id)->qualname, "second");
    CHECK_EQ_INT(s.frames[0].line, 51);
    CHECK_EQ_STR(pywalk_code(w, old)->qualname, "first");
    /* And the new one is cached in turn. */
    uint32_t now = s.frames[0].code_id;
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.frames[0].code_id, now);
    CHECK_EQ_INT(pywalk_code_count(w), 2);
    /* Same strings, another first line: still another code object. */
    fake_i32(&p.m, code + (uint64_t)p.off->code.firstlineno, 60);
    set_frame_offset(&p, frame, code, 4);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.frames[0].code_id, 2);
    CHECK_EQ_INT(s.frames[0].line, 62);
    CHECK_EQ_INT(pywalk_code(w, now)->firstlineno, 50);
    pywalk_free(w);
    proc_fini(&p);
}

/* A frame found where it stood when its code object was last checked (same
 * address, same instruction) vouches for the object, which is not read
 * again: a caller waiting in its call costs no read per tick. Here the
 * object is changed in place, which no live target does, to tell a read
 * from none. A frame that moves, or a check PYCODE_VOUCH_NS old, reads it
 * again. */
static void test_vouched_frames(void)
{
    struct fake_proc p;
    struct pywalk_stack s;

    proc_init(&p, L311);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    uint64_t outer = add_code(&p, "a.py", "outer", NULL, 1);
    uint64_t inner = add_code(&p, "a.py", "inner", NULL, 20);
    push_frame(&p, t, outer, 2);
    uint64_t top = push_frame(&p, t, inner, 0);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);

    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    uint32_t outer_id = s.frames[1].code_id, inner_id = s.frames[0].code_id;
    fake_i32(&p.m, outer + (uint64_t)p.off->code.firstlineno, 40);
    fake_i32(&p.m, inner + (uint64_t)p.off->code.firstlineno, 30);
    set_frame_offset(&p, top, inner, 2);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.frames[1].code_id, outer_id); /* vouched: not read */
    CHECK_EQ_INT(s.frames[1].line, 2);
    CHECK(s.frames[0].code_id != inner_id); /* moved: read, and found changed */
    CHECK_EQ_INT(s.frames[0].line, 31);
    pywalk_free(w);

    /* The window, on the cache itself. */
    struct pycode_cache *cache = pycode_cache_new(&p.mem, p.off, p.target.code_type_addr);
    const struct pycode *code = NULL;
    CHECK_EQ_INT(pycode_lookup(cache, outer, &code), 0);
    if (code) {
        CHECK(pycode_vouched(cache, outer, 0x1000, 2, 5) == NULL); /* never checked in a frame */
        pycode_vouch(cache, code->id, 0x1000, 2, 5);
        CHECK(pycode_vouched(cache, outer, 0x1000, 2, 5 + PYCODE_VOUCH_NS - 1) == code);
        CHECK(pycode_vouched(cache, outer, 0x1000, 2, 5 + PYCODE_VOUCH_NS) == NULL);
        CHECK(pycode_vouched(cache, outer, 0x2000, 2, 6) == NULL);
        CHECK(pycode_vouched(cache, outer, 0x1000, 4, 6) == NULL);
        CHECK(pycode_vouched(cache, inner, 0x1000, 2, 6) == NULL);
    }
    pycode_cache_free(cache);
    proc_fini(&p);
}

/* A steady stack (its callers waiting in their calls, the innermost frame
 * moving inside its loop) costs the reads of its frames and nothing more:
 * no code object of any of them, on any version. 3.13 and 3.14, whose
 * f_executable may be another object, read no type of it: the vouched-for
 * entry is a code object. */
static void test_steady_reads(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;

    proc_init(&p, l);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    uint64_t a = add_code(&p, "m.py", "a", NULL, 10);
    uint64_t b = add_code(&p, "m.py", "b", NULL, 20);
    uint64_t c = add_code(&p, "m.py", "c", NULL, 30);
    push_frame(&p, t, a, 2);
    push_frame(&p, t, b, 4);
    push_frame(&p, t, c, 6);
    uint64_t top = push_frame(&p, t, c, 2);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    set_frame_offset(&p, top, c, 4);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    unsigned before = p.m.reads;
    set_frame_offset(&p, top, c, 6);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    /* The newest frame's slot (3.11-3.12: through cframe) and four frames. */
    unsigned newest = p.off->family == PYFAMILY_INTERP_FRAME ? 2 : 1;
    CHECK_EQ_INT(p.m.reads - before, newest + 4);
    CHECK_EQ_INT(s.nframes, 4);
    check_frame(w, &s, 0, "c", "m.py", 33);
    check_frame(w, &s, 3, "a", "m.py", 11);
    pywalk_free(w);
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_steady_reads %s)\n", layout_name[l]);
}

/* 3.12+: frames owned by the C stack are shims, not program functions;
 * 3.13+: a frame whose f_executable is no code object is skipped too, and
 * 3.14: so are frames owned by the interpreter. */
static void test_skipped_frames(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;

    proc_init(&p, l);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    uint64_t shim = add_code(&p, "", "<shim>", NULL, 0);
    uint64_t a = add_code(&p, "m.py", "a", NULL, 10);
    uint64_t b = add_code(&p, "m.py", "b", NULL, 20);
    uint8_t cstack = (uint8_t)p.off->iframe.owner_cstack;

    push_frame_owned(&p, t, shim, 0, cstack);
    push_frame(&p, t, a, 4);
    push_frame_owned(&p, t, shim, 0, cstack);
    if (l >= L313) {
        uint64_t none = fake_alloc(&p.m, 64); /* an object of another type */
        fake_u64(&p.m, none + 8, fake_alloc(&p.m, 64));
        push_frame(&p, t, none, 0);
    }
    push_frame(&p, t, b, 6);
    push_frame_owned(&p, t, shim, 0, cstack);
    if (l >= L314)
        push_frame_owned(&p, t, shim, 0, (uint8_t)p.off->iframe.owner_interpreter);

    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.nframes, 2);
    check_frame(w, &s, 0, "b", "m.py", 23);
    check_frame(w, &s, 1, "a", "m.py", 12);
    CHECK_EQ_INT(pywalk_code_count(w), 2); /* the shim code was never decoded */
    pywalk_free(w);
    proc_fini(&p);
}

static struct pywalk *chain(struct fake_proc *p, enum layout l, int nframes, uint64_t *frames)
{
    proc_init(p, l);
    int t = add_thread(p, add_interp(p), 1, 1);
    uint64_t code = add_code(p, "deep.py", "f", NULL, 1);
    for (int i = 0; i < nframes; i++) {
        uint64_t f = push_frame(p, t, code, (int64_t)2 * (i % 64));
        if (frames)
            frames[i] = f;
    }
    return pywalk_new(&p->target, &p->mem);
}

static void test_bad_chains(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;
    uint64_t f[300];
    struct pywalk *w;

    /* Self-loop: the frame is its own caller. */
    w = chain(&p, l, 1, f);
    fake_u64(&p.m, previous_slot(&p, f[0]), f[0]);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &s), -ELOOP);
    CHECK_EQ_INT(s.truncated, 1);
    CHECK_EQ_INT(s.nframes, 1);
    pywalk_free(w);
    proc_fini(&p);

    /* Two frames calling each other. */
    w = chain(&p, l, 2, f);
    fake_u64(&p.m, previous_slot(&p, f[0]), f[1]);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &s), -ELOOP);
    CHECK_EQ_INT(s.truncated, 1);
    CHECK_EQ_INT(s.nframes, 2);
    pywalk_free(w);
    proc_fini(&p);

    /* A chain past the cap of the chain's length fails. */
    w = chain(&p, l, PYWALK_MAX_CHAIN + 1, NULL);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &s), -E2BIG);
    CHECK_EQ_INT(s.truncated, 1);
    CHECK_EQ_INT(s.frames[0].line, 1 + PYWALK_MAX_CHAIN % 64); /* innermost first */
    pywalk_free(w);
    proc_fini(&p);

    /* An unreadable frame in the middle: what lies above it comes back. */
    w = chain(&p, l, 6, f);
    fake_unmap(&p.m, f[2]);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &s), -EFAULT);
    CHECK_EQ_INT(s.truncated, 1);
    CHECK_EQ_INT(s.nframes, 3);
    CHECK_EQ_INT(s.frames[2].line, 4);
    pywalk_free(w);
    proc_fini(&p);

    /* A caller pointer into nowhere. */
    w = chain(&p, l, 3, f);
    fake_u64(&p.m, previous_slot(&p, f[1]), 0xdead0000beef);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &s), -EFAULT);
    CHECK_EQ_INT(s.nframes, 2);
    pywalk_free(w);
    proc_fini(&p);

    /* Unreadable thread state. */
    w = chain(&p, l, 1, f);
    CHECK(pywalk_stack(w, 0x10, &s) < 0);
    CHECK_EQ_INT(s.truncated, 1);
    CHECK_EQ_INT(s.nframes, 0);
    pywalk_free(w);
    proc_fini(&p);
}

/* Strings and code objects that cannot be right. */
/* A chain deeper than PYWALK_MAX_DEPTH: its innermost PYWALK_KEEP_INNER
 * frames, a gap frame counting those left out, then its outermost frames,
 * the outermost still marked as entered from C; one frame less is whole. */
static void test_deep_chain(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;
    const int whole = PYWALK_MAX_DEPTH - 1, deep = 1000;

    struct pywalk *w = chain(&p, l, whole, NULL);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &s), 0);
    CHECK_EQ_INT(s.nframes, whole);
    CHECK_EQ_INT(s.elided, 0);
    CHECK_EQ_INT(s.truncated, 0);
    pywalk_free(w);
    proc_fini(&p);

    /* Frame i (0 outermost) is at line 1 + i % 64 (chain). */
    w = chain(&p, l, deep, NULL);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &s), 0);
    CHECK_EQ_INT(s.nframes, PYWALK_MAX_DEPTH);
    CHECK_EQ_INT(s.truncated, 0);
    CHECK_EQ_INT(s.elided, deep - whole);
    for (int k = 0; k < PYWALK_MAX_DEPTH; k++) {
        const struct pywalk_code *c = pywalk_code(w, s.frames[k].code_id);
        int i = k < PYWALK_KEEP_INNER ? deep - 1 - k : PYWALK_MAX_DEPTH - 1 - k;
        if (k == PYWALK_KEEP_INNER) {
            CHECK(c && c->gap && c->native);
            CHECK_EQ_INT(s.frames[k].line, 0);
        } else {
            CHECK(c && !c->gap && strcmp(c->qualname, "f") == 0);
            CHECK_EQ_INT(s.frames[k].line, 1 + i % 64);
        }
    }
    CHECK(pywalk_frame_is_entry(&s, PYWALK_MAX_DEPTH - 1));
    if (l >= L311) /* up to 3.10 every frame is a call of the loop */
        CHECK(!pywalk_frame_is_entry(&s, PYWALK_MAX_DEPTH - 2));
    /* Walked again: the same gap frame, the same code ids. */
    struct pywalk_stack again;
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[0], &again), 0);
    CHECK_EQ_INT(again.frames[PYWALK_KEEP_INNER].code_id, s.frames[PYWALK_KEEP_INNER].code_id);
    CHECK_EQ_INT(pywalk_code_count(w), 2);
    pywalk_free(w);
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_deep_chain %s)\n", layout_name[l]);
}

static void test_bad_objects(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;
    uint32_t cps[4] = {'a', 'b', 'c', 'd'};

    proc_init(&p, l);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    uint64_t good = add_code(&p, "ok.py", "ok", NULL, 7);
    uint64_t huge = add_code(&p, "huge.py", "huge", NULL, 1);
    uint64_t name_at = huge + (uint64_t)(p.off->code.qualname >= 0 ? p.off->code.qualname
                                                                   : p.off->code.name);
    push_frame(&p, t, good, 0);
    push_frame(&p, t, huge, 0);
    push_frame(&p, t, good, 2);

    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    /* A name claiming a billion characters: memory read torn (or freed),
     * -EBADMSG, which a walk retries; not -E2BIG, "a stack too deep",
     * which it keeps (sympy's walks met both absurd sizes here while its
     * frames moved, and failed for good). */
    fake_u64(&p.m, name_at, fake_str_raw(&p.m, p.off, cps, 4, 1, fake_state(1, 1), 1000000000));
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), -EBADMSG);
    CHECK_EQ_INT(s.truncated, 1);
    CHECK_EQ_INT(s.nframes, 1);
    check_frame(w, &s, 0, "ok", "ok.py", 8);

    /* A non-compact (legacy) str. */
    fake_u64(&p.m, name_at, fake_str_raw(&p.m, p.off, cps, 4, 1, 1u << PYUNICODE_KIND_SHIFT, 4));
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), -ENOTSUP);
    CHECK_EQ_INT(s.nframes, 1);

    /* A line table bigger than any real one. */
    fake_u64(&p.m, name_at, fake_str(&p.m, p.off, "huge"));
    uint64_t table = fake_get_u64(&p.m, huge + (uint64_t)p.off->code.linetable);
    fake_u64(&p.m, table + (uint64_t)p.off->bytes.size, 1ull << 40);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), -EBADMSG);
    fake_u64(&p.m, table + (uint64_t)p.off->bytes.size, (uint64_t)-5);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), -EBADMSG);
    fake_u64(&p.m, table + (uint64_t)p.off->bytes.size, p.table_len[0]);

    /* Not a code object (3.8-3.12 frames always hold one: torn memory). */
    if (l <= L312) {
        fake_u64(&p.m, huge + 8, 0x1234);
        CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), -EINVAL);
        CHECK_EQ_INT(s.nframes, 1);
        fake_u64(&p.m, huge + 8, p.target.code_type_addr);
    }
    /* Repaired, the whole stack is back. */
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.nframes, 3);
    check_frame(w, &s, 1, "huge", "huge.py", 1);
    pywalk_free(w);

    /* Without a known code type nothing is type-checked. */
    p.target.code_type_addr = 0;
    w = pywalk_new(&p.target, &p.mem);
    fake_u64(&p.m, huge + 8, 0x1234);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.nframes, 3);
    pywalk_free(w);
    proc_fini(&p);
}

/* Thread lists across interpreters, and their failures. */
static void test_threads(enum layout l)
{
    struct fake_proc p;
    struct pywalk_thread th[16];
    struct pywalk_stack s;

    proc_init(&p, l);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    CHECK_EQ_INT(pywalk_threads(w, th, 16), -EAGAIN); /* no interpreter yet */

    uint64_t main_interp = add_interp(&p);
    CHECK_EQ_INT(pywalk_threads(w, th, 16), 0);
    int t0 = add_thread(&p, main_interp, 0x1000, 100);
    int t1 = add_thread(&p, main_interp, 0x2000, 101);
    int t2 = add_thread(&p, main_interp, 0x3000, 102);
    uint64_t sub = add_interp(&p);
    int t3 = add_thread(&p, sub, 0x4000, 103);
    uint64_t code = add_code(&p, "t.py", "work", NULL, 1);
    push_frame(&p, t1, code, 2);
    push_frame(&p, t3, code, 4);
    int native = p.off->thread.native_thread_id >= 0;

    int n = pywalk_threads(w, th, 16);
    CHECK_EQ_INT(n, 4);
    /* Newest thread first within an interpreter, main interpreter first. */
    CHECK_EQ_INT(th[0].tstate, p.tstate[t2]);
    CHECK_EQ_INT(th[1].tstate, p.tstate[t1]);
    CHECK_EQ_INT(th[2].tstate, p.tstate[t0]);
    CHECK_EQ_INT(th[3].tstate, p.tstate[t3]);
    CHECK_EQ_INT(th[0].pthread_id, 0x3000);
    CHECK_EQ_INT(th[3].pthread_id, 0x4000);
    CHECK_EQ_INT(th[0].tid, native ? 102 : 0);
    CHECK_EQ_INT(th[3].tid, native ? 103 : 0);

    CHECK_EQ_INT(pywalk_stack(w, th[0].tstate, &s), 0); /* no frames */
    CHECK_EQ_INT(s.nframes, 0);
    CHECK_EQ_INT(pywalk_stack(w, th[1].tstate, &s), 0);
    CHECK_EQ_INT(s.nframes, 1);
    CHECK_EQ_INT(s.frames[0].line, 2);
    CHECK_EQ_INT(pywalk_stack(w, th[3].tstate, &s), 0);
    CHECK_EQ_INT(s.frames[0].line, 3);

    CHECK_EQ_INT(pywalk_threads(w, th, 2), 2); /* the caller's bound */

    /* A thread list looping back on itself ends at the loop. */
    fake_u64(&p.m, p.tstate[t0] + (uint64_t)p.off->thread.next, p.tstate[t2]);
    CHECK_EQ_INT(pywalk_threads(w, th, 16), 4);
    /* So does an interpreter list that loops. */
    fake_u64(&p.m, sub + (uint64_t)p.off->interp.next, main_interp);
    CHECK_EQ_INT(pywalk_threads(w, th, 16), 4);
    fake_u64(&p.m, sub + (uint64_t)p.off->interp.next, 0);
    /* A thread state of another interpreter (torn list) ends that list. */
    fake_u64(&p.m, p.tstate[t1] + (uint64_t)p.off->thread.interp, sub);
    CHECK_EQ_INT(pywalk_threads(w, th, 16), 2);
    fake_u64(&p.m, p.tstate[t1] + (uint64_t)p.off->thread.interp, main_interp);
    /* An unreadable thread state: the rest of that list is lost. */
    fake_u64(&p.m, p.tstate[t2] + (uint64_t)p.off->thread.next, 0xbad000);
    CHECK_EQ_INT(pywalk_threads(w, th, 16), 2);
    pywalk_free(w);

    /* An unreadable runtime. */
    p.target.runtime_addr = 0x10;
    w = pywalk_new(&p.target, &p.mem);
    CHECK_EQ_INT(pywalk_threads(w, th, 16), -EFAULT);
    pywalk_free(w);
    proc_fini(&p);
}

/* Where glibc's struct pthread holds the TID in these tests. */
#define FAKE_TID_AT 720

/* Adds threads 5000, 5001, ... (newest last) to a 3.10 interpreter, each
 * with a struct pthread holding its TID; their addresses go to pt. */
static uint64_t add_pthread_threads(struct fake_proc *p, int n, uint64_t *pt)
{
    uint64_t interp = add_interp(p);
    for (int i = 0; i < n; i++) {
        pt[i] = fake_alloc(&p->m, 2304);
        fake_i32(&p->m, pt[i] + FAKE_TID_AT, 5000 + i);
        add_thread(p, interp, pt[i], 0);
    }
    return interp;
}

/* Up to 3.10 the TID is found inside glibc's struct pthread, whose address
 * is tstate->thread_id. */
static void test_resolve_tids(void)
{
    struct fake_proc p;
    struct pywalk_thread th[4];
    const int tid_at = FAKE_TID_AT;
    uint64_t pt[3];

    proc_init(&p, L310);
    uint64_t interp = add_pthread_threads(&p, 3, pt);
    /* Decoys in the newest thread's struct, searched first: another
     * thread's TID earlier on, and a number that is no TID of the process. */
    fake_i32(&p.m, pt[2] + 64, 5001);
    fake_i32(&p.m, pt[2] + 128, 77);
    const uint32_t tids[] = {4242, 5002, 5000, 5001, 6000};

    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    int n = pywalk_threads(w, th, 4);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(th[0].tid, 0);
    pywalk_resolve_tids(w, th, n, tids, 5);
    CHECK_EQ_INT(th[0].tid, 5002); /* newest first */
    CHECK_EQ_INT(th[1].tid, 5001);
    CHECK_EQ_INT(th[2].tid, 5000);

    /* Confirmed by three threads, the offset is cached: a slot that now
     * looks just as good does not move it. */
    fake_i32(&p.m, pt[1] + 64, 5000);
    fake_i32(&p.m, pt[0] + 64, 5002);
    n = pywalk_threads(w, th, 4);
    pywalk_resolve_tids(w, th, n, tids, 5);
    CHECK_EQ_INT(th[0].tid, 5002);
    CHECK_EQ_INT(th[1].tid, 5001);
    CHECK_EQ_INT(th[2].tid, 5000);
    /* A thread whose TID is no longer among the tasks keeps 0. */
    const uint32_t fewer[] = {5000, 5001};
    pywalk_resolve_tids(w, th, n, fewer, 2);
    CHECK_EQ_INT(th[0].tid, 0);
    CHECK_EQ_INT(th[1].tid, 5001);
    pywalk_free(w);
    proc_fini(&p);

    /* One thread: the candidate holding the process id wins over an
     * earlier one that happens to hold another task's TID. */
    proc_init(&p, L310);
    interp = add_interp(&p);
    pt[0] = fake_alloc(&p.m, 2048);
    fake_i32(&p.m, pt[0] + 40, 4243);
    fake_i32(&p.m, pt[0] + tid_at, 4242);
    add_thread(&p, interp, pt[0], 0);
    w = pywalk_new(&p.target, &p.mem);
    n = pywalk_threads(w, th, 4);
    const uint32_t tasks[] = {4242, 4243};
    pywalk_resolve_tids(w, th, n, tasks, 2);
    CHECK_EQ_INT(th[0].tid, 4242);
    /* A struct pthread near the end of its mapping is still searched. */
    pywalk_free(w);
    proc_fini(&p);

    proc_init(&p, L310);
    interp = add_interp(&p);
    pt[0] = fake_alloc(&p.m, 1500);
    fake_i32(&p.m, pt[0] + tid_at, 4242);
    add_thread(&p, interp, pt[0], 0);
    w = pywalk_new(&p.target, &p.mem);
    n = pywalk_threads(w, th, 4);
    pywalk_resolve_tids(w, th, n, tasks, 2);
    CHECK_EQ_INT(th[0].tid, 4242);
    pywalk_free(w);
    proc_fini(&p);

    /* 3.11+ has native_thread_id: nothing to resolve, nothing touched. */
    proc_init(&p, L311);
    add_thread(&p, add_interp(&p), 0xdead, 31);
    w = pywalk_new(&p.target, &p.mem);
    n = pywalk_threads(w, th, 4);
    pywalk_resolve_tids(w, th, n, tasks, 2);
    CHECK_EQ_INT(th[0].tid, 31);
    pywalk_free(w);
    proc_fini(&p);
}

/* A thread state made for a thread not started yet carries its starter's
 * identity: the starter keeps the TID, the new state (listed first) gets
 * none, in either way the TID is known. States of two interpreters may
 * share a thread: both keep it. */
static void test_unstarted_thread_claims_no_tid(void)
{
    struct fake_proc p;
    struct pywalk_thread th[4];
    uint64_t pt[2];
    const uint32_t tids[] = {5000, 5001};

    proc_init(&p, L310);
    uint64_t interp = add_pthread_threads(&p, 2, pt);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    int n = pywalk_threads(w, th, 4);
    pywalk_resolve_tids(w, th, n, tids, 2); /* two threads confirm the offset */
    add_thread(&p, interp, pt[1], 0);       /* thread 5001 starts one */
    n = pywalk_threads(w, th, 4);
    CHECK_EQ_INT(n, 3);
    pywalk_resolve_tids(w, th, n, tids, 2);
    CHECK_EQ_INT(th[0].tid, 0);
    CHECK_EQ_INT(th[1].tid, 5001);
    CHECK_EQ_INT(th[2].tid, 5000);
    pywalk_free(w);
    proc_fini(&p);

    proc_init(&p, L311);
    interp = add_interp(&p);
    add_thread(&p, interp, 0xbeef, 31);
    add_thread(&p, interp, 0xbeef, 31);
    w = pywalk_new(&p.target, &p.mem);
    n = pywalk_threads(w, th, 4);
    pywalk_resolve_tids(w, th, n, tids, 2);
    CHECK_EQ_INT(th[0].tid, 0);
    CHECK_EQ_INT(th[1].tid, 31);
    pywalk_free(w);
    proc_fini(&p);

    proc_init(&p, L311);
    add_thread(&p, add_interp(&p), 0xbeef, 31);
    add_thread(&p, add_interp(&p), 0xbeef, 31);
    w = pywalk_new(&p.target, &p.mem);
    n = pywalk_threads(w, th, 4);
    CHECK_EQ_INT(n, 2);
    pywalk_resolve_tids(w, th, n, tids, 2);
    CHECK_EQ_INT(th[0].tid, 31);
    CHECK_EQ_INT(th[1].tid, 31);
    pywalk_free(w);
    proc_fini(&p);
}

/* A thread state whose TID was found is known by it while the process
 * lists that TID: its struct pthread is not read again. Another thread
 * state (a new tstate->id, even at the same address), or a TID no longer
 * listed, is searched for afresh. */
static void test_known_tids(void)
{
    struct fake_proc p;
    struct pywalk_thread th[2];
    const int tid_at = 720;
    const uint32_t tasks[] = {4242, 4243};

    proc_init(&p, L310);
    uint64_t pt = fake_alloc(&p.m, 2048);
    fake_i32(&p.m, pt + tid_at, 4242);
    add_thread(&p, add_interp(&p), pt, 0);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    int n = pywalk_threads(w, th, 2);
    pywalk_resolve_tids(w, th, n, tasks, 2);
    CHECK_EQ_INT(th[0].tid, 4242);

    fake_i32(&p.m, pt + tid_at, 4243); /* would be read as 4243 */
    n = pywalk_threads(w, th, 2);
    unsigned reads = p.m.reads;
    pywalk_resolve_tids(w, th, n, tasks, 2);
    CHECK_EQ_INT(p.m.reads, reads);
    CHECK_EQ_INT(th[0].tid, 4242);

    fake_u64(&p.m, p.tstate[0] + (uint64_t)p.off->thread.unique_id, 7);
    n = pywalk_threads(w, th, 2);
    pywalk_resolve_tids(w, th, n, tasks, 2);
    CHECK_EQ_INT(th[0].tid, 4243);

    fake_i32(&p.m, pt + tid_at, 4242);
    const uint32_t without_4243[] = {4242, 5000};
    pywalk_resolve_tids(w, th, n, without_4243, 2);
    CHECK_EQ_INT(th[0].tid, 4242);
    pywalk_free(w);
    proc_fini(&p);
}

/* Offsets a family needs but lacks make no walker. */
static void test_bad_offsets(void)
{
    struct fake_proc p;

    proc_init(&p, L311);
    p.off->iframe.previous = PYOFF_ABSENT;
    CHECK(pywalk_new(&p.target, &p.mem) == NULL);
    fill_offsets(p.off, L311);
    p.off->code.filename = 100000;
    CHECK(pywalk_new(&p.target, &p.mem) == NULL);
    fill_offsets(p.off, L311);
    p.off->family = PYFAMILY_UNKNOWN;
    CHECK(pywalk_new(&p.target, &p.mem) == NULL);
    fill_offsets(p.off, L312);
    p.off->iframe.owner = PYOFF_ABSENT; /* 3.12 needs it for shim frames */
    CHECK(pywalk_new(&p.target, &p.mem) == NULL);
    fill_offsets(p.off, L38);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    CHECK(w != NULL);
    pywalk_free(w);
    pywalk_free(NULL);
    proc_fini(&p);
}

/* A walk's newest frame, read again: unchanged while the thread stays in
 * it (even when the line moves on); a new frame pushed, the frame popped,
 * another function at the same address (3.11+ reuse the data stack) or
 * another caller under it are all "moved on"; so is no frame at all. */
static void test_recheck(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;

    proc_init(&p, l);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    uint64_t outer = add_code(&p, "r.py", "outer", NULL, 1);
    uint64_t inner = add_code(&p, "r.py", "inner", NULL, 10);
    uint64_t other = add_code(&p, "r.py", "other", NULL, 20);
    uint64_t bottom = push_frame(&p, t, outer, 0);
    uint64_t top = push_frame(&p, t, inner, 0);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    const struct py_offsets *o = p.off;
    uint64_t slot = newest_slot(&p, t);
    int32_t code_off = o->family == PYFAMILY_FRAME_OBJECT ? o->frame_object.code : o->iframe.code;

    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.newest, top);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), 0);
    /* The same frame at another instruction: still the same stack. */
    if (o->family == PYFAMILY_FRAME_OBJECT)
        fake_i32(&p.m, top + (uint64_t)o->frame_object.lasti, 2);
    else
        fake_u64(&p.m, top + (uint64_t)o->iframe.instr_ptr,
                 inner + (uint64_t)o->code.code_adaptive + 4);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), 0);
    /* Popped: the caller is the newest frame now. */
    fake_u64(&p.m, slot, bottom);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), -EAGAIN);
    /* Back at the same address, running another function. */
    fake_u64(&p.m, slot, top);
    uint64_t exec = fake_get_u64(&p.m, top + (uint64_t)code_off);
    fake_u64(&p.m, top + (uint64_t)code_off, exec - inner + other);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), -EAGAIN);
    /* The same function, but called from elsewhere. */
    fake_u64(&p.m, top + (uint64_t)code_off, exec);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), 0);
    fake_u64(&p.m, previous_slot(&p, top), 0);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), -EAGAIN);
    fake_u64(&p.m, previous_slot(&p, top), bottom);
    /* A newer frame pushed on top. */
    push_frame(&p, t, other, 0);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), -EAGAIN);
    /* No Python frame at all, then or now: unchanged; only now: moved. */
    fake_u64(&p.m, slot, 0);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), -EAGAIN);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.nframes, 0);
    CHECK_EQ_INT(s.newest, 0);
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), 0);
    /* The newest frame unreadable now: a read error, not "unchanged". */
    fake_u64(&p.m, slot, top);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    fake_u64(&p.m, slot, 0x10);
    s.newest = 0x10;
    CHECK_EQ_INT(pywalk_recheck(w, p.tstate[t], &s), -EFAULT);
    pywalk_free(w);
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_recheck %s)\n", layout_name[l]);
}

/* A struct rmem over a fake process whose "forget" lets the thread run:
 * it pops the newest frame, as a thread that moved on while its chain was
 * read would have, or moves a frame (and its code) to another instruction,
 * as the next call of a function reusing its frame would. */
struct moving {
    struct fake_proc *p;
    uint64_t slot, to;
    uint64_t frame, code;
    int64_t offset;
    int forgets;
};

static int moving_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct moving *m = ctx;
    return m->p->mem.read(m->p->mem.ctx, addr, buf, len);
}

static void moving_forget(void *ctx)
{
    struct moving *m = ctx;
    m->forgets++;
    if (m->to)
        fake_u64(&m->p->m, m->slot, m->to);
    if (m->frame)
        set_frame_offset(m->p, m->frame, m->code, m->offset);
}

/* A checked walk reads the newest frame again after the chain, through a
 * forgetting reader: unchanged, the whole stack; moved, -EAGAIN and no
 * frames at all. */
static void test_checked_walk(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;

    proc_init(&p, l);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    uint64_t bottom = push_frame(&p, t, add_code(&p, "m.py", "outer", NULL, 1), 0);
    push_frame(&p, t, add_code(&p, "m.py", "inner", NULL, 10), 0);
    struct moving m = {.p = &p, .slot = newest_slot(&p, t)};
    struct rmem mem = {.read = moving_read, .forget = moving_forget, .ctx = &m};
    struct pywalk *w = pywalk_new(&p.target, &mem);

    CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(m.forgets, 1);
    CHECK_EQ_INT(s.nframes, 2);
    check_frame(w, &s, 1, "outer", "m.py", 1);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(m.forgets, 1); /* only checked walks read again */
    m.to = bottom;
    CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[t], &s), -EAGAIN);
    CHECK_EQ_INT(s.nframes, 0);
    CHECK(s.truncated);
    /* Now it stays in the caller: a whole stack of one frame. */
    CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.nframes, 1);
    check_frame(w, &s, 0, "outer", "m.py", 1);
    pywalk_free(w);
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_checked_walk %s)\n", layout_name[l]);
}

/* A checked walk of a chain longer than the cap: the stack as it stands,
 * -E2BIG (not retried); found moved by the check, a torn read, -EAGAIN
 * (retried). An unheld walk can follow stale frames of a data stack that
 * link on and on. */
static void test_deep_checked_walk(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s;
    static uint64_t f[PYWALK_MAX_CHAIN + 10];

    struct pywalk *unused = chain(&p, l, PYWALK_MAX_CHAIN + 10, f);
    pywalk_free(unused);
    struct moving m = {.p = &p, .slot = newest_slot(&p, 0)};
    struct rmem mem = {.read = moving_read, .forget = moving_forget, .ctx = &m};
    struct pywalk *w = pywalk_new(&p.target, &mem);
    CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[0], &s), -E2BIG);
    CHECK(s.nframes >= PYWALK_MAX_DEPTH - 1);
    m.to = f[0]; /* the thread returned to its outermost frame meanwhile */
    CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[0], &s), -EAGAIN);
    CHECK_EQ_INT(s.nframes, 0);
    CHECK(s.truncated);
    pywalk_free(w);
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_deep_checked_walk %s)\n", layout_name[l]);
}

static int tail_unbroken(void *ctx)
{
    return *(const int *)ctx;
}

/* The instruction offset of a frame copied into buf, as set_frame_offset
 * sets it in memory. */
static void set_copy_offset(const struct fake_proc *p, uint8_t *buf, uint64_t code, int64_t offset)
{
    const struct py_offsets *o = p->off;
    if (o->family == PYFAMILY_FRAME_OBJECT) {
        int32_t lasti = (int32_t)(offset / (o->linetable == LINETABLE_310 ? 2 : 1));
        memcpy(buf + o->frame_object.lasti, &lasti, sizeof(lasti));
    } else {
        uint64_t at = code + (uint64_t)o->code.code_adaptive + (uint64_t)offset;
        memcpy(buf + o->iframe.instr_ptr, &at, sizeof(at));
    }
}

/* A check read ahead (struct pywalk_tail) stands for a walk's own when
 * nothing has been read since it: no forget, no read afresh. When the walk
 * finds the newest frame it was planned for, the tail's copy of that frame
 * gives the instruction's kind and the verdict (the line is the chain's
 * copy's: see newest_at_recheck); another newest frame is judged by the
 * tail's pointers. A read since, or another thread state, and the walk
 * checks itself afresh. */
static void test_tail_check(enum layout l)
{
    struct fake_proc p;
    struct pywalk_stack s = {0};

    proc_init(&p, l);
    int t = add_thread(&p, add_interp(&p), 1, 1);
    push_frame(&p, t, add_code(&p, "m.py", "outer", NULL, 1), 0);
    uint8_t bytes[144] = {0}; /* longer than the window read around an instruction */
    struct fake_code_spec spec = {
        .file = "m.py", .name = "inner", .firstlineno = 10, .table = p.tables[0],
        .table_len = p.table_len[0], .type = p.target.code_type_addr,
        .bytecode = bytes, .bytecode_len = sizeof(bytes),
    };
    uint64_t code = fake_code(&p.m, p.off, &spec);
    push_frame(&p, t, code, 0);
    struct moving m = {.p = &p};
    struct rmem mem = {.read = moving_read, .forget = moving_forget, .ctx = &m};
    struct pywalk *w = pywalk_new(&p.target, &mem);
    int unbroken = 1;
    struct pywalk_tail tail = {.unbroken = tail_unbroken, .ctx = &unbroken};

    pywalk_tail_plan(w, p.tstate[t], &s, &tail); /* no stack yet: nothing */
    CHECK_EQ_INT(tail.check.n, 0);
    CHECK_EQ_INT(pywalk_stack_checked_tail(w, p.tstate[t], &s, &tail), 0);
    CHECK_EQ_INT(m.forgets, 1);
    /* Once more: up to 3.10 the window is found through the code object's
     * entry, which the first walk has yet to make, so it reads no window. */
    CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[t], &s), 0);

    for (int round = 0; round < 5; round++) {
        pywalk_tail_plan(w, p.tstate[t], &s, &tail);
        tail.got = rmem_readv(&mem, tail.check.spans, (size_t)tail.check.n);
        CHECK_EQ_INT(tail.got, tail.check.n);
        int forgets = m.forgets, want = 0, line = 10;
        if (round == 1) { /* the thread moved on by the time the tail was copied: */
            set_copy_offset(&p, tail.check.frame, code, 2); /* the line is the chain's */
        } else if (round == 2) { /* and left the frame */
            uint64_t other = 0x5000;
            memcpy(tail.check.frame + (p.off->family == PYFAMILY_FRAME_OBJECT
                                           ? p.off->frame_object.code
                                           : p.off->iframe.code),
                   &other, sizeof(other));
            want = -EAGAIN;
        } else if (round == 3) {
            unbroken = 0;
        } else if (round == 4) {
            unbroken = 1;
            tail.tstate ^= 8;
        }
        CHECK_EQ_INT(pywalk_stack_checked_tail(w, p.tstate[t], &s, &tail), want);
        CHECK_EQ_INT(m.forgets, forgets + (round >= 3));
        if (want == 0) {
            CHECK_EQ_INT(s.nframes, 2);
            check_frame(w, &s, 0, "inner", "m.py", line);
        }
    }
    /* Planned from a stack whose newest frame the thread has left since
     * (a call-heavy thread, or the walk that tore before a retry): the
     * walk finds another newest frame, and the tail's pointers, copied
     * before the pages and after them, judge it alone: if either names
     * another frame (pushed after the first copy, or by the last), it is
     * torn. */
    for (int moved = 0; moved < 3; moved++) {
        struct pywalk_stack planned = s;
        planned.newest ^= 0x40;
        pywalk_tail_plan(w, p.tstate[t], &planned, &tail);
        CHECK_EQ_INT(tail.nbefore, tail.check.n - 1);
        CHECK_EQ_INT(rmem_readv(&mem, tail.before.spans, (size_t)tail.nbefore), tail.nbefore);
        tail.got = rmem_readv(&mem, tail.check.spans, (size_t)tail.check.n);
        CHECK_EQ_INT(tail.got, tail.check.n - 1); /* no frame where it was planned */
        if (moved) {
            struct pywalk_recheck *copy = moved == 1 ? &tail.before : &tail.check;
            uint8_t *page = moved == 1 ? tail.page_before : tail.page;
            uint64_t elsewhere = planned.newest;
            memcpy(tail.page_at ? page + (s.newest_at - tail.page_at) : (uint8_t *)&copy->newest,
                   &elsewhere, sizeof(elsewhere));
        }
        int forgets = m.forgets;
        CHECK_EQ_INT(pywalk_stack_checked_tail(w, p.tstate[t], &s, &tail), moved ? -EAGAIN : 0);
        CHECK_EQ_INT(m.forgets, forgets);
        if (!moved)
            check_frame(w, &s, 0, "inner", "m.py", 10);
    }
    pywalk_free(w);
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_tail_check %s)\n", layout_name[l]);
}

/* The first opcode of a kind in this layout's version. */
static uint8_t opcode_of_kind(const struct py_opcodes *ops, enum pyop_kind kind)
{
    for (int op = 1; op < 256; op++)
        if (pyopcodes_kind(ops, (uint8_t)op) == kind)
            return (uint8_t)op;
    return 0;
}

/* The innermost frame's instruction: a call (so a C callable runs),
 * behind an EXTENDED_ARG prefix too, a Python-callee call form, plain
 * bytecode; and a version without a table knows nothing. */
static void test_top_instruction(enum layout l)
{
    struct fake_proc p;
    struct py_opcodes ops;
    struct pywalk_stack s;

    proc_init(&p, l);
    pyopcodes_for_version(p.off->version_hex, &ops);
    CHECK(ops.known);
    uint8_t call = opcode_of_kind(&ops, PYOP_CALL), other = opcode_of_kind(&ops, PYOP_OTHER);
    uint8_t ext = opcode_of_kind(&ops, PYOP_EXTENDED_ARG);
    /* Longer than the window read around an instruction (the rest 0s). */
    uint8_t code_bytes[144] = {other, 0, call, 1, ext, 1, call, 2, other, 0};
    uint64_t interp = add_interp(&p);
    int t = add_thread(&p, interp, 0x7f0000001000, 4242);
    struct fake_code_spec spec = {
        .file = "/srv/app.py", .name = "f", .firstlineno = 1, .table = p.tables[0],
        .table_len = p.table_len[0], .type = p.target.code_type_addr,
        .bytecode = code_bytes, .bytecode_len = sizeof(code_bytes),
    };
    uint64_t code = fake_code(&p.m, p.off, &spec);
    uint64_t frame = push_frame(&p, t, code, 2);
    struct pywalk *w = pywalk_new(&p.target, &p.mem);
    CHECK(w != NULL);
    if (!w)
        goto out;
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.top_op, PYOP_CALL);
    CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.top_op, PYOP_CALL);

    /* Move the frame's instruction: the prefixed call, then plain code. */
    int64_t offsets[] = {4, 0, 8};
    uint8_t kinds[] = {PYOP_CALL, PYOP_OTHER, PYOP_OTHER};
    for (int i = 0; i < 3; i++) {
        set_frame_offset(&p, frame, code, offsets[i]);
        CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
        CHECK_EQ_INT(s.top_op, kinds[i]);
    }

    /* The window read by an earlier walk serves a later one in the same
     * code object: the bytecode changed in place (which no live target
     * does) tells a read from none. Another code object at the address (a
     * new entry: another first line) is read afresh. */
    uint64_t bytecode = p.off->code.code_adaptive >= 0
                            ? code + (uint64_t)p.off->code.code_adaptive
                            : fake_get_u64(&p.m, code + (uint64_t)p.off->code.bytecode) +
                                  (uint64_t)p.off->bytes.sval;
    fake_u8(&p.m, bytecode + 2, other);
    set_frame_offset(&p, frame, code, 2);
    CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
    CHECK_EQ_INT(s.top_op, PYOP_CALL);
    fake_i32(&p.m, code + (uint64_t)p.off->code.firstlineno, 7);
    for (int i = 0; i < 2; i++) { /* moved (so checked), then back */
        set_frame_offset(&p, frame, code, i ? 2 : 8);
        CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
        CHECK_EQ_INT(s.top_op, PYOP_OTHER);
    }
    fake_u8(&p.m, bytecode + 2, call);
    fake_i32(&p.m, code + (uint64_t)p.off->code.firstlineno, 1);
    pywalk_free(w);

    /* Read at its last instruction (plain code), the same frame is in its
     * next call by the recheck: a checked walk takes the instruction the
     * recheck found, the call. */
    struct moving m = {.p = &p, .frame = frame, .code = code, .offset = 2};
    struct rmem moving_mem = {.read = moving_read, .forget = moving_forget, .ctx = &m};
    w = pywalk_new(&p.target, &moving_mem);
    CHECK(w != NULL);
    if (w) {
        CHECK_EQ_INT(pywalk_stack_checked(w, p.tstate[t], &s), 0);
        CHECK_EQ_INT(m.forgets, 1);
        CHECK_EQ_INT(s.top_op, PYOP_CALL);
        pywalk_free(w);
    }

    /* A pre-release: its numbers are unknown, so is the instruction. */
    p.target.off.version_hex = (p.target.off.version_hex & ~0xffu) | 0xb1u;
    p.target.off.version_hex &= ~0xff00u;
    w = pywalk_new(&p.target, &p.mem);
    CHECK(w != NULL);
    if (w) {
        CHECK_EQ_INT(pywalk_stack(w, p.tstate[t], &s), 0);
        CHECK_EQ_INT(s.top_op, PYOP_UNKNOWN);
        pywalk_free(w);
    }
out:
    proc_fini(&p);
    if (harness_failures)
        fprintf(stderr, "  (after test_top_instruction %s)\n", layout_name[l]);
}

int main(void)
{
    for (enum layout l = L38; l <= L314; l++) {
        test_basic(l);
        test_bad_chains(l);
        test_deep_chain(l);
        test_bad_objects(l);
        test_threads(l);
        test_recheck(l);
        test_checked_walk(l);
        test_deep_checked_walk(l);
        test_tail_check(l);
        test_top_instruction(l);
        test_steady_reads(l);
    }
    test_skipped_frames(L312);
    test_skipped_frames(L313);
    test_skipped_frames(L314);
    test_reused_address();
    test_vouched_frames();
    test_resolve_tids();
    test_unstarted_thread_claims_no_tid();
    test_known_tids();
    test_bad_offsets();
    return test_finish("test_pywalk");
}
