/* pprof's functions and locations for the frames of a profile: one
 * Function per Python function, keyed as profile.json keys them (file,
 * qualname, first line), and one Location per (function, line). Internal
 * to the pprof writer (client/export/pprof.c). */
#ifndef FAH_EXPORT_PPROF_FRAMES_H
#define FAH_EXPORT_PPROF_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "client/export/pprof_index.h"
#include "client/export/pprof_strings.h"
#include "client/model/profile.h"
#include "common/hashtab.h"
#include "pprof.pb-c.h"

struct pprof_frames {
    const struct profile *p;
    struct pprof_strings *strings; /* borrowed: the profile's string table */
    Perftools__Profiles__Function *functions; /* functions[i] has id i + 1 */
    struct pprof_index function_index;        /* function_index.n: how many */
    uint64_t *function_of_code; /* per code id: its function's id, 0 unknown yet */
    Perftools__Profiles__Location *locations; /* locations[i] has id i + 1 */
    Perftools__Profiles__Line *lines;         /* lines[i] is locations[i]'s */
    size_t nlocations, locations_cap;
    struct hashtab location_of; /* function id << 32 | line -> location id */
    /* Made by pprof_frames_finish: the message's arrays of pointers. */
    Perftools__Profiles__Function **function_ptrs;
    Perftools__Profiles__Location **location_ptrs;
    Perftools__Profiles__Line **line_ptrs;
};

/* An empty set for the frames of p, naming them in strings (both must
 * outlive f). Returns 0 or -ENOMEM. */
int pprof_frames_init(struct pprof_frames *f, const struct profile *p,
                      struct pprof_strings *strings);
void pprof_frames_free(struct pprof_frames *f);

/* The id of frame's location, made when new. Returns it, or -ENOMEM. */
int64_t pprof_frames_location(struct pprof_frames *f, const struct profile_frame *frame);

/* The id of the location that stands for no Python frame at all, for
 * stacks the daemon could not read: the function "<unattributed>", or
 * "<unattributed: interpreter teardown>" for the reason why it gave. */
int64_t pprof_frames_unattributed(struct pprof_frames *f, uint32_t why);

/* Points msg's function and location arrays at f's; no location may be
 * added afterwards, and f must outlive msg. Returns 0 or -ENOMEM. */
int pprof_frames_finish(struct pprof_frames *f, Perftools__Profiles__Profile *msg);

#endif
