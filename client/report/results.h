/* Writing one run's results folder: <output>/<name>/<UTC timestamp>/ with a
 * copy of the profiled source, profile.json, report.html and
 * profile_results.txt, and the Profile Summary on stdout (ending with the
 * path of report.html). Shared by every command that profiles. */
#ifndef FAH_CLIENT_RESULTS_H
#define FAH_CLIENT_RESULTS_H

#include <stddef.h>

#include "client/model/profile.h"

struct results_request {
    const char *output; /* absolute: the folder that holds every run */
    const char *source; /* the profiled file (copied), or NULL; names the run */
    const char *name;   /* names the run when source is NULL (e.g. pid1234) */
    const char *root;   /* absolute: what counts as the user's code */
    const char *const *ignore; /* absolute folders that are not user code */
    size_t nignore;
    int detailed, include_idle, trace;
    const char *logs;  /* the run's log records, kept as logs.log; or NULL */
    long log_records;  /* records in it (counted in the summary) */
};

/* Writes the folder and prints the summary to stdout. Returns 0 with the
 * folder's path in folder, or a negative errno code with err filled. */
int results_write(const struct profile *p, const struct results_request *r, char *folder,
                  size_t folderlen, char *err, size_t errlen);

#endif
