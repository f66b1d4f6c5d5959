/* The client's in-memory profile: code objects by id, stacks merged by
 * (tid, frames) through an open-addressing index, threads and run facts. */
#include "client/model/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/filepath.h"

const char *const profile_unplaced_names[PROFILE_UNPLACED_REASONS] = {
    NULL, "walk_failed", "no_python", "startup", "teardown", "unseen", "short_threads"};
const char *const profile_unplaced_labels[PROFILE_UNPLACED_REASONS] = {
    NULL, "stack unreadable", "no Python frame", "interpreter start-up", "interpreter teardown",
    "profiler paused", "threads too short-lived to sample"};

double profile_unplaced_seconds(const struct profile *p, int reason, int include_idle)
{
    double sum = 0;
    for (int k = 0; k < TIME_KINDS; k++)
        sum += profile_kind_counted(k, include_idle) ? p->unplaced[reason][k] : 0.0;
    return sum;
}

struct profile *profile_new(void)
{
    struct profile *p = calloc(1, sizeof(struct profile));
    if (p)
        profile_mem_init(&p->memory);
    return p;
}

static void free_command(char **command)
{
    if (!command)
        return;
    for (char **arg = command; *arg; arg++)
        free(*arg);
    free(command);
}

void profile_free(struct profile *p)
{
    if (!p)
        return;
    free_command(p->command);
    free(p->script);
    free(p->module);
    free(p->python_executable);
    free(p->python_version);
    free(p->offsets_source);
    free(p->offsets_note);
    free(p->mode);
    free(p->root);
    for (size_t i = 0; i < p->ncodes; i++) {
        free(p->codes[i].file);
        free(p->codes[i].qualname);
    }
    free(p->codes);
    for (size_t i = 0; i < p->nstacks; i++)
        free(p->stacks[i].frames);
    free(p->stacks);
    free(p->stack_index);
    for (size_t i = 0; i < p->nthreads; i++)
        free(p->threads[i].name);
    free(p->threads);
    profile_mem_free(&p->memory);
    profile_processes_free(&p->processes);
    free(p);
}

int profile_set_string(char **field, const char *value)
{
    char *copy = NULL;

    if (value && !(copy = strdup(value)))
        return -ENOMEM;
    free(*field);
    *field = copy;
    return 0;
}

const char *profile_started_script(const struct profile *p)
{
    int attached = p->command && p->command[0] && p->command[1] &&
                   strcmp(p->command[1], "attach") == 0;
    return attached ? NULL : p->script;
}

int profile_set_command(struct profile *p, const char *const *argv, size_t argc)
{
    char **command = calloc(argc + 1, sizeof(*command));

    if (!command)
        return -ENOMEM;
    for (size_t i = 0; i < argc; i++) {
        if (!(command[i] = strdup(argv[i] ? argv[i] : ""))) {
            free_command(command);
            return -ENOMEM;
        }
    }
    free_command(p->command);
    p->command = command;
    return 0;
}

int profile_set_code(struct profile *p, uint32_t id, const char *file,
                     const char *qualname, int firstlineno)
{
    char *f, *q;

    if (id >= p->ncodes) {
        /* Ids are dense, so growing to id + 1 wastes nothing in the end. */
        size_t n = (size_t)id + 1;
        struct profile_code *codes = realloc(p->codes, n * sizeof(*codes));

        if (!codes)
            return -ENOMEM;
        memset(codes + p->ncodes, 0, (n - p->ncodes) * sizeof(*codes));
        p->codes = codes;
        p->ncodes = n;
    }
    f = file ? filepath_tidy(file) : NULL;
    if (!f)
        f = strdup(file ? file : "");
    q = strdup(qualname ? qualname : "");
    if (!f || !q) {
        free(f);
        free(q);
        return -ENOMEM;
    }
    free(p->codes[id].file);
    free(p->codes[id].qualname);
    p->codes[id].file = f;
    p->codes[id].qualname = q;
    p->codes[id].firstlineno = firstlineno;
    return 0;
}

void profile_mark_native(struct profile *p, uint32_t id)
{
    if (id < p->ncodes)
        p->codes[id].native = 1;
}

void profile_mark_gap(struct profile *p, uint32_t id)
{
    if (id < p->ncodes)
        p->codes[id].native = p->codes[id].gap = 1;
}

int profile_has_native(const struct profile *p)
{
    for (size_t i = 0; i < p->ncodes; i++)
        if (p->codes[i].native && !p->codes[i].gap)
            return 1;
    return 0;
}

static int has_gap(const struct profile *p, const struct profile_stack *st)
{
    for (uint32_t k = 0; k < st->nframes; k++) {
        const struct profile_code *c = profile_code(p, st->frames[k].code_id);
        if (c && c->gap)
            return 1;
    }
    return 0;
}

double profile_gap_seconds(const struct profile *p, int include_idle)
{
    double seconds = 0;
    for (size_t i = 0; i < p->nstacks; i++)
        if (has_gap(p, &p->stacks[i]))
            for (int k = 0; k < TIME_KINDS; k++)
                seconds += profile_kind_counted(k, include_idle) ? p->stacks[i].seconds[k] : 0.0;
    return seconds;
}

/* FNV-1a over the tid, the reason and every frame's code id and line. */
static uint64_t stack_hash(uint32_t tid, const struct profile_frame *frames,
                           uint32_t n, uint32_t why)
{
    uint64_t h = 1469598103934665603ULL;
    uint32_t words[2];

    h = (h ^ tid) * 1099511628211ULL;
    h = (h ^ why) * 1099511628211ULL;
    for (uint32_t i = 0; i < n; i++) {
        words[0] = frames[i].code_id;
        words[1] = (uint32_t)frames[i].line;
        for (int w = 0; w < 2; w++)
            h = (h ^ words[w]) * 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static int stack_equal(const struct profile_stack *s, uint32_t tid,
                       const struct profile_frame *frames, uint32_t n, uint32_t why)
{
    if (s->tid != tid || s->nframes != n || s->why != why)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        if (s->frames[i].code_id != frames[i].code_id ||
            s->frames[i].line != frames[i].line)
            return 0;
    }
    return 1;
}

/* The index slot holding the stack equal to (tid, frames), or the empty
 * slot where it belongs. Slots hold stack index + 1; 0 marks empty. */
static size_t index_slot(const struct profile *p, uint32_t tid,
                         const struct profile_frame *frames, uint32_t n, uint32_t why)
{
    size_t mask = p->index_cap - 1;
    size_t slot = (size_t)stack_hash(tid, frames, n, why) & mask;

    while (p->stack_index[slot]) {
        const struct profile_stack *s = &p->stacks[p->stack_index[slot] - 1];

        if (stack_equal(s, tid, frames, n, why))
            break;
        slot = (slot + 1) & mask;
    }
    return slot;
}

/* Keeps the index at most half full so probes stay short. */
static int index_reserve(struct profile *p, size_t want)
{
    size_t cap = p->index_cap ? p->index_cap : 64;
    uint32_t *old = p->stack_index;

    if (want * 2 <= p->index_cap)
        return 0;
    while (want * 2 > cap)
        cap *= 2;
    p->stack_index = calloc(cap, sizeof(*p->stack_index));
    if (!p->stack_index) {
        p->stack_index = old;
        return -ENOMEM;
    }
    p->index_cap = cap;
    for (size_t i = 0; i < p->nstacks; i++) {
        const struct profile_stack *s = &p->stacks[i];

        p->stack_index[index_slot(p, s->tid, s->frames, s->nframes, s->why)] =
            (uint32_t)(i + 1);
    }
    free(old);
    return 0;
}

static int stacks_reserve(struct profile *p)
{
    size_t cap = p->stacks_cap ? p->stacks_cap * 2 : 64;
    struct profile_stack *stacks;

    if (p->nstacks < p->stacks_cap)
        return 0;
    if (!(stacks = realloc(p->stacks, cap * sizeof(*stacks))))
        return -ENOMEM;
    p->stacks = stacks;
    p->stacks_cap = cap;
    return 0;
}

static int stack_append(struct profile *p, size_t slot, uint32_t tid,
                        const struct profile_frame *frames, uint32_t n, uint32_t why)
{
    struct profile_stack *s;
    struct profile_frame *copy = NULL;

    if (stacks_reserve(p) < 0)
        return -ENOMEM;
    if (n && !(copy = malloc(n * sizeof(*copy))))
        return -ENOMEM;
    if (n)
        memcpy(copy, frames, n * sizeof(*copy));
    s = &p->stacks[p->nstacks];
    memset(s, 0, sizeof(*s));
    s->frames = copy;
    s->nframes = n;
    s->why = why;
    s->tid = tid;
    p->stack_index[slot] = (uint32_t)(++p->nstacks);
    return 0;
}

/* A stack's reason counts only when it has no frames, and only as a
 * reason the profile knows. */
static uint32_t stack_why(uint32_t n, uint32_t why)
{
    return n == 0 && why < PROFILE_UNPLACED_REASONS ? why : 0;
}

int profile_add_stack(struct profile *p, uint32_t tid, const struct profile_frame *frames,
                      uint32_t n, uint32_t why, uint64_t samples,
                      const double seconds[TIME_KINDS])
{
    struct profile_stack *s;
    size_t slot;

    why = stack_why(n, why);
    if (p->nstacks >= UINT32_MAX - 1)
        return -ENOMEM;
    if (index_reserve(p, p->nstacks + 1) < 0)
        return -ENOMEM;
    slot = index_slot(p, tid, frames, n, why);
    if (!p->stack_index[slot] && stack_append(p, slot, tid, frames, n, why) < 0)
        return -ENOMEM;
    s = &p->stacks[p->stack_index[slot] - 1];
    s->samples += samples;
    for (int k = 0; k < TIME_KINDS; k++)
        s->seconds[k] += seconds[k];
    return 0;
}

long profile_intern_stack(struct profile *p, uint32_t tid, const struct profile_frame *frames,
                          uint32_t n, uint32_t why)
{
    static const double none[TIME_KINDS];
    if (profile_add_stack(p, tid, frames, n, why, 0, none) < 0)
        return -ENOMEM;
    return (long)p->stack_index[index_slot(p, tid, frames, n, stack_why(n, why))] - 1;
}

int profile_add_sample(struct profile *p, uint32_t tid,
                       const struct profile_frame *frames, uint32_t n,
                       const double seconds[TIME_KINDS])
{
    return profile_add_stack(p, tid, frames, n, 0, 1, seconds);
}

void profile_thread_observe(struct profile_thread *t, double span_s, int held)
{
    int counted = t->held_last < 0 ? held : t->held_last;
    t->samples++;
    t->gil_samples += held != 0;
    t->observed_seconds += span_s;
    t->gil_seconds += counted ? span_s : 0.0;
    t->held_last = held != 0;
}

double profile_thread_gil_percent(const struct profile_thread *t)
{
    return t->observed_seconds > 0 ? 100.0 * t->gil_seconds / t->observed_seconds : 0.0;
}

struct profile_thread *profile_thread_of(struct profile *p, uint32_t tid)
{
    for (size_t i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == tid)
            return &p->threads[i];
    struct profile_thread *threads = realloc(p->threads, (p->nthreads + 1) * sizeof(*threads));
    if (!threads)
        return NULL;
    p->threads = threads;
    memset(&threads[p->nthreads], 0, sizeof(threads[0]));
    threads[p->nthreads].tid = tid;
    threads[p->nthreads].held_last = -1;
    return &threads[p->nthreads++];
}

int profile_set_thread(struct profile *p, uint32_t tid, const char *name)
{
    struct profile_thread *t = profile_thread_of(p, tid);
    return t ? profile_set_string(&t->name, name) : -ENOMEM;
}

void profile_set_thread_pid(struct profile *p, uint32_t tid, int32_t pid)
{
    for (size_t i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == tid)
            p->threads[i].pid = pid;
}

int32_t profile_thread_pid(const struct profile *p, uint32_t tid)
{
    for (size_t i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == tid)
            return p->threads[i].pid;
    return 0;
}
