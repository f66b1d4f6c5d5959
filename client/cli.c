/* Parsing `fixingahole profile`'s command line (see cli.h). Hand-rolled
 * rather than getopt: getopt would permute or swallow the script's own
 * options, which must reach the script untouched. */
#include "client/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_profile_usage(void)
{
    printf(
        "usage: fixingahole profile [options] SCRIPT.py [options] [-- script args...]\n"
        "\n"
        "Runs SCRIPT with python3 from PATH, samples it from the outside and writes\n"
        "performance/<name>/<UTC timestamp>/ (profile_results.txt, profile.json, a\n"
        "copy of the script). SCRIPT is a path, or a file name searched for under\n"
        "the current folder. Arguments after SCRIPT that are not options below, and\n"
        "everything after --, are passed to the script.\n"
        "\n"
        "options:\n"
        "  -c, --cpu               CPU profile (the default)\n"
        "  -m, --memory            heap memory profile\n"
        "  -d, --detailed          also report library and standard-library code\n"
        "  -t, --trace             print the stack trace summary (the default)\n"
        "  -nt, --no-trace         leave the stack trace summary out\n"
        "  -o, --output-directory DIR  write results under DIR instead of performance/\n"
        "      --rate HZ           samples per second (default 100, at most 10000)\n"
        "      --idle              count threads blocked on locks, joins or the GIL\n"
        "      --python PATH       the interpreter to run (default: python3 on PATH)\n"
        "      --offsets SOURCE    where struct offsets come from: auto, dwarf,\n"
        "                          debug-offsets or table (default auto)\n"
        "      --debug-dirs DIRS   colon-separated folders of detached debug info\n"
        "                          (default /usr/lib/debug)\n"
        "  -h, --help              this text\n"
        "\n"
        "exit status: the script's own status; 64 usage error; 66 script not found or\n"
        "ambiguous; 70 the profiler failed.\n");
}

static int parse_rate(const char *text, unsigned *rate, char *err, size_t errlen)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end || value < 1 || value > CLI_MAX_RATE_HZ) {
        snprintf(err, errlen, "--rate: expected 1 to %d samples per second, got '%s'",
                 CLI_MAX_RATE_HZ, text);
        return -1;
    }
    *rate = (unsigned)value;
    return 0;
}

/* Options that take a value: returns it, or NULL with err set. */
static const char *take_value(int argc, char **argv, int *i, char *err, size_t errlen)
{
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "%s: needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int is(const char *arg, const char *shortname, const char *longname)
{
    return (shortname && strcmp(arg, shortname) == 0) || strcmp(arg, longname) == 0;
}

/* Handles argv[*i] if it is one of ours: 1 handled, 0 not ours, -1 error,
 * 2 --help. */
static int parse_option(int argc, char **argv, int *i, struct profile_options *o, char *err,
                        size_t errlen)
{
    const char *arg = argv[*i];
    const char *value;
    if (is(arg, "-h", "--help"))
        return 2;
    if (is(arg, "-c", "--cpu"))
        o->memory = 0;
    else if (is(arg, "-m", "--memory"))
        o->memory = 1;
    else if (is(arg, "-d", "--detailed"))
        o->detailed = 1;
    else if (is(arg, "-t", "--trace"))
        o->trace = 1;
    else if (is(arg, "-nt", "--no-trace"))
        o->trace = 0;
    else if (is(arg, NULL, "--idle"))
        o->idle = 1;
    else if (is(arg, "-o", "--output-directory")) {
        if (!(value = take_value(argc, argv, i, err, errlen)))
            return -1;
        o->output_dir = value;
    } else if (is(arg, NULL, "--python")) {
        if (!(value = take_value(argc, argv, i, err, errlen)))
            return -1;
        o->python = value;
    } else if (is(arg, NULL, "--debug-dirs")) {
        if (!(value = take_value(argc, argv, i, err, errlen)))
            return -1;
        o->debug_dirs = value;
    } else if (is(arg, NULL, "--rate")) {
        if (!(value = take_value(argc, argv, i, err, errlen)) ||
            parse_rate(value, &o->rate_hz, err, errlen) < 0)
            return -1;
    } else if (is(arg, NULL, "--offsets")) {
        if (!(value = take_value(argc, argv, i, err, errlen)))
            return -1;
        if (pyoff_parse_pref(value, &o->offsets) < 0) {
            snprintf(err, errlen, "--offsets: expected auto, dwarf, debug-offsets or table, got '%s'",
                     value);
            return -1;
        }
    } else {
        return 0;
    }
    return 1;
}

static void defaults(struct profile_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->python = "python3";
    o->rate_hz = CLI_DEFAULT_RATE_HZ;
    o->trace = 1;
    o->offsets = PYOFF_PREF_AUTO;
    o->argc = argc;
    o->argv = argv;
}

int cli_parse_profile(int argc, char **argv, struct profile_options *o, char *err, size_t errlen)
{
    defaults(o, argc, argv);
    o->script_args = calloc((size_t)argc + 1, sizeof(char *));
    if (!o->script_args) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            if (!o->script) {
                snprintf(err, errlen, "no script named before --");
                return -1;
            }
            while (++i < argc)
                o->script_args[o->nscript_args++] = argv[i];
            break;
        }
        int rc = parse_option(argc, argv, &i, o, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 2) {
            cli_profile_usage();
            return 1;
        }
        if (rc == 1)
            continue;
        if (!o->script && arg[0] == '-') {
            snprintf(err, errlen, "unknown option %s (see fixingahole profile --help)", arg);
            return -1;
        }
        if (!o->script)
            o->script = arg;
        else
            o->script_args[o->nscript_args++] = argv[i];
    }
    if (!o->script) {
        snprintf(err, errlen, "no script to profile (see fixingahole profile --help)");
        return -1;
    }
    return 0;
}

void cli_free(struct profile_options *opts)
{
    free(opts->script_args);
    opts->script_args = NULL;
}
