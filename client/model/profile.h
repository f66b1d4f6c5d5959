/* The client's in-memory profile: what the daemon streamed (code objects,
 * samples with their time split) aggregated by stack, plus the facts about
 * the run that the reports print. Filled by the collector, read by the
 * summary and the report writers. */
#ifndef FAH_CLIENT_PROFILE_H
#define FAH_CLIENT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "client/model/profile_mem.h"
#include "client/model/profile_proc.h"

/* Where a thread's time went during one sampling interval. */
enum time_kind {
    TIME_PYTHON = 0, /* on CPU in the interpreter */
    TIME_NATIVE = 1, /* on CPU outside the interpreter (C extensions) */
    TIME_SYSTEM = 2, /* off CPU at that line: sleeping, I/O */
    TIME_IDLE = 3,   /* blocked on a lock, condition or join */
    TIME_GIL_WAIT = 4, /* blocked until another thread let go of the GIL */
    TIME_KINDS = 5,
};

/* Whether time of kind k counts in totals and percentages: waits on
 * other threads (idle, the GIL) only with --idle. */
static inline int profile_kind_counted(int k, int include_idle)
{
    return include_idle || (k != TIME_IDLE && k != TIME_GIL_WAIT);
}

/* Reasons a sample's time has no stack: common/proto.h PROTO_UNPLACED_*. */
#define PROFILE_UNPLACED_REASONS 7
/* Their names, index 0 unused: "walk_failed", "no_python", "startup",
 * "teardown", "unseen", "short_threads" (the keys of profile.json's
 * totals.unattributed). */
extern const char *const profile_unplaced_names[PROFILE_UNPLACED_REASONS];
/* And how the reports say them ("stack unreadable", ...). */
extern const char *const profile_unplaced_labels[PROFILE_UNPLACED_REASONS];

/* A code object as the daemon described it, or (--native) a native
 * function: its object file as file, its symbol as qualname, line 0. */
struct profile_code {
    char *file;     /* co_filename as the target saw it */
    char *qualname; /* co_qualname (3.11+) or co_name */
    int firstlineno;
    int native;     /* a native function; its frames have line 0 */
    int gap;        /* (native too) stands for the frames a deep stack left out */
};

struct profile_frame {
    uint32_t code_id; /* index into profile.codes */
    int32_t line;     /* 0 when unknown */
};

/* One distinct stack of one thread, innermost frame first, with the time
 * of every sample that saw it. A stack without frames is one per reason
 * the daemon gave (why: PROTO_UNPLACED_*, 0 none), so that views and
 * exports can name it; a stack with frames has why 0 whatever its samples
 * said. */
struct profile_stack {
    struct profile_frame *frames;
    uint32_t nframes;
    uint32_t why;
    uint32_t tid;
    uint64_t samples;
    double seconds[TIME_KINDS];
};

/* A thread and what the samples said about it, whatever --gil kept. */
struct profile_thread {
    uint32_t tid;
    char *name;
    uint64_t samples;     /* observations of the thread (ticks that read it) */
    uint64_t gil_samples; /* of them, those that found it holding the GIL */
    double cpu_seconds;   /* its time on CPU (python, native, kernel) */
    /* Wall time between its observations, and the part of it that
     * profile_thread_observe counts as held: their ratio is its GIL share. */
    double observed_seconds, gil_seconds;
    int held_last; /* its last observation found it holding the GIL; -1 none */
    double gil_wait_seconds; /* its time blocked waiting for the GIL */
    int32_t pid; /* its process; 0 unknown (a profile from before processes) */
};

struct profile {
    /* About the run. */
    char **command;          /* the fixingahole command line, NULL-terminated */
    char *script;            /* absolute path of the profiled script; NULL
                                for a module */
    char *module;            /* the module run as `python -m` (--module) */
    char *python_executable; /* interpreter path as the target mapped it */
    char *python_version;    /* "3.11.7" */
    char *offsets_source;    /* "dwarf", "debug-offsets" or "table" */
    char *offsets_note;      /* "offsets from _Py_DebugOffsets of an untested
                              * version 3.15", NULL for a tested version */
    char *mode;              /* "cpu" or "memory" */
    unsigned rate_hz;
    double wall_seconds;
    uint64_t samples;        /* sampling ticks that read the target */
    uint64_t errors;         /* samples that could not be walked */
    /* Time whose stack the daemon could not give, by why (PROTO_UNPLACED_*,
     * index 0 unused). It is in the frameless stacks too. */
    double unplaced[PROFILE_UNPLACED_REASONS][TIME_KINDS];
    uint64_t max_rss_bytes;
    int exit_status;         /* the script's exit status (128+signal if killed) */
    int interrupted;         /* ended by Ctrl-C or `fixingahole stop` */
    int include_idle;        /* --idle: idle and GIL-wait time count as system time */
    int gil_only;            /* --gil: only samples of threads holding the GIL */
    char *root;              /* the run's root (set by profile and attach,
                                read back from profile.json), NULL when
                                unknown; the exporters summarise with it */
    int detailed;            /* the run used --detailed (likewise) */

    struct profile_code *codes;
    size_t ncodes;

    struct profile_stack *stacks;
    size_t nstacks, stacks_cap;
    /* Open-addressing index over stacks (hash of tid and frames). */
    uint32_t *stack_index;
    size_t index_cap;

    struct profile_thread *threads;
    size_t nthreads;

    struct profile_memory memory; /* RSS timeline; heap events (--memory) */
    struct profile_processes processes; /* the script and its descendants */
};

/* Returns a zeroed profile, or NULL when out of memory. */
struct profile *profile_new(void);
void profile_free(struct profile *p);

/* The counted time (idle only when include_idle) that the daemon could
 * place on no stack for one reason (1..PROFILE_UNPLACED_REASONS-1). */
double profile_unplaced_seconds(const struct profile *p, int reason, int include_idle);

/* Records code object `id`; ids arrive dense but possibly out of order.
 * Copies the strings. Returns 0 or -ENOMEM. */
int profile_set_code(struct profile *p, uint32_t id, const char *file,
                     const char *qualname, int firstlineno);

/* Marks code `id` (set already) as a native function. */
void profile_mark_native(struct profile *p, uint32_t id);

/* Marks code `id` (set already) as the gap frame (struct profile_code):
 * native too, so that it has no line and no row in the function tables. */
void profile_mark_gap(struct profile *p, uint32_t id);

/* The seconds of the stacks that have a gap frame: the samples of stacks
 * deeper than the daemon keeps whole; waits on other threads only when
 * include_idle, as in the totals they are a share of. */
double profile_gap_seconds(const struct profile *p, int include_idle);

/* Whether the profile has native frames (--native). */
int profile_has_native(const struct profile *p);

/* Adds one sample of thread `tid` whose stack is frames[0..n) (innermost
 * first) and whose interval split into seconds[TIME_KINDS]. Samples with
 * the same tid and frames are merged. Returns 0 or -ENOMEM. */
int profile_add_sample(struct profile *p, uint32_t tid,
                       const struct profile_frame *frames, uint32_t n,
                       const double seconds[TIME_KINDS]);

/* Records or renames a thread. Returns 0 or -ENOMEM. */
int profile_set_thread(struct profile *p, uint32_t tid, const char *name);

/* Adds an observation of thread t made span_s after its previous one,
 * holding the GIL or not. The span counts as held when the previous
 * observation held it (the first: this one). Charging a span to its start
 * keeps the share right when the daemon, short of CPU, ticks late: a
 * delayed tick tends to come just after a thread let go of the GIL and
 * blocked (a CPU came free), while the moment the delay began is not tied
 * to the GIL. */
void profile_thread_observe(struct profile_thread *t, double span_s, int held);

/* 100 * the share of thread t's observed time at which it held the GIL. */
double profile_thread_gil_percent(const struct profile_thread *t);

/* The thread tid, recorded without a name when new; NULL when out of
 * memory. The pointer is valid until the next thread is recorded. */
struct profile_thread *profile_thread_of(struct profile *p, uint32_t tid);
/* Notes which process a recorded thread belongs to (no-op for a thread
 * never recorded). */
void profile_set_thread_pid(struct profile *p, uint32_t tid, int32_t pid);

/* The process of a thread, 0 when unknown. */
int32_t profile_thread_pid(const struct profile *p, uint32_t tid);

/* Replaces a string field (free()s the old value). Returns 0 or -ENOMEM. */
int profile_set_string(char **field, const char *value);

/* Like profile_add_sample for `samples` samples at once whose intervals
 * add up to seconds[], on the stack of tid with frames[0..n) and, when n
 * is 0, the reason why (see struct profile_stack). Returns 0 or -ENOMEM. */
int profile_add_stack(struct profile *p, uint32_t tid, const struct profile_frame *frames,
                      uint32_t n, uint32_t why, uint64_t samples,
                      const double seconds[TIME_KINDS]);

/* The index of that stack, created without samples when new (for heap
 * events). Returns it, or -ENOMEM. */
long profile_intern_stack(struct profile *p, uint32_t tid, const struct profile_frame *frames,
                          uint32_t n, uint32_t why);

/* Replaces p->command with a copy of argv[0..argc). Returns 0 or -ENOMEM. */
int profile_set_command(struct profile *p, const char *const *argv,
                        size_t argc);

/* The script the run started (`profile SCRIPT`), NULL for a module or a
 * process it attached to (whose script is not the user's for naming it). */
const char *profile_started_script(const struct profile *p);

/* The code object `id`, or NULL when the daemon never described it. */
static inline const struct profile_code *profile_code(const struct profile *p,
                                                      uint32_t id)
{
    if (id >= p->ncodes || !p->codes[id].file)
        return NULL;
    return &p->codes[id];
}

#endif
