/* Native frames' names for --native: a program counter of the target
 * becomes a code id of the walker (pywalk_add_native), one per function
 * (object file and symbol), so that native frames travel in the same
 * stacks and messages as Python frames. Mappings from /proc/PID/maps,
 * re-read when a PC falls outside all of them; symbols through
 * symbols/elfaddr.c, read once per object file; every PC's answer cached. */
#ifndef FAH_DAEMON_NATIVE_SYMS_H
#define FAH_DAEMON_NATIVE_SYMS_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/pywalk.h"

struct native_syms;

/* walk must outlive it. debug_dirs as elfaddr_open's (copied). NULL when
 * out of memory. */
struct native_syms *native_syms_new(pid_t pid, struct pywalk *walk, const char *debug_dirs);
void native_syms_free(struct native_syms *ns);

/* The code id of the function holding pc, with *eval set when that
 * function is the evaluation loop (where Python frames run). Returns the
 * id, or a negative errno code (out of memory, too many ids). */
int64_t native_syms_lookup(struct native_syms *ns, uint64_t pc, int *eval);

#endif
