/* pprof's functions and locations: Python has no addresses, so a location
 * is a (function, line) pair; its id is its position in our array. */
#include "client/export/pprof_frames.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The names a code object has when the daemon never described it, and the
 * stand-in frame of a stack with no Python frame. */
#define PPROF_UNKNOWN_CODE "<unknown code>"
#define PPROF_UNATTRIBUTED "<unattributed>"

int pprof_frames_init(struct pprof_frames *f, const struct profile *p,
                      struct pprof_strings *strings)
{
    memset(f, 0, sizeof(*f));
    f->p = p;
    f->strings = strings;
    hashtab_init(&f->location_of);
    f->function_of_code = calloc(p->ncodes + 1, sizeof(*f->function_of_code));
    return f->function_of_code ? 0 : -ENOMEM;
}

void pprof_frames_free(struct pprof_frames *f)
{
    free(f->functions);
    pprof_index_free(&f->function_index);
    free(f->function_of_code);
    free(f->locations);
    free(f->lines);
    hashtab_free(&f->location_of);
    free(f->function_ptrs);
    free(f->location_ptrs);
    free(f->line_ptrs);
    memset(f, 0, sizeof(*f));
}

static uint64_t function_hash(int64_t file, int64_t name, int64_t line)
{
    uint64_t h = (uint64_t)file * 0x9e3779b97f4a7c15ull;
    h = (h ^ (uint64_t)name) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (uint64_t)line) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static int entry_equal(const void *ctx, size_t entry, const void *key)
{
    const Perftools__Profiles__Function *a = &((const struct pprof_frames *)ctx)->functions[entry];
    const Perftools__Profiles__Function *b = key;
    return a->filename == b->filename && a->name == b->name && a->start_line == b->start_line;
}

static uint64_t entry_hash(const void *ctx, size_t entry)
{
    const Perftools__Profiles__Function *fn = &((const struct pprof_frames *)ctx)->functions[entry];
    return function_hash(fn->filename, fn->name, fn->start_line);
}

/* The id of the function (file, qualname, firstlineno), made when new.
 * Returns it, or -ENOMEM. */
static int64_t function_id(struct pprof_frames *f, const char *file, const char *qualname,
                           int firstlineno)
{
    struct pprof_index *x = &f->function_index;
    Perftools__Profiles__Function key = PERFTOOLS__PROFILES__FUNCTION__INIT;
    key.filename = pprof_strings_intern(f->strings, file);
    /* Python has one name per function; pprof's "system" name is it too. */
    key.name = key.system_name = pprof_strings_intern(f->strings, qualname);
    key.start_line = firstlineno;
    if (key.filename < 0 || key.name < 0 ||
        pprof_index_reserve(x, (void **)&f->functions, sizeof(*f->functions), entry_hash, f) < 0)
        return -ENOMEM;
    size_t slot = pprof_index_slot(x, function_hash(key.filename, key.name, key.start_line),
                                   entry_equal, f, &key);
    if (x->slots[slot])
        return x->slots[slot];
    key.id = x->n + 1;
    f->functions[x->n++] = key;
    x->slots[slot] = (uint32_t)key.id;
    return (int64_t)key.id;
}

/* The function of code object `code_id`, looked up once per code. */
static int64_t code_function(struct pprof_frames *f, uint32_t code_id)
{
    if (code_id < f->p->ncodes && f->function_of_code[code_id])
        return (int64_t)f->function_of_code[code_id];
    const struct profile_code *code = profile_code(f->p, code_id);
    int64_t id = code ? function_id(f, code->file, code->qualname, code->firstlineno)
                      : function_id(f, "", PPROF_UNKNOWN_CODE, 0);
    if (id > 0 && code_id < f->p->ncodes)
        f->function_of_code[code_id] = (uint64_t)id;
    return id;
}

static int grow_locations(struct pprof_frames *f)
{
    size_t cap = f->locations_cap ? f->locations_cap * 2 : 64;
    Perftools__Profiles__Location *locations = realloc(f->locations, cap * sizeof(*locations));
    if (locations)
        f->locations = locations;
    Perftools__Profiles__Line *lines = realloc(f->lines, cap * sizeof(*lines));
    if (lines)
        f->lines = lines;
    if (!locations || !lines)
        return -ENOMEM;
    f->locations_cap = cap;
    return 0;
}

/* The location of (function, line), made when new. */
static int64_t location_id(struct pprof_frames *f, int64_t function, int32_t line)
{
    uint64_t key = (uint64_t)function << 32 | (uint32_t)line, id;
    if (hashtab_get(&f->location_of, key, &id))
        return (int64_t)id;
    if (f->nlocations + 1 > f->locations_cap && grow_locations(f) < 0)
        return -ENOMEM;
    id = f->nlocations + 1;
    if (hashtab_put(&f->location_of, key, id) < 0)
        return -ENOMEM;
    Perftools__Profiles__Line *l = &f->lines[f->nlocations];
    *l = (Perftools__Profiles__Line)PERFTOOLS__PROFILES__LINE__INIT;
    l->function_id = (uint64_t)function;
    l->line = line;
    Perftools__Profiles__Location *loc = &f->locations[f->nlocations++];
    *loc = (Perftools__Profiles__Location)PERFTOOLS__PROFILES__LOCATION__INIT;
    loc->id = id;
    return (int64_t)id;
}

int64_t pprof_frames_location(struct pprof_frames *f, const struct profile_frame *frame)
{
    int64_t function = code_function(f, frame->code_id);
    return function < 0 ? function : location_id(f, function, frame->line);
}

int64_t pprof_frames_unattributed(struct pprof_frames *f, uint32_t why)
{
    char name[96] = PPROF_UNATTRIBUTED;
    if (why > 0 && why < PROFILE_UNPLACED_REASONS)
        snprintf(name, sizeof(name), "<unattributed: %s>", profile_unplaced_labels[why]);
    int64_t function = function_id(f, "", name, 0);
    return function < 0 ? function : location_id(f, function, 0);
}

int pprof_frames_finish(struct pprof_frames *f, Perftools__Profiles__Profile *msg)
{
    size_t nfunctions = f->function_index.n;
    f->function_ptrs = malloc((nfunctions + 1) * sizeof(*f->function_ptrs));
    f->location_ptrs = malloc((f->nlocations + 1) * sizeof(*f->location_ptrs));
    f->line_ptrs = malloc((f->nlocations + 1) * sizeof(*f->line_ptrs));
    if (!f->function_ptrs || !f->location_ptrs || !f->line_ptrs)
        return -ENOMEM;
    for (size_t k = 0; k < nfunctions; k++)
        f->function_ptrs[k] = &f->functions[k];
    /* The arrays stopped moving: now locations can point at their lines. */
    for (size_t k = 0; k < f->nlocations; k++) {
        f->line_ptrs[k] = &f->lines[k];
        f->locations[k].n_line = 1;
        f->locations[k].line = &f->line_ptrs[k];
        f->location_ptrs[k] = &f->locations[k];
    }
    msg->n_function = nfunctions;
    msg->function = f->function_ptrs;
    msg->n_location = f->nlocations;
    msg->location = f->location_ptrs;
    return 0;
}
