/* The command line of `fixingahole profile`: options may stand before or
 * after the script's name (or `--module NAME`); everything after `--`, and
 * every argument after the name that is not one of ours, goes to the script
 * untouched. An option of ours after the name gets a one-line notice on
 * stderr (how to pass it to the script instead), unless it was also given
 * before the name. */
#ifndef FAH_CLIENT_CLI_H
#define FAH_CLIENT_CLI_H

#include <stddef.h>

#include "client/export/export.h"
#include "symbols/pyoffsets.h"

#define CLI_DEFAULT_RATE_HZ 100
#define CLI_MAX_RATE_HZ 10000
#define CLI_PRECISION_MIN (-10)
#define CLI_PRECISION_MAX 10
#define CLI_MAX_IGNORE 64
#define CLI_MAX_REPEAT 1000

/* --no-plots: which plotting libraries get their windows and show() calls
 * disabled (bit set). */
#define CLI_NOPLOTS_MATPLOTLIB 1u
#define CLI_NOPLOTS_PLOTLY 2u

struct profile_options {
    const char *script;      /* as the user named it; the module's name with
                                --module */
    const char *module;      /* --module NAME (run as `python -m NAME`), or NULL */
    char **script_args;      /* points into argv; NULL-terminated */
    int nscript_args;
    const char *python;      /* --python, else "python3" from PATH */
    unsigned rate_hz;
    int memory;              /* --memory */
    int idle;                /* --idle */
    int gil_only;            /* --gil: only samples of threads holding the GIL */
    int no_children;         /* --no-children: the descendants are not sampled */
    int native;              /* --native */
    int detailed;            /* --detailed */
    int trace;               /* --trace (default) / --no-trace */
    const char *output_dir;  /* --output-directory (relative to the cwd) */
    int precision;           /* --precision, -10..10 (memory sampling detail) */
    const char *log_level;   /* --log-level: DEBUG, INFO, WARNING (default),
                                ERROR or CRITICAL, upper-cased copy */
    unsigned no_plots;       /* --no-plots: CLI_NOPLOTS_* bits */
    unsigned live_seconds;   /* --live: 0 = off */
    const char *ignore[CLI_MAX_IGNORE]; /* --ignore, relative to the cwd */
    int nignore;
    unsigned repeat;         /* --repeat: runs, default 1 */
    enum pyoff_pref offsets; /* --offsets */
    const char *debug_dirs;  /* --debug-dirs */
    /* -f/--format: extra formats written beside profile.json */
    const struct export_format *formats[EXPORT_MAX_FORMATS];
    size_t nformats;
    char **argv;             /* the whole command line, for the report */
    int argc;
};

/* Parses `fixingahole profile ...` (argv[0] is "fixingahole", argv[1]
 * "profile"). Returns 0, 1 when --help was printed, or -1 with a one-line
 * message in err. script_args is allocated: free it with cli_free. */
int cli_parse_profile(int argc, char **argv, struct profile_options *opts, char *err,
                      size_t errlen);

void cli_free(struct profile_options *opts);

/* The pieces of cli_parse_profile, for commands that take the same report
 * options (`fixingahole attach`): the defaults, and one option at argv[*i]
 * (1 handled, 0 not one of ours, -1 error in err, 2 --help). */
void cli_defaults(struct profile_options *opts, int argc, char **argv);
int cli_parse_option(int argc, char **argv, int *i, struct profile_options *opts, char *err,
                     size_t errlen);

void cli_profile_usage(void);

/* The options that tell the daemon how to sample, into out. */
struct control_sampling;
void cli_sampling(const struct profile_options *opts, struct control_sampling *out);

#endif
