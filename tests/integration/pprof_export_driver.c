/* Test driver until `fixingahole export --format pprof` exists:
 * `fah_pprof_export_driver PROFILE.json OUT` reads a run back as
 * `summarize` does and writes it with export_pprof. Exit 0, or 1 with one
 * line on stderr. */
#include <stdio.h>

#include "client/export/pprof.h"
#include "client/report/report_json.h"

int main(int argc, char **argv)
{
    char err[512] = "";
    struct profile *p = NULL;
    if (argc != 3) {
        fprintf(stderr, "usage: %s PROFILE.json OUT\n", argv[0]);
        return 1;
    }
    if (report_json_load(argv[1], &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    FILE *out = fopen(argv[2], "wb");
    int rc = out ? export_pprof(p, out, err, sizeof(err)) : -1;
    if (out && fclose(out) != 0 && rc == 0)
        snprintf(err, sizeof(err), "%s: write failed", argv[2]), rc = -1;
    if (!out)
        snprintf(err, sizeof(err), "%s: cannot open for writing", argv[2]);
    profile_free(p);
    if (rc < 0)
        fprintf(stderr, "%s\n", err);
    return rc < 0 ? 1 : 0;
}
