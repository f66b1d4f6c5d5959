/* Session-wide code ids (see codeids.h). */
#include "daemon/codeids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/strhash.h"

static const struct pywalk_code unknown_code = {.file = "<unknown>", .qualname = "<unknown>"};

static uint64_t key_of(const struct pywalk_code *code)
{
    uint64_t h = strhash_add(strhash_add(STRHASH_INIT, code->file), code->qualname);
    h = (h ^ (uint32_t)code->firstlineno) * 1099511628211ull;
    return h ? h : 1;
}

static int same_code(const struct pywalk_code *a, const struct pywalk_code *b)
{
    return a->firstlineno == b->firstlineno && a->native == b->native && a->gap == b->gap &&
           strcmp(a->file, b->file) == 0 &&
           strcmp(a->qualname, b->qualname) == 0;
}

/* Adds a new session id for code under key. Returns it, or -ENOMEM. */
static int64_t add_code(struct codeids *ids, uint64_t key, const struct pywalk_code *code)
{
    struct pywalk_code *grown = buf_grow_array(ids->descs, &ids->cap, ids->count + 1,
                                               sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    ids->descs = grown;
    struct pywalk_code *d = &ids->descs[ids->count];
    d->file = strdup(code->file);
    d->qualname = strdup(code->qualname);
    d->firstlineno = code->firstlineno;
    d->native = code->native;
    d->gap = code->gap;
    if (!d->file || !d->qualname || hashtab_put(&ids->by_key, key, ids->count + 1ull) < 0) {
        free(d->file);
        free(d->qualname);
        return -ENOMEM;
    }
    return ids->count++;
}

/* The session id of a description: found (hash probes step past a
 * different description with the same hash), else -1 with *key free. */
static int64_t find_code(const struct codeids *ids, const struct pywalk_code *code,
                         uint64_t *key)
{
    uint64_t value;
    for (*key = key_of(code); hashtab_get(&ids->by_key, *key, &value);) {
        if (same_code(&ids->descs[value - 1], code))
            return (int64_t)(value - 1);
        *key = *key == UINT64_MAX ? 1 : *key + 1; /* 0 is no key */
    }
    return -1;
}

int codeids_map_new(struct codeids *ids, struct codeids_proc *proc, const struct pywalk *walk,
                    codeids_new_fn announce, void *ctx)
{
    uint32_t count = pywalk_code_count(walk);
    if (count <= proc->mapped)
        return 0;
    uint32_t *grown = buf_grow_array(proc->global, &proc->cap, count, sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    proc->global = grown;
    for (; proc->mapped < count; proc->mapped++) {
        const struct pywalk_code *code = pywalk_code(walk, proc->mapped);
        if (!code)
            code = &unknown_code;
        uint64_t key;
        int64_t id = find_code(ids, code, &key);
        if (id < 0) {
            id = add_code(ids, key, code);
            int rc = id < 0 ? (int)id : announce(ctx, (uint32_t)id, code);
            if (rc < 0)
                return rc;
        }
        proc->global[proc->mapped] = (uint32_t)id;
    }
    return 0;
}

void codeids_free(struct codeids *ids)
{
    for (uint32_t i = 0; i < ids->count; i++) {
        free(ids->descs[i].file);
        free(ids->descs[i].qualname);
    }
    free(ids->descs);
    hashtab_free(&ids->by_key);
    *ids = (struct codeids){0};
}

void codeids_proc_free(struct codeids_proc *proc)
{
    free(proc->global);
    *proc = (struct codeids_proc){0};
}
