/* The command line of `fixingahole profile`: options may stand before or
 * after the script's name; everything after `--`, and every argument after
 * the name that is not one of ours, goes to the script untouched. */
#ifndef FAH_CLIENT_CLI_H
#define FAH_CLIENT_CLI_H

#include <stddef.h>

#include "symbols/pyoffsets.h"

/* Exit statuses of fixingahole itself (a profiled script's own status is
 * passed through when the profile succeeded). */
#define EXIT_USAGE 64     /* bad command line */
#define EXIT_NOINPUT 66   /* the script is missing or ambiguous */
#define EXIT_PROFILER 70  /* the profiler failed (daemon, interpreter, output) */

#define CLI_DEFAULT_RATE_HZ 100
#define CLI_MAX_RATE_HZ 10000

struct profile_options {
    const char *script;      /* as the user named it */
    char **script_args;      /* points into argv; NULL-terminated */
    int nscript_args;
    const char *python;      /* --python, else "python3" from PATH */
    unsigned rate_hz;
    int memory;              /* --memory */
    int idle;                /* --idle */
    int detailed;            /* --detailed */
    int trace;               /* --trace (default) / --no-trace */
    const char *output_dir;  /* --output-directory */
    enum pyoff_pref offsets; /* --offsets */
    const char *debug_dirs;  /* --debug-dirs */
    char **argv;             /* the whole command line, for the report */
    int argc;
};

/* Parses `fixingahole profile ...` (argv[0] is "fixingahole", argv[1]
 * "profile"). Returns 0, 1 when --help was printed, or -1 with a one-line
 * message in err. script_args is allocated: free it with cli_free. */
int cli_parse_profile(int argc, char **argv, struct profile_options *opts, char *err,
                      size_t errlen);

void cli_free(struct profile_options *opts);

void cli_profile_usage(void);

#endif
