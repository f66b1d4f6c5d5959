/* fixingahole: the command users run. Dispatches to its subcommands. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/cli/attach.h"
#include "client/cli/cli.h"
#include "client/cli/commands.h"
#include "client/cli/daemon_cmd.h"
#include "client/cli/export_cmd.h"
#include "client/cli/inspect.h"
#include "client/cli/run_profile.h"
#include "client/cli/session_cmd.h"
#include "client/cli/top_cmd.h"
#include "client/config/config.h"
#include "common/exit_codes.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fixingahole COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  profile SCRIPT.py [options] [-- args]  profile a script (see profile --help)\n"
            "  inspect PID|PYTHON                    what the profiler finds in a process\n"
            "                                        or interpreter binary\n"
            "  attach PID [--duration S] [options]   profile a running Python process\n"
            "  sessions                              the daemon's sessions you may see\n"
            "  watch SESSION                         a live summary of a running session\n"
            "  stop SESSION                          end a session (its owner reports)\n"
            "  top PID|SESSION                       a full-screen live view of a running\n"
            "                                        process's hottest functions and lines\n"
            "  summarize PROFILE.json [-n N] [-t PCT] [-d] [--idle] [--root DIR]\n"
            "                                        the Profile Summary of an earlier run,\n"
            "                                        recomputed with other options\n"
            "  export PROFILE.json -f F[,F] [-o FILE] an earlier run in other tools' formats\n"
            "                                        (see export --help)\n"
            "  stats FOLDER                          per-function mean and standard deviation\n"
            "                                        over the profile.json files in FOLDER\n"
            "  daemon status|stop                    the per-user sampling daemon\n"
            "  --version                             print the version and the settings\n"
            "                                        (root, output, ignore) in force here\n"
            "\n"
            "exit status: a profiled script's own status; 64 usage error; 66 script not\n"
            "found or ambiguous; 70 the profiler failed.\n");
}

/* The version, then the settings a run started here would use. */
static int version_main(void)
{
    char cwd[PATH_MAX], err[1024];
    struct config c;
    printf("fixingahole %s\n", FIXINGAHOLE_VERSION);
    if (!getcwd(cwd, sizeof(cwd))) {
        fprintf(stderr, "fixingahole: getcwd: %s\n", strerror(errno));
        return EXIT_PROFILER;
    }
    int rc = config_load(&c, cwd, err, sizeof(err));
    if (rc == 0)
        config_print(&c, stdout);
    else
        fprintf(stderr, "fixingahole: %s\n", err);
    config_free(&c);
    return rc == 0 ? 0 : EXIT_USAGE;
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
    if (strcmp(command, "--version") == 0)
        return version_main();
    if (strcmp(command, "summarize") == 0)
        return commands_summarize_main(argc, argv);
    if (strcmp(command, "export") == 0)
        return export_cmd_main(argc, argv);
    if (strcmp(command, "stats") == 0)
        return commands_stats_main(argc, argv);
    if (strcmp(command, "inspect") == 0)
        return inspect_main(argc, argv);
    if (strcmp(command, "daemon") == 0)
        return daemon_cmd_main(argc, argv);
    if (strcmp(command, "attach") == 0)
        return attach_main(argc, argv);
    if (strcmp(command, "sessions") == 0)
        return session_cmd_list(argc, argv);
    if (strcmp(command, "watch") == 0)
        return session_cmd_watch(argc, argv);
    if (strcmp(command, "top") == 0)
        return top_cmd_main(argc, argv);
    if (strcmp(command, "stop") == 0)
        return session_cmd_stop(argc, argv);
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
    rc = run_profile(&opts);
    cli_free(&opts);
    return rc;
}
