/* Walking a CPython process's threads and frame chains from the outside,
 * through struct rmem. Turns code objects into dense ids with file, name
 * and first line read once, and instruction offsets into line numbers.
 * Never trusts remote memory: bounded depth, cycle checks, string limits,
 * type checks; an unwalkable stack is returned partial and flagged. */
#ifndef FAH_DAEMON_PYWALK_H
#define FAH_DAEMON_PYWALK_H

#include <stdint.h>

#include "daemon/rmem.h"
#include "symbols/pylocate.h"

#define PYWALK_MAX_DEPTH 256
/* A stack deeper than PYWALK_MAX_DEPTH keeps this many innermost frames,
 * then one gap frame (struct pywalk_code's gap) standing for the frames
 * left out, then its outermost frames. */
#define PYWALK_KEEP_INNER 192
/* Frames visited per stack, counting skipped shim frames (3.12 puts at
 * most one under every Python frame entered from C): a recursion as deep
 * as the default recursion limit (1000), twice over. A longer chain fails
 * with -E2BIG. */
#define PYWALK_MAX_CHAIN 4096
#define PYWALK_MAX_THREADS 1024

struct pywalk;

struct pywalk_thread {
    uint64_t tstate;     /* PyThreadState address */
    uint64_t interp;     /* its PyInterpreterState */
    uint64_t pthread_id; /* tstate->thread_id */
    uint64_t unique_id;  /* tstate->id (3.8-3.10); 0 when not read */
    uint32_t tid;        /* Linux TID; 0 when not known (see pywalk_resolve_tids) */
};

/* Largest span of a remote struct we copy into a local buffer. */
#define PYWALK_SPAN_MAX 1024

/* Spans of a recheck read in one go. */
#define PYWALK_RECHECK_SPANS 3

struct pywalk_frame {
    uint32_t code_id; /* see pywalk_code */
    int32_t line;     /* 0 when the line cannot be computed */
};

struct pywalk_stack {
    uint32_t nframes;
    uint32_t elided; /* frames the gap frame stands for (PYWALK_KEEP_INNER); 0: none */
    int truncated; /* depth cap reached, cycle, or unreadable memory */
    /* What the innermost frame's current instruction is (enum pyop_kind,
     * symbols/pyopcodes.h): PYOP_CALL while a C callable it invoked runs. */
    uint8_t top_op;
    /* The newest frame the walk started from (0: none) with its code and
     * caller fields as read: what pywalk_recheck compares. */
    uint64_t newest, newest_code, newest_previous;
    uint64_t newest_at; /* where the pointer to it was read */
    /* The newest frame's instruction offset as the walk last read it; -1
     * when not known (it is a frame the walk skips, or none) */
    int64_t newest_offset;
    struct pywalk_frame frames[PYWALK_MAX_DEPTH]; /* innermost first */
    /* Bit i: frames[i] is the first (outermost) frame of one call of the
     * evaluation loop, the point where C code entered Python (--native
     * merges the native stack there: daemon/native_merge.h). */
    uint64_t entries[PYWALK_MAX_DEPTH / 64];
};

/* *to = *from, the frames past from->nframes left out: a whole stack is
 * 4 KiB, a typical one a few hundred bytes, and it is copied every tick. */
void pywalk_stack_copy(struct pywalk_stack *to, const struct pywalk_stack *from);

struct pywalk_code {
    char *file;     /* UTF-8; a native frame's object file */
    char *qualname; /* co_qualname (3.11+) or co_name, UTF-8; a native frame's symbol */
    int firstlineno;
    int native;     /* a native function (pywalk_add_native), not a code object */
    int gap;        /* stands for the middle of a deep stack (native too: no line) */
};

static inline int pywalk_frame_is_entry(const struct pywalk_stack *stack, uint32_t i)
{
    return i < PYWALK_MAX_DEPTH && (stack->entries[i / 64] >> (i % 64)) & 1;
}

/* How many calls of the evaluation loop the stack's frames came from. */
static inline uint32_t pywalk_stack_loop_calls(const struct pywalk_stack *stack)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < stack->nframes; i++)
        n += (uint32_t)pywalk_frame_is_entry(stack, i);
    return n;
}

/* target is copied; mem (the struct and its ctx) must outlive the walker.
 * NULL when out of memory, or when target->off lacks a field its frame
 * family needs or has one implausibly far into its struct. */
struct pywalk *pywalk_new(const struct py_target *target, const struct rmem *mem);
void pywalk_free(struct pywalk *walk);

/* Lists the thread states of every interpreter, at most max. Returns the
 * count (>= 0), or a negative errno code when the runtime cannot be read
 * (-EAGAIN while the runtime is not initialised yet). */
int pywalk_threads(struct pywalk *walk, struct pywalk_thread *out, int max);

/* Fills in the tid of threads whose version has no native_thread_id
 * (up to 3.10) by finding the TID inside glibc's struct pthread; tids lists
 * the process's tasks. Threads it cannot match keep tid 0, and so does a
 * state whose thread has not started yet (it claims its starter's TID). */
void pywalk_resolve_tids(struct pywalk *walk, struct pywalk_thread *threads, int n,
                         const uint32_t *tids, int ntids);

/* Walks the frame chain of the thread state at tstate, innermost first.
 * Returns 0 for a whole stack, or a negative errno code with out holding
 * what could be read (out->truncated set). */
int pywalk_stack(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out);

/* pywalk_stack for a thread that is not stopped and runs on while it is
 * read: reads the frame chain first, then the newest frame again, afresh
 * (mem's forget), and only then code objects and lines. Returns -EAGAIN,
 * with no frames, when the thread moved on meanwhile (the chain read may
 * mix two moments); otherwise as pywalk_stack. */
int pywalk_stack_checked(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out);

/* A recheck's reads, from where a walk found its newest frame: (3.11/3.12:
 * the thread state's cframe pointer, then) that pointer, then the frame.
 * The spans point into the struct: it stays where it was planned. */
struct pywalk_recheck {
    uint8_t frame[PYWALK_SPAN_MAX];
    uint64_t cframe, newest;
    struct rmem_span spans[PYWALK_RECHECK_SPANS];
    int n, via_cframe;
};

/* A recheck read ahead: planned from a thread's last stack (or its last
 * torn walk) and read by the caller at the end of the one system call
 * that also reads the pages the thread's next walk uses
 * (stackread_read_ahead). A walk served by those pages alone takes its
 * check from there: the frames were copied before the pointers to the
 * newest frame were copied again, as with a recheck of its own, but over
 * the span of one copy instead of the walk and a second system call (on
 * call-heavy code, where a call or a return comes every few
 * microseconds, that second call tore most walks: sympy at 1 kHz had
 * 65-68% of its unheld walks torn twice and stopped). Where the walk finds the
 * newest frame the tail was planned for, the tail's copy of that frame
 * is checked too; a newer one is judged on the pointers alone. */
#define PYWALK_TAIL_PAGE RMEM_PAGE_BYTES
struct pywalk_tail {
    struct pywalk_recheck check;
    /* The same pointers (check's spans but the frame, nbefore of them),
     * copied first, before the pages: the pages are copied in address
     * order, and the one that holds the pointer the walk starts from may
     * come after the frames' (3.11/3.12: the C stack lies above the data
     * stack). A walk judged on the pointers alone needs them to bracket
     * the frames' copies. */
    struct pywalk_recheck before;
    int nbefore;
    uint64_t tstate, newest, newest_at; /* what it was planned for; newest 0: nothing */
    /* 3.11/3.12: the newest-frame pointer lies in a C stack frame of the
     * evaluation loop (_PyCFrame), which moves as C code re-enters it at
     * other depths (sympy: three walks in four). The tail copies the whole
     * page around the planned place instead of its word (page, and
     * page_before for before), so that a walk whose pointer moved within
     * that page is checked too. 0: the word. */
    uint64_t page_at;
    uint8_t page[PYWALK_TAIL_PAGE], page_before[PYWALK_TAIL_PAGE];
    int got; /* spans of check read whole (-EFAULT: before was not), as
              * rmem_proc_prefetch_around counts */
    /* Whether every read since the one that read check came from what
     * that one read (nothing read from the target since). */
    int (*unbroken)(void *ctx);
    void *ctx;
};

/* Plans tail->check and tail->before from the stack the thread state at
 * tstate was last walked into; nothing (check.n and nbefore 0) when it had
 * no newest frame. */
void pywalk_tail_plan(const struct pywalk *walk, uint64_t tstate, const struct pywalk_stack *last,
                      struct pywalk_tail *tail);

/* pywalk_stack_checked, its check taken from tail where tail serves (see
 * struct pywalk_tail); tail NULL: as pywalk_stack_checked. */
int pywalk_stack_checked_tail(struct pywalk *walk, uint64_t tstate, struct pywalk_stack *out,
                              const struct pywalk_tail *tail);

/* Whether the thread state at tstate still runs in the frame stack's walk
 * started from: same newest frame, with the same code and caller. A thread
 * that was not stopped may have moved on while it was walked, and then the
 * chain read may mix two moments. The caller must make sure these reads
 * are fresh (not served from memory read before or during the walk).
 * Returns 0 when unchanged, -EAGAIN when the thread moved, or a read
 * error. Residual: a thread that popped the newest frame and pushed one of
 * the same code at the same address, with the same caller, passes. */
int pywalk_recheck(struct pywalk *walk, uint64_t tstate, const struct pywalk_stack *stack);

/* Whether the thread state at tstate stands where stack left it: as
 * pywalk_recheck, and with its newest frame at the same instruction
 * (when the walk knew it). For a thread stopped after it was walked:
 * whether what the stop shows of it (its PC) belongs to that walk's
 * place. Same returns as pywalk_recheck; reads must be fresh. */
int pywalk_same_place(struct pywalk *walk, uint64_t tstate, const struct pywalk_stack *stack);

/* The code object behind an id handed out by pywalk_stack, or NULL. */
const struct pywalk_code *pywalk_code(const struct pywalk *walk, uint32_t code_id);

/* Hands out a code id for a native function (--native), in the same id
 * space as code objects, so that native frames travel in the same stacks.
 * The caller dedupes (each call makes a new id). Returns the id, or a
 * negative errno code. */
int64_t pywalk_add_native(struct pywalk *walk, const char *object, const char *symbol);

/* Number of ids handed out so far (ids are 0..count-1). */
uint32_t pywalk_code_count(const struct pywalk *walk);

#endif
