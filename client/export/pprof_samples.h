/* pprof's sample types and samples for a profile: one Sample per stack of
 * the profile, with its sample count, its time split by kind in
 * nanoseconds, its sampled allocation in --memory runs, and the thread's
 * labels. Internal to the pprof writer (client/export/pprof.c). */
#ifndef FAH_EXPORT_PPROF_SAMPLES_H
#define FAH_EXPORT_PPROF_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "client/export/pprof_frames.h"
#include "client/export/pprof_strings.h"
#include "client/model/profile.h"
#include "pprof.pb-c.h"

/* Every value a sample may carry, in the order of Profile.sample_type. */
enum pprof_value {
    PPROF_SAMPLES = 0, /* "samples" count: first, as pprof's convention asks */
    PPROF_TIME,        /* "time": python + native + system (+ idle with --idle) */
    PPROF_PYTHON,
    PPROF_NATIVE,
    PPROF_SYSTEM,
    PPROF_IDLE,        /* only when the run counted idle time (--idle) */
    PPROF_ALLOC,       /* "alloc_space" bytes: only --memory runs */
    PPROF_VALUES,
};

struct pprof_samples {
    int column[PPROF_VALUES]; /* index in Sample.value, -1 when absent */
    size_t ncolumns;
    Perftools__Profiles__ValueType types[PPROF_VALUES];
    Perftools__Profiles__ValueType *type_ptrs[PPROF_VALUES];
    Perftools__Profiles__Sample *samples;
    Perftools__Profiles__Sample **sample_ptrs;
    size_t nsamples;
    int64_t *values;        /* ncolumns per sample */
    uint64_t *location_ids; /* every sample's, one after the other */
    Perftools__Profiles__Label *labels;
    Perftools__Profiles__Label **label_ptrs;
};

/* Fills s from p, naming things in strings and making locations in
 * frames, and points msg's sample types and samples at s (which must
 * outlive msg). Returns 0 or -ENOMEM. */
int pprof_samples_build(struct pprof_samples *s, const struct profile *p,
                        struct pprof_frames *frames, struct pprof_strings *strings,
                        Perftools__Profiles__Profile *msg);
void pprof_samples_free(struct pprof_samples *s);

#endif
