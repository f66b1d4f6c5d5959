/* The pprof export: a profile as a gzipped perftools.profiles.Profile, the
 * format of pprof, Pyroscope, Parca and Grafana (docs/export-pprof.md says
 * what goes where). Format name "pprof", extension ".pb.gz". */
#ifndef FAH_EXPORT_PPROF_H
#define FAH_EXPORT_PPROF_H

#include <stddef.h>
#include <stdio.h>

#include "client/model/profile.h"

#define EXPORT_PPROF_NAME "pprof"
#define EXPORT_PPROF_EXTENSION ".pb.gz"

/* Writes p to out. Returns 0, or a negative errno with err filled ("pprof:
 * out of memory"). Write errors on out are the caller's to find (ferror,
 * fclose). */
int export_pprof(const struct profile *p, FILE *out, char *err, size_t errlen);

#endif
