/* `fixingahole summarize` and `fixingahole stats` (see commands.h). */
#include "client/cli/commands.h"

#include <cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/config/config.h"
#include "client/model/stats.h"
#include "client/model/summary.h"
#include "client/report/report_json.h"
#include "client/report/report_text.h"
#include "common/exit_codes.h"
#include "common/readfile.h"

/* A profile.json beyond this is not one of ours. */
#define COMMANDS_MAX_PROFILE (1u << 30)

static int usage_error(const char *fmt, const char *what)
    __attribute__((format(printf, 1, 0)));

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "fixingahole: ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    fprintf(stderr, fmt, what); /* fmt: a literal of this file with one %s */
#pragma GCC diagnostic pop
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* root and detailed as the run recorded them: the summary is made again
 * the way the run made it. */
static void run_settings(const char *path, char *root, size_t rootlen, int *detailed)
{
    char *text = NULL;
    size_t len = 0;
    readfile_all(path, COMMANDS_MAX_PROFILE, &text, &len);
    cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "root");
    if (cJSON_IsString(r) && r->valuestring[0] == '/')
        snprintf(root, rootlen, "%s", r->valuestring);
    *detailed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "detailed"));
    cJSON_Delete(doc);
    free(text);
}

static void summarize_usage(FILE *out)
{
    fprintf(out, "usage: fixingahole summarize PROFILE.json [-n N] [-t PERCENT] [-d] [--idle]\n"
                 "                             [--root DIR]\n"
                 "\n"
                 "Prints the Profile Summary of an earlier run again, every table recomputed\n"
                 "from the stacks stored in its profile.json: as the run made it, or with\n"
                 "the options below.\n"
                 "  -n, --top N           list the N most expensive functions (default %d)\n"
                 "  -t, --threshold PCT   leave out functions below PCT percent of the total\n"
                 "  -d, --detailed        also report library and standard-library code\n"
                 "      --idle            count threads blocked on locks, joins or the GIL\n"
                 "      --root DIR        your code is under DIR (default: the configuration in\n"
                 "                        force when it sets a root, as FIXINGAHOLE_ROOT or\n"
                 "                        [tool.fixingahole] do, else the run's own root)\n",
            SUMMARY_TOP_DEFAULT);
}

/* The root and ignored folders a summary is made with: --root, else the
 * configuration in force when it names a root (FIXINGAHOLE_ROOT, or a
 * [tool.fixingahole] table), else the run's. 0, or EXIT_USAGE after a
 * message. */
static int summarize_root(const char *opt_root, struct config *cfg, char *root, size_t rootlen)
{
    char cwd[PATH_MAX], err[1024];
    if (!getcwd(cwd, sizeof(cwd)))
        snprintf(cwd, sizeof(cwd), "/");
    if (config_load(cfg, cwd, err, sizeof(err)) < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_USAGE;
    }
    const char *env = getenv("FIXINGAHOLE_ROOT");
    if (opt_root)
        config_resolve(root, rootlen, cwd, opt_root);
    else if ((env && *env) || cfg->source[0])
        snprintf(root, rootlen, "%s", cfg->root);
    return 0;
}

int commands_summarize_main(int argc, char **argv)
{
    const char *path = NULL;
    const char *opt_root = NULL;
    long top = SUMMARY_TOP_DEFAULT;
    double threshold = 0;
    int opt_detailed = 0, opt_idle = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        char *end;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            summarize_usage(stdout);
            return 0;
        } else if (strcmp(a, "-n") == 0 || strcmp(a, "--top") == 0) {
            if (++i >= argc)
                return usage_error("%s: needs a number", a);
            top = strtol(argv[i], &end, 10);
            if (!*argv[i] || *end || top < 1 || top > 100000)
                return usage_error("-n: expected a whole number from 1, got '%s'", argv[i]);
        } else if (strcmp(a, "-t") == 0 || strcmp(a, "--threshold") == 0) {
            if (++i >= argc)
                return usage_error("%s: needs a percentage", a);
            threshold = strtod(argv[i], &end);
            if (!*argv[i] || *end || !(threshold >= 0 && threshold <= 100))
                return usage_error("-t: expected a percentage from 0 to 100, got '%s'", argv[i]);
        } else if (strcmp(a, "-d") == 0 || strcmp(a, "--detailed") == 0) {
            opt_detailed = 1;
        } else if (strcmp(a, "--idle") == 0) {
            opt_idle = 1;
        } else if (strcmp(a, "--root") == 0) {
            if (++i >= argc || !*argv[i])
                return usage_error("%s: needs a folder", a);
            opt_root = argv[i];
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option %s (see fixingahole summarize --help)", a);
        } else if (path) {
            return usage_error("summarize takes one profile.json, got also '%s'", a);
        } else {
            path = a;
        }
    }
    if (!path)
        return usage_error("%s", "summarize: no PROFILE.json given (see fixingahole summarize --help)");
    struct profile *p;
    char err[1024], root[PATH_MAX] = "/";
    int rc = report_json_load(path, &p, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return rc == -ENOENT || rc == -EINVAL ? EXIT_NOINPUT : EXIT_PROFILER;
    }
    int detailed = 0;
    struct config cfg;
    run_settings(path, root, sizeof(root), &detailed);
    if (summarize_root(opt_root, &cfg, root, sizeof(root)) != 0) {
        config_free(&cfg);
        profile_free(p);
        return EXIT_USAGE;
    }
    /* --idle counts idle time as the run would have: the stacks kept it. */
    p->include_idle = p->include_idle || opt_idle;
    struct summary_options so = {.root = root, .detailed = detailed || opt_detailed,
                                 .include_idle = p->include_idle, .top = (size_t)top,
                                 .ignore = (const char *const *)cfg.ignore,
                                 .nignore = cfg.nignore};
    struct summary *s = summary_new(p, &so);
    struct report_text_options to = {.top = (size_t)top, .min_percent = threshold,
                                     .paint = paint_for_fd(fileno(stdout))};
    rc = s ? report_text_write(stdout, p, s, &to) : -ENOMEM;
    summary_free(s);
    profile_free(p);
    config_free(&cfg);
    if (rc < 0) {
        fprintf(stderr, "fixingahole: summarize: %s\n", strerror(-rc));
        return EXIT_PROFILER;
    }
    return 0;
}

/* nftw has no user pointer: the walk's list lives here for its duration. */
static char **found;
static size_t nfound;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    if (type == FTW_F && strcmp(path + ftw->base, "profile.json") == 0) {
        char **grown = realloc(found, (nfound + 1) * sizeof(char *));
        if (!grown || !(grown[nfound] = strdup(path))) {
            found = grown ? grown : found;
            return 1;
        }
        found = grown;
        nfound++;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int commands_stats_main(int argc, char **argv)
{
    if (argc == 3 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
        printf("usage: fixingahole stats FOLDER\n\n"
               "Each function's mean and standard deviation of user time, system time and\n"
               "memory over the profile.json files under FOLDER, written to\n"
               "FOLDER/function_stats.json with the folder's git state.\n");
        return 0;
    }
    if (argc != 3)
        return usage_error("%s", "stats takes one FOLDER (see fixingahole stats --help)");
    const char *folder = argv[2];
    struct stat st;
    if (stat(folder, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fixingahole: %s: %s\n", folder,
                S_ISDIR(st.st_mode) || errno != ENOENT ? "not a folder" : strerror(ENOENT));
        return EXIT_NOINPUT;
    }
    found = NULL;
    nfound = 0;
    int rc = nftw(folder, collect, 16, FTW_PHYS);
    int status = 0;
    char err[1024], out[PATH_MAX + 32];
    if (rc != 0) {
        fprintf(stderr, "fixingahole: %s: cannot list its files\n", folder);
        status = EXIT_PROFILER;
    } else if (nfound == 0) {
        fprintf(stderr, "fixingahole: %s: no profile.json under it\n", folder);
        status = EXIT_NOINPUT;
    } else {
        qsort(found, nfound, sizeof(char *), by_name);
        snprintf(out, sizeof(out), "%s/function_stats.json", folder);
        if (stats_write((const char *const *)found, nfound, out, folder, stdout,
                        SUMMARY_TOP_DEFAULT, err, sizeof(err)) < 0) {
            fprintf(stderr, "fixingahole: %s\n", err);
            status = EXIT_NOINPUT;
        }
    }
    for (size_t i = 0; i < nfound; i++)
        free(found[i]);
    free(found);
    found = NULL;
    return status;
}
