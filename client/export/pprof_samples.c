/* pprof's samples: the profile's aggregated stacks become pprof samples
 * one for one; times are rounded to whole nanoseconds per stack, so each
 * type's total is within half a nanosecond per stack of profile.json's. */
#include "client/export/pprof_samples.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *type, *unit;
} value_names[PPROF_VALUES] = {
    [PPROF_SAMPLES] = {"samples", "count"},     [PPROF_TIME] = {"time", "nanoseconds"},
    [PPROF_PYTHON] = {"python", "nanoseconds"}, [PPROF_NATIVE] = {"native", "nanoseconds"},
    [PPROF_SYSTEM] = {"system", "nanoseconds"}, [PPROF_IDLE] = {"idle", "nanoseconds"},
    [PPROF_ALLOC] = {"alloc_space", "bytes"},
};

/* Which values this profile carries, and their sample types. */
static int choose_columns(struct pprof_samples *s, const struct profile *p,
                          struct pprof_strings *strings)
{
    for (int v = 0; v < PPROF_VALUES; v++) {
        int absent = (v == PPROF_IDLE && !p->include_idle) ||
                     (v == PPROF_ALLOC && !p->memory.heap);
        s->column[v] = absent ? -1 : (int)s->ncolumns;
        if (absent)
            continue;
        Perftools__Profiles__ValueType *t = &s->types[s->ncolumns];
        *t = (Perftools__Profiles__ValueType)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
        t->type = pprof_strings_intern(strings, value_names[v].type);
        t->unit = pprof_strings_intern(strings, value_names[v].unit);
        if (t->type < 0 || t->unit < 0)
            return -ENOMEM;
        s->type_ptrs[s->ncolumns++] = t;
    }
    return 0;
}

/* Sampled bytes allocated by each stack, counted as profile.json's
 * total_alloc_bytes counts them: allocations up to the script's end when
 * it is known (client/model/summary_mem.c). NULL when out of memory. */
static double *alloc_by_stack(const struct profile *p)
{
    const struct profile_memory *m = &p->memory;
    double *alloc = calloc(p->nstacks + 1, sizeof(*alloc));
    for (size_t i = 0; alloc && i < m->nevents; i++) {
        const struct profile_heap_event *e = &m->events[i];
        if (e->kind == PROFILE_HEAP_ALLOC && e->stack < p->nstacks &&
            (m->script_end < 0 || e->t <= m->script_end))
            alloc[e->stack] += (double)e->bytes;
    }
    return alloc;
}

static int64_t nanoseconds(double seconds)
{
    return (int64_t)llround(seconds * 1e9);
}

/* Stack st's values into row[s->ncolumns]. */
static void fill_values(const struct pprof_samples *s, const struct profile *p,
                        const struct profile_stack *st, double alloc, int64_t *row)
{
    int64_t v[PPROF_VALUES] = {
        [PPROF_SAMPLES] = (int64_t)st->samples,
        [PPROF_PYTHON] = nanoseconds(st->seconds[TIME_PYTHON]),
        [PPROF_NATIVE] = nanoseconds(st->seconds[TIME_NATIVE]),
        [PPROF_SYSTEM] = nanoseconds(st->seconds[TIME_SYSTEM]),
        [PPROF_IDLE] = nanoseconds(st->seconds[TIME_IDLE]),
        [PPROF_ALLOC] = (int64_t)llround(alloc),
    };
    /* The sum of the rounded parts, so that "time" adds up with them. */
    v[PPROF_TIME] = v[PPROF_PYTHON] + v[PPROF_NATIVE] + v[PPROF_SYSTEM] +
                    (p->include_idle ? v[PPROF_IDLE] : 0);
    for (int k = 0; k < PPROF_VALUES; k++)
        if (s->column[k] >= 0)
            row[s->column[k]] = v[k];
}

static int row_is_empty(const int64_t *row, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (row[k])
            return 0;
    return 1;
}

/* What building the samples needs besides the result. */
struct sample_build {
    struct pprof_samples *s;
    const struct profile *p;
    struct pprof_frames *frames;
    struct pprof_strings *strings;
    struct hashtab thread_name; /* tid -> string index of its name, 0 none */
    int64_t key_thread, key_thread_id, key_pid;
    double *alloc;    /* per stack, from alloc_by_stack */
    size_t nlocation; /* location ids used so far */
    size_t nlabel;    /* labels used so far */
};

static int map_thread_names(struct sample_build *b)
{
    b->key_thread = pprof_strings_intern(b->strings, "thread");
    b->key_thread_id = pprof_strings_intern(b->strings, "thread_id");
    b->key_pid = pprof_strings_intern(b->strings, "pid");
    if (b->key_thread < 0 || b->key_thread_id < 0 || b->key_pid < 0)
        return -ENOMEM;
    for (size_t i = 0; i < b->p->nthreads; i++) {
        const struct profile_thread *t = &b->p->threads[i];
        int64_t name = t->name ? pprof_strings_intern(b->strings, t->name) : 0;
        if (name < 0)
            return -ENOMEM;
        /* tid 0 is no kernel thread: a key the table cannot hold anyway. */
        if (t->tid && hashtab_put(&b->thread_name, t->tid, (uint64_t)name) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* The labels a sample can carry (add_labels). */
#define PPROF_LABELS_PER_SAMPLE 3

/* The thread's labels: "thread_id" always, "thread" when it has a name,
 * "pid" (its process: the script or one of its children) when known. */
static void add_labels(struct sample_build *b, Perftools__Profiles__Sample *sample, uint32_t tid)
{
    struct pprof_samples *s = b->s;
    uint64_t name = 0;
    Perftools__Profiles__Label *l = &s->labels[b->nlabel];
    sample->label = &s->label_ptrs[b->nlabel];
    l[0] = (Perftools__Profiles__Label)PERFTOOLS__PROFILES__LABEL__INIT;
    l[0].key = b->key_thread_id;
    l[0].num = tid;
    sample->n_label = 1;
    if (hashtab_get(&b->thread_name, tid, &name) && name) {
        l[1] = (Perftools__Profiles__Label)PERFTOOLS__PROFILES__LABEL__INIT;
        l[1].key = b->key_thread;
        l[1].str = (int64_t)name;
        sample->n_label = 2;
    }
    int32_t pid = profile_thread_pid(b->p, tid);
    if (pid > 0) {
        Perftools__Profiles__Label *at = &l[sample->n_label++];
        *at = (Perftools__Profiles__Label)PERFTOOLS__PROFILES__LABEL__INIT;
        at->key = b->key_pid;
        at->num = pid;
    }
    for (size_t k = 0; k < sample->n_label; k++)
        s->label_ptrs[b->nlabel++] = &l[k];
}

/* The sample's locations, innermost first as pprof wants the leaf first;
 * a stack without frames gets an "<unattributed>" location, named for
 * its reason. */
static int add_locations(struct sample_build *b, Perftools__Profiles__Sample *sample,
                         const struct profile_stack *st)
{
    uint64_t *ids = &b->s->location_ids[b->nlocation];
    sample->location_id = ids;
    sample->n_location_id = st->nframes ? st->nframes : 1;
    for (uint32_t k = 0; k < sample->n_location_id; k++) {
        int64_t id = st->nframes ? pprof_frames_location(b->frames, &st->frames[k])
                                 : pprof_frames_unattributed(b->frames, st->why);
        if (id < 0)
            return -ENOMEM;
        ids[k] = (uint64_t)id;
    }
    b->nlocation += sample->n_location_id;
    return 0;
}

static int add_sample(struct sample_build *b, size_t stack)
{
    struct pprof_samples *s = b->s;
    const struct profile_stack *st = &b->p->stacks[stack];
    int64_t *row = &s->values[s->nsamples * s->ncolumns];
    fill_values(s, b->p, st, b->alloc[stack], row);
    if (row_is_empty(row, s->ncolumns))
        return 0;
    Perftools__Profiles__Sample *sample = &s->samples[s->nsamples];
    *sample = (Perftools__Profiles__Sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
    sample->value = row;
    sample->n_value = s->ncolumns;
    if (add_locations(b, sample, st) < 0)
        return -ENOMEM;
    add_labels(b, sample, st->tid);
    s->sample_ptrs[s->nsamples++] = sample;
    return 0;
}

/* Room for every stack's sample at its largest. */
static int allocate(struct pprof_samples *s, const struct profile *p)
{
    size_t n = p->nstacks + 1, nlocations = 0;
    for (size_t i = 0; i < p->nstacks; i++)
        nlocations += p->stacks[i].nframes ? p->stacks[i].nframes : 1;
    s->samples = malloc(n * sizeof(*s->samples));
    s->sample_ptrs = malloc(n * sizeof(*s->sample_ptrs));
    s->values = malloc(n * s->ncolumns * sizeof(*s->values));
    s->location_ids = malloc((nlocations + 1) * sizeof(*s->location_ids));
    s->labels = malloc(PPROF_LABELS_PER_SAMPLE * n * sizeof(*s->labels));
    s->label_ptrs = malloc(PPROF_LABELS_PER_SAMPLE * n * sizeof(*s->label_ptrs));
    return s->samples && s->sample_ptrs && s->values && s->location_ids && s->labels &&
                   s->label_ptrs
               ? 0
               : -ENOMEM;
}

int pprof_samples_build(struct pprof_samples *s, const struct profile *p,
                        struct pprof_frames *frames, struct pprof_strings *strings,
                        Perftools__Profiles__Profile *msg)
{
    struct sample_build b = {.s = s, .p = p, .frames = frames, .strings = strings};
    memset(s, 0, sizeof(*s));
    hashtab_init(&b.thread_name);
    int rc = choose_columns(s, p, strings);
    if (rc == 0)
        rc = allocate(s, p);
    if (rc == 0)
        rc = map_thread_names(&b);
    if (rc == 0 && !(b.alloc = alloc_by_stack(p)))
        rc = -ENOMEM;
    for (size_t i = 0; rc == 0 && i < p->nstacks; i++)
        rc = add_sample(&b, i);
    free(b.alloc);
    hashtab_free(&b.thread_name);
    msg->n_sample_type = s->ncolumns;
    msg->sample_type = s->type_ptrs;
    msg->n_sample = s->nsamples;
    msg->sample = s->sample_ptrs;
    return rc;
}

void pprof_samples_free(struct pprof_samples *s)
{
    free(s->samples);
    free(s->sample_ptrs);
    free(s->values);
    free(s->location_ids);
    free(s->labels);
    free(s->label_ptrs);
    memset(s, 0, sizeof(*s));
}
