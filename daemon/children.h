/* Sampling the target's descendants (the members of its proctree other
 * than the root): each gets its own interpreter locate and its own sampler,
 * in the session's thread, at the session's ticks. A member is watched
 * until its image (executable and first mapping) shows an interpreter;
 * an exec starts that over, so a fork that execs Python is sampled as the
 * new program. A member that never shows one is a non-Python process: the
 * process table reports it, nothing samples it. */
#ifndef FAH_DAEMON_CHILDREN_H
#define FAH_DAEMON_CHILDREN_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/codeids.h"
#include "daemon/proctree.h"
#include "daemon/sampler.h"
#include "daemon/session.h"

struct children;

/* req gives the offsets preference and debug-info folders. NULL when out
 * of memory. */
struct children *children_new(const struct session_request *req);
void children_free(struct children *ch);

/* One thread sample of process pid, its code ids the walker's, mapped to
 * the session's through codes. Returns 0, or negative to stop the tick. */
typedef int (*children_emit_fn)(void *ctx, pid_t pid, struct pywalk *walk,
                                struct codeids_proc *codes, const struct thread_sample *sample);

/* Locates and samples every live descendant in tree once, for the tick due
 * at planned_ns (sampler_tick). Returns 0, or -ENOMEM or the emitter's
 * negative code. */
int children_tick(struct children *ch, struct proctree *tree, uint64_t now_ns, uint64_t planned_ns,
                  children_emit_fn emit, void *ctx);

/* Emits what the descendants' samplers still hold (sampler_release_held):
 * before a session ends with them running. */
int children_release_held(struct children *ch, children_emit_fn emit, void *ctx);

/* The sampler of descendant pid while it is sampled (for its threads'
 * threading names), else NULL. */
struct sampler *children_sampler(struct children *ch, pid_t pid);

/* How the tree's member at index stands for the process table: *python
 * is its Python version ("" when it is not sampled), *note why it is not
 * ("" when it is). Both "" for the root and for a member children_tick
 * never saw. */
void children_describe(const struct children *ch, size_t index, const char **python,
                       const char **note);

#endif
