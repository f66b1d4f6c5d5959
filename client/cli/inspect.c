/* The inspect command (see inspect.h). Reads the target's files and maps
 * only: it never attaches to, stops or executes anything. */
#include "client/cli/inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exit_codes.h"
#include "symbols/pylocate.h"
#include "symbols/pyversion.h"

static int parse_pid(const char *text, pid_t *pid)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end || value <= 0 || value > INT32_MAX)
        return -1;
    *pid = (pid_t)value;
    return 0;
}

static void print_target(const struct py_target *t)
{
    printf("python:   %s (0x%08" PRIx32 ")\n", t->version, t->version_hex);
    printf("binary:   %s\n", t->binary);
    char note[96];

    printf("offsets:  %s\n", pyoff_source_name(t->source));
    if (t->source_detail[0])
        printf("from:     %s\n", t->source_detail);
    if (pyver_untested_note(t->version_hex, note, sizeof(note)))
        printf("note:     %s\n", note);
    printf("runtime:  0x%" PRIx64 "%s\n", t->runtime_addr, t->pid ? "" : " (link-time address)");
    if (t->pid)
        printf("bias:     0x%" PRIx64 "\n", t->load_bias);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: fixingahole inspect [--offsets SOURCE] PID|PYTHON\n");
    if (to == stdout)
        printf("\nShows what the profiler finds in a running process PID or an interpreter\n"
               "binary PYTHON, without attaching: the Python version, where the struct\n"
               "offsets came from, the runtime's address.\n"
               "  --offsets SOURCE   auto (default), dwarf, debug-offsets or table\n"
               "exit status: 0 found; 64 usage error; 70 not a supported Python\n");
}

int inspect_main(int argc, char **argv)
{
    enum pyoff_pref pref = PYOFF_PREF_AUTO;
    const char *what = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--offsets") == 0 && i + 1 < argc) {
            if (pyoff_parse_pref(argv[++i], &pref) < 0) {
                fprintf(stderr, "fixingahole: --offsets: expected auto, dwarf, debug-offsets or table\n");
                return EXIT_USAGE;
            }
        } else if (!what) {
            what = argv[i];
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!what) {
        usage(stderr);
        return EXIT_USAGE;
    }
    struct py_target *t = calloc(1, sizeof(*t));
    char err[1024];
    pid_t pid;
    int rc = !t ? -ENOMEM
         : parse_pid(what, &pid) == 0 ? pyloc_locate_pid(pid, pref, NULL, t, err, sizeof(err))
                                      : pyloc_locate_file(what, pref, NULL, t, err, sizeof(err));
    if (rc == 0)
        print_target(t);
    else
        fprintf(stderr, "fixingahole: %s\n", t ? err : "out of memory");
    free(t);
    return rc == 0 ? 0 : EXIT_PROFILER;
}
