/* Per-function statistics over several runs: mean and standard deviation
 * of user (python + native) time, system time and peak heap memory
 * (functions[].peak_bytes over the --memory runs only; null when none), from
 * the profile.json files of the runs, written as function_stats.json with
 * the git state of the folder (repository, branch, commit, dirty files).
 * Runs are grouped by what makes them comparable (interpreter version,
 * mode, --detailed, --idle): one group of statistics per kind. Used by
 * `fixingahole stats FOLDER` and `fixingahole profile --repeat N`. */
#ifndef FAH_CLIENT_STATS_H
#define FAH_CLIENT_STATS_H

#include <stddef.h>
#include <stdio.h>

#define STATS_SCHEMA "fixingahole.function_stats/2"

/* Reads the runs in files[0..n), writes out_path (function_stats.json) and
 * prints, per group, the table of the `top` slowest functions to out. git_dir: the
 * folder whose git checkout is described (NULL for none). Returns 0 or a
 * negative errno code with "file: reason" in err. */
int stats_write(const char *const *files, size_t n, const char *out_path, const char *git_dir,
                FILE *out, size_t top, char *err, size_t errlen);

/* Sample mean and standard deviation (n - 1 in the divisor; 0 when n < 2)
 * of v[0..n). */
void stats_mean_std(const double *v, size_t n, double *mean, double *std);

#endif
