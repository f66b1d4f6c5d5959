/* export_file PROFILE.json html|svg OUT: writes report.html or the SVG
 * flame graph of an earlier run, for the integration tests (the same
 * writers `fixingahole export` uses). */
#include <stdio.h>
#include <string.h>

#include "client/view/html.h"
#include "client/view/svg.h"
#include "client/report/report_json.h"

int main(int argc, char **argv)
{
    char err[512] = "";
    struct profile *p = NULL;
    if (argc != 4 || (strcmp(argv[2], "html") != 0 && strcmp(argv[2], "svg") != 0)) {
        fprintf(stderr, "usage: export_file PROFILE.json html|svg OUT\n");
        return 64;
    }
    if (report_json_load(argv[1], &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "export_file: %s\n", err);
        return 66;
    }
    FILE *out = fopen(argv[3], "w");
    int rc = out ? 0 : -1;
    if (out)
        rc = strcmp(argv[2], "html") == 0 ? export_html(p, out, err, sizeof(err))
                                          : export_svg(p, out, err, sizeof(err));
    if (out && fclose(out) != 0 && rc == 0)
        rc = -1;
    profile_free(p);
    if (rc < 0) {
        fprintf(stderr, "export_file: %s: %s\n", argv[3], err[0] ? err : "cannot write");
        return 70;
    }
    return 0;
}
