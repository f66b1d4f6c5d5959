/* Statistics over the runs of --repeat (see repeat.h). */
#include "client/cli/repeat.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/model/stats.h"
#include "client/model/summary.h"

int repeat_report(const char *const *folders, size_t n, const char *root, char *err,
                  size_t errlen)
{
    char **files = calloc(n, sizeof(char *)), out[PATH_MAX + 32];
    int rc = files ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!(files[i] = malloc(PATH_MAX + 16)))
            rc = -1;
        else
            snprintf(files[i], PATH_MAX + 16, "%s/profile.json", folders[i]);
    }
    if (rc < 0) {
        snprintf(err, errlen, "--repeat: out of memory");
    } else {
        snprintf(out, sizeof(out), "%s/function_stats.json", folders[n - 1]);
        rc = stats_write((const char *const *)files, n, out, root, stdout, SUMMARY_TOP_DEFAULT,
                         err, errlen);
    }
    for (size_t i = 0; files && i < n; i++)
        free(files[i]);
    free(files);
    return rc;
}
