/* The export command (see export_cmd.h). */
#include "client/cli/export_cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "client/export/export.h"
#include "client/report/report_json.h"
#include "common/exit_codes.h"

struct export_request {
    const char *input;  /* PROFILE.json */
    const char *output; /* -o FILE, "-" for stdout, or NULL: beside input */
    const struct export_format *formats[EXPORT_MAX_FORMATS];
    size_t nformats;
};

static void usage(FILE *out)
{
    char names[256];
    export_format_names(names, sizeof(names));
    fprintf(out,
            "usage: fixingahole export PROFILE.json --format F[,F...] [-o FILE]\n"
            "\n"
            "Writes an earlier run's profile in other tools' formats (docs/exports.md):\n"
            "  collapsed   folded stacks for flamegraph.pl and Pyroscope, one line per\n"
            "              stack, root first, valued in microseconds of counted time\n"
            "  speedscope  speedscope's JSON, one sampled profile per thread, in seconds\n"
            "  pprof       gzipped perftools.profiles.Profile (pprof, Pyroscope, Parca):\n"
            "              nanoseconds per kind, samples, allocated bytes, line numbers\n"
            "  html        the report page every run writes (report.html): summary,\n"
            "              flame graph, line tables, in one self-contained file\n"
            "  svg         a standalone interactive flame graph\n"
            "Known formats: %s.\n"
            "\n"
            "  -f, --format F[,F...]  the formats (repeatable)\n"
            "  -o, --output FILE      write to FILE, or to stdout with -; one format only.\n"
            "                         Default: beside PROFILE.json, its name with the\n"
            "                         format's extension (profile.collapsed,\n"
            "                         profile.speedscope.json); the paths are printed\n"
            "\n"
            "exit status: 0 ok; 64 usage error or unknown format; 66 PROFILE.json\n"
            "missing or not a profile; 70 writing failed.\n",
            names);
}

/* The value of the option at argv[*i], or NULL with err set. */
static const char *option_value(int argc, char **argv, int *i, char *err, size_t errlen)
{
    if (*i + 1 >= argc || !argv[*i + 1][0]) {
        snprintf(err, errlen, "%s: needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* Parses argv into r: 0, 1 after --help, or -1 with err set. */
static int parse(int argc, char **argv, struct export_request *r, char *err, size_t errlen)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *value;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0) {
            if (!(value = option_value(argc, argv, &i, err, errlen)) ||
                export_parse_list(value, r->formats, &r->nformats, err, errlen) < 0)
                return -1;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!(r->output = option_value(argc, argv, &i, err, errlen)))
                return -1;
        } else if (a[0] == '-' && a[1]) {
            snprintf(err, errlen, "unknown option %s (see fixingahole export --help)", a);
            return -1;
        } else if (r->input) {
            snprintf(err, errlen, "export takes one profile.json, got also '%s'", a);
            return -1;
        } else {
            r->input = a;
        }
    }
    if (!r->input || !r->nformats) {
        snprintf(err, errlen, "export: %s (see fixingahole export --help)",
                 r->input ? "no --format given" : "no PROFILE.json given");
        return -1;
    }
    if (r->output && r->nformats > 1) {
        snprintf(err, errlen, "-o names one file: give one format with it");
        return -1;
    }
    return 0;
}

/* Where a format goes without -o: beside the input, named as it is less a
 * trailing ".json", plus the format's extension. */
static int default_path(const char *input, const struct export_format *fmt, char *path,
                        size_t len)
{
    size_t stem = strlen(input);
    if (stem > 5 && strcmp(input + stem - 5, ".json") == 0)
        stem -= 5;
    return (size_t)snprintf(path, len, "%.*s%s", (int)stem, input, fmt->extension) < len ? 0
                                                                                      : -1;
}

/* One format to stdout, as `-o -` asks. */
static int write_stdout(const struct profile *p, const struct export_format *fmt, char *err,
                        size_t errlen)
{
    int rc = fmt->write(p, stdout, err, errlen);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        rc = -EIO;
        snprintf(err, errlen, "write to stdout: %s", strerror(errno));
    }
    return rc;
}

static int write_all(const struct profile *p, const struct export_request *r, char *err,
                     size_t errlen)
{
    char path[PATH_MAX];
    if (r->output && strcmp(r->output, "-") == 0)
        return write_stdout(p, r->formats[0], err, errlen);
    for (size_t i = 0; i < r->nformats; i++) {
        if (r->output)
            snprintf(path, sizeof(path), "%s", r->output);
        else if (default_path(r->input, r->formats[i], path, sizeof(path)) < 0) {
            snprintf(err, errlen, "%s: path too long", r->input);
            return -ENAMETOOLONG;
        }
        int rc = export_write_path(p, r->formats[i], path, err, errlen);
        if (rc < 0)
            return rc;
        printf("%s\n", path);
    }
    return 0;
}

int export_cmd_main(int argc, char **argv)
{
    struct export_request r = {0};
    struct profile *p = NULL;
    char err[1024];
    int rc = parse(argc, argv, &r, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "fixingahole: %s\n", err);
        return rc < 0 ? EXIT_USAGE : 0;
    }
    rc = report_json_load(r.input, &p, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return rc == -ENOMEM ? EXIT_PROFILER : EXIT_NOINPUT;
    }
    rc = write_all(p, &r, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "fixingahole: %s\n", err);
    profile_free(p);
    return rc < 0 ? EXIT_PROFILER : 0;
}
