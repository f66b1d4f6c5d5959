/* Walking a CPython process's threads and frame chains through struct rmem.
 * The frame families differ only in how a thread finds its newest frame and
 * how one frame is read; pywalk_new picks those two functions once. The rest
 * (bounds, cycle checks, line numbers) is shared; code objects are cached in
 * pycode.c, TIDs found in tidfind.c. Remote structs are never cast onto C
 * structs: each is copied into a local buffer and its fields taken out with
 * memcpy at the offsets of struct py_offsets. */
#include "daemon/pywalk.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "daemon/pycode.h"
#include "daemon/tidfind.h"
#include "symbols/linetable.h"
#include "symbols/pyopcodes.h"

#define PYWALK_MAX_INTERPS 64


/* Entries of the walker's line memo (struct line_memo): a power of two. */
#define PYWALK_LINE_MEMO 512

/* Addresses seen during one walk, for cycle checks: an open-addressing set
 * reset by bumping a generation rather than clearing it. Larger than every
 * bound above (steps, threads plus interpreters) so it never fills. */
/* No code object's bytecode is this long: an instruction offset beyond it
 * was read from a frame being rewritten. */
#define PYWALK_MAX_BYTECODE (64 << 20)
/* Bytes of bytecode read around the innermost instruction. */
#define PYWALK_TOP_WINDOW 128
#define SEEN_BITS 13
/* Frames a chain deeper than PYWALK_MAX_DEPTH keeps at its outer end: one
 * slot is left for the gap frame that stands for those between. */
#define KEEP_OUTER (PYWALK_MAX_DEPTH - 1 - PYWALK_KEEP_INNER)
#define SEEN_SLOTS (1u << SEEN_BITS)

struct frame_info {
    uint64_t code;     /* code object */
    int64_t offset;    /* instruction byte offset; negative: not started */
    uint64_t previous; /* the calling frame, 0 at the bottom */
    int skip;          /* not a Python function (shim, non-code executable) */
    int entry;         /* the frame says it is the first of an evaluation-loop call */
};

struct pywalk_family {
    /* The newest frame of the thread state at tstate (0: no Python frame),
     * and where that pointer was read (0: no newest frame can be there). */
    int (*newest)(struct pywalk *walk, uint64_t tstate, uint64_t *frame, uint64_t *at);
    int (*read)(struct pywalk *walk, uint64_t frame, struct frame_info *info);
};

struct pywalk {
    struct py_target target;
    struct rmem mem;
    const struct py_offsets *off; /* &target.off */
    const struct pywalk_family *family;
    int lasti_scale;          /* f_lasti to bytes: 1, or 2 where it counts units */
    uint64_t executable_mask; /* clears the tag bits of f_executable */
    /* 3.13+: a frame's executable may be another object than a code
     * object; phase two drops such frames (resolve_chain). */
    int executable_may_be_other;
    size_t frame_len, thread_len; /* bytes copied per frame, per thread state */

    struct pycode_cache *codes;
    struct tidfind tids;
    /* The TIDs the last listing's thread states claim, for
     * unclaim_unstarted: kept here, not allocated at every listing. */
    struct tid_claim {
        uint32_t tid;
        int index;
        uint64_t interp;
    } claims[PYWALK_MAX_THREADS];
    struct py_opcodes ops; /* this version's call opcodes */

    /* The frames a walk's first phase found, innermost first. */
    struct pending_frame {
        uint64_t frame; /* where the frame lies */
        uint64_t code;
        int64_t offset;
        int entry;       /* the first frame of an evaluation-loop call */
        uint32_t leader; /* the innermost pending frame with this code object */
        uint32_t header; /* its code object's slot in headers; NO_HEADER: vouched */
        uint32_t vouched; /* 1 + the id a frame vouched for (pycode_vouched), or 0 */
    } pending[PYWALK_MAX_DEPTH];

    /* Phase two reads the code objects' headers (pycode_header_len bytes
     * each, one slot per distinct object) and the innermost frame's current
     * instruction in one go: top_window holds the bytecode around it, read
     * at top_window_addr, where the recheck may find the frame moved to (a
     * loop's body, most often). A later walk whose innermost instruction
     * lies in the same code object's window reads none. */
    uint8_t *headers;
    size_t header_len;
    uint8_t top_window[PYWALK_TOP_WINDOW];
    uint64_t top_window_addr; /* where top_window was read from */
    uint32_t top_window_code; /* 1 + the id of the code it holds; 0: none yet */
    int top_window_read;      /* this walk may use it (set by top_window_span, read_headers) */
    int top_window_kept;      /* an earlier walk's, read again by none */
    /* A chain deeper than PYWALK_MAX_DEPTH keeps its innermost frames in
     * pending[0, PYWALK_KEEP_INNER) and its outermost in the rest, a ring
     * while the chain is read (pending_slot); the frames between them are
     * counted, not kept. */
    struct pending_frame ring_copy[KEEP_OUTER];
    uint32_t elided;
    uint32_t gap_id; /* 1 + the gap frame's code id (pycode_add_gap); 0: none yet */
    int newest_pending; /* pending[0] is the chain's newest frame */
    /* Its instruction offset as the walk's recheck read it (-1: not read):
     * where its instruction's kind is read (newest_at_recheck). */
    int64_t recheck_offset;
    uint32_t first_kept; /* the first pending frame phase two kept (resolve_chain) */

    /* The line last found for a code id, at an instruction offset:
     * decoding a line table is most of a walk's own CPU, and a recursion,
     * or a loop seen tick after tick, asks the same again. Direct-mapped
     * by id; an id names one version of a code object for good. */
    struct line_memo {
        uint32_t id_plus1; /* 0: empty */
        int line;
        int64_t offset;
    } lines[PYWALK_LINE_MEMO];

    uint64_t seen[SEEN_SLOTS];
    uint32_t seen_gen[SEEN_SLOTS];
    uint32_t generation;
};

void pywalk_stack_copy(struct pywalk_stack *to, const struct pywalk_stack *from)
{
    uint32_t n = from->nframes < PYWALK_MAX_DEPTH ? from->nframes : PYWALK_MAX_DEPTH;
    memcpy(to, from, offsetof(struct pywalk_stack, frames));
    memcpy(to->frames, from->frames, n * sizeof(from->frames[0]));
    memcpy(to->entries, from->entries, sizeof(from->entries));
}

/* ---- local buffers ---------------------------------------------------- */

static uint64_t get_u64(const uint8_t *buf, int32_t off)
{
    uint64_t v;
    memcpy(&v, buf + off, sizeof(v));
    return v;
}

static int32_t get_i32(const uint8_t *buf, int32_t off)
{
    int32_t v;
    memcpy(&v, buf + off, sizeof(v));
    return v;
}

static int read_u64(const struct pywalk *walk, uint64_t addr, uint64_t *out)
{
    return rmem_read(&walk->mem, addr, out, sizeof(*out));
}

/* Grows *span to cover a field of width bytes at off; a required field that
 * is absent makes the span unusable (SIZE_MAX). */
static void cover(size_t *span, int32_t off, size_t width, int required)
{
    if (off == PYOFF_ABSENT && !required)
        return;
    if (off < 0) {
        *span = SIZE_MAX;
        return;
    }
    if (*span != SIZE_MAX && (size_t)off + width > *span)
        *span = (size_t)off + width;
}

/* ---- cycle checks ----------------------------------------------------- */

static void seen_reset(struct pywalk *walk)
{
    if (++walk->generation == 0) {
        memset(walk->seen_gen, 0, sizeof(walk->seen_gen));
        walk->generation = 1;
    }
}

/* Returns 1 when addr is new, 0 when it was seen in this walk already. */
static int seen_add(struct pywalk *walk, uint64_t addr)
{
    uint32_t i = (uint32_t)(((addr >> 3) * 0x9e3779b97f4a7c15ull) >> (64 - SEEN_BITS));

    for (;;) {
        if (walk->seen_gen[i] != walk->generation) {
            walk->seen_gen[i] = walk->generation;
            walk->seen[i] = addr;
            return 1;
        }
        if (walk->seen[i] == addr)
            return 0;
        i = (i + 1) & (SEEN_SLOTS - 1);
    }
}

/* ---- frame families --------------------------------------------------- */

/* 3.8-3.10: tstate->frame is a PyFrameObject. */
static int frame_object_newest(struct pywalk *walk, uint64_t tstate, uint64_t *frame, uint64_t *at)
{
    *at = tstate + (uint64_t)walk->off->thread.frame;
    return read_u64(walk, *at, frame);
}

static int frame_object_read(struct pywalk *walk, uint64_t frame, struct frame_info *info)
{
    const struct py_offsets *off = walk->off;
    uint8_t buf[PYWALK_SPAN_MAX];
    int rc = rmem_read(&walk->mem, frame, buf, walk->frame_len);

    if (rc < 0)
        return rc;
    int32_t lasti = get_i32(buf, off->frame_object.lasti);
    info->code = get_u64(buf, off->frame_object.code);
    info->previous = get_u64(buf, off->frame_object.back);
    /* f_lasti is -1 before the first instruction runs. */
    info->offset = lasti < 0 ? -1 : (int64_t)lasti * walk->lasti_scale;
    info->skip = 0;
    /* Up to 3.10 every Python call runs its own evaluation loop. */
    info->entry = 1;
    return 0;
}

/* The instruction pointer of an interpreter frame as a byte offset into the
 * code object's co_code_adaptive, which lives inside the code object. */
static int64_t instr_offset(const struct pywalk *walk, uint64_t code, uint64_t instr)
{
    return (int64_t)(instr - (code + (uint64_t)walk->off->code.code_adaptive));
}

/* Frames that run no code of the program: 3.12+ shim frames owned by the
 * C stack, and 3.14's entry frames owned by the interpreter. */
static int not_program_frame(const struct pywalk *walk, const uint8_t *buf)
{
    const struct py_offsets *off = walk->off;

    if (off->iframe.owner == PYOFF_ABSENT)
        return 0;
    uint8_t owner = buf[off->iframe.owner];
    return (off->iframe.owner_cstack >= 0 && owner == (uint8_t)off->iframe.owner_cstack) ||
           (off->iframe.owner_interpreter >= 0 &&
            owner == (uint8_t)off->iframe.owner_interpreter);
}

/* 3.11-3.12: tstate->cframe->current_frame. */
static int interp_frame_newest(struct pywalk *walk, uint64_t tstate, uint64_t *frame, uint64_t *at)
{
    uint64_t cframe;
    int rc = read_u64(walk, tstate + (uint64_t)walk->off->thread.cframe, &cframe);

    *at = 0;
    if (rc < 0)
        return rc;
    if (cframe == 0) {
        *frame = 0;
        return 0;
    }
    *at = cframe + (uint64_t)walk->off->cframe.current_frame;
    return read_u64(walk, *at, frame);
}

/* 3.11-3.12: prev_instr is the last executed instruction, so the caller's
 * frame points at its call. 3.12 pushes shim frames owned by the C stack
 * between C and Python code: they are no function of the program. */
static int interp_frame_read(struct pywalk *walk, uint64_t frame, struct frame_info *info)
{
    const struct py_offsets *off = walk->off;
    uint8_t buf[PYWALK_SPAN_MAX];
    int rc = rmem_read(&walk->mem, frame, buf, walk->frame_len);

    if (rc < 0)
        return rc;
    info->code = get_u64(buf, off->iframe.code);
    info->previous = get_u64(buf, off->iframe.previous);
    info->offset = instr_offset(walk, info->code, get_u64(buf, off->iframe.instr_ptr));
    info->skip = not_program_frame(walk, buf);
    /* 3.11: is_entry flags the frame an evaluation-loop call started with;
     * 3.12 has no such field (the shim frame under it says so). */
    info->entry = off->iframe.is_entry > 0 && buf[off->iframe.is_entry] != 0;
    return 0;
}

/* 3.13+: tstate->current_frame. */
static int current_frame_newest(struct pywalk *walk, uint64_t tstate, uint64_t *frame,
                                uint64_t *at)
{
    *at = tstate + (uint64_t)walk->off->thread.current_frame;
    return read_u64(walk, *at, frame);
}

/* 3.13+: f_executable may be something other than a code object, and
 * instr_ptr is the current instruction. In 3.14 f_executable is a tagged
 * reference whose low bits executable_mask clears, and the interpreter's
 * own entry frames are skipped like shims. The object's type is not read
 * here: phase two reads each code object's header, type included, unless
 * one of its frames vouches for it (pycode_vouched), and drops a frame
 * whose object is no code object then. Reading it here cost a page per
 * code object and tick, most of a walk's reads at a steady stack. */
static int current_frame_read(struct pywalk *walk, uint64_t frame, struct frame_info *info)
{
    const struct py_offsets *off = walk->off;
    uint8_t buf[PYWALK_SPAN_MAX];
    int rc = rmem_read(&walk->mem, frame, buf, walk->frame_len);

    if (rc < 0)
        return rc;
    info->code = get_u64(buf, off->iframe.code) & walk->executable_mask;
    info->previous = get_u64(buf, off->iframe.previous);
    info->offset = instr_offset(walk, info->code, get_u64(buf, off->iframe.instr_ptr));
    info->skip = not_program_frame(walk, buf);
    info->entry = 0; /* the shim frame under it says so */
    return 0;
}

static const struct pywalk_family family_frame_object = {
    .newest = frame_object_newest,
    .read = frame_object_read,
};

static const struct pywalk_family family_interp_frame = {
    .newest = interp_frame_newest,
    .read = interp_frame_read,
};

static const struct pywalk_family family_current_frame = {
    .newest = current_frame_newest,
    .read = current_frame_read,
};

/* ---- public API ------------------------------------------------------- */

/* Computes the spans of the remote structs the walker copies. Returns 0 or
 * -EINVAL when a field the family needs is absent or too far out. */
static int compute_spans(struct pywalk *walk)
{
    const struct py_offsets *off = walk->off;
    size_t frame = 0, thread = 0;
    /* Fields read one at a time, only checked: PyInterpreterState is
     * several KiB in 3.13, too big to copy for two pointers. */
    size_t other = 0;

    if (walk->family == &family_frame_object) {
        cover(&frame, off->frame_object.back, 8, 1);
        cover(&frame, off->frame_object.code, 8, 1);
        cover(&frame, off->frame_object.lasti, 4, 1);
        cover(&other, off->thread.frame, 8, 1);
    } else {
        cover(&frame, off->iframe.code, 8, 1);
        cover(&frame, off->iframe.previous, 8, 1);
        cover(&frame, off->iframe.instr_ptr, 8, 1);
        cover(&frame, off->iframe.owner, 1,
              off->iframe.owner_cstack >= 0 || off->iframe.owner_interpreter >= 0);
        if (off->iframe.is_entry > 0)
            cover(&frame, off->iframe.is_entry, 1, 0);
        cover(&other, off->code.code_adaptive, 0, 1);
        if (walk->family == &family_interp_frame) {
            cover(&other, off->thread.cframe, 8, 1);
            cover(&other, off->cframe.current_frame, 8, 1);
        } else {
            cover(&other, off->thread.current_frame, 8, 1);
        }
    }
    cover(&thread, off->thread.next, 8, 1);
    cover(&thread, off->thread.interp, 8, 0);
    cover(&thread, off->thread.thread_id, 8, 1);
    cover(&thread, off->thread.native_thread_id, 8, 0);
    if (off->thread.native_thread_id == PYOFF_ABSENT)
        cover(&thread, off->thread.unique_id, 8, 0);
    cover(&other, off->interp.next, 8, 1);
    cover(&other, off->interp.threads_head, 8, 1);
    cover(&other, off->runtime.interpreters_head, 8, 1);

    if (frame > PYWALK_SPAN_MAX || thread > PYWALK_SPAN_MAX || other == SIZE_MAX)
        return -EINVAL;
    walk->frame_len = frame;
    walk->thread_len = thread;
    return 0;
}

struct pywalk *pywalk_new(const struct py_target *target, const struct rmem *mem)
{
    struct pywalk *walk = calloc(1, sizeof(*walk));

    if (!walk)
        return NULL;
    walk->target = *target;
    walk->mem = *mem;
    walk->off = &walk->target.off;
    tidfind_init(&walk->tids, target->pid);
    walk->lasti_scale = 1;
    walk->executable_mask = ~(uint64_t)0;
    pyopcodes_for_version(walk->off->version_hex, &walk->ops); /* unknown: no native split */

    switch (walk->off->family) {
    case PYFAMILY_FRAME_OBJECT:
        walk->family = &family_frame_object;
        /* 3.10 counts f_lasti in code units; its line table is the 3.10
         * format, which is how the offsets tell the two apart. */
        if (walk->off->linetable == LINETABLE_310)
            walk->lasti_scale = 2;
        break;
    case PYFAMILY_INTERP_FRAME:
        walk->family = &family_interp_frame;
        break;
    case PYFAMILY_CURRENT_FRAME:
        walk->family = &family_current_frame;
        walk->executable_may_be_other = target->code_type_addr != 0;
        break;
    case PYFAMILY_TAGGED_FRAME:
        walk->family = &family_current_frame;
        walk->executable_mask = ~(uint64_t)3; /* tag bits of a stack reference */
        walk->executable_may_be_other = target->code_type_addr != 0;
        break;
    case PYFAMILY_UNKNOWN:
        break;
    }
    if (!walk->family || walk->off->linetable == LINETABLE_UNKNOWN ||
        compute_spans(walk) < 0)
        goto fail;
    walk->codes = pycode_cache_new(&walk->mem, walk->off, target->code_type_addr);
    if (!walk->codes)
        goto fail;
    walk->header_len = pycode_header_len(walk->codes);
    walk->headers = malloc(PYWALK_MAX_DEPTH * walk->header_len);
    if (!walk->headers)
        goto fail;
    return walk;

fail:
    pycode_cache_free(walk->codes);
    free(walk);
    return NULL;
}

void pywalk_free(struct pywalk *walk)
{
    if (!walk)
        return;
    pycode_cache_free(walk->codes);
    free(walk->headers);
    free(walk);
}

const struct pywalk_code *pywalk_code(const struct pywalk *walk, uint32_t code_id)
{
    const struct pycode *code = pycode_get(walk->codes, code_id);
    return code ? &code->pub : NULL;
}

uint32_t pywalk_code_count(const struct pywalk *walk)
{
    return pycode_count(walk->codes);
}

int64_t pywalk_add_native(struct pywalk *walk, const char *object, const char *symbol)
{
    uint32_t id;
    int rc = pycode_add_native(walk->codes, object, symbol, &id);
    return rc < 0 ? rc : (int64_t)id;
}

/* Where the chain's k-th program frame (0: the newest) is pending: past
 * PYWALK_KEEP_INNER, the outer slots are a ring that ends up holding the
 * outermost frames (a deep recursion repeats itself in the middle, while
 * both ends say where the time goes and where the program called from). */
static uint32_t pending_slot(uint32_t k)
{
    return k < PYWALK_KEEP_INNER ? k : PYWALK_KEEP_INNER + (k - PYWALK_KEEP_INNER) % KEEP_OUTER;
}

/* Once a chain's found program frames are read: how many are pending, the
 * ring of a deeper chain's outer frames put in order, innermost first, and
 * walk->elided set (resolve_chain puts the gap frame in their place). */
static uint32_t unroll_outer_ring(struct pywalk *walk, uint32_t found)
{
    const uint32_t kept = PYWALK_KEEP_INNER + KEEP_OUTER;
    walk->elided = found > kept ? found - kept : 0;
    if (!walk->elided)
        return found;
    /* The oldest frame kept, number found - KEEP_OUTER, and the ring's start. */
    uint32_t first = pending_slot(found - KEEP_OUTER) - PYWALK_KEEP_INNER;
    struct pending_frame *ring = walk->pending + PYWALK_KEEP_INNER;
    for (uint32_t j = 0; j < KEEP_OUTER; j++)
        walk->ring_copy[j] = ring[(first + j) % KEEP_OUTER];
    memcpy(ring, walk->ring_copy, sizeof(walk->ring_copy));
    return kept;
}

/* Phase one of a walk: the chain of frames from the newest, reading frames
 * only, so that a thread that runs on has little time to move meanwhile.
 * Leaves the program's frames in walk->pending (*n of them; a deeper chain
 * its two ends, walk->elided counting the frames between). */
static int read_chain(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out, uint32_t *n)
{
    uint64_t frame;
    int rc, steps = 0;
    uint32_t found = 0;

    seen_reset(walk);
    walk->elided = 0;
    rc = walk->family->newest(walk, tstate, &frame, &out->newest_at);
    if (rc == 0)
        out->newest = frame;
    while (rc == 0 && frame != 0) {
        struct frame_info info;

        if (steps++ >= PYWALK_MAX_CHAIN) {
            rc = -E2BIG;
            break;
        }
        if (!seen_add(walk, frame)) {
            rc = -ELOOP;
            break;
        }
        rc = walk->family->read(walk, frame, &info);
        if (rc < 0)
            break;
        if (steps == 1) {
            out->newest_code = info.code;
            out->newest_previous = info.previous;
            walk->newest_pending = !info.skip;
        }
        if (!info.skip) {
            struct pending_frame *p = &walk->pending[pending_slot(found++)];
            p->frame = frame;
            p->code = info.code;
            p->offset = info.offset;
            p->entry = info.entry;
        } else if (found > 0) {
            /* 3.12+: a C-stack (or 3.14 interpreter) frame lies under the
             * first frame of each evaluation-loop call. */
            walk->pending[pending_slot(found - 1)].entry = 1;
        }
        frame = info.previous;
    }
    /* The outermost frame was entered from C, whatever it says. */
    if (rc == 0 && found > 0)
        walk->pending[pending_slot(found - 1)].entry = 1;
    *n = unroll_outer_ring(walk, found);
    return rc;
}

/* A pending frame whose code object needs no header: vouched for. */
#define NO_HEADER UINT32_MAX

/* Gives each pending frame its code object's header slot: one per distinct
 * object (a recursion repeats the one just before), none for an object
 * one of its frames vouches for (pycode_vouched). Returns the slots. */
static uint32_t assign_headers(struct pywalk *walk, uint32_t n)
{
    uint64_t now_ns = clock_monotonic_ns();
    uint32_t slots = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct pending_frame *p = &walk->pending[i];
        uint32_t j = i;
        if (i > 0 && walk->pending[i - 1].code == p->code)
            j = walk->pending[i - 1].leader;
        else
            for (j = 0; j < i && walk->pending[j].code != p->code; j++)
                ;
        p->leader = j;
        p->vouched = 0;
        const struct pycode *v =
            pycode_vouched(walk->codes, p->code, p->frame, p->offset, now_ns);
        if (v)
            walk->pending[j].vouched = v->id + 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct pending_frame *p = &walk->pending[i];
        if (p->leader == i) {
            p->header = p->vouched ? NO_HEADER : slots++;
        } else {
            p->header = walk->pending[p->leader].header;
            p->vouched = walk->pending[p->leader].vouched;
        }
    }
    return slots;
}

/* The span of the bytecode around the innermost frame's current
 * instruction (top_window): inside the code object from 3.11, in the
 * bytes object the code object met before names (pycode_bytecode_at;
 * instruction_kind uses the window only if that is still its bytecode).
 * 0 when it cannot be read that way, or when the window an earlier walk
 * read holds the instruction (top_window_kept; instruction_kind checks
 * that it is the same code object's: as bytecode is not rewritten across
 * call families, its bytes still tell the instruction's kind). */
static int top_window_span(struct pywalk *walk, uint32_t n, struct rmem_span *span)
{
    const struct pending_frame *top = &walk->pending[0];
    walk->top_window_kept = walk->top_window_read = 0;
    if (n == 0 || !walk->ops.known || top->offset < 0 || top->offset > PYWALK_MAX_BYTECODE)
        return 0;
    uint64_t start = walk->off->code.code_adaptive >= 0
                         ? top->code + (uint64_t)walk->off->code.code_adaptive
                         : pycode_bytecode_at(walk->codes, top->code);
    if (!start)
        return 0;
    uint64_t insn = start + (uint64_t)top->offset;
    if (walk->top_window_code && insn >= walk->top_window_addr &&
        insn + 8 <= walk->top_window_addr + PYWALK_TOP_WINDOW) {
        walk->top_window_kept = walk->top_window_read = 1;
        return 0;
    }
    walk->top_window_code = 0; /* the buffer is overwritten, maybe in part */
    int64_t at = top->offset > PYWALK_TOP_WINDOW / 2 ? top->offset - PYWALK_TOP_WINDOW / 2 : 0;
    walk->top_window_addr = start + (uint64_t)at;
    *span = (struct rmem_span){.addr = walk->top_window_addr,
                               .buf = walk->top_window,
                               .len = sizeof(walk->top_window)};
    return 1;
}

/* Reads nlead spans of the caller's, then the pending frames' code object
 * headers, then the innermost instruction, in one rmem_readv. Returns how
 * many header slots were read (those after an unreadable one are read one
 * by one by pycode_lookup); *lead_got says how many lead spans were, or
 * the error when not even the first was. */
static uint32_t read_headers(struct pywalk *walk, uint32_t n, const struct rmem_span *lead,
                             uint32_t nlead, int *lead_got)
{
    struct rmem_span spans[PYWALK_RECHECK_SPANS + PYWALK_MAX_DEPTH + 1];
    uint32_t slots = assign_headers(walk, n), nspans = nlead;

    if (nlead)
        memcpy(spans, lead, nlead * sizeof(*spans));
    for (uint32_t i = 0; i < n; i++) {
        if (walk->pending[i].header != nspans - nlead)
            continue;
        spans[nspans] = (struct rmem_span){
            .addr = walk->pending[i].code,
            .buf = walk->headers + (nspans - nlead) * walk->header_len,
            .len = walk->header_len};
        nspans++;
    }
    int units = top_window_span(walk, n, &spans[nspans]);
    int got = nspans + (uint32_t)units ? rmem_readv(&walk->mem, spans, nspans + (uint32_t)units)
                                       : 0;
    *lead_got = got < 0 || (uint32_t)got < nlead ? got : (int)nlead;
    if (got < 0 || (uint32_t)got <= nlead)
        return 0;
    uint32_t headers = (uint32_t)got - nlead;
    walk->top_window_read = walk->top_window_kept || (units && headers == slots + 1);
    return headers < slots ? headers : slots;
}

/* The line of a code object's instruction at offset (linetable_line; 0
 * when unknown), through the walker's memo. */
static int code_line(struct pywalk *walk, const struct pycode *code, int64_t offset)
{
    struct line_memo *memo = &walk->lines[code->id & (PYWALK_LINE_MEMO - 1)];
    if (memo->id_plus1 == code->id + 1 && memo->offset == offset)
        return memo->line;
    int line = linetable_line(walk->off->linetable, code->table, code->table_len,
                              code->pub.firstlineno, offset);
    *memo = (struct line_memo){.id_plus1 = code->id + 1, .line = line < 0 ? 0 : line,
                               .offset = offset};
    return memo->line;
}

/* A pending frame's code object, vouched for or looked up (and then
 * vouched for by its frame): 0 or pycode_lookup's error. */
static int frame_code(struct pywalk *walk, const struct pending_frame *p, uint32_t headers,
                      uint64_t now_ns, const struct pycode **code)
{
    if (p->vouched) {
        *code = pycode_get(walk->codes, p->vouched - 1);
        return 0;
    }
    int rc = p->header < headers
                 ? pycode_lookup_header(walk->codes, p->code,
                                        walk->headers + p->header * walk->header_len, code)
                 : pycode_lookup(walk->codes, p->code, code);
    /* Checked: the outermost of its frames (the last to come) is the
     * likeliest to stand still until the next walk. */
    if (rc == 0)
        pycode_vouch(walk->codes, (*code)->id, p->frame, p->offset, now_ns);
    return rc;
}

/* Frame i of out is the first of an evaluation-loop call. */
static void mark_entry(struct pywalk_stack *out, uint32_t i)
{
    out->entries[i / 64] |= 1ull << (i % 64);
}

/* Whether the object at addr is a code object, read by its type alone (a
 * smaller object than a code object's header may end its mapping). */
static int is_code_object(struct pywalk *walk, uint64_t addr)
{
    uint64_t type;
    return read_u64(walk, addr + (uint64_t)walk->off->object.ob_type, &type) < 0 ||
           type == walk->target.code_type_addr;
}

/* Appends the gap frame, for the walk->elided frames of a deep chain. */
static int add_gap_frame(struct pywalk *walk, struct pywalk_stack *out)
{
    uint32_t id;
    if (!walk->gap_id) {
        int rc = pycode_add_gap(walk->codes, &id);
        if (rc < 0)
            return rc;
        walk->gap_id = id + 1;
    }
    out->elided = walk->elided;
    out->frames[out->nframes++] = (struct pywalk_frame){.code_id = walk->gap_id - 1, .line = 0};
    return 0;
}

/* Phase two: code objects (cached, checked at every use) and lines, from
 * the headers read already (headers >= 0, see read_headers) or now. A
 * frame whose executable is no code object (executable_may_be_other; -EINVAL) runs
 * no code of the program: it is left out, and marks the frame above it as
 * the first of an evaluation-loop call, as a skipped frame does. */
static int resolve_chain(struct pywalk *walk, struct pywalk_stack *out, uint32_t n, int headers_read)
{
    int unused;
    uint32_t headers = headers_read >= 0 ? (uint32_t)headers_read
                                         : read_headers(walk, n, NULL, 0, &unused);
    uint64_t now_ns = clock_monotonic_ns();
    walk->first_kept = n;
    for (uint32_t i = 0; i < n; i++) {
        const struct pycode *code;
        const struct pending_frame *p = &walk->pending[i];
        if (i == PYWALK_KEEP_INNER && walk->elided && add_gap_frame(walk, out) < 0)
            return -ENOMEM;
        int rc = frame_code(walk, p, headers, now_ns, &code);
        if (walk->executable_may_be_other &&
            (rc == -EINVAL || (rc < 0 && !is_code_object(walk, p->code)))) {
            if (out->nframes > 0)
                mark_entry(out, out->nframes - 1);
            continue;
        }
        if (rc < 0)
            return rc;
        if (walk->first_kept == n)
            walk->first_kept = i;
        out->frames[out->nframes].code_id = code->id;
        out->frames[out->nframes].line = code_line(walk, code, p->offset);
        if (walk->pending[i].entry)
            mark_entry(out, out->nframes);
        out->nframes++;
    }
    return 0;
}

/* The kind of the instruction at byte offset `offset` of a code object's
 * bytecode. A code unit is two bytes, opcode first; EXTENDED_ARG prefixes
 * (at most three) belong to the instruction that follows them. The bytes
 * read are the instruction the chain was read at even if the thread has
 * moved on since: bytecode is not rewritten across call families. */
static uint8_t instruction_kind(struct pywalk *walk, const struct pycode *code, int64_t offset)
{
    uint8_t units[8];

    if (!walk->ops.known || !code || !code->bytecode || offset < 0 ||
        offset > PYWALK_MAX_BYTECODE)
        return PYOP_UNKNOWN;
    uint64_t start = code->bytecode, at = start + (uint64_t)offset;
    int in_window = walk->top_window_read && at >= walk->top_window_addr &&
                    at + sizeof(units) <= walk->top_window_addr + PYWALK_TOP_WINDOW;
    /* A window read by this walk is this code's from now on; one kept
     * from an earlier walk serves only the code it was read for (another
     * one's makes the next walk read afresh). */
    if (in_window && !walk->top_window_code) {
        walk->top_window_code = code->id + 1;
    } else if (in_window && walk->top_window_code != code->id + 1) {
        walk->top_window_code = 0;
        in_window = 0;
    }
    if (in_window)
        memcpy(units, walk->top_window + (at - walk->top_window_addr), sizeof(units));
    /* Outside the window (read with the headers, or not at all): the units
     * alone, not the page they lie on through the cache. */
    if (!in_window) {
        struct rmem_span span = {start + (uint64_t)offset, units, sizeof(units)};
        in_window = rmem_readv(&walk->mem, &span, 1) == 1;
    }
    for (int unit = 0; unit < 4; unit++) {
        uint8_t opcode = units[2 * unit];
        if (!in_window &&
            rmem_read(&walk->mem, start + (uint64_t)offset + 2u * (uint64_t)unit, &opcode, 1) < 0)
            return PYOP_UNKNOWN;
        enum pyop_kind kind = pyopcodes_kind(&walk->ops, opcode);
        if (kind != PYOP_EXTENDED_ARG)
            return (uint8_t)kind;
    }
    return PYOP_UNKNOWN;
}

/* The code and caller fields of a frame copied into buf. */
static void frame_links(const struct pywalk *walk, const uint8_t *buf, uint64_t *code,
                        uint64_t *previous)
{
    const struct py_offsets *off = walk->off;
    if (walk->family == &family_frame_object) {
        *code = get_u64(buf, off->frame_object.code);
        *previous = get_u64(buf, off->frame_object.back);
    } else {
        *code = get_u64(buf, off->iframe.code) & walk->executable_mask;
        *previous = get_u64(buf, off->iframe.previous);
    }
}

static void recheck_plan(const struct pywalk *walk, uint64_t tstate,
                         const struct pywalk_stack *stack, struct pywalk_recheck *r)
{
    r->n = 0;
    r->cframe = r->newest = 0;
    r->via_cframe = walk->family == &family_interp_frame;
    if (r->via_cframe)
        r->spans[r->n++] =
            (struct rmem_span){tstate + (uint64_t)walk->off->thread.cframe, &r->cframe, 8};
    r->spans[r->n++] = (struct rmem_span){stack->newest_at, &r->newest, 8};
    r->spans[r->n++] = (struct rmem_span){stack->newest, r->frame, walk->frame_len};
}

/* The verdict of a recheck's pointers once got of its spans were read:
 * whether they still lead to the stack's newest frame. */
static int pointers_judge(const struct pywalk *walk, const struct pywalk_stack *stack,
                          const struct pywalk_recheck *r, int got)
{
    if (got < 0)
        return got;
    if (r->via_cframe && r->cframe + (uint64_t)walk->off->cframe.current_frame != stack->newest_at)
        return -EAGAIN;
    if (got < r->n - 1)
        return -EFAULT;
    return r->newest == stack->newest ? 0 : -EAGAIN;
}

/* The recheck's verdict once got of its spans were read. A span after one
 * that moved may read freed memory: what moved is judged first. */
static int recheck_judge(const struct pywalk *walk, const struct pywalk_stack *stack,
                         const struct pywalk_recheck *r, int got)
{
    uint64_t code, previous;
    int rc = pointers_judge(walk, stack, r, got);
    if (rc < 0)
        return rc;
    if (got < r->n)
        return -EFAULT;
    frame_links(walk, r->frame, &code, &previous);
    return code == stack->newest_code && previous == stack->newest_previous ? 0 : -EAGAIN;
}

static int recheck_at_once(struct pywalk *walk, uint64_t tstate, const struct pywalk_stack *stack)
{
    struct pywalk_recheck r;
    recheck_plan(walk, tstate, stack, &r);
    return recheck_judge(walk, stack, &r, rmem_readv(&walk->mem, r.spans, (size_t)r.n));
}

/* The instruction offset in a copy of a frame whose code object is code. */
static int64_t frame_offset(const struct pywalk *walk, const uint8_t *buf, uint64_t code)
{
    if (walk->family == &family_frame_object) {
        int32_t lasti = get_i32(buf, walk->off->frame_object.lasti);
        return lasti < 0 ? -1 : (int64_t)lasti * walk->lasti_scale;
    }
    return instr_offset(walk, code, get_u64(buf, walk->off->iframe.instr_ptr));
}

/* A recheck that found the same newest frame (address, code, caller) may
 * still find it at another instruction. Frames are reused at the same
 * address by the next call of the same function (3.8-3.10's zombie
 * frames, 3.11+'s data stack), so a walk that a return and the next call
 * straddled reads the returning instruction of a frame that is inside its
 * next call by the recheck (json.dumps: the frame of `return
 * _iterencode(o, 0)` read at its RETURN_VALUE, Python time, while the
 * thread ran the C encoder again; beside a busy loop the daemon is
 * preempted mid-walk and such walks took up to a fifth of the line). The
 * recheck's instruction is where the thread stands at the end of the walk:
 * the newest frame's instruction kind comes from it (recheck_offset).
 * Its line does not: the recheck's copy comes at the end of a read whose
 * timing on a VM depends on what the thread does, and lines taken from it
 * put a system call's line 2-3 pp off its measure in either direction,
 * where the chain's copy came within 1 pp in the same six sessions
 * (syscall_line_gets_its_share's workload, 3.11 and 3.12). */
static void newest_at_recheck(struct pywalk *walk, const struct pywalk_recheck *r)
{
    if (walk->newest_pending)
        walk->recheck_offset = frame_offset(walk, r->frame, walk->pending[0].code);
}

/* The recheck of a checked walk, with the code object headers phase two
 * needs read in the same system call (*headers: how many, -1 none read). */
static int recheck_with_headers(struct pywalk *walk, uint64_t tstate,
                                const struct pywalk_stack *stack, uint32_t n, int *headers)
{
    struct pywalk_recheck r;
    int got;
    if (!stack->newest || !stack->newest_at)
        return pywalk_recheck(walk, tstate, stack);
    recheck_plan(walk, tstate, stack, &r);
    *headers = (int)read_headers(walk, n, r.spans, (uint32_t)r.n, &got);
    int rc = recheck_judge(walk, stack, &r, got);
    if (rc == 0)
        newest_at_recheck(walk, &r);
    return rc;
}

/* Whether tail's check stands for this walk's (struct pywalk_tail): read
 * for the same thread state and the same place of its newest-frame
 * pointer, and nothing read from the target since (code objects and
 * bytecode are read after the check, as after a recheck of its own). */
static int tail_serves(const struct pywalk_tail *tail, uint64_t tstate,
                       const struct pywalk_stack *stack)
{
    int copied = tail && (tail->page_at ? stack->newest_at >= tail->page_at &&
                                              stack->newest_at - tail->page_at <=
                                                  PYWALK_TAIL_PAGE - sizeof(uint64_t)
                                        : tail->newest_at == stack->newest_at);
    return copied && tail->newest && tail->tstate == tstate &&
           tail->got >= tail->check.n - 1 && tail->unbroken && tail->unbroken(tail->ctx);
}

/* The tail's check as it bears on stack: its newest-frame pointer taken
 * from the page copied whole where it was (tail_serves made sure the page
 * holds the stack's place). */
static void tail_view(const struct pywalk_tail *tail, const struct pywalk_recheck *copy,
                      const uint8_t *page, const struct pywalk_stack *stack,
                      struct pywalk_recheck *view)
{
    *view = *copy;
    if (tail->page_at)
        memcpy(&view->newest, page + (stack->newest_at - tail->page_at), sizeof(view->newest));
}

/* The tail's verdict on a walk it serves. When the tail copied the
 * walk's newest frame after the pages (planned from a stack with the same
 * newest frame), that copy's code and caller must match the chain's, as
 * in a recheck, and its instruction is the recheck's. A walk that finds
 * another newest frame is judged on the pointers alone: copied before the
 * pages and after them, both must name the chain's newest frame, so it
 * stood while every frame was copied (a frame popped and another pushed
 * at its address in between passes, as it passes a recheck with the same
 * code). */
static int tail_judge(struct pywalk *walk, const struct pywalk_tail *tail,
                      const struct pywalk_stack *stack)
{
    struct pywalk_recheck after, before;
    tail_view(tail, &tail->check, tail->page, stack, &after);
    if (tail->newest != stack->newest || tail->newest_at != stack->newest_at ||
        tail->got < tail->check.n) {
        tail_view(tail, &tail->before, tail->page_before, stack, &before);
        int rc = pointers_judge(walk, stack, &before, tail->nbefore);
        return rc < 0 ? rc : pointers_judge(walk, stack, &after, tail->got);
    }
    int rc = recheck_judge(walk, stack, &after, tail->got);
    if (rc == 0)
        newest_at_recheck(walk, &after);
    return rc;
}

static int walk_stack(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out, int checked,
                      const struct pywalk_tail *tail)
{
    uint32_t n = 0;

    out->nframes = out->elided = 0;
    out->truncated = 0;
    memset(out->entries, 0, sizeof(out->entries));
    out->top_op = PYOP_UNKNOWN;
    out->newest = out->newest_code = out->newest_previous = out->newest_at = 0;
    out->newest_offset = -1;
    walk->recheck_offset = -1;
    int rc = read_chain(walk, tstate, out, &n), headers = -1;
    /* A chain deeper than the cap, read while the thread ran on, may be
     * no stack of its: stale frames of a data stack link on and on (3.13+
     * reads no code object's type on the way to stop it sooner). If the
     * thread moved meanwhile, it is a torn read, which is retried; a
     * stack truly that deep is not. */
    if (rc == -E2BIG && checked) {
        rmem_forget(&walk->mem);
        if (pywalk_recheck(walk, tstate, out) == -EAGAIN)
            rc = -EAGAIN;
    }
    if (rc == 0 && checked && tail_serves(tail, tstate, out)) {
        rc = tail_judge(walk, tail, out);
    } else if (rc == 0 && checked) {
        rmem_forget(&walk->mem);
        rc = recheck_with_headers(walk, tstate, out, n, &headers);
    }
    /* A chain that moved while it was read is no stack at all; one that
     * ends in unreadable memory keeps the frames read before. */
    if (rc != -EAGAIN) {
        int resolved = resolve_chain(walk, out, n, headers);
        if (rc == 0)
            rc = resolved;
    }
    if (rc < 0)
        out->truncated = 1;
    int64_t newest_offset = walk->recheck_offset >= 0 ? walk->recheck_offset
                                                      : walk->pending[0].offset;
    if (rc >= 0 && walk->newest_pending && n > 0)
        out->newest_offset = newest_offset;
    if (rc >= 0 && out->nframes > 0)
        out->top_op = instruction_kind(walk, pycode_get(walk->codes, out->frames[0].code_id),
                                       walk->first_kept == 0 && walk->newest_pending
                                           ? newest_offset
                                           : walk->pending[walk->first_kept].offset);
    return rc;
}

int pywalk_stack(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out)
{
    return walk_stack(walk, tstate, out, 0, NULL);
}

int pywalk_stack_checked(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out)
{
    return walk_stack(walk, tstate, out, 1, NULL);
}

int pywalk_stack_checked_tail(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out,
                              const struct pywalk_tail *tail)
{
    return walk_stack(walk, tstate, out, 1, tail);
}

/* Plans one copy of a tail's check into r, the pointer's page (tail's
 * page_at, when set) copied whole into page. */
static void tail_plan_copy(const struct pywalk *walk, uint64_t tstate,
                           const struct pywalk_stack *last, const struct pywalk_tail *tail,
                           struct pywalk_recheck *r, uint8_t *page)
{
    recheck_plan(walk, tstate, last, r);
    if (tail->page_at)
        r->spans[r->n - 2] = (struct rmem_span){tail->page_at, page, PYWALK_TAIL_PAGE};
}

void pywalk_tail_plan(const struct pywalk *walk, uint64_t tstate, const struct pywalk_stack *last,
                      struct pywalk_tail *tail)
{
    tail->tstate = tstate;
    tail->newest = last && last->newest_at ? last->newest : 0;
    tail->newest_at = tail->newest ? last->newest_at : 0;
    tail->got = -1;
    tail->check.n = tail->nbefore = 0;
    tail->page_at = 0;
    if (!tail->newest)
        return;
    if (walk->family == &family_interp_frame)
        tail->page_at = tail->newest_at & ~(uint64_t)(PYWALK_TAIL_PAGE - 1);
    tail_plan_copy(walk, tstate, last, tail, &tail->check, tail->page);
    tail_plan_copy(walk, tstate, last, tail, &tail->before, tail->page_before);
    tail->nbefore = tail->before.n - 1; /* not the frame */
}

int pywalk_recheck(struct pywalk *walk, uint64_t tstate, const struct pywalk_stack *stack)
{
    uint64_t frame, at;
    struct frame_info info;
    if (stack->newest && stack->newest_at)
        return recheck_at_once(walk, tstate, stack);
    int rc = walk->family->newest(walk, tstate, &frame, &at);

    if (rc < 0)
        return rc;
    if (frame != stack->newest)
        return -EAGAIN;
    if (frame == 0)
        return 0;
    rc = walk->family->read(walk, frame, &info);
    if (rc < 0)
        return rc;
    return info.code == stack->newest_code && info.previous == stack->newest_previous ? 0
                                                                                        : -EAGAIN;
}

int pywalk_same_place(struct pywalk *walk, uint64_t tstate, const struct pywalk_stack *stack)
{
    if (!stack->newest || !stack->newest_at)
        return pywalk_recheck(walk, tstate, stack);
    struct pywalk_recheck r;
    recheck_plan(walk, tstate, stack, &r);
    int rc = recheck_judge(walk, stack, &r, rmem_readv(&walk->mem, r.spans, (size_t)r.n));
    if (rc < 0 || stack->newest_offset < 0)
        return rc;
    return frame_offset(walk, r.frame, stack->newest_code) == stack->newest_offset ? 0 : -EAGAIN;
}

int pywalk_threads(struct pywalk *walk, struct pywalk_thread *out, int max)
{
    const struct py_offsets *off = walk->off;
    uint8_t buf[PYWALK_SPAN_MAX];
    uint64_t interp;
    int n = 0, rc;

    rc = read_u64(walk, walk->target.runtime_addr + (uint64_t)off->runtime.interpreters_head,
                  &interp);
    if (rc < 0)
        return rc;
    if (interp == 0)
        return -EAGAIN; /* Py_Initialize has not made the main interpreter yet */
    seen_reset(walk);
    /* A torn or cyclic list ends the listing early; what was read so far is
     * still a valid answer. */
    for (int ninterp = 0; interp && ninterp < PYWALK_MAX_INTERPS; ninterp++) {
        uint64_t next_interp, tstate;
        if (!seen_add(walk, interp) ||
            read_u64(walk, interp + (uint64_t)off->interp.next, &next_interp) < 0 ||
            read_u64(walk, interp + (uint64_t)off->interp.threads_head, &tstate) < 0)
            break;

        while (tstate && n < max && n < PYWALK_MAX_THREADS) {
            if (!seen_add(walk, tstate) ||
                rmem_read(&walk->mem, tstate, buf, walk->thread_len) < 0)
                break;
            if (off->thread.interp != PYOFF_ABSENT &&
                get_u64(buf, off->thread.interp) != interp)
                break; /* not a thread state of this interpreter */
            out[n].tstate = tstate;
            out[n].interp = interp;
            out[n].pthread_id = get_u64(buf, off->thread.thread_id);
            out[n].unique_id = 0;
            out[n].tid = 0;
            if (off->thread.native_thread_id != PYOFF_ABSENT) {
                uint64_t tid = get_u64(buf, off->thread.native_thread_id);
                out[n].tid = tid <= UINT32_MAX ? (uint32_t)tid : 0;
            } else if (off->thread.unique_id != PYOFF_ABSENT) {
                out[n].unique_id = get_u64(buf, off->thread.unique_id);
            }
            n++;
            tstate = get_u64(buf, off->thread.next);
        }
        interp = next_interp;
    }
    return n;
}

/* Up to 3.11 a new thread's state is made by the thread that starts it
 * and carries its starter's identity (thread_id, and from 3.11
 * native_thread_id) until the new thread runs and sets its own: two
 * states of one interpreter then claim one TID. The new one is listed
 * first (a state joins at its list's head) and is no thread yet: it gets
 * TID 0, so that the starter is not read through a state that has no
 * frame (a main thread starting a worker read as "no Python frame" at
 * 9-12% of its ticks). */

static int cmp_claim(const void *a, const void *b)
{
    const struct tid_claim *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    if (x->interp != y->interp)
        return x->interp < y->interp ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void unclaim_unstarted(struct tid_claim *claims, struct pywalk_thread *threads, int n)
{
    for (int i = 0; i < n; i++)
        claims[i] = (struct tid_claim){threads[i].tid, i, threads[i].interp};
    qsort(claims, (size_t)n, sizeof(*claims), cmp_claim);
    /* Of the claims to one TID in one interpreter, all but the last listed. */
    for (int i = 0; i + 1 < n; i++)
        if (claims[i].tid && claims[i].tid == claims[i + 1].tid &&
            claims[i].interp == claims[i + 1].interp)
            threads[claims[i].index].tid = 0;
}

void pywalk_resolve_tids(struct pywalk *walk, struct pywalk_thread *threads, int n,
                         const uint32_t *tids, int ntids)
{
    /* 3.11+ threads carry their TID already (pywalk_threads read it). */
    if (walk->off->thread.native_thread_id == PYOFF_ABSENT)
        tidfind_resolve(&walk->tids, &walk->mem, threads, n, tids, ntids);
    if (n > 1 && n <= PYWALK_MAX_THREADS)
        unclaim_unstarted(walk->claims, threads, n);
}
