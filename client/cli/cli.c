/* Parsing `fixingahole profile`'s command line (see cli.h). Hand-rolled
 * rather than getopt: getopt would permute or swallow the script's own
 * options, which must reach the script untouched. */
#include "client/cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/link/control.h"

void cli_profile_usage(void)
{
    printf(
        "usage: fixingahole profile [options] SCRIPT.py|NOTEBOOK.ipynb [options]\n"
        "                           [-- script args...]\n"
        "       fixingahole profile [options] --module NAME [options] [-- args...]\n"
        "\n"
        "Runs SCRIPT with python3 from PATH, samples it from the outside and writes\n"
        "<output>/<name>/<UTC timestamp>/ (profile_results.txt, profile.json, logs.log,\n"
        "a copy of the script). SCRIPT is a path, or a file name searched for under\n"
        "the root. Root, output (default performance/) and ignored folders come from\n"
        "[tool.fixingahole] in pyproject.toml and FIXINGAHOLE_ROOT/OUTPUT/IGNORE\n"
        "(see fixingahole --version). Arguments after SCRIPT that are not options\n"
        "below, and everything after --, are passed to the script; an option below\n"
        "given only after SCRIPT is taken, with a notice on stderr.\n"
        "\n"
        "options:\n"
        "      --module NAME       run module NAME as `python -m NAME` does (in place\n"
        "                          of SCRIPT; results named after it)\n"
        "  -c, --cpu               CPU profile (the default)\n"
        "  -m, --memory            heap memory profile\n"
        "  -d, --detailed          also report library and standard-library code\n"
        "  -t, --trace             print the stack trace summary (the default)\n"
        "  -nt, --no-trace         leave the stack trace summary out\n"
        "  -p, --precision N       memory sampling detail, -10 (coarse) to 10 (fine),\n"
        "                          default 0 (used with --memory)\n"
        "  -o, --output-directory DIR  write results under DIR instead of the\n"
        "                          configured output folder (performance/)\n"
        "  -i, --ignore DIR        not user code, and not searched for SCRIPT\n"
        "                          (repeatable; relative to the current folder)\n"
        "  -l, --log-level LEVEL   warnings and logging records at LEVEL and above go\n"
        "                          to logs.log: DEBUG, INFO, WARNING (default), ERROR,\n"
        "                          CRITICAL\n"
        "  -np, --no-plots [LIB]   plot windows and show() do nothing: matplotlib,\n"
        "                          plotly (repeatable; without LIB both)\n"
        "      --live SECONDS      print an updated summary every SECONDS while the\n"
        "                          script runs\n"
        "  -r, --repeat N          run N times; report each function's mean and\n"
        "                          standard deviation\n"
        "      --rate HZ           samples per second (default 100, at most 10000)\n"
        "      --idle              count threads blocked on locks, joins or the GIL\n"
        "      --gil               only samples where the thread holds the GIL\n"
        "      --no-children       sample the script alone, not the processes it starts\n"
        "      --native            show C functions between Python frames (stops each\n"
        "                          running thread at every sample; docs/native.md)\n"
        "      --python PATH       the interpreter to run (default: python3 on PATH)\n"
        "      --offsets SOURCE    where struct offsets come from: auto, dwarf,\n"
        "                          debug-offsets or table (default auto)\n"
        "      --debug-dirs DIRS   colon-separated folders of detached debug info\n"
        "                          (default /usr/lib/debug)\n"
        "  -f, --format F[,F...]   also write these formats beside profile.json\n"
        "                          (repeatable; see fixingahole export --help)\n"
        "  -h, --help              this text\n"
        "\n"
        "exit status: the script's own status; 64 usage error or bad configuration;\n"
        "66 script not found, ambiguous or a broken notebook; 70 the profiler failed.\n");
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

static int parse_int(const char *opt, const char *text, long lo, long hi, long *out,
                     char *err, size_t errlen)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end || value < lo || value > hi) {
        snprintf(err, errlen, "%s: expected a whole number from %ld to %ld, got '%s'", opt, lo,
                 hi, text);
        return -1;
    }
    *out = value;
    return 0;
}

static int parse_log_level(const char *text, const char **out, char *err, size_t errlen)
{
    static const char *const levels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcasecmp(text, levels[i]) == 0) {
            *out = levels[i];
            return 0;
        }
    }
    snprintf(err, errlen,
             "--log-level: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got '%s'", text);
    return -1;
}

/* -np takes an optional library name: only a known name is consumed, so
 * `-np script.py` still names the script. */
static int parse_no_plots(int argc, char **argv, int *i, unsigned *bits)
{
    if (*i + 1 < argc && strcasecmp(argv[*i + 1], "matplotlib") == 0) {
        *bits |= CLI_NOPLOTS_MATPLOTLIB;
        ++*i;
    } else if (*i + 1 < argc && strcasecmp(argv[*i + 1], "plotly") == 0) {
        *bits |= CLI_NOPLOTS_PLOTLY;
        ++*i;
    } else {
        *bits |= CLI_NOPLOTS_MATPLOTLIB | CLI_NOPLOTS_PLOTLY;
    }
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

/* Every option of `profile`, short and long form: the notice for options
 * taken after the script's name names them by their long form. */
static const char *const option_names[][2] = {
    {"-h", "--help"}, {"-c", "--cpu"}, {"-m", "--memory"}, {"-d", "--detailed"},
    {"-t", "--trace"}, {"-nt", "--no-trace"}, {NULL, "--idle"}, {NULL, "--gil"},
    {"-o", "--output-directory"},
    {"-p", "--precision"}, {"-r", "--repeat"}, {NULL, "--live"}, {"-l", "--log-level"},
    {"-np", "--no-plots"}, {"-i", "--ignore"}, {NULL, "--python"}, {NULL, "--debug-dirs"},
    {NULL, "--rate"}, {NULL, "--offsets"}, {NULL, "--module"}, {"-f", "--format"},
    {NULL, "--no-children"},
    {NULL, "--native"},
};
#define NOPTION_NAMES (sizeof(option_names) / sizeof(option_names[0]))

/* Index of arg in option_names, or -1. */
static int option_index(const char *arg)
{
    for (size_t i = 0; i < NOPTION_NAMES; i++)
        if ((option_names[i][0] && strcmp(arg, option_names[i][0]) == 0) ||
            strcmp(arg, option_names[i][1]) == 0)
            return (int)i;
    return -1;
}

static int is(const char *arg, const char *shortname, const char *longname)
{
    return (shortname && strcmp(arg, shortname) == 0) || strcmp(arg, longname) == 0;
}

/* Handles argv[*i] if it is one of ours: 1 handled, 0 not ours, -1 error,
 * 2 --help. */
int cli_parse_option(int argc, char **argv, int *i, struct profile_options *o, char *err,
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
    else if (is(arg, NULL, "--gil"))
        o->gil_only = 1;
    else if (is(arg, NULL, "--no-children"))
        o->no_children = 1;
    else if (is(arg, NULL, "--native"))
        o->native = 1;
    else if (is(arg, "-o", "--output-directory")) {
        if (!(value = take_value(argc, argv, i, err, errlen)))
            return -1;
        o->output_dir = value;
    } else if (is(arg, "-p", "--precision")) {
        long v;
        if (!(value = take_value(argc, argv, i, err, errlen)) ||
            parse_int(arg, value, CLI_PRECISION_MIN, CLI_PRECISION_MAX, &v, err, errlen) < 0)
            return -1;
        o->precision = (int)v;
    } else if (is(arg, "-r", "--repeat")) {
        long v;
        if (!(value = take_value(argc, argv, i, err, errlen)) ||
            parse_int(arg, value, 1, CLI_MAX_REPEAT, &v, err, errlen) < 0)
            return -1;
        o->repeat = (unsigned)v;
    } else if (is(arg, NULL, "--live")) {
        long v;
        if (!(value = take_value(argc, argv, i, err, errlen)) ||
            parse_int(arg, value, 1, 86400, &v, err, errlen) < 0)
            return -1;
        o->live_seconds = (unsigned)v;
    } else if (is(arg, "-l", "--log-level")) {
        if (!(value = take_value(argc, argv, i, err, errlen)) ||
            parse_log_level(value, &o->log_level, err, errlen) < 0)
            return -1;
    } else if (is(arg, "-np", "--no-plots")) {
        parse_no_plots(argc, argv, i, &o->no_plots);
    } else if (is(arg, "-i", "--ignore")) {
        if (!(value = take_value(argc, argv, i, err, errlen)))
            return -1;
        if (o->nignore == CLI_MAX_IGNORE) {
            snprintf(err, errlen, "--ignore: at most %d folders", CLI_MAX_IGNORE);
            return -1;
        }
        if (!*value) {
            snprintf(err, errlen, "--ignore: needs a folder, got ''");
            return -1;
        }
        o->ignore[o->nignore++] = value;
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
    } else if (is(arg, "-f", "--format")) {
        if (!(value = take_value(argc, argv, i, err, errlen)) ||
            export_parse_list(value, o->formats, &o->nformats, err, errlen) < 0)
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

void cli_defaults(struct profile_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->python = "python3";
    o->rate_hz = CLI_DEFAULT_RATE_HZ;
    o->trace = 1;
    o->log_level = "WARNING";
    o->repeat = 1;
    o->offsets = PYOFF_PREF_AUTO;
    o->argc = argc;
    o->argv = argv;
}

/* One line on stderr for argv[from..to], an option of ours that came after
 * the script's name: the user may have meant it for the script. */
static void notice_taken(char **argv, int from, int to, const char *script, int index)
{
    fprintf(stderr, "fixingahole: '");
    for (int k = from; k <= to; k++)
        fprintf(stderr, "%s%s", k > from ? " " : "", argv[k]);
    fprintf(stderr, "' after %s was taken as fixingahole's %s; to pass it to the script, put "
            "it after --: fixingahole profile %s -- ", script, option_names[index][1], script);
    for (int k = from; k <= to; k++)
        fprintf(stderr, "%s%s", k > from ? " " : "", argv[k]);
    fputc('\n', stderr);
}

int cli_parse_profile(int argc, char **argv, struct profile_options *o, char *err, size_t errlen)
{
    unsigned char before[NOPTION_NAMES] = {0}; /* options seen before the script */
    cli_defaults(o, argc, argv);
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
        if (strcmp(arg, "--module") == 0 && !o->script) {
            /* python -m NAME: the module stands where the script would. */
            if (!(o->module = take_value(argc, argv, &i, err, errlen)))
                return -1;
            if (!o->module[0] || o->module[0] == '-') {
                snprintf(err, errlen, "--module: expected a module name, got '%s'", o->module);
                return -1;
            }
            o->script = o->module;
            continue;
        }
        int from = i, index = option_index(arg);
        int rc = cli_parse_option(argc, argv, &i, o, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 2) {
            cli_profile_usage();
            return 1;
        }
        if (rc == 1) {
            if (index >= 0 && !o->script)
                before[index] = 1;
            else if (index >= 0 && !before[index])
                notice_taken(argv, from, i, o->script, index);
            continue;
        }
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

void cli_sampling(const struct profile_options *opts, struct control_sampling *out)
{
    *out = (struct control_sampling){.rate_hz = opts->rate_hz, .idle = opts->idle,
                                     .native = opts->native, .memory = opts->memory,
                                     .offsets = opts->offsets, .debug_dirs = opts->debug_dirs,
                                     .no_children = opts->no_children};
}
