/* The results folder of one run: <output>/<script stem>/<UTC YYYYMMDD_HHMMSS>/
 * holding a copy of the profiled source next to the reports. */
#ifndef FAH_CLIENT_OUTDIR_H
#define FAH_CLIENT_OUTDIR_H

#include <stddef.h>
#include <time.h>

/* Creates the folder (and its parents) for script under output, named by
 * `when` in UTC; a second run in the same second gets a suffix. Returns 0
 * with the path in out, or a negative errno code with err filled. */
int outdir_create(const char *output, const char *script, time_t when, char *out, size_t outlen,
                  char *err, size_t errlen);

/* Copies the file at src into folder dir under its own base name. */
int outdir_copy_file(const char *src, const char *dir, char *err, size_t errlen);

#endif
