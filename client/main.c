/* fixingahole: the command users run. Dispatches to its subcommands. */
#include <stdio.h>
#include <string.h>

#include "client/cli.h"
#include "client/daemon_cmd.h"
#include "client/inspect.h"
#include "client/run_profile.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fixingahole COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  profile SCRIPT.py [options] [-- args]  profile a script (see profile --help)\n"
            "  inspect PID|PYTHON                    what the profiler finds in a process\n"
            "                                        or interpreter binary\n"
            "  daemon status|stop                    the per-user sampling daemon\n"
            "  --version                             print the version\n"
            "\n"
            "exit status: a profiled script's own status; 64 usage error; 66 script not\n"
            "found or ambiguous; 70 the profiler failed.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("fixingahole %s\n", FIXINGAHOLE_VERSION);
        return 0;
    }
    if (strcmp(command, "inspect") == 0)
        return inspect_main(argc, argv);
    if (strcmp(command, "daemon") == 0)
        return daemon_cmd_main(argc, argv);
    if (strcmp(command, "profile") != 0) {
        fprintf(stderr, "fixingahole: unknown command '%s' (try fixingahole --help)\n", command);
        return EXIT_USAGE;
    }
    struct profile_options opts;
    char err[512];
    int rc = cli_parse_profile(argc, argv, &opts, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "fixingahole: %s\n", err);
        cli_free(&opts);
        return rc < 0 ? EXIT_USAGE : 0;
    }
    if (opts.memory) {
        fprintf(stderr, "fixingahole: --memory (heap profiling) is not available yet; "
                        "run without it for a CPU profile with RSS\n");
        cli_free(&opts);
        return EXIT_USAGE;
    }
    rc = run_profile(&opts);
    cli_free(&opts);
    return rc;
}
