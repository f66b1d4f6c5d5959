/* A session's code ids across processes. Each process's walker numbers
 * its own code objects; the stream speaks one numbering for the whole
 * tree, in which code objects with the same file, qualified name and first
 * line are one id, whichever process ran them: a pool worker's crunch() is
 * the main script's crunch(), so lines and functions merge by file and
 * line without the client knowing about processes. */
#ifndef FAH_DAEMON_CODEIDS_H
#define FAH_DAEMON_CODEIDS_H

#include <stddef.h>
#include <stdint.h>

#include "common/hashtab.h"
#include "daemon/pywalk.h"

/* The session's numbering. All zero is empty. */
struct codeids {
    struct hashtab by_key;   /* hash of the description -> session id + 1 */
    struct pywalk_code *descs; /* by session id (copies) */
    uint32_t count;
    size_t cap;
};

/* One process's walker ids mapped to session ids. All zero is empty. */
struct codeids_proc {
    uint32_t mapped;  /* walker ids below this are in global[] */
    uint32_t *global; /* walker id -> session id */
    size_t cap;
};

void codeids_free(struct codeids *ids);
void codeids_proc_free(struct codeids_proc *proc);

/* Called with each session id that is new (to send its description). */
typedef int (*codeids_new_fn)(void *ctx, uint32_t id, const struct pywalk_code *code);

/* Maps the walker's ids handed out since the last call. Returns 0,
 * -ENOMEM, or the callback's negative code. */
int codeids_map_new(struct codeids *ids, struct codeids_proc *proc, const struct pywalk *walk,
                    codeids_new_fn announce, void *ctx);

/* The session id of a walker id mapped before (UINT32_MAX when not). */
static inline uint32_t codeids_global(const struct codeids_proc *proc, uint32_t walker_id)
{
    return walker_id < proc->mapped ? proc->global[walker_id] : UINT32_MAX;
}

#endif
