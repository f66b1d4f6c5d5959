/* A sampling tick (see sampler.h). Time comes from each thread's CPU clock
 * (schedstat), not from counting samples: a thread that ran 3 ms of a 10 ms
 * interval gets 3 ms of CPU time; the rest is system or idle time,
 * according to what the thread is blocked in now. */
#include "daemon/sampler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "common/buf.h"
#include "common/clock.h"
#include "daemon/codemap.h"
#include "daemon/oncpu.h"
#include "daemon/rmem.h"
#include "daemon/taskstat.h"
#include "daemon/threadstop.h"

#define SAMPLER_MAX_TASKS 4096
/* Stopping a thread costs it about 100-150 us here (mostly the IPI and the
 * context switch), so a lone thread is held at most this often; ticks in
 * between read its stack without stopping it (a read that races the
 * thread may come back torn, counted as an error). 5 ms is below the
 * shortest jittered period at the default 100 Hz, so there every tick
 * holds; at 1 kHz about one tick in five does. */
#define SAMPLER_HOLD_GAP_NS 5000000u
/* The kernel's CPUCLOCK_SCHED clock of a whole process (clock_getcpuclockid
 * works for pids too, but this avoids a glibc call per tick). */
#define SAMPLER_PROCESS_CLOCK(pid) ((clockid_t)(((unsigned)~(pid) << 3) | 2u))

/* What the previous tick saw of one thread. */
struct thread_track {
    uint32_t tid;
    uint64_t cpu_ns, runq_ns, when_ns;
    uint64_t seen_tick;
    struct thread_observation seen;
    struct pywalk_stack *stack; /* the stack it was seen in; NULL until needed */
    int truncated;
    uint64_t held_ns; /* how long we stopped it at its last sample */
    uint64_t last_hold_ns; /* when we last held it */
    struct pywalk_frame held_at; /* innermost frame at that hold */
    int held_kind;               /* and where its CPU time was then */
    int process_clock;           /* cpu_ns comes from the process clock */
};

struct sampler {
    pid_t pid;
    struct rmem_proc *mem;
    struct rmem ops;
    struct pywalk *walk;
    struct codemap *codemap;
    struct oncpu *oncpu;
    struct thread_track *tracks;
    size_t ntracks, cap;
    uint64_t ticks, errors;
    uint64_t last_tick_ns;
    uint32_t tids[SAMPLER_MAX_TASKS];
    struct pywalk_thread pythreads[PYWALK_MAX_THREADS];
    struct pywalk_stack stack;      /* the thread being sampled */
    struct pywalk_stack main_stack; /* the main thread's, for native helpers */
};

struct sampler *sampler_new(pid_t pid, const struct py_target *target)
{
    struct sampler *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->pid = pid;
    s->mem = rmem_proc_new(pid);
    if (s->mem)
        s->ops = rmem_proc_ops(s->mem);
    s->walk = s->mem ? pywalk_new(target, &s->ops) : NULL;
    s->codemap = codemap_new(pid, target);
    s->oncpu = s->codemap ? oncpu_new(s->codemap) : NULL;
    if (!s->mem || !s->walk || !s->codemap || !s->oncpu) {
        sampler_free(s);
        return NULL;
    }
    return s;
}

void sampler_free(struct sampler *s)
{
    if (!s)
        return;
    oncpu_free(s->oncpu);
    codemap_free(s->codemap);
    pywalk_free(s->walk);
    rmem_proc_free(s->mem);
    for (size_t i = 0; i < s->ntracks; i++)
        free(s->tracks[i].stack);
    free(s->tracks);
    free(s);
}

struct pywalk *sampler_walker(struct sampler *s)
{
    return s->walk;
}

void sampler_forget_memory(struct sampler *s)
{
    rmem_proc_invalidate(s->mem);
}

uint64_t sampler_ticks(const struct sampler *s)
{
    return s->ticks;
}

uint64_t sampler_errors(const struct sampler *s)
{
    return s->errors;
}

/* The track of tid, created on first sight. NULL when out of memory. */
static struct thread_track *track_of(struct sampler *s, uint32_t tid, int *is_new)
{
    for (size_t i = 0; i < s->ntracks; i++)
        if (s->tracks[i].tid == tid) {
            *is_new = 0;
            return &s->tracks[i];
        }
    struct thread_track *grown = buf_grow_array(s->tracks, &s->cap, s->ntracks + 1,
                                                sizeof(*grown));
    if (!grown)
        return NULL;
    s->tracks = grown;
    *is_new = 1;
    struct thread_track *t = &s->tracks[s->ntracks++];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    return t;
}

/* Threads that vanished since the last tick drop out of the table. */
static void forget_gone_threads(struct sampler *s)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->ntracks; i++) {
        if (s->tracks[i].seen_tick == s->ticks)
            s->tracks[kept++] = s->tracks[i];
        else
            free(s->tracks[i].stack);
    }
    s->ntracks = kept;
}

static const struct pywalk_thread *pythread_of(struct sampler *s, int n, uint32_t tid)
{
    for (int i = 0; i < n; i++)
        if (s->pythreads[i].tid == tid)
            return &s->pythreads[i];
    return NULL;
}

/* Waiting on a futex is waiting for another thread (a lock, a condition, a
 * join, the GIL): idle. Any other system call is I/O or sleep: system. */
static int blocked_kind(pid_t pid, uint32_t tid)
{
    long nr = taskstat_syscall(pid, tid);
#ifdef SYS_futex_waitv
    if (nr == SYS_futex_waitv)
        return SAMPLE_IDLE;
#endif
    return nr == SYS_futex ? SAMPLE_IDLE : SAMPLE_SYSTEM;
}

/* Reads tstate's stack into out; counts an unreadable stack as an error. */
static int walk_stack(struct sampler *s, const struct pywalk_thread *py, struct pywalk_stack *out)
{
    out->nframes = 0;
    out->truncated = 0;
    if (!py)
        return 0;
    if (pywalk_stack(s->walk, py->tstate, out) < 0 || out->truncated) {
        s->errors++;
        return 1;
    }
    return 0;
}

/* Observes a thread now: where a held (running) thread is, what a blocked
 * one waits in, and its stack. */
static void observe_thread(struct sampler *s, const struct pywalk_thread *py,
                           const struct task_stat *st, const struct thread_hold *hold,
                           struct thread_observation *now, int *truncated)
{
    *now = (struct thread_observation){.valid = 1, .running = st->state == 'R',
                                       .cpu_kind = SAMPLE_PYTHON, .off_kind = SAMPLE_IDLE};
    uint64_t pc, sp;
    if (hold->held && threadstop_regs(hold, &pc, &sp) == 0 &&
        oncpu_classify(s->oncpu, hold, pc) == ONCPU_NATIVE)
        now->cpu_kind = SAMPLE_NATIVE;
    if (st->state == 'S' || st->state == 'D')
        now->off_kind = blocked_kind(s->pid, hold->tid);
    *truncated = walk_stack(s, py, &s->stack);
}

static int any_time(const uint64_t ns[SAMPLE_KINDS])
{
    return ns[0] || ns[1] || ns[2] || ns[3];
}

/* Emits the interval's parts: first what belongs to the previous stack,
 * then what belongs to the current one; remembers the current one. */
static int emit_split(struct sampler *s, struct thread_track *t, const struct interval_split *split,
                      const struct thread_observation *now, int truncated,
                      sampler_emit_fn emit, void *ctx)
{
    int rc = 0;
    if (t->stack && any_time(split->prev_ns)) {
        struct thread_sample before = {.tid = t->tid, .truncated = t->truncated, .stack = t->stack};
        memcpy(before.ns, split->prev_ns, sizeof(before.ns));
        rc = emit(ctx, &before);
    }
    struct thread_sample out = {.tid = t->tid, .truncated = truncated, .stack = &s->stack};
    memcpy(out.ns, split->cur_ns, sizeof(out.ns));
    if (rc == 0)
        rc = emit(ctx, &out);
    t->seen = *now;
    t->truncated = truncated;
    if (!t->stack)
        t->stack = malloc(sizeof(*t->stack));
    if (!t->stack)
        return -ENOMEM;
    t->stack->truncated = s->stack.truncated;
    t->stack->nframes = s->stack.nframes;
    memcpy(t->stack->frames, s->stack.frames, t->stack->nframes * sizeof(s->stack.frames[0]));
    return rc;
}

/* The interval since the thread's previous tick, split by the thread's
 * clocks. Time the sampler itself kept the thread stopped is nobody's. */
static void interval_of(struct thread_track *t, const struct task_stat *st, uint64_t now_ns,
                        struct interval_time *out)
{
    uint64_t wall = now_ns > t->when_ns ? now_ns - t->when_ns : 0;
    uint64_t run = st->cpu_ns > t->cpu_ns ? st->cpu_ns - t->cpu_ns : 0;
    uint64_t wait = st->runq_ns > t->runq_ns ? st->runq_ns - t->runq_ns : 0;
    /* No clamp to the wall time: the two clocks are read a moment apart,
     * and an interval that reads long is followed by one that reads short.
     * Clamping would drop CPU time whenever the daemon itself is preempted
     * between the reads; CPU time is what the shares are made of. */
    out->cpu = run;
    uint64_t rest = wall > run ? wall - run : 0;
    out->runq = wait < rest ? wait : rest;
    rest -= out->runq;
    out->off = rest > t->held_ns ? rest - t->held_ns : 0;
    t->cpu_ns = st->cpu_ns;
    t->runq_ns = st->runq_ns;
    t->when_ns = now_ns;
}

static int list_python_threads(struct sampler *s, int ntids)
{
    int n = pywalk_threads(s->walk, s->pythreads, PYWALK_MAX_THREADS);
    if (n < 0)
        return 0; /* not initialised yet, or torn: this tick sees no stacks */
    pywalk_resolve_tids(s->walk, s->pythreads, n, s->tids, ntids);
    return n;
}

/* A thread without a Python thread state (a BLAS worker, a C library's
 * pool) works for the Python code that called into its library: its CPU
 * time is native time of the main thread's current line. */
static int sample_helper_thread(struct sampler *s, uint64_t cpu, struct thread_sample *out,
                                int have_main)
{
    out->ns[SAMPLE_NATIVE] = cpu;
    out->stack = have_main ? &s->main_stack : NULL;
    return cpu > 0;
}

struct tick_state {
    int npy;
    int have_main;
    int lone; /* the process has a single thread */
};

/* The exact CPU time of a one-thread process: unlike a running thread's
 * schedstat, which lags by up to a scheduler tick, the process CPU clock
 * brings the running thread up to date when read. */
static int process_cpu_ns(pid_t pid, uint64_t *ns)
{
    struct timespec ts;
    if (clock_gettime(SAMPLER_PROCESS_CLOCK(pid), &ts) < 0)
        return -errno;
    *ns = clock_ts_ns(&ts);
    return 0;
}

/* Whether to stop a running Python thread this tick. Threads of a
 * multi-threaded process always are: stopping is what makes their CPU
 * clocks exact. A lone thread gets its exact clock from the process and
 * is stopped at most every SAMPLER_HOLD_GAP_NS, for its PC. */
static int wants_hold(const struct thread_track *t, int lone, uint64_t now_ns)
{
    return !lone || !t || now_ns - t->last_hold_ns >= SAMPLER_HOLD_GAP_NS;
}

/* Reads a thread's state and clocks; holds a running Python thread still
 * when wants_hold says so (its schedstat is exact once it is stopped). */
static int read_thread(struct sampler *s, uint32_t tid, int hold_it, int lone,
                       struct task_stat *st, struct thread_hold *hold, uint64_t *when_ns)
{
    hold->tid = (pid_t)tid;
    if (taskstat_read(s->pid, tid, st) < 0)
        return -ESRCH;
    if (hold_it && st->state == 'R' && threadstop_hold((pid_t)tid, hold) == 0 &&
        taskstat_read(s->pid, tid, st) == 0)
        st->state = 'R'; /* it reads as stopped now, by us */
    if (lone && process_cpu_ns(s->pid, &st->cpu_ns) < 0)
        return -ESRCH;
    *when_ns = clock_monotonic_ns();
    return 0;
}

/* A thread's CPU clock source changed (it got or lost company): start its
 * clock over, losing this interval's CPU rather than mixing two clocks. */
static void keep_clock_consistent(struct thread_track *t, int lone, const struct task_stat *st)
{
    if (t->process_clock == lone)
        return;
    t->process_clock = lone;
    t->cpu_ns = st->cpu_ns;
}

/* Where an unheld running thread's CPU went: where it went at the last hold
 * if it is still on the same line, else the interpreter (it moved, so it
 * ran bytecode). */
static void carry_kind(const struct thread_track *t, const struct pywalk_stack *stack,
                       struct thread_observation *now)
{
    if (!now->running)
        return;
    const struct pywalk_frame *top = stack->nframes ? &stack->frames[0] : NULL;
    if (top && top->code_id == t->held_at.code_id && top->line == t->held_at.line)
        now->cpu_kind = t->held_kind;
}

static void remember_hold(struct thread_track *t, const struct pywalk_stack *stack,
                          const struct thread_observation *now, uint64_t when_ns)
{
    t->last_hold_ns = when_ns;
    t->held_kind = now->cpu_kind;
    t->held_at = stack->nframes ? stack->frames[0] : (struct pywalk_frame){UINT32_MAX, -1};
}

static int sample_task(struct sampler *s, uint32_t tid, struct tick_state *tick,
                       sampler_emit_fn emit, void *ctx)
{
    const struct pywalk_thread *py = pythread_of(s, tick->npy, tid);
    int is_new, rc = 0;
    struct thread_track *t = track_of(s, tid, &is_new);
    if (!t)
        return -ENOMEM;
    struct task_stat st;
    struct thread_hold hold = {0};
    uint64_t now_ns;
    int hold_it = py && (is_new || wants_hold(t, tick->lone, clock_monotonic_ns()));
    if (read_thread(s, tid, hold_it, tick->lone, &st, &hold, &now_ns) < 0)
        return 0; /* exited since the listing */
    if (!is_new)
        keep_clock_consistent(t, tick->lone, &st);
    else
        t->process_clock = tick->lone;
    t->seen_tick = s->ticks;
    if (is_new)
        t->when_ns = s->ticks == 1 ? now_ns : s->last_tick_ns;
    if (is_new && s->ticks == 1) {
        /* The first tick only sets the clocks: what ran before is unknown. */
        t->cpu_ns = st.cpu_ns;
        t->runq_ns = st.runq_ns;
    } else if (!py) {
        struct interval_time time;
        interval_of(t, &st, now_ns, &time);
        struct thread_sample out = {.tid = tid};
        if (sample_helper_thread(s, time.cpu, &out, tick->have_main))
            rc = emit(ctx, &out);
    } else {
        struct interval_time time;
        interval_of(t, &st, now_ns, &time);
        time.alone = tick->lone;
        struct thread_observation now;
        int truncated;
        observe_thread(s, py, &st, &hold, &now, &truncated);
        if (hold.held)
            remember_hold(t, &s->stack, &now, now_ns);
        else
            carry_kind(t, &s->stack, &now);
        if (tid == (uint32_t)s->pid) {
            s->main_stack = s->stack;
            tick->have_main = 1;
        }
        struct interval_split split;
        attribute_interval(&t->seen, &now, &time, &split);
        rc = emit_split(s, t, &split, &now, truncated, emit, ctx);
    }
    t->held_ns = threadstop_release(&hold);
    return rc;
}

/* The main thread goes first so that helper threads can borrow its stack. */
static void main_thread_first(struct sampler *s, int ntids)
{
    for (int i = 1; i < ntids; i++)
        if (s->tids[i] == (uint32_t)s->pid) {
            s->tids[i] = s->tids[0];
            s->tids[0] = (uint32_t)s->pid;
        }
}

int sampler_tick(struct sampler *s, uint64_t now_ns, sampler_emit_fn emit, void *ctx)
{
    rmem_proc_invalidate(s->mem);
    int ntids = taskstat_list(s->pid, s->tids, SAMPLER_MAX_TASKS);
    if (ntids <= 0)
        return -ESRCH;
    s->ticks++;
    main_thread_first(s, ntids);
    struct tick_state tick = {.npy = list_python_threads(s, ntids), .lone = ntids == 1};
    int rc = 0;
    for (int i = 0; i < ntids && rc == 0; i++)
        rc = sample_task(s, s->tids[i], &tick, emit, ctx);
    forget_gone_threads(s);
    s->last_tick_ns = now_ns;
    return rc;
}
