/* A sampling tick (see sampler.h). Time comes from each thread's CPU clock
 * (threadclock.h), not from counting samples: a thread that ran 3 ms of a
 * 10 ms interval gets 3 ms of CPU time; the rest is system or idle time,
 * according to what the thread is blocked in now. Its stack is read by
 * stackread.h. */
#include "daemon/sampler.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/proto.h"
#include "daemon/codemap.h"
#include "daemon/endmark.h"
#include "daemon/gilwatch.h"
#include "daemon/holdbudget.h"
#include "daemon/native_stack.h"
#include "daemon/oncpu.h"
#include "daemon/periodbuf.h"
#include "daemon/placement.h"
#include "daemon/rmem.h"
#include "daemon/stackread.h"
#include "daemon/stillthread.h"
#include "daemon/taskstat.h"
#include "daemon/threadclock.h"
#include "daemon/threadnamer.h"
#include "daemon/threadstop.h"
#include "daemon/unseencpu.h"
#include "daemon/unwinder.h"
#include "symbols/pyopcodes.h"

#define SAMPLER_MAX_TASKS 4096
/* Up to this many threads, each thread's /proc files stay open between
 * ticks (opening costs more than reading); beyond, two descriptors per
 * thread on top of its clock's would crowd the daemon's limit. */
#define SAMPLER_KEPT_THREADS 256
/* Stopping a thread costs it about 100-150 us here (mostly the IPI and the
 * context switch). With exact CPU clocks (cpuclock.h) a stop only reads a
 * running thread's PC, to tell extension code from the interpreter (its
 * stack is read before the stop: read_thread): the process gets on
 * average at most one stop per this gap of planned tick time
 * (holdbudget.h), shared round-robin by its running threads, whatever the
 * rate and the thread count. Ticks in between read stacks without
 * stopping (checked, see stackread.h) and keep the kind the last stop
 * found on the same line (carry_kind). At the default 100 Hz a lone
 * thread is stopped at about every other tick; at 1 kHz about one tick in
 * fifteen. The budget saves up to three stops for ticks that the jitter
 * brings close together. */
#define SAMPLER_HOLD_GAP_NS 15000000u
#define SAMPLER_HOLD_BURST_NS (3u * SAMPLER_HOLD_GAP_NS)
/* The process's threads are listed (/proc/PID/task: a seek and a
 * getdents64, as dear as reading a thread that stayed on its CPU) at most
 * this often between planned tick times, and at once when the interpreter
 * has a thread the last listing lacks. At 100 Hz most
 * ticks list (those less than 7.5 ms after the last listing do not), at
 * 1 kHz about one in eight. */
#define SAMPLER_LIST_GAP_NS 7500000u
/* A runnable thread found waiting for a CPU stands where it was preempted,
 * and preemption favours certain places (the kernel reschedules a task
 * lazily, at its next return from a system call or interrupt): charging
 * the interval to that place would move CPU time onto the line after each
 * system call. Such an observation is skipped and the interval carried to
 * a tick that finds the thread on CPU, at most this many ticks in a row. */
#define SAMPLER_MAX_WAITING_SKIPS 8
/* A walk that fails (a frame chain torn by the running thread, most often
 * on call-heavy code) is no observation: its interval is carried to the
 * next walk that succeeds and split there, like any interval, between the
 * stacks on either side, instead of being charged whole to "stack
 * unreadable" (one failure at a long interval lost 77 ms, 3.6% of a run).
 * The failure is still counted (errors). After this many in a row the
 * interval is charged as unreadable, so a thread that can never be read
 * shows as such. A torn observation (torn_walk) is carried so too, at most
 * this many in a row, then charged where it was read. */
#define SAMPLER_MAX_FAILED_CARRIES 8
/* Ticks in a row the main thread must show no Python frame, after it has
 * shown some, for the interpreter to count as shutting down: a single
 * empty read can be a frame being pushed. */
#define SAMPLER_TEARDOWN_TICKS 2
/* The last observation that found a thread on a CPU stands for CPU time no
 * end of an interval saw until the thread has since been found runnable
 * but waiting for a CPU this many times: it then runs where the daemon
 * cannot see it run (two busy workers on two cores: the daemon always
 * finds the one on its own core preempted), and that observation may be
 * from long ago (its start-up). Blocked observations do not count: a
 * thread that computes between sleeps is seen asleep many ticks in a row
 * when the ticks fall in step with it, and still ran where it last ran. */
#define SAMPLER_KEPT_MAX_MISSED_RUNS 8
/* An interval longer than this many sampling periods, and than
 * SAMPLER_UNSEEN_MIN_NS, was a stall of the daemon (stopped, or starved of
 * CPU), not sampling: beyond that length it is charged to no stack
 * (attribute_unseen_part). Well above the carries (skips and failed walks:
 * 8 periods each) and the ticks' jitter. */
#define SAMPLER_UNSEEN_PERIODS 20
#define SAMPLER_UNSEEN_MIN_NS 100000000u
/* The sampler's own time line (ticked_ns) advances by the planned time
 * between two ticks, but by at most this many periods a tick. */
#define SAMPLER_TICK_ADVANCE_PERIODS 4
/* The period assumed until sampler_set_rate says. */
#define SAMPLER_DEFAULT_PERIOD_NS 10000000u

/* An earlier observation of a thread kept for the time it may still get
 * (attribute.h), with its stack. */
struct kept_observation {
    struct thread_observation seen; /* valid 0: none yet */
    struct pywalk_stack *stack;
    uint32_t unplaced;
    int missed_runs; /* later observations that found it runnable, off CPU */
};

/* What the previous tick saw of one thread. */
struct thread_track {
    uint32_t tid;
    struct thread_clock clock; /* its clocks as of that tick */
    uint64_t seen_tick;
    struct thread_observation seen;
    struct pywalk_stack *stack; /* the stack it was seen in; NULL until needed */
    uint32_t unplaced;          /* and why it had none (PROTO_UNPLACED_*) */
    /* The last observations that found it on a CPU and blocked: where time
     * that no observation at its ends saw goes (attribute.h). */
    struct kept_observation ran;
    /* The last that found it blocked in a wait for the GIL, and in any
     * other wait; waited_gil says which of the two is the last blocked of
     * all (last_waited). One copy of a stack per blocked observation. */
    struct kept_observation gil_waited, slept;
    int waited_gil;
    int failed_carries; /* failed walks in a row whose interval was carried */
    int torn_carries;   /* torn observations in a row whose interval was carried */
    uint64_t tick_mark; /* its switch records' head as this tick began */
    int walk_torn;      /* this tick's unheld walk ended after a switch since */
    uint64_t last_hold_planned_ns; /* when the tick that last held it was due */
    struct pywalk_frame held_at; /* innermost frame at that hold */
    int held_kind;               /* and where its CPU time was then */
    struct stackread_pages pages; /* what its last walk read */
    int waiting_skips;           /* ticks in a row skipped: waiting for a CPU */
    int python;                  /* it had a thread state when last read */
    uint64_t gil_switches;       /* the GIL's switch count at its last observation */
    uint64_t gil_seen_ns;        /* when its GIL state was last read */
    uint64_t first_seen_ns;      /* when the sampler first listed it */
    char comm[16];               /* its OS name then ("" unread): see sampler_thread_comm */
    struct thread_name pyname;   /* its name in threading (threadnamer.h) */
    struct still_thread still;   /* blocked and unmoved since its stack was kept */
    int still_now;               /* this tick: so its kept stack is its stack */
    /* Its samples since its exact clock's period began (periodbuf.h). */
    struct period_buf period;
};

struct sampler {
    pid_t pid;
    struct rmem_proc *mem;
    struct rmem ops;
    struct pywalk *walk;
    struct py_offsets off; /* the target's layout, for its GIL and names */
    struct gilwatch gil;
    struct thread_namer namer;   /* threading's names of its threads */
    int names_fresh;             /* this tick read them */
    int npy;                     /* Python threads in pythreads[] */
    struct codemap *codemap;
    /* One for the held threads' native stacks: oncpu's test of a PC in a
     * system library and --native's stacks keep the same handles. */
    struct unwinder *unwinder;
    struct oncpu *oncpu;
    uint64_t stopped_samples, stopped_ns; /* sampler_walk_stats */
    struct native_stack *native; /* --native: NULL without */
    struct thread_track *tracks;
    size_t ntracks, cap;
    struct task_dir task_dir; /* /proc/PID/task, kept open */
    struct stackread_pages list_pages; /* what the last thread listing read */
    uint64_t ticks, errors;
    struct stackread reader;
    int main_ran;         /* the main thread has run a module's code */
    int main_empty_ticks; /* ticks in a row it has shown none since */
    int teardown;         /* the interpreter is shutting down */
    int exited;           /* the process has exited */
    int spawned;          /* sampler_set_spawned */
    const char *end_mark; /* the script's end mark (endmark.h), NULL none */
    uid_t end_mark_owner;
    int script_ended;     /* the end mark is there */
    struct clock_env clocks; /* what the threads' clocks share */
    struct placement placement; /* this thread kept off the target's CPUs */
    int running_cpus[SAMPLER_MAX_TASKS]; /* where this tick found them running */
    int nrunning;
    struct hold_budget holds; /* how often a thread may be stopped for its PC */
    struct unseen_cpu unseen_cpu; /* CPU of threads no tick saw */
    uint64_t unseen_cpu_read_ns;  /* when the tick that last read it was due; 0 never */
    uint64_t last_tick_ns;
    uint64_t unseen_after_ns; /* intervals longer than this were stalls */
    uint64_t tick_ns; /* when this tick began */
    uint64_t planned_ns, last_planned_ns; /* when this tick and the last were due */
    /* Planned time with each tick's advance capped (advance_ticked): what
     * waits for a span of it (held samples, unseen CPU settling) waits as
     * many ticks after a stall of the daemon as it would without one. A
     * stall passes within one tick: 1.5 s stopped let every held sample
     * go at the tick after it, before the stop that settles their steal
     * (a tenth of the stall's CPU counted twice under 30% steal). */
    uint64_t ticked_ns;
    uint64_t period_ns;
    uint32_t tids[SAMPLER_MAX_TASKS];
    int ntids;                   /* tids the last listing found */
    uint64_t listed_ns;          /* when that listing's tick was due; 0 never */
    uint64_t pythreads_key;      /* what the interpreter's thread list was (pythreads_key) */
    struct pywalk_thread pythreads[PYWALK_MAX_THREADS];
    struct pywalk_stack stack;      /* the thread being sampled */
    struct pywalk_stack main_stack; /* the main thread's, for native helpers */
    struct pywalk_stack held_stack; /* a held sample's, as it is let go */
};

/* Closes what a track keeps open. */
static void close_track(struct thread_track *t)
{
    threadclock_close(&t->clock);
    periodbuf_free(&t->period);
    free(t->stack);
    free(t->ran.stack);
    free(t->gil_waited.stack);
    free(t->slept.stack);
    t->stack = t->ran.stack = t->gil_waited.stack = t->slept.stack = NULL;
}

void sampler_refuse_exact_clocks(struct sampler *s)
{
    s->clocks.exact_clocks = -1;
}

void sampler_set_period(struct sampler *s, uint64_t period_ns)
{
    s->period_ns = period_ns;
    uint64_t cap = SAMPLER_UNSEEN_PERIODS * period_ns;
    s->unseen_after_ns = cap > SAMPLER_UNSEEN_MIN_NS ? cap : SAMPLER_UNSEEN_MIN_NS;
}

int sampler_exact_clocks(const struct sampler *s)
{
    return s->clocks.exact_clocks > 0;
}

struct sampler *sampler_new(pid_t pid, const struct py_target *target)
{
    struct sampler *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->pid = pid;
    s->off = target->off;
    s->clocks.pid = pid;
    sampler_set_period(s, SAMPLER_DEFAULT_PERIOD_NS);
    s->holds = holdbudget_make(SAMPLER_HOLD_GAP_NS, SAMPLER_HOLD_BURST_NS);
    s->clocks.confirm_ns = 2u * SAMPLER_HOLD_GAP_NS;
    s->mem = rmem_proc_new(pid);
    if (s->mem)
        s->ops = rmem_proc_ops(s->mem);
    gilwatch_init(&s->gil, &s->off, target->runtime_addr, &s->ops);
    int named = threadnamer_init(&s->namer, (struct pyobj){.mem = &s->ops, .off = &s->off,
                                                          .layout = pyoff_instance_dict(&s->off)});
    s->walk = s->mem ? pywalk_new(target, &s->ops) : NULL;
    s->reader = (struct stackread){.mem = s->mem, .walk = s->walk};
    s->codemap = codemap_new(pid, target);
    s->unwinder = unwinder_new(pid);
    s->oncpu = s->codemap ? oncpu_new(s->codemap, s->unwinder) : NULL;
    if (!s->mem || !s->walk || !s->codemap || !s->oncpu || named < 0) {
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
    native_stack_free(s->native);
    unwinder_free(s->unwinder);
    codemap_free(s->codemap);
    pywalk_free(s->walk);
    rmem_proc_free(s->mem);
    threadnamer_free(&s->namer);
    for (size_t i = 0; i < s->ntracks; i++)
        close_track(&s->tracks[i]);
    free(s->tracks);
    taskstat_dir_close(&s->task_dir);
    free(s);
}

void sampler_set_end_mark(struct sampler *s, const char *path, uid_t owner)
{
    s->end_mark = path && *path ? path : NULL;
    s->end_mark_owner = owner;
}

/* Whether the script's own code has ended: its end mark is there. Without
 * one, whether the main thread, stopped, showed no frame twice in a row. */
static int script_over(struct sampler *s, int held)
{
    struct script_marks marks;
    if (!s->end_mark)
        return held && ++s->main_empty_ticks >= SAMPLER_TEARDOWN_TICKS;
    if (!s->script_ended)
        s->script_ended = endmark_read(s->end_mark, s->end_mark_owner, &marks) == 0 &&
                          marks.end_ns != 0;
    return s->script_ended;
}

void sampler_set_spawned(struct sampler *s)
{
    s->spawned = 1;
    sampler_set_started_within(s);
}

void sampler_set_started_within(struct sampler *s)
{
    s->clocks.started_within = 1;
}

int sampler_enable_native(struct sampler *s, const char *debug_dirs)
{
    if (!s->native)
        s->native = native_stack_new(s->pid, s->walk, debug_dirs, s->unwinder);
    return s->native ? 0 : -ENOMEM;
}

struct pywalk *sampler_walker(struct sampler *s)
{
    return s->walk;
}

int sampler_script_runs(const struct sampler *s)
{
    return s->main_ran && !s->teardown;
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

void sampler_walk_stats(const struct sampler *s, struct sampler_walk_stats *out)
{
    *out = s->reader.stats;
    out->reads = rmem_proc_syscalls(s->mem);
    out->stopped_samples = s->stopped_samples;
    out->stopped_ns = s->stopped_ns;
}

static const struct thread_track *find_track(const struct sampler *s, uint32_t tid)
{
    for (size_t i = 0; i < s->ntracks; i++)
        if (s->tracks[i].tid == tid)
            return &s->tracks[i];
    return NULL;
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
    t->first_seen_ns = clock_monotonic_ns();
    if (taskstat_comm(s->pid, tid, t->comm, sizeof(t->comm)) < 0)
        t->comm[0] = '\0';
    /* Every thread there is at the first tick was listed then: one new
     * after it was born since. */
    threadclock_init(&s->clocks, &t->clock, tid, s->ticks > 1);
    return t;
}

static const struct pywalk_thread *pythread_of(const struct sampler *s, int n, uint32_t tid)
{
    for (int i = 0; i < n; i++)
        if (s->pythreads[i].tid == tid)
            return &s->pythreads[i];
    return NULL;
}

int sampler_thread_comm(const struct sampler *s, uint32_t tid, char *name, size_t len)
{
    const struct thread_track *t = find_track(s, tid);
    if (!t || !t->comm[0])
        return -ENOENT;
    snprintf(name, len, "%s", t->comm);
    return 0;
}

int sampler_thread_name(const struct sampler *s, uint32_t tid, char *name, size_t len)
{
    const struct thread_track *t = find_track(s, tid);
    if (!t || !t->pyname.name[0])
        return -ENOENT;
    snprintf(name, len, "%s", t->pyname.name);
    return 0;
}

/* Reads threading's names when a Python thread wants them (threadnamer.h):
 * one this tick lists first, or one still missing whose retry is due.
 * Before the walks: a short thread seen running its target was in
 * _active at the listing, and may be gone once every thread is walked. */
static void read_thread_names(struct sampler *s, uint64_t now_ns)
{
    int wanted = 0;
    for (int i = 0; i < s->npy && wanted != THREADNAME_FIRST; i++) {
        if (!s->pythreads[i].tid)
            continue; /* not started: it has no TID yet */
        const struct thread_track *t = find_track(s, s->pythreads[i].tid);
        int w = t ? threadname_wanted(&t->pyname, now_ns) : THREADNAME_FIRST;
        wanted = w > wanted ? w : wanted;
    }
    s->names_fresh = s->npy > 0 &&
                     threadnamer_read(&s->namer, s->pythreads[0].interp, wanted, now_ns);
}

/* After a tick's reading of the names, thread t takes its own, by its
 * pthread_t. glibc hands a finished thread's pthread_t to a new thread,
 * but the finished one left _active before it ended: a reading made since
 * the listing that found t cannot give t its name. */
static void name_thread(struct sampler *s, struct thread_track *t)
{
    const struct pywalk_thread *py = s->names_fresh ? pythread_of(s, s->npy, t->tid) : NULL;
    if (py)
        threadname_update(&s->namer, &t->pyname, py->pthread_id, s->tick_ns, s->period_ns);
}

/* Whether the thread held the GIL of its interpreter at this tick's one
 * reading of it (not as a cached page shows it: its holder changes every
 * few milliseconds). One reading for all the threads, at the tick's start:
 * read once per thread, each after that thread's walk, later threads were
 * read later into the tick, by a daemon that had meanwhile stopped and
 * released some of them and used a CPU, and a hand-over between two
 * readings could count for both threads or for neither. */
static int read_gil(struct sampler *s, const struct pywalk_thread *py)
{
    if (!gilwatch_current(&s->gil, py->interp)) {
        rmem_proc_invalidate(s->mem);
        gilwatch_read(&s->gil, py->interp);
    }
    return gilwatch_held_by(&s->gil, py->tstate);
}

/* Whether a stack runs the code of a module (a script, `-c`, the
 * bootstrap): its outermost frame is a `<module>`. While the interpreter
 * starts, the main thread runs the import system's functions and the
 * frozen import system's own module code (`<frozen importlib._bootstrap>`
 * executed from C); after that it compiles the script in C, with no frame
 * at all, which is start-up too, not a torn read of a running program. */
static int runs_module(const struct sampler *s, const struct pywalk_stack *stack)
{
    const struct pywalk_code *code =
        stack->nframes ? pywalk_code(s->walk, stack->frames[stack->nframes - 1].code_id) : NULL;
    return code && strcmp(code->qualname, "<module>") == 0 &&
           strncmp(code->file, "<frozen ", 8) != 0;
}

/* Why a Python thread's stack, walked with result walk_rc, places no time
 * (PROTO_PLACED when it does). The main thread shows no Python frame only
 * before its program starts and after it ends. A failed walk is an error,
 * except once the interpreter shuts down and frees what it is read from.
 * Only stopped threads count toward the shutdown (a running one read
 * unstopped can show an empty chain for a moment), and a program frame
 * seen again undoes it. */
static uint32_t stack_unplaced(struct sampler *s, uint32_t tid, int walk_rc, int held)
{
    int is_main = tid == (uint32_t)s->pid;
    if (walk_rc == 0 && s->stack.nframes > 0) {
        if (is_main) {
            s->main_ran |= runs_module(s, &s->stack);
            s->main_empty_ticks = 0;
            s->teardown = 0;
        }
        return PROTO_PLACED;
    }
    if (walk_rc == 0 && is_main) {
        if (!s->main_ran)
            return PROTO_UNPLACED_STARTUP;
        if (script_over(s, held))
            s->teardown = 1;
        /* With an end mark not yet written, no frame is a torn read. */
        if (s->teardown || !s->end_mark)
            return PROTO_UNPLACED_TEARDOWN;
        walk_rc = -EAGAIN;
    }
    if (walk_rc == 0)
        return PROTO_UNPLACED_NO_PYTHON;
    if (s->teardown)
        return PROTO_UNPLACED_TEARDOWN;
    s->errors++;
    return PROTO_UNPLACED_WALK_FAILED;
}

/* Walks a thread's stack: under the hold when there is one, else unheld
 * and checked. When that fails for a thread that is running, it is stopped
 * (again) and walked once more: unheld, it kept moving; held, it may have
 * stopped between the stores that publish a new frame (3.12 sets
 * tstate->cframe before cframe.current_frame when the evaluation loop is
 * entered from C, and until then that field holds whatever an earlier
 * call left on the C stack, often an old entry frame whose caller is long
 * gone), so it gets a moment to run on. Not while the
 * interpreter shuts down: its memory is being freed. The time a released
 * hold kept the thread stopped goes to *released_ns. */
/* A walk's result rc for thread tid, with an empty main thread's stack
 * torn: the script runs under the bootstrap, so while it has not ended
 * its main thread always has frames. */
static int empty_main_is_torn(struct sampler *s, uint32_t tid, int rc, int held)
{
    if (rc == 0 && s->stack.nframes == 0 && tid == (uint32_t)s->pid && s->main_ran &&
        s->end_mark && !script_over(s, held))
        return -EAGAIN;
    return rc;
}

static int walk_thread(struct sampler *s, struct thread_track *t, uint64_t tstate,
                       const struct task_stat *st, struct thread_hold *hold,
                       uint64_t *released_ns)
{
    struct stackread_pages *pages = &t->pages;
    int rc = empty_main_is_torn(s, hold->tid,
                                stackread_walk(&s->reader, tstate, hold->held, pages, &s->stack),
                                hold->held);
    if (!hold->held)
        t->walk_torn = switchwatch_moved_since(&t->clock.watch, t->tick_mark);
    if (rc == 0 || rc == -E2BIG || st->state != 'R' || s->teardown)
        return rc;
    return stackread_rehold(&s->reader, tstate, rc, !hold->held, hold, released_ns, pages,
                            &s->stack);
}

/* A copy of a kept stack as this tick's: frames only, as keep_stack
 * keeps them. Returns 0. */
static int keep_stack_copy(struct pywalk_stack *to, const struct pywalk_stack *from)
{
    memset(to, 0, offsetof(struct pywalk_stack, frames));
    memset(to->entries, 0, sizeof(to->entries));
    to->truncated = from->truncated;
    to->nframes = from->nframes;
    to->elided = from->elided;
    memcpy(to->frames, from->frames, from->nframes * sizeof(from->frames[0]));
    return 0;
}

/* What a thread read as blocked waits in. One that woke in the moment
 * between the read of its state and this one is runnable, and not seen on
 * a CPU: its wait ended just now, which is what "woke up" charges
 * (attribute_interval); named by the system call it has left, a GIL wait
 * read this way became system time at the line (a GIL-sharing spinner
 * got 0.06 s of "system" in a 3 s run beside a busy loop). */
static void set_blocked_kind(struct sampler *s, struct thread_track *t,
                             struct thread_observation *now)
{
    /* Through the file kept open, with the thread's others: a GIL-sharing
     * thread is read blocked at most ticks, and opening and closing the
     * file were two of the daemon's 17 system calls a tick for four such
     * threads. */
    struct task_files *kept = s->clocks.keep_files ? &t->clock.files : NULL;
    int kind = gilwatch_blocked_kind(&s->gil, s->pid, t->tid, kept);
    if (kind == GILWATCH_WOKE)
        now->running = 1;
    else
        now->off_kind = kind;
}

/* Observes a thread now: its stack, where a held (running) thread is, what
 * a blocked one waits in. Returns why the stack places no time, if it does
 * not; a stack that could not be read is sent as no stack at all. */
/* Whether a walk before the stop stands (read_thread): it succeeded, or
 * found a stack deeper than the cap, which a walk under the stop would
 * find too. One torn at every try is done again under the stop (walk_thread). */
static int walked_before_stop(int walked)
{
    return walked == 0 || walked == -E2BIG;
}

/* Whether the held thread's PC tells where the walked stack's CPU went:
 * the walk was made under the stop, or the thread has not moved from the
 * instruction the walk before the stop found it at. */
static int pc_counts(struct sampler *s, const struct pywalk_thread *py,
                     const struct thread_hold *hold, int walked, int rc)
{
    if (!hold->held)
        return 0;
    if (!walked_before_stop(walked))
        return 1;
    return rc == 0 && stackread_same_place(&s->reader, py->tstate, &s->stack) == 0;
}

static uint32_t observe_thread(struct sampler *s, const struct pywalk_thread *py,
                               const struct task_stat *st, struct thread_hold *hold,
                               struct thread_track *t, int still, int walked,
                               struct thread_observation *now, int *pc_counted,
                               uint64_t *released_ns)
{
    *now = (struct thread_observation){.valid = 1, .running = st->state == 'R',
                                       .cpu_kind = SAMPLE_PYTHON, .off_kind = SAMPLE_IDLE,
                                       .gap_kind = SAMPLE_IDLE};
    int rc = still                         ? keep_stack_copy(&s->stack, t->stack)
             : walked_before_stop(walked) ? walked
                                          : walk_thread(s, t, py->tstate, st, hold, released_ns);
    now->holds_gil = read_gil(s, py);
    uint64_t pc, sp;
    *pc_counted = pc_counts(s, py, hold, walked, rc);
    if (*pc_counted && threadstop_regs(hold, &pc, &sp) == 0 &&
        oncpu_classify(s->oncpu, hold, pc) == ONCPU_NATIVE)
        now->cpu_kind = SAMPLE_NATIVE;
    if (still)
        now->off_kind = t->seen.off_kind; /* the same wait */
    else if (st->state == 'S' || st->state == 'D')
        set_blocked_kind(s, t, now);
    uint32_t unplaced = stack_unplaced(s, hold->tid, rc, hold->held);
    if (unplaced != PROTO_PLACED)
        s->stack.nframes = 0;
    return unplaced;
}

static int any_time(const uint64_t ns[SAMPLE_KINDS])
{
    for (int k = 0; k < SAMPLE_KINDS; k++)
        if (ns[k])
            return 1;
    return 0;
}

/* Copies a stack into *to, allocated at the first copy. */
static int keep_stack(struct pywalk_stack **to, const struct pywalk_stack *from)
{
    if (!*to)
        *to = malloc(sizeof(**to));
    if (!*to)
        return -ENOMEM;
    (*to)->truncated = from->truncated;
    (*to)->nframes = from->nframes;
    (*to)->elided = from->elided;
    memcpy((*to)->frames, from->frames, from->nframes * sizeof(from->frames[0]));
    return 0;
}

/* Emits one earlier stack's part of an interval (carried, with the GIL as
 * that observation saw it). */
static int emit_earlier(const struct thread_track *t, const uint64_t ns[SAMPLE_KINDS],
                        const struct pywalk_stack *stack, uint32_t unplaced, int holds_gil,
                        sampler_emit_fn emit, void *ctx)
{
    if (!stack || !any_time(ns))
        return 0;
    struct thread_sample out = {.tid = t->tid, .unplaced = unplaced, .stack = stack,
                                .flags = PROTO_SAMPLE_CARRIED | (holds_gil ? PROTO_SAMPLE_GIL : 0)};
    memcpy(out.ns, ns, sizeof(out.ns));
    return emit(ctx, &out);
}

static int emit_kept(const struct thread_track *t, const uint64_t ns[SAMPLE_KINDS],
                     const struct kept_observation *kept, sampler_emit_fn emit, void *ctx)
{
    return emit_earlier(t, ns, kept->stack, kept->unplaced, kept->seen.holds_gil, emit, ctx);
}

/* Keeps the current observation as the last of its kind, if its stack
 * places time. */
static int keep_observation(struct kept_observation *kept, const struct thread_observation *now,
                            const struct pywalk_stack *stack, uint32_t unplaced)
{
    if (unplaced != PROTO_PLACED)
        return 0;
    if (keep_stack(&kept->stack, stack) < 0)
        return -ENOMEM;
    kept->seen = *now;
    kept->unplaced = unplaced;
    kept->missed_runs = 0;
    return 0;
}

/* The last on-CPU observation, while it can stand for unseen CPU time
 * (SAMPLER_KEPT_MAX_MISSED_RUNS), else none. */
static struct thread_observation last_ran(const struct kept_observation *ran)
{
    if (ran->missed_runs < SAMPLER_KEPT_MAX_MISSED_RUNS)
        return ran->seen;
    return (struct thread_observation){0};
}

/* The last observation that found the thread blocked, in whatever wait. */
static const struct kept_observation *last_waited(const struct thread_track *t)
{
    return t->waited_gil ? &t->gil_waited : &t->slept;
}

/* Keeps a blocked observation as the last of its wait's kind, and as the
 * last blocked one, if its stack places time. */
static int keep_wait(struct thread_track *t, const struct thread_observation *now,
                     const struct pywalk_stack *stack, uint32_t unplaced)
{
    if (unplaced != PROTO_PLACED)
        return 0;
    int gil = now->off_kind == SAMPLE_GIL_WAIT;
    t->waited_gil = gil;
    return keep_observation(gil ? &t->gil_waited : &t->slept, now, stack, unplaced);
}

/* Emits the parts of an interval kept observations get: where the thread
 * last ran, last waited and last waited for anything but the GIL (the
 * last two one sample when they are one observation). */
static int emit_kept_parts(const struct thread_track *t, const struct interval_split *split,
                           sampler_emit_fn emit, void *ctx)
{
    int rc = emit_kept(t, split->ran_ns, &t->ran, emit, ctx);
    if (rc == 0 && t->waited_gil)
        rc = emit_kept(t, split->waited_ns, &t->gil_waited, emit, ctx);
    uint64_t slept[SAMPLE_KINDS];
    for (int k = 0; k < SAMPLE_KINDS; k++)
        slept[k] = split->slept_ns[k] + (t->waited_gil ? 0 : split->waited_ns[k]);
    return rc == 0 ? emit_kept(t, slept, &t->slept, emit, ctx) : rc;
}

/* Emits the interval's parts: first what belongs to earlier stacks (the
 * previous one, where the thread last ran and where it last waited), then
 * what belongs to the current one, with the interval's CPU time; remembers
 * the current one. */
static int emit_split(struct sampler *s, struct thread_track *t, const struct interval_split *in,
                      const struct thread_observation *now, uint32_t unplaced,
                      const struct thread_sample *extra, sampler_emit_fn emit, void *ctx)
{
    struct interval_split split = *in;
    /* An interval that ends in the teardown after a script's observation
     * that found the thread blocked: the CPU that the rules give to where
     * the thread was last seen on a CPU (it waits for one now, or both
     * ends found it blocked) ran after it woke, so after that place, and
     * that place is no estimate across the script's end. It is the
     * teardown's. Given to the last line the spin of startup_cpu.py ran,
     * it put 2-4 ms of the interpreter's shutdown on the script in one run
     * of ten. Not after an observation that found it running: it ran on
     * from there, and an interval carried across ticks that found it
     * waiting for a CPU holds mostly that (a pool worker's last 80 ms of
     * crunch() went to the teardown so, 3-6 pp of the tree's CPU, in one
     * run of about twenty). */
    if (unplaced == PROTO_UNPLACED_TEARDOWN && t->unplaced != PROTO_UNPLACED_TEARDOWN &&
        !t->seen.running) {
        for (int k = 0; k < SAMPLE_KINDS; k++)
            split.cur_ns[k] += split.ran_ns[k];
        memset(split.ran_ns, 0, sizeof(split.ran_ns));
    }
    int rc = emit_earlier(t, split.prev_ns, t->stack, t->unplaced, t->seen.holds_gil, emit, ctx);
    if (rc == 0)
        rc = emit_kept_parts(t, &split, emit, ctx);
    struct thread_sample out = {.tid = t->tid, .unplaced = unplaced, .stack = &s->stack,
                                .flags = now->holds_gil ? PROTO_SAMPLE_GIL : 0,
                                .cpu_ns = extra->cpu_ns, .wall_ns = extra->wall_ns};
    memcpy(out.ns, split.cur_ns, sizeof(out.ns));
    if (rc == 0)
        rc = emit(ctx, &out);
    t->seen = *now;
    t->unplaced = unplaced;
    if (keep_stack(&t->stack, &s->stack) < 0)
        return -ENOMEM;
    if (now->running && !now->on_cpu)
        t->ran.missed_runs++;
    if (now->on_cpu && keep_observation(&t->ran, now, &s->stack, unplaced) < 0)
        return -ENOMEM;
    if (!now->running && keep_wait(t, now, &s->stack, unplaced) < 0)
        return -ENOMEM;
    return rc;
}

/* The thread states, read with the pages the previous listing used read
 * ahead (see stackread_pages), and with them the pages of the main
 * thread's last walk: its walk, unless it is held, takes them from there
 * (one system call fewer per tick). */
static int list_python_threads(struct sampler *s, int ntids)
{
    const struct pywalk_thread *main_py = pythread_of(s, s->npy, (uint32_t)s->pid);
    const struct thread_track *main_track = find_track(s, (uint32_t)s->pid);
    if (main_py && main_track)
        stackread_read_ahead(&s->reader, main_py->tstate, &s->list_pages, &main_track->pages,
                             &s->main_stack);
    else
        rmem_proc_prefetch(s->mem, s->list_pages.page, s->list_pages.n);
    rmem_proc_trace(s->mem);
    int n = pywalk_threads(s->walk, s->pythreads, PYWALK_MAX_THREADS);
    if (n >= 0)
        pywalk_resolve_tids(s->walk, s->pythreads, n, s->tids, ntids);
    /* The tick's snapshot of the GIL, before any thread is read (read_gil),
     * from pages read this tick: traced with the listing's, they are read
     * ahead in the same call next tick. */
    if (n > 0)
        gilwatch_read(&s->gil, s->pythreads[0].interp);
    s->list_pages.n = rmem_proc_traced(s->mem, s->list_pages.page, RMEM_TRACE_MAX);
    if (n <= 0 && s->main_ran && (!s->end_mark || script_over(s, 0)))
        s->teardown = 1; /* the thread states are gone */
    return n < 0 ? 0 : n; /* not initialised yet, or torn: this tick sees no stacks */
}

struct tick_state {
    int npy;
    int have_main;
    uint32_t main_unplaced; /* why the main thread's stack places nothing */
    int lone; /* the process has a single thread */
};

/* Charges CPU time that no observation ends where the thread's last
 * observation saw it run (attribute_last_interval): its interval since
 * that observation, once its thread state is gone (it is ending). */
static int charge_as_last_seen(const struct thread_track *t, const struct interval_time *time,
                               sampler_emit_fn emit, void *ctx)
{
    struct interval_split split;
    struct thread_history history = {t->seen, last_ran(&t->ran), last_waited(t)->seen,
                                     t->slept.seen};
    attribute_last_interval(&history, time, &split);
    struct thread_sample out = {.tid = t->tid, .unplaced = t->unplaced, .stack = t->stack,
                                .cpu_ns = time->cpu,
                                .flags = PROTO_SAMPLE_CARRIED |
                                         (t->seen.holds_gil ? PROTO_SAMPLE_GIL : 0)};
    memcpy(out.ns, split.prev_ns, sizeof(out.ns));
    int rc = any_time(out.ns) || out.cpu_ns ? emit(ctx, &out) : 0;
    return rc == 0 ? emit_kept_parts(t, &split, emit, ctx) : rc;
}

/* Whether a thread with no thread state had one, while the interpreter
 * has others: it is ending. Not the main thread, whose thread state goes
 * in the interpreter's teardown (sample_helper_thread). */
static int ended_python_thread(const struct sampler *s, const struct thread_track *t,
                               const struct tick_state *tick)
{
    return t->python && t->tid != (uint32_t)s->pid && tick->npy > 0 && t->seen.valid &&
           t->stack;
}

/* A thread without a Python thread state (a BLAS worker, a C library's
 * pool) works for the Python code that called into its library: its CPU
 * time is native time of the main thread's current line (one that had a
 * thread state is ending: charge_as_last_seen). Without thread states at
 * all, the interpreter has not started or has shut down. */
static int sample_helper_thread(struct sampler *s, const struct interval_time *time,
                                struct thread_sample *out, const struct tick_state *tick)
{
    out->ns[SAMPLE_NATIVE] = time->cpu - time->kernel;
    out->ns[SAMPLE_SYSTEM] = time->kernel;
    out->cpu_ns = time->cpu;
    out->stack = tick->have_main ? &s->main_stack : NULL;
    if (tick->have_main)
        out->unplaced = tick->main_unplaced;
    else if (tick->npy == 0)
        out->unplaced = s->main_ran ? PROTO_UNPLACED_TEARDOWN : PROTO_UNPLACED_STARTUP;
    else
        out->unplaced = PROTO_UNPLACED_NO_PYTHON;
    return time->cpu > 0;
}

/* --native: the held thread's native stack, unwound while it is stopped,
 * then named and merged into its Python stack once it runs again. A
 * thread stopped as it enters or leaves a call of the evaluation loop has
 * one loop frame more on its native stack than its Python stack has loop
 * calls: CPython switches the frame chain a few instructions after that C
 * frame begins (3.11: the stale current frame then reads as the new one,
 * not yet marked as an entry) and before it returns. Merged, every Python
 * frame would land under the innermost loop frame, above the C code that
 * called it. Such a thread is stopped and read once more, a moment later;
 * if that fails, the first reading is merged as it is (native_merge keeps
 * every frame in order). */
static void add_native_frames(struct sampler *s, uint64_t tstate, struct thread_hold *hold,
                              struct stackread_pages *pages, uint64_t *released_ns)
{
    native_stack_capture(s->native, hold->tid);
    *released_ns += threadstop_release(hold);
    int evals = native_stack_name(s->native);
    if (evals > 0 && (uint32_t)evals > pywalk_stack_loop_calls(&s->stack)) {
        struct pywalk_stack first = s->stack;
        if (stackread_rehold(&s->reader, tstate, -EAGAIN, 0, hold, released_ns, pages,
                             &s->stack) == 0 &&
            hold->held) {
            native_stack_capture(s->native, hold->tid);
            *released_ns += threadstop_release(hold);
            native_stack_name(s->native);
        } else {
            *released_ns += threadstop_release(hold);
            s->stack = first;
        }
    }
    native_stack_merge(s->native, &s->stack);
}

/* Whether to stop a running Python thread this tick. With an exact clock
 * a stop only reads the PC, within the process's budget (holdbudget.h),
 * and a thread waits its turn (the gap times the other threads) so that
 * all of them get one; a lone thread waits for nothing but the budget (a
 * turn of one gap left a fifth of its 100 Hz ticks unheld: the jittered
 * ticks come 5-15 ms apart). Without it, a running thread is stopped at every
 * tick: stopping is what brings its schedstat, or a lone thread's process
 * clock, up to date (read from outside, either stands still between the
 * thread's scheduler ticks and switches; unstopped, a lone thread's
 * shares drifted 4-8 pp at 1 kHz). */
static int wants_hold(const struct sampler *s, const struct thread_track *t,
                      const struct tick_state *tick)
{
    uint64_t due_ns = s->planned_ns;
    if (t->clock.clock_fd >= 0)
        return holdbudget_allows(&s->holds, due_ns) &&
               due_ns - t->last_hold_planned_ns >=
                   SAMPLER_HOLD_GAP_NS * (uint64_t)(tick->npy > 1 ? tick->npy - 1 : 0);
    return 1;
}

/* Whether a thread waiting for a CPU waits for the one this tick runs on,
 * preempted since the tick was due: by the daemon's own wake-up, which
 * takes a CPU at once, at a random moment of the thread's running, and not
 * by the kernel's lazy rescheduling, which favours the return of a system
 * call. It stands where it ran, and is sampled. With as many busy threads
 * as CPUs the daemon can keep off none of them (placement.c), and skipping
 * the one it displaced left that thread unsampled for 8 ticks at a time:
 * a pool worker's last 80 ms of crunch() came as one interval, and went
 * to its teardown (3-6 pp of the tree's CPU in about one run of twenty). */
static int displaced_by_tick(const struct sampler *s, const struct thread_track *t,
                             const struct task_stat *st)
{
    uint64_t preempted_ns = switchwatch_preempted_at(&t->clock.watch);
    return preempted_ns && preempted_ns >= s->planned_ns && st->cpu >= 0 &&
           st->cpu == sched_getcpu();
}

/* A running Python thread due a stop is walked first, unheld, and only
 * then stopped (*walked: that walk's result, or WALK_NOT_YET). A stop
 * lands late: the interrupt that brings it takes 15-30 us on a VM, and a
 * system call the thread makes meanwhile brings it first. Walked under
 * the stop, a loop of 7 us rounds that calls time.thread_time() once a round
 * had 98% of its time on that call's line at 100 Hz (9% true). The walk
 * at the tick's own moment is the observation; the stop gives the PC,
 * which counts for it only where the thread still stands at the walk's
 * instruction (observe_thread). */
#define WALK_NOT_YET 1

/* Reads a thread's state and clocks, holding a running Python thread still
 * when hold_it says so. Its CPU time comes from its exact clock, else the
 * process clock (a lone thread), else schedstat (exact once it is
 * stopped); *source says which. Returns whether it was on a CPU (1, also
 * when there is no telling) or waiting for one (0, sampled all the same:
 * it woke from a wait, or its skips ran out), -EAGAIN when it waits for a
 * CPU (not sampled this tick), or a negative errno code (-ESRCH: gone). */
static int read_thread(struct sampler *s, struct thread_track *t, int is_new, int hold_it,
                       int lone, uint64_t tstate, struct task_stat *st, struct thread_hold *hold,
                       enum cpu_source *source, uint64_t *when_ns, int *walked)
{
    *walked = WALK_NOT_YET;
    t->walk_torn = 0;
    hold->tid = (pid_t)t->tid;
    uint64_t exact_ns;
    int on_cpu = threadclock_on_cpu(&s->clocks, &t->clock, is_new, st, &exact_ns);
    if (on_cpu < 0)
        return on_cpu == -EAGAIN ? -EIO : on_cpu; /* -EAGAIN: waiting, below */
    int displaced = on_cpu == 0 && st->state == 'R' && displaced_by_tick(s, t, st);
    if (displaced)
        on_cpu = 1;
    t->still_now = still_thread_check(&t->still, st) && t->stack;
    /* Only between two running observations: one that finds a thread woken
     * from a wait (its previous one blocked) is where its wait ended, and
     * tells the wait from its run (attribute_interval). */
    if (!is_new && t->seen.running && st->state == 'R' && !on_cpu &&
        t->waiting_skips < SAMPLER_MAX_WAITING_SKIPS) {
        t->waiting_skips++;
        return -EAGAIN;
    }
    t->waiting_skips = 0;
    if (st->state == 'R' && s->nrunning < SAMPLER_MAX_TASKS)
        s->running_cpus[s->nrunning++] = st->cpu;
    /* --native reads a blocked thread's native stack under a stop too,
     * unless it has not run since the last (stillthread.h). A runnable
     * thread waiting for a CPU is not stopped for its PC: the stop lasts
     * until the scheduler gives it one (1-12 ms on a busy machine), its
     * CPU time goes where it last ran anyway (charge_run_to_now), and the
     * threads read after it are read that much later. A thread woken to
     * take the GIL waits so, and while it does a napper can only go from
     * its nap to its GIL wait, never back: read late, it was found in its
     * GIL wait too often (see order_threads). */
    char state = st->state;
    int stop_it = (state == 'R' && on_cpu && !displaced) || (s->native && !t->still_now);
    if (hold_it && stop_it && tstate && !s->native)
        *walked = empty_main_is_torn(s, t->tid,
                                     stackread_walk(&s->reader, tstate, 0, &t->pages, &s->stack),
                                     0);
    if (*walked != WALK_NOT_YET)
        t->walk_torn = switchwatch_moved_since(&t->clock.watch, t->tick_mark);
    if (hold_it && stop_it && threadstop_hold((pid_t)t->tid, hold) == 0) {
        struct task_stat stopped;
        exact_ns = 0; /* it ran until the stop */
        if (threadclock_read_stopped(&s->clocks, &t->clock, &stopped) == 0) {
            *st = stopped;
            st->state = state; /* it reads as stopped now, by us */
            still_thread_held(&t->still, st);
        }
        holdbudget_spend(&s->holds, s->planned_ns);
    }
    *source = threadclock_cpu(&s->clocks, &t->clock, lone, exact_ns, st);
    *when_ns = clock_monotonic_ns();
    return on_cpu;
}

/* Where a running thread's CPU went when no PC tells (unheld, or stopped
 * only after it moved on from where it was walked): where it went at the
 * last stop whose PC counted if it is still on that line, else the
 * interpreter (it moved, so it ran bytecode). */
static void carry_kind(const struct thread_track *t, const struct pywalk_stack *stack,
                       struct thread_observation *now)
{
    if (!now->running)
        return;
    const struct pywalk_frame *top = stack->nframes ? &stack->frames[0] : NULL;
    if (top && top->code_id == t->held_at.code_id && top->line == t->held_at.line)
        now->cpu_kind = t->held_kind;
}

/* Where the thread's CPU went at a stop whose PC counted, for carry_kind. */
static void remember_hold(struct thread_track *t, const struct pywalk_stack *stack,
                          const struct thread_observation *now)
{
    t->held_kind = now->cpu_kind;
    t->held_at = stack->nframes ? stack->frames[0] : (struct pywalk_frame){UINT32_MAX, -1};
}

/* Whether this tick's interval is carried to the next observation, when
 * carry says it should be and *carries (in a row) allows
 * (SAMPLER_MAX_FAILED_CARRIES): if so, the thread's clocks go back to
 * where they stood before this tick read them, and the next tick charges
 * the interval's CPU again. */
static int carry_interval(struct sampler *s, struct thread_track *t,
                          const struct thread_clock_mark *before, int carry, int *carries)
{
    if (!carry || !t->seen.valid || *carries >= SAMPLER_MAX_FAILED_CARRIES) {
        *carries = 0;
        return 0;
    }
    ++*carries;
    unseencpu_uncharged(&s->unseen_cpu,
                        t->clock.cpu_ns > before->cpu_ns ? t->clock.cpu_ns - before->cpu_ns : 0);
    threadclock_rewind(&t->clock, before);
    return 1;
}

/* Whether a thread other than the main one, seen in Python code before,
 * shows no Python frame: its function has returned and it is ending (its
 * thread state goes next), or it runs C code between two calls into
 * Python. What it ran since it was last seen is carried, as a failed
 * walk's is: to its last stack once it ends (charge_as_last_seen), to the
 * next one if it comes back. Split with the empty observation, half of a
 * worker's last period went to no Python frame. */
static int lost_its_frames(const struct sampler *s, const struct thread_track *t, uint32_t unplaced)
{
    return unplaced == PROTO_UNPLACED_NO_PYTHON && t->tid != (uint32_t)s->pid &&
           t->unplaced == PROTO_PLACED && t->stack;
}

/* Whether an observation of a running thread is torn: its walk, unheld,
 * ended after the thread left its CPU or came back to it (its switch
 * records moved since the tick began). Then the walk read the place the
 * thread left its CPU at, or came back to, not one it ran at: where the
 * kernel preempts a thread is no draw from where it runs (it favours the
 * return of a system call: a syscall loop sharing its CPU with a busy loop
 * stood at its system call's line at 4474 of the 4572 ticks that found it
 * waiting), and such observations, 1.2-1.6% of that loop's, had it
 * there at 48-83% against 16% (docs/time-kinds.md). The interval is
 * carried, as a failed walk's is. */
static int torn_walk(const struct thread_track *t, const struct thread_observation *now)
{
    return now->on_cpu && t->walk_torn;
}

/* The wall time between the tick of this observation of the thread's GIL
 * state and the tick of the previous one (the client weighs GIL states by
 * it: see profile_thread_observe). Tick times, not the moments each thread
 * was read: the threads of a process share one time line, so the shares of
 * threads that cannot hold the GIL together cannot add up to more than
 * the whole, even when the daemon, short of CPU, reads them far apart.
 * The times the ticks were due, not the times they began: how late the
 * daemon wakes depends on when a CPU comes free, which depends on who
 * holds the GIL (a holder that lets it go and blocks frees one), so
 * weights by the wake-ups favoured one contender by 6 pp and more. */
static uint64_t gil_span(struct thread_track *t, uint64_t now_ns)
{
    uint64_t span = now_ns > t->gil_seen_ns ? now_ns - t->gil_seen_ns : 0;
    t->gil_seen_ns = now_ns;
    return span;
}

/* A thread skipped while it waits for a CPU still counts for the GIL: a
 * preempted thread keeps the GIL it holds, and the share of ticks holding
 * it is a share of the wall time. An observation without time, at the
 * stack it was preempted in; its interval stays carried. */
static int observe_gil_only(struct sampler *s, struct thread_track *t,
                            const struct pywalk_thread *py, sampler_emit_fn emit, void *ctx)
{
    if (!s->gil.known || !t->stack)
        return 0;
    struct thread_sample out = {.tid = t->tid, .unplaced = t->unplaced, .stack = t->stack,
                                .flags = PROTO_SAMPLE_NOT_READ |
                                         (read_gil(s, py) ? PROTO_SAMPLE_GIL : 0),
                                .wall_ns = gil_span(t, s->planned_ns)};
    return emit(ctx, &out);
}

/* What a thread running at both ends of its interval waited in between,
 * if it was off CPU (gilwatch_gap_kind): it ran the interpreter's own code
 * at either end, or not. */
static int gap_kind(struct sampler *s, struct thread_track *t,
                    const struct thread_observation *now, int is_new)
{
    int in_interpreter = now->cpu_kind == SAMPLE_PYTHON ||
                         (t->seen.running && t->seen.cpu_kind == SAMPLE_PYTHON);
    return gilwatch_gap_kind(&s->gil, &t->gil_switches, in_interpreter, is_new);
}

/* The interval since the thread's last tick, split by its clocks, less
 * what a stall of the daemon put in it: that part goes to *unseen. */
static void interval_seen(struct sampler *s, struct thread_track *t, const struct task_stat *st,
                          uint64_t now_ns, struct interval_time *time, struct interval_time *unseen)
{
    uint64_t wall = now_ns > t->clock.when_ns ? now_ns - t->clock.when_ns : 0;
    threadclock_interval(&t->clock, st, now_ns, time);
    unseencpu_charged(&s->unseen_cpu, time->cpu);
    attribute_unseen_part(time, wall, s->unseen_after_ns, unseen);
}

/* Emits a stall's part of an interval on no stack, as unseen: once the
 * interval is charged, not carried. Emitted before a carry, it came again
 * with the interval at the next tick (a 1.5 s stop of the daemon was
 * unseen three times over when the walks after it tore). */
static int emit_unseen(const struct thread_track *t, const struct interval_time *unseen,
                       sampler_emit_fn emit, void *ctx)
{
    if (!unseen->cpu && !unseen->off)
        return 0;
    /* Carried: the thread is not seen anywhere by it (the client keeps
     * the main thread's place for RSS growth). Time off CPU unseen is not
     * known to be a sleep: idle. */
    struct thread_sample out = {.tid = t->tid, .unplaced = PROTO_UNPLACED_UNSEEN,
                                .flags = PROTO_SAMPLE_CARRIED};
    out.ns[SAMPLE_PYTHON] = unseen->cpu - unseen->kernel;
    out.ns[SAMPLE_SYSTEM] = unseen->kernel;
    out.ns[SAMPLE_IDLE] = unseen->off;
    return emit(ctx, &out);
}

static struct thread_sample unplaced_cpu(uint32_t tid, uint32_t unplaced, uint64_t cpu,
                                         uint64_t kernel);

/* What a thread of a process spawned for the session ran before its first
 * tick (its clocks count from its start): the interpreter's start-up. */
static int charge_startup(struct sampler *s, uint32_t tid, const struct task_stat *st,
                          sampler_emit_fn emit, void *ctx)
{
    if (!st->cpu_ns)
        return 0;
    uint64_t kernel = st->kernel_ns < st->cpu_ns ? st->kernel_ns : st->cpu_ns;
    struct thread_sample out = unplaced_cpu(tid, PROTO_UNPLACED_STARTUP, st->cpu_ns, kernel);
    out.cpu_ns = st->cpu_ns;
    unseencpu_charged(&s->unseen_cpu, st->cpu_ns);
    return emit(ctx, &out);
}

/* Lets a sampled thread go, if it is held. Returns how long our stops
 * kept it still this sample: released_ns, from stops let go already, and
 * the hold's. */
static uint64_t end_stops(struct sampler *s, struct thread_hold *hold, uint64_t released_ns)
{
    uint64_t held = released_ns + threadstop_release(hold);
    if (held) {
        s->stopped_samples++;
        s->stopped_ns += held;
    }
    return held;
}

static int sample_thread(struct sampler *s, struct thread_track *t, int is_new,
                         struct tick_state *tick, sampler_emit_fn emit, void *ctx)
{
    uint32_t tid = t->tid;
    const struct pywalk_thread *py = pythread_of(s, tick->npy, tid);
    int rc = 0;
    t->python |= py != NULL;
    struct task_stat st;
    struct thread_hold hold = {0};
    uint64_t now_ns, released_ns = 0;
    enum cpu_source source;
    /* --native holds every running Python thread: its native stack can
     * only be read stopped. */
    int hold_it = py && (s->native || (is_new && t->clock.clock_fd < 0) ||
                         wants_hold(s, t, tick));
    int walked;
    int read = read_thread(s, t, is_new, hold_it, tick->lone, py ? py->tstate : 0, &st, &hold,
                           &source, &now_ns, &walked);
    if (read == -EAGAIN) {
        /* Waiting for a CPU: this tick does not sample its time (see
         * SAMPLER_MAX_WAITING_SKIPS); its last stack stays current. */
        t->seen_tick = s->ticks;
        t->ran.missed_runs++;
        if (tid == (uint32_t)s->pid && t->stack)
            tick->have_main = 1;
        return py ? observe_gil_only(s, t, py, emit, ctx) : 0;
    }
    /* The main thread reads as a zombie, or not at all, once the process
     * has exited (the process's own stat shows the main thread's state). */
    if (tid == (uint32_t)s->pid && (read == -ESRCH || (read >= 0 && st.state == 'Z')))
        s->exited = 1;
    if (read < 0)
        return 0; /* exited since the listing, or unreadable this tick */
    if (!is_new)
        threadclock_settle(&t->clock, source, &st);
    else
        t->clock.source = source;
    t->seen_tick = s->ticks;
    if (is_new) {
        /* Its CPU time counts from its start, all of it charged here; its
         * wall time from now. It began at a moment not known, since the
         * last listing: counted from the last tick, a thread born just
         * before this one had up to a period of idle or GIL wait it never
         * had (1.3 s of GIL wait over 270 request threads of an HTTP
         * server that each ran for a millisecond). */
        t->clock.when_ns = now_ns;
        t->gil_seen_ns = s->ticks == 1 ? s->planned_ns : s->last_planned_ns;
    }
    if (is_new && s->ticks == 1 && (s->spawned || !s->clocks.started_within)) {
        /* The first tick only sets the clocks: what ran before is unknown,
         * or the start-up of a process spawned for the session. */
        if (s->spawned)
            rc = charge_startup(s, tid, &st, emit, ctx);
        threadclock_start(&t->clock, &st);
    } else if (!py) {
        struct interval_time time, unseen;
        interval_seen(s, t, &st, now_ns, &time, &unseen);
        rc = emit_unseen(t, &unseen, emit, ctx);
        struct thread_sample out = {.tid = tid};
        if (rc == 0 && ended_python_thread(s, t, tick))
            rc = charge_as_last_seen(t, &time, emit, ctx);
        else if (rc == 0 && sample_helper_thread(s, &time, &out, tick))
            rc = emit(ctx, &out);
    } else {
        struct interval_time time, unseen;
        struct thread_clock_mark before = threadclock_mark(&t->clock);
        interval_seen(s, t, &st, now_ns, &time, &unseen);
        time.alone = tick->lone;
        struct thread_observation now;
        int pc_counted;
        uint32_t unplaced = observe_thread(s, py, &st, &hold, t, t->still_now, walked, &now,
                                           &pc_counted, &released_ns);
        now.on_cpu = now.running && read > 0;
        if (carry_interval(s, t, &before,
                           unplaced == PROTO_UNPLACED_WALK_FAILED || lost_its_frames(s, t, unplaced),
                           &t->failed_carries) ||
            carry_interval(s, t, &before, unplaced == PROTO_PLACED && torn_walk(t, &now),
                           &t->torn_carries)) {
            t->clock.held_ns += end_stops(s, &hold, released_ns);
            return 0;
        }
        if ((rc = emit_unseen(t, &unseen, emit, ctx)) < 0) {
            t->clock.held_ns = end_stops(s, &hold, released_ns);
            return rc;
        }
        if (hold.held)
            t->last_hold_planned_ns = s->planned_ns;
        if (pc_counted)
            remember_hold(t, &s->stack, &now);
        else
            carry_kind(t, &s->stack, &now);
        /* Inside a C callable the innermost frame called (sorted, sum, a
         * method of a built-in type, an extension function): native time,
         * whichever binary holds it. */
        if (now.running && s->stack.top_op == PYOP_CALL)
            now.cpu_kind = SAMPLE_NATIVE;
        now.gap_kind = gap_kind(s, t, &now, is_new);
        if (s->native && hold.held && unplaced == PROTO_PLACED)
            add_native_frames(s, py->tstate, &hold, &t->pages, &released_ns);
        if (tid == (uint32_t)s->pid) {
            pywalk_stack_copy(&s->main_stack, &s->stack);
            tick->have_main = 1;
            tick->main_unplaced = unplaced;
        }
        struct interval_split split;
        struct thread_history history = {t->seen, last_ran(&t->ran), last_waited(t)->seen,
                                         t->slept.seen};
        attribute_interval(&history, &now, &time, &split);
        threadclock_withhold(&t->clock, &split.withheld);
        struct thread_sample extra = {.cpu_ns = time.cpu,
                                      .wall_ns = gil_span(t, s->planned_ns)};
        rc = emit_split(s, t, &split, &now, unplaced, &extra, emit, ctx);
        still_thread_kept(&t->still, unplaced == PROTO_PLACED);
    }
    t->clock.held_ns = end_stops(s, &hold, released_ns);
    return rc;
}

/* How long a thread's samples are held at most (periodbuf.h) when no
 * stop ends its clock's period: one not stopped (blocked, or its share of
 * the stops spread over many threads) is let go with the steal estimate
 * as it stands, and what the next stop finds is owed as before. Twice the
 * longest gap between two stops that set the base (THREADCLOCK_RESET_GAP_NS
 * in threadclock.c), so that a running thread's stops end its periods. */
#define SAMPLER_HELD_MAX_NS 250000000u
/* And at most this many samples: 10 kHz for that long, with room. */
#define SAMPLER_HELD_MAX 8192u

/* Where a thread's samples go while its exact clock's period runs: held
 * (periodbuf.h). A thread on another clock has no steal in it, and its
 * samples go on at once, after any it held before. */
struct held_emit {
    struct sampler *s;
    struct thread_track *t;
    sampler_emit_fn emit;
    void *ctx;
};

static int release_held(struct sampler *s, struct thread_track *t, int64_t less_ns,
                        sampler_emit_fn emit, void *ctx)
{
    int64_t applied = 0;
    int rc = periodbuf_release(&t->period, less_ns, &applied, &s->held_stack, emit, ctx);
    if (applied != less_ns)
        threadclock_owe(&t->clock, less_ns - applied);
    if (applied > 0)
        unseencpu_uncharged(&s->unseen_cpu, (uint64_t)applied);
    else if (applied < 0)
        unseencpu_charged(&s->unseen_cpu, (uint64_t)-applied);
    return rc;
}

static int hold_sample(void *ctx, const struct thread_sample *sample)
{
    struct held_emit *h = ctx;
    if (h->t->clock.source == CPU_EXACT && h->t->clock.clock_fd >= 0)
        return periodbuf_hold(&h->t->period, sample, h->s->ticked_ns);
    int rc = release_held(h->s, h->t, 0, h->emit, h->ctx);
    return rc < 0 ? rc : h->emit(h->ctx, sample);
}

/* Lets a thread's samples go once a stop ended its clock's period, with
 * what that stop found the estimate missed taken out of them (added, when
 * negative); or, with the estimate as it stands, when they are too many or
 * too old, or the thread has ended (ended). */
static int settle_period(struct sampler *s, struct thread_track *t, int ended,
                         sampler_emit_fn emit, void *ctx)
{
    int64_t unsettled;
    int closed = threadclock_take_period(&t->clock, &unsettled);
    uint64_t since = periodbuf_since(&t->period);
    if (!since) {
        if (unsettled)
            threadclock_owe(&t->clock, unsettled);
        return 0;
    }
    int due = closed || ended || periodbuf_count(&t->period) >= SAMPLER_HELD_MAX ||
              s->ticked_ns - since >= SAMPLER_HELD_MAX_NS;
    return due ? release_held(s, t, unsettled, emit, ctx) : 0;
}

static int sample_task(struct sampler *s, uint32_t tid, struct tick_state *tick,
                       sampler_emit_fn emit, void *ctx)
{
    int is_new;
    struct thread_track *t = track_of(s, tid, &is_new);
    if (!t)
        return -ENOMEM;
    struct held_emit held = {s, t, emit, ctx};
    name_thread(s, t);
    int rc = sample_thread(s, t, is_new, tick, hold_sample, &held);
    return rc < 0 ? rc : settle_period(s, t, 0, emit, ctx);
}

int sampler_release_held(struct sampler *s, sampler_emit_fn emit, void *ctx)
{
    int rc = 0;
    for (size_t i = 0; i < s->ntracks && rc == 0; i++)
        rc = release_held(s, &s->tracks[i], 0, emit, ctx);
    return rc;
}

/* Whether a Python thread is read after the others: one this tick may
 * stop, running at its last observation and due a stop (wants_hold), or
 * new. A stop lasts until the thread takes it, and on a busy machine a
 * thread found running can lose its CPU before the stop comes. Read after
 * it, the others are read later by a delay their own states depend on:
 * the 100 Hz napper of threads_gil.py was read 1-12 ms into 13% of the
 * ticks, and found in its GIL wait where it had been asleep when the tick
 * was due 1.4-4 times as often as the reverse. */
static int read_late(const struct sampler *s, uint32_t tid, const struct tick_state *tick,
                     uint64_t now_ns)
{
    const struct thread_track *t = find_track(s, tid);
    return !t || s->native || (t->seen.running && wants_hold(s, t, tick));
}

/* Where a thread goes in the tick's reading order: the main thread, the
 * other Python threads not read late, those read late, and last the
 * threads without a thread state, which borrow the main thread's stack. */
static int read_rank(const struct sampler *s, uint32_t tid, const struct tick_state *tick,
                     uint64_t now_ns)
{
    if (!pythread_of(s, tick->npy, tid))
        return 3;
    if (tid == (uint32_t)s->pid)
        return 0;
    return read_late(s, tid, tick, now_ns) ? 2 : 1;
}

static void order_threads(struct sampler *s, int ntids, const struct tick_state *tick)
{
    uint32_t sorted[SAMPLER_MAX_TASKS];
    signed char rank[SAMPLER_MAX_TASKS];
    uint64_t now_ns = clock_monotonic_ns();
    for (int i = 0; i < ntids; i++)
        rank[i] = (signed char)read_rank(s, s->tids[i], tick, now_ns);
    int n = 0;
    for (int r = 0; r <= 3; r++)
        for (int i = 0; i < ntids; i++)
            if (rank[i] == r)
                sorted[n++] = s->tids[i];
    memcpy(s->tids, sorted, (size_t)n * sizeof(sorted[0]));
}

/* Lists the process's threads into s->tids. Returns how many, or 0 when
 * it has none left. */
static int list_tasks(struct sampler *s)
{
    int n = taskstat_list_kept(s->pid, &s->task_dir, s->tids, SAMPLER_MAX_TASKS);
    s->ntids = n < 0 ? 0 : n;
    s->listed_ns = s->planned_ns;
    return s->ntids;
}

/* A digest of the interpreter's thread states: it changes when one comes
 * or goes (one that comes in the place of one that went may pass unseen
 * until the next listing). */
static uint64_t pythreads_key(const struct sampler *s, int npy)
{
    uint64_t key = (uint64_t)npy;
    for (int i = 0; i < npy; i++)
        key = (key ^ s->pythreads[i].tstate ^ s->pythreads[i].tid) * 0x100000001b3ull;
    return key;
}

/* The process's threads and the interpreter's: the listing of an earlier
 * tick serves while it is fresh (SAMPLER_LIST_GAP_NS) and the interpreter
 * names no thread it lacks. A thread C code started is then found up to
 * that late: its CPU clock counts from its start, so none of its CPU time
 * is lost (its waits before are not seen), and a thread gone is one
 * failed read. Without exact clocks a lone thread's CPU is the
 * process's, which must hold no other thread: every tick lists. Returns how
 * many threads the process has (0: gone). */
static int list_threads(struct sampler *s, struct tick_state *tick)
{
    int listed = !s->listed_ns || !sampler_exact_clocks(s) ||
                 s->planned_ns - s->listed_ns >= SAMPLER_LIST_GAP_NS;
    if (listed && list_tasks(s) == 0)
        return 0;
    tick->npy = list_python_threads(s, s->ntids);
    uint64_t key = pythreads_key(s, tick->npy);
    if (!listed && key != s->pythreads_key) {
        if (list_tasks(s) == 0)
            return 0;
        pywalk_resolve_tids(s->walk, s->pythreads, tick->npy, s->tids, s->ntids);
        key = pythreads_key(s, tick->npy);
    }
    s->pythreads_key = key;
    return s->ntids;
}

/* A sample of CPU time on no stack, for reason unplaced: its kernel part
 * system time, the rest Python's. */
static struct thread_sample unplaced_cpu(uint32_t tid, uint32_t unplaced, uint64_t cpu,
                                         uint64_t kernel)
{
    struct thread_sample out = {.tid = tid, .unplaced = unplaced, .flags = PROTO_SAMPLE_CARRIED};
    out.ns[SAMPLE_PYTHON] = cpu - kernel;
    out.ns[SAMPLE_SYSTEM] = kernel;
    return out;
}

/* Whether a thread this tick did not see has ended: one it could not read
 * may still live, and keeps its place (its interval carried). */
static int thread_ended(const struct sampler *s, uint32_t tid)
{
    return syscall(SYS_tgkill, (pid_t)s->pid, (pid_t)tid, 0) < 0 && errno == ESRCH;
}

/* Charges the last interval of a thread that has ended, from its last
 * tick to its end: its exact clock keeps its final count. Without it,
 * what a thread ran after its last tick (half a period on average, and
 * all of the ticks it was skipped at while it waited for a CPU) would
 * be charged nowhere. A thread without a thread state has its CPU
 * charged as its ticks did (sample_helper_thread); the main thread's,
 * once the program is over, is the interpreter's shutdown. The thread
 * table counts it with the first part. */
static int charge_last_interval(struct sampler *s, struct thread_track *t,
                                const struct tick_state *tick, sampler_emit_fn emit, void *ctx)
{
    struct interval_time time;
    if (threadclock_last_interval(&t->clock, &time) < 0 || !time.cpu)
        return 0;
    unseencpu_charged(&s->unseen_cpu, time.cpu);
    /* The main thread ends with its process. Its last interval is the
     * interpreter's shutdown when its last tick found it shutting down,
     * or blocked (what it ran after it woke ended the program: a spawned
     * pool worker woken by the pool's sentinel runs its finalisation), or
     * when the script's end mark is there. Not when it ran at its last
     * tick, even if the process became unreadable as it died
     * (s->teardown): a forked pool worker ends in os._exit() from its
     * task loop, and its last interval is that loop's (up to 8 ticks of
     * it, carried while it waited for a CPU). */
    struct thread_sample out = {.tid = t->tid, .flags = PROTO_SAMPLE_CARRIED,
                                .cpu_ns = time.cpu};
    if (!t->python)
        return sample_helper_thread(s, &time, &out, tick) ? emit(ctx, &out) : 0;
    int over = t->tid == (uint32_t)s->pid &&
               (t->unplaced == PROTO_UNPLACED_TEARDOWN || !t->seen.running ||
                (s->end_mark && script_over(s, 0)));
    if (over || !t->seen.valid) {
        out = unplaced_cpu(t->tid, over ? PROTO_UNPLACED_TEARDOWN : t->unplaced, time.cpu,
                           time.kernel);
        out.cpu_ns = time.cpu;
        out.stack = over ? NULL : t->stack;
        return out.stack || out.unplaced ? emit(ctx, &out) : 0;
    }
    return charge_as_last_seen(t, &time, emit, ctx);
}

/* Threads that ended since the last tick drop out of the table, their last
 * interval charged; all of them when the whole process has ended. */
static int forget_ended_threads(struct sampler *s, const struct tick_state *tick, int all,
                                sampler_emit_fn emit, void *ctx)
{
    size_t kept = 0;
    int rc = 0;
    for (size_t i = 0; i < s->ntracks; i++) {
        struct thread_track *t = &s->tracks[i];
        if (!all && (t->seen_tick == s->ticks || !thread_ended(s, t->tid))) {
            s->tracks[kept++] = *t;
            continue;
        }
        struct held_emit held = {s, t, emit, ctx};
        if (rc == 0)
            rc = charge_last_interval(s, t, tick, hold_sample, &held);
        if (rc == 0)
            rc = settle_period(s, t, 1, emit, ctx);
        close_track(t);
    }
    s->ntracks = kept;
    return rc;
}

/* CPU time no seen thread had (unseencpu.h), as one unattributed sample
 * of the main thread's. */
static int emit_unseen_threads(struct sampler *s, uint64_t cpu, uint64_t kernel,
                               sampler_emit_fn emit, void *ctx)
{
    if (!cpu)
        return 0;
    struct thread_sample out =
        unplaced_cpu((uint32_t)s->pid, PROTO_UNPLACED_SHORT_THREADS, cpu, kernel);
    return emit(ctx, &out);
}

/* The CPU time of threads that came and went between ticks, read at most
 * once per listing gap, after this tick has charged the threads it read
 * (read before, the clock would hold this tick's intervals, one period's
 * CPU, not yet charged), reported once it has outlasted any carry (as
 * long as a stall: unseen_after_ns). */
static int sample_unseen_threads(struct sampler *s, sampler_emit_fn emit, void *ctx)
{
    if (s->unseen_cpu_read_ns && s->ticked_ns - s->unseen_cpu_read_ns < SAMPLER_LIST_GAP_NS)
        return 0;
    /* Once the interpreter is torn down, or its memory unreadable after
     * it ran, the process may be exiting: what its clock gains then is
     * left to the last reading, which tells the exit apart. */
    if (s->teardown || (s->main_ran && s->npy <= 0))
        return 0;
    s->unseen_cpu_read_ns = s->ticked_ns;
    s->unseen_cpu.owed_ns = 0;
    for (size_t i = 0; i < s->ntracks; i++)
        s->unseen_cpu.owed_ns += threadclock_owed(&s->tracks[i].clock);
    uint64_t kernel;
    uint64_t cpu = unseencpu_take(&s->unseen_cpu, s->pid, s->clocks.started_within,
                                  s->ticked_ns, s->unseen_after_ns, &kernel);
    return emit_unseen_threads(s, cpu, kernel, emit, ctx);
}

/* The process is gone: what its clock gained that no tick charged, and
 * its exit's CPU, which no thread's counter saw (unseencpu_finish), as
 * the teardown's system time. */
static int finish_unseen_threads(struct sampler *s, sampler_emit_fn emit, void *ctx)
{
    uint64_t kernel, exit;
    uint64_t cpu = unseencpu_finish(&s->unseen_cpu, s->pid, &kernel, &exit);
    int rc = emit_unseen_threads(s, cpu, kernel, emit, ctx);
    if (rc == 0 && exit) {
        struct thread_sample out =
            unplaced_cpu((uint32_t)s->pid, PROTO_UNPLACED_TEARDOWN, exit, exit);
        /* The main thread's: its clock, read in the zombie, has it (the
         * thread table's CPU left it out, a teardown no thread had run). */
        out.cpu_ns = exit;
        rc = emit(ctx, &out);
    }
    return rc < 0 ? rc : -ESRCH;
}

/* Where each thread's switch records stand as the tick begins, before
 * anything of it is read (the main thread's pages are read ahead with the
 * listing): an unheld walk is an observation of a running thread at the
 * tick only if the thread did not leave its CPU, or come back to it,
 * between then and the walk's end (see torn_walk). */
static void mark_switches(struct sampler *s)
{
    for (size_t i = 0; i < s->ntracks; i++)
        s->tracks[i].tick_mark = switchwatch_mark(&s->tracks[i].clock.watch);
}

/* Moves the sampler's time line (ticked_ns) on to this tick. */
static void advance_ticked(struct sampler *s)
{
    uint64_t step = s->last_planned_ns && s->planned_ns > s->last_planned_ns
                        ? s->planned_ns - s->last_planned_ns
                        : 0;
    uint64_t cap = SAMPLER_TICK_ADVANCE_PERIODS * s->period_ns;
    s->ticked_ns = s->last_planned_ns ? s->ticked_ns + (step < cap ? step : cap) : s->planned_ns;
}

int sampler_tick(struct sampler *s, uint64_t now_ns, uint64_t planned_ns, sampler_emit_fn emit,
                 void *ctx)
{
    rmem_proc_invalidate(s->mem);
    s->tick_ns = now_ns;
    s->planned_ns = planned_ns;
    advance_ticked(s);
    gilwatch_new_tick(&s->gil);
    /* The threads' switch samples tell a wait for the GIL by its address,
     * which does not move once the GIL exists. */
    if (!s->clocks.gil.hi && s->gil.last.addr)
        s->clocks.gil = (struct switch_gil){s->gil.last.addr, s->gil.last.addr + s->gil.last.size};
    mark_switches(s);
    struct tick_state tick = {0};
    int ntids = list_threads(s, &tick);
    if (ntids <= 0) {
        int rc = forget_ended_threads(s, &tick, 1, emit, ctx);
        return rc < 0 ? rc : finish_unseen_threads(s, emit, ctx);
    }
    s->ticks++;
    s->clocks.keep_files = ntids <= SAMPLER_KEPT_THREADS;
    tick.lone = ntids == 1;
    s->npy = tick.npy;
    read_thread_names(s, now_ns);
    order_threads(s, ntids, &tick);
    int rc = 0;
    s->nrunning = 0;
    for (int i = 0; i < ntids && rc == 0; i++)
        rc = sample_task(s, s->tids[i], &tick, emit, ctx);
    placement_avoid(&s->placement, s->running_cpus, s->nrunning);
    if (rc == 0)
        rc = forget_ended_threads(s, &tick, s->exited, emit, ctx);
    if (rc == 0 && !s->exited)
        rc = sample_unseen_threads(s, emit, ctx);
    s->last_tick_ns = now_ns;
    s->last_planned_ns = planned_ns;
    return rc == 0 && s->exited ? finish_unseen_threads(s, emit, ctx) : rc;
}
