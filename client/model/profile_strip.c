/* The bootstrap's frames out of a profile (see profile_strip.h). */
#include "client/model/profile_strip.h"

#include <string.h>

/* runpy.py, or "<frozen runpy>" where the build freezes it (3.11+). */
static int is_runpy(const char *file)
{
    const char *slash = strrchr(file, '/');
    return strcmp(slash ? slash + 1 : file, "runpy.py") == 0 ||
           strcmp(file, "<frozen runpy>") == 0;
}

/* The bootstrap's stub (the path given) or the module it imports from
 * its folder (client/run/fixingahole_bootstrap.py). */
static int is_bootstrap(const char *file, const char *bootstrap)
{
    const char *slash = strrchr(bootstrap, '/');
    size_t folder = slash ? (size_t)(slash + 1 - bootstrap) : 0;
    if (!*bootstrap)
        return 0;
    return strcmp(file, bootstrap) == 0 ||
           (strncmp(file, bootstrap, folder) == 0 &&
            strcmp(file + folder, PROFILE_STRIP_BOOTSTRAP_BODY) == 0);
}

uint32_t profile_strip_kept_frames(const struct profile *p, const struct profile_stack *st,
                                   const char *bootstrap, struct profile_frame *out)
{
    uint32_t kept = 0, outer_ours = 0;
    const struct profile_code *innermost_ours = NULL;
    /* Outermost frames first: the bootstrap, then runpy, lead to the
     * user's code through the bootstrap's main (a source file), runpy's
     * _run_code (a module, a folder, a zip file) or the notebook runner. */
    for (uint32_t k = st->nframes; k-- > 0;) {
        const struct profile_code *c = profile_code(p, st->frames[k].code_id);
        if (c && c->native && outer_ours) {
            outer_ours++; /* --native: the C functions runpy's exec() runs the script through */
            continue;
        }
        if (!c || !(is_bootstrap(c->file, bootstrap) || (outer_ours && is_runpy(c->file))))
            break;
        outer_ours++;
        innermost_ours = c;
    }
    if (outer_ours && !(strcmp(innermost_ours->qualname, "main") == 0 ||
                        strcmp(innermost_ours->qualname, "_run_code") == 0 ||
                        strcmp(innermost_ours->qualname, "_run_notebook") == 0))
        return 0; /* the bootstrap's own work: setting up */
    /* Inner bootstrap frames (log capture, plot patches) are dropped;
     * their time goes to the frame that called them. */
    for (uint32_t k = 0; k < st->nframes - outer_ours; k++) {
        const struct profile_code *c = profile_code(p, st->frames[k].code_id);
        if (c && is_bootstrap(c->file, bootstrap))
            continue;
        out[kept++] = st->frames[k];
    }
    return kept;
}

void profile_strip_frames(struct profile *p, const char *bootstrap)
{
    for (size_t i = 0; i < p->nstacks; i++)
        p->stacks[i].nframes = profile_strip_kept_frames(p, &p->stacks[i], bootstrap,
                                                         p->stacks[i].frames);
}
