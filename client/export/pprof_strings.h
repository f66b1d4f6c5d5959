/* pprof's string table: every name, file and label in a profile is an
 * index into one list of distinct strings whose entry 0 is "". */
#ifndef FAH_EXPORT_PPROF_STRINGS_H
#define FAH_EXPORT_PPROF_STRINGS_H

#include <stddef.h>
#include <stdint.h>

#include "client/export/pprof_index.h"

struct pprof_strings {
    char **strings;           /* owned copies; strings[0] is "" */
    struct pprof_index index; /* index.n: how many */
};

/* A table holding only "". Returns 0 or -ENOMEM. */
int pprof_strings_init(struct pprof_strings *t);

/* Frees the copies and the index; the table is empty afterwards. */
void pprof_strings_free(struct pprof_strings *t);

/* The index of s, added (copied) when new. Returns it, or -ENOMEM. */
int64_t pprof_strings_intern(struct pprof_strings *t, const char *s);

#endif
