/* Keeping the run's log records beside its reports (see results_logs.h). */
#include "client/report/results_logs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int results_keep_logs(const char *src, const char *folder, const char *root, char *shown,
                      size_t shownlen, char *err, size_t errlen)
{
    char dest[PATH_MAX + 16], cwd[PATH_MAX], chunk[8192];
    (void)root;
    snprintf(dest, sizeof(dest), "%s/logs.log", folder);
    FILE *in = fopen(src, "re"), *out = in ? fopen(dest, "we") : NULL;
    int rc = 0;
    size_t n;
    if (!in || !out)
        rc = -errno;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        if (fwrite(chunk, 1, n, out) != n)
            rc = -EIO;
    if (in && ferror(in))
        rc = -EIO;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0 && rc == 0)
        rc = -EIO;
    if (rc < 0) {
        snprintf(err, errlen, "write %s: %s", dest, strerror(-rc));
        return rc;
    }
    size_t clen = getcwd(cwd, sizeof(cwd)) ? strlen(cwd) : 0;
    if (clen && strncmp(dest, cwd, clen) == 0 && dest[clen] == '/')
        snprintf(shown, shownlen, "%s", dest + clen + 1);
    else
        snprintf(shown, shownlen, "%s", dest);
    return 0;
}
