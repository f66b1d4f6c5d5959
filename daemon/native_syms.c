/* Naming native frames (see native_syms.h). */
#include "daemon/native_syms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hashtab.h"
#include "symbols/elfaddr.h"
#include "symbols/procmaps.h"

/* The evaluation loop's function; GCC may split its cold paths out as
 * "_PyEval_EvalFrameDefault.cold", still the same frame. */
#define NATIVE_EVAL_FUNCTION "_PyEval_EvalFrameDefault"
/* A PC's cached answer: the code id, and this bit for the evaluation loop. */
#define NATIVE_EVAL_BIT (1ull << 32)
/* PCs remembered; past this the cache starts over (a JIT's ever new code). */
#define NATIVE_MAX_PCS (1u << 16)

struct native_object {
    char *path;            /* as the maps name it */
    struct elfaddr *addrs; /* NULL: not readable as ELF */
    int tried;
};

struct native_syms {
    pid_t pid;
    struct pywalk *walk;
    char *debug_dirs;
    struct procmaps maps;
    struct native_object *objects;
    size_t nobjects, cap;
    struct hashtab pcs;       /* pc -> id | NATIVE_EVAL_BIT */
    struct hashtab functions; /* symbol name's address, or object index + 1 -> id */
};

struct native_syms *native_syms_new(pid_t pid, struct pywalk *walk, const char *debug_dirs)
{
    struct native_syms *ns = calloc(1, sizeof(*ns));
    if (!ns)
        return NULL;
    ns->pid = pid;
    ns->walk = walk;
    ns->debug_dirs = strdup(debug_dirs ? debug_dirs : "");
    if (!ns->debug_dirs) {
        free(ns);
        return NULL;
    }
    return ns;
}

void native_syms_free(struct native_syms *ns)
{
    if (!ns)
        return;
    for (size_t i = 0; i < ns->nobjects; i++) {
        free(ns->objects[i].path);
        elfaddr_free(ns->objects[i].addrs);
    }
    free(ns->objects);
    procmaps_free(&ns->maps);
    hashtab_free(&ns->pcs);
    hashtab_free(&ns->functions);
    free(ns->debug_dirs);
    free(ns);
}

static const struct procmap *mapping_of(const struct native_syms *ns, uint64_t pc)
{
    for (size_t i = 0; i < ns->maps.count; i++)
        if (pc >= ns->maps.maps[i].start && pc < ns->maps.maps[i].end)
            return &ns->maps.maps[i];
    return NULL;
}

/* The mapping holding pc, reading the maps again once if none does (the
 * target loaded a library since). */
static const struct procmap *find_mapping(struct native_syms *ns, uint64_t pc)
{
    const struct procmap *m = mapping_of(ns, pc);
    if (m)
        return m;
    char err[256];
    procmaps_free(&ns->maps);
    memset(&ns->maps, 0, sizeof(ns->maps));
    if (procmaps_read(ns->pid, &ns->maps, err, sizeof(err)) < 0)
        return NULL;
    return mapping_of(ns, pc);
}

/* The object file named path, its symbols read on first use. NULL when out
 * of memory. */
static struct native_object *object_of(struct native_syms *ns, const char *path)
{
    for (size_t i = 0; i < ns->nobjects; i++)
        if (strcmp(ns->objects[i].path, path) == 0)
            return &ns->objects[i];
    struct native_object *grown = buf_grow_array(ns->objects, &ns->cap, ns->nobjects + 1,
                                                 sizeof(*grown));
    if (!grown)
        return NULL;
    ns->objects = grown;
    struct native_object *o = &ns->objects[ns->nobjects];
    *o = (struct native_object){.path = strdup(path)};
    if (!o->path)
        return NULL;
    ns->nobjects++;
    return o;
}

static void load_symbols(struct native_syms *ns, struct native_object *o, int deleted)
{
    char file[4200], err[256];
    o->tried = 1;
    if (deleted || o->path[0] != '/')
        return;
    /* Through the target's root: a process in a container sees its own files. */
    snprintf(file, sizeof(file), "/proc/%d/root%s", (int)ns->pid, o->path);
    if (elfaddr_open(file, ns->debug_dirs, &o->addrs, err, sizeof(err)) < 0)
        o->addrs = NULL;
}

/* The id of function `symbol` (NULL: unknown) of object o, made on first use. */
static int64_t function_id(struct native_syms *ns, struct native_object *o, const char *symbol)
{
    /* Names live in their object's table for the session: the name's
     * address identifies the function; an unknown one is its object's. */
    uint64_t key = symbol ? (uint64_t)(uintptr_t)symbol : (uint64_t)(o - ns->objects) + 1;
    uint64_t id;
    if (hashtab_get(&ns->functions, key, &id))
        return (int64_t)id;
    char name[512];
    /* GCC names the parts and clones of a function "f.cold", "f.isra.0",
     * "f.lto_priv.0": a reader knows them as f. */
    snprintf(name, sizeof(name), "%.*s", symbol ? (int)strcspn(symbol, ".") : 1,
             symbol && *symbol != '.' ? symbol : "?");
    int64_t made = pywalk_add_native(ns->walk, o->path, name);
    if (made >= 0 && hashtab_put(&ns->functions, key, (uint64_t)made) < 0)
        return -ENOMEM;
    return made;
}

static int is_eval_loop(const char *symbol)
{
    size_t n = strlen(NATIVE_EVAL_FUNCTION);
    return symbol && strncmp(symbol, NATIVE_EVAL_FUNCTION, n) == 0 &&
           (symbol[n] == '\0' || symbol[n] == '.');
}

static int64_t resolve(struct native_syms *ns, uint64_t pc, int *eval)
{
    const struct procmap *m = find_mapping(ns, pc);
    const char *path = m && m->path ? m->path : "[unknown]";
    struct native_object *o = object_of(ns, path);
    if (!o)
        return -ENOMEM;
    if (!o->tried)
        load_symbols(ns, o, m ? m->deleted : 1);
    const char *symbol = NULL;
    uint64_t vaddr;
    if (o->addrs && m && elfaddr_vaddr_of(o->addrs, pc - m->start + m->offset, &vaddr) == 0)
        symbol = elfaddr_function(o->addrs, vaddr);
    *eval = is_eval_loop(symbol);
    return function_id(ns, o, symbol);
}

int64_t native_syms_lookup(struct native_syms *ns, uint64_t pc, int *eval)
{
    uint64_t cached;
    if (pc && hashtab_get(&ns->pcs, pc, &cached)) {
        *eval = (cached & NATIVE_EVAL_BIT) != 0;
        return (int64_t)(cached & ~NATIVE_EVAL_BIT);
    }
    int64_t id = resolve(ns, pc, eval);
    if (id < 0 || pc == 0)
        return id;
    if (hashtab_count(&ns->pcs) >= NATIVE_MAX_PCS)
        hashtab_free(&ns->pcs);
    if (hashtab_put(&ns->pcs, pc, (uint64_t)id | (*eval ? NATIVE_EVAL_BIT : 0)) < 0)
        return -ENOMEM;
    return id;
}
