/* What every export format reads the same way from a stack: its counted
 * time, the thread it ran on, and the names of frames the profile cannot
 * describe. */
#ifndef FAH_CLIENT_EXPORT_STACK_H
#define FAH_CLIENT_EXPORT_STACK_H

#include "client/model/profile.h"

/* The one frame of a stack with no Python frames (start-up, teardown, a
 * thread running no Python code, a walk that failed): its time still
 * counts in profile.json's totals, so exports keep it too, named for the
 * reason the daemon gave (export_no_frames_name), or this without one. */
#define EXPORT_NO_FRAMES "[no Python frames]"
#define EXPORT_NO_FRAMES_MAX 64

/* The name of that frame for a stack's reason why: "[interpreter
 * teardown]", or EXPORT_NO_FRAMES for why 0. Into out (at least
 * EXPORT_NO_FRAMES_MAX bytes). */
const char *export_no_frames_name(uint32_t why, char out[EXPORT_NO_FRAMES_MAX]);
/* A frame whose code object the daemon never described. */
#define EXPORT_UNKNOWN_CODE "[unknown code]"

/* The stack's counted seconds, as profile.json's totals.seconds counts
 * them: python + native + system, plus idle when the run used --idle. */
double export_stack_seconds(const struct profile *p, const struct profile_stack *st);

/* For each code id, the smallest id of a code object of the same function
 * (file, qualname and first line): a function compiled twice is one
 * function, as in profile.json's functions[] and in a profile read back
 * from it. A new array of p->ncodes ids for free(), or NULL when out of
 * memory (or when there are no codes). */
uint32_t *export_code_canon(const struct profile *p);

/* The name of thread tid, or NULL when it has none. */
const char *export_thread_name(const struct profile *p, uint32_t tid);

#endif
