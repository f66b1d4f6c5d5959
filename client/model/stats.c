/* function_stats.json (see stats.h). Functions are matched across runs by
 * file, qualname and first line; a run in which a function got no time
 * counts as zero for it, so the mean is over every run. */
#include "client/model/stats.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/readfile.h"

/* A profile.json beyond this is not one of ours. */
#define STATS_MAX_PROFILE (1u << 30)

enum { S_USER, S_SYSTEM, S_MEMORY, S_KINDS };

struct fn {
    char *name, *qualname, *file;
    int line;
    double *v[S_KINDS]; /* per run */
    int has_memory;
    double mean[S_KINDS], std[S_KINDS];
};

struct acc {
    struct fn *fns;
    size_t n, cap, runs;
};

void stats_mean_std(const double *v, size_t n, double *mean, double *std)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    *mean = n ? sum / (double)n : 0;
    for (size_t i = 0; i < n; i++)
        sq += (v[i] - *mean) * (v[i] - *mean);
    *std = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *key, int *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (present)
        *present = cJSON_IsNumber(v);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static struct fn *find_fn(struct acc *a, const char *file, const char *qualname, int line,
                          const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->fns[i].line == line && strcmp(a->fns[i].file, file) == 0 &&
            strcmp(a->fns[i].qualname, qualname) == 0)
            return &a->fns[i];
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        struct fn *grown = realloc(a->fns, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        a->fns = grown;
        a->cap = cap;
    }
    struct fn *f = &a->fns[a->n];
    memset(f, 0, sizeof(*f));
    f->file = strdup(file);
    f->qualname = strdup(qualname);
    f->name = strdup(name);
    f->line = line;
    int ok = f->file && f->qualname && f->name;
    for (int k = 0; k < S_KINDS; k++)
        ok = ok && (f->v[k] = calloc(a->runs, sizeof(double)));
    a->n++; /* freed with the rest even when incomplete */
    return ok ? f : NULL;
}

static int read_run(struct acc *a, size_t run, const char *path, char *err, size_t errlen)
{
    char *text;
    size_t len;
    int read_rc = readfile_all(path, STATS_MAX_PROFILE, &text, &len);
    if (read_rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-read_rc));
        return read_rc;
    }
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *fns = cJSON_GetObjectItemCaseSensitive(doc, "functions");
    const char *schema = str_of(doc, "schema");
    if (!doc || !schema || strncmp(schema, "fixingahole.profile/", 20) != 0 ||
        !cJSON_IsArray(fns)) {
        snprintf(err, errlen, "%s: not a fixingahole profile.json", path);
        cJSON_Delete(doc);
        return -EINVAL;
    }
    double total = num_of(cJSON_GetObjectItemCaseSensitive(doc, "totals"), "seconds", NULL);
    /* Heap figures exist only in --memory runs; elsewhere they are zeros. */
    const char *mode = str_of(doc, "mode");
    int memory_run = mode && strcmp(mode, "memory") == 0;
    const cJSON *f;
    int rc = 0;
    cJSON_ArrayForEach(f, fns) {
        const char *file = str_of(f, "file"), *qual = str_of(f, "qualname"), *name = str_of(f, "name");
        if (!file || !qual || !name)
            continue;
        struct fn *fn = find_fn(a, file, qual, (int)num_of(f, "line", NULL), name);
        if (!fn) {
            rc = -ENOMEM;
            snprintf(err, errlen, "%s: out of memory", path);
            break;
        }
        fn->v[S_USER][run] = total *
            (num_of(f, "python_percent", NULL) + num_of(f, "native_percent", NULL)) / 100.0;
        fn->v[S_SYSTEM][run] = total * num_of(f, "system_percent", NULL) / 100.0;
        int mem_present;
        fn->v[S_MEMORY][run] = num_of(f, "peak_bytes", &mem_present);
        fn->has_memory |= mem_present && memory_run;
    }
    cJSON_Delete(doc);
    return rc;
}

/* Runs git with args in dir; the first line of its output in out. */
static int git(const char *dir, const char *const *args, char *out, size_t outlen)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid == 0) {
        const char *argv[12] = {"git", "-C", dir};
        size_t n = 3;
        for (; args[n - 3] && n < 11; n++)
            argv[n] = args[n - 3];
        dup2(fds[1], 1);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        close(fds[0]);
        execvp("git", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    size_t used = 0;
    ssize_t got;
    while (pid > 0 && used + 1 < outlen && (got = read(fds[0], out + used, outlen - used - 1)) > 0)
        used += (size_t)got;
    out[used] = '\0';
    close(fds[0]);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return 0;
}

static cJSON *git_info(const char *dir)
{
    char top[4096], branch[512], commit[128], status[16384];
    if (!dir || git(dir, (const char *[]){"rev-parse", "--show-toplevel", NULL}, top,
                    sizeof(top)) < 0)
        return cJSON_CreateNull();
    git(dir, (const char *[]){"rev-parse", "--abbrev-ref", "HEAD", NULL}, branch, sizeof(branch));
    git(dir, (const char *[]){"rev-parse", "HEAD", NULL}, commit, sizeof(commit));
    git(dir, (const char *[]){"status", "--porcelain", NULL}, status, sizeof(status));
    top[strcspn(top, "\n")] = branch[strcspn(branch, "\n")] = commit[strcspn(commit, "\n")] = 0;
    cJSON *g = cJSON_CreateObject(), *dirty = cJSON_CreateArray();
    cJSON_AddStringToObject(g, "repository", top);
    cJSON_AddStringToObject(g, "branch", branch);
    cJSON_AddStringToObject(g, "commit", commit);
    char *save = NULL;
    for (char *l = strtok_r(status, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (strlen(l) > 3)
            cJSON_AddItemToArray(dirty, cJSON_CreateString(l + 3));
    cJSON_AddItemToObject(g, "dirty", dirty);
    return g;
}

static int by_user_mean(const void *a, const void *b)
{
    const struct fn *x = a, *y = b;
    if (x->mean[S_USER] + x->mean[S_SYSTEM] != y->mean[S_USER] + y->mean[S_SYSTEM])
        return x->mean[S_USER] + x->mean[S_SYSTEM] < y->mean[S_USER] + y->mean[S_SYSTEM] ? 1 : -1;
    return strcmp(x->qualname, y->qualname);
}

static cJSON *render(struct acc *a, const char *const *files, const char *git_dir)
{
    static const char *const keys[S_KINDS] = {"user_seconds", "system_seconds",
                                              "peak_memory_bytes"};
    cJSON *doc = cJSON_CreateObject(), *runs = cJSON_CreateArray(), *fns = cJSON_CreateArray();
    cJSON_AddStringToObject(doc, "schema", STATS_SCHEMA);
    cJSON_AddNumberToObject(doc, "count", (double)a->runs);
    for (size_t i = 0; i < a->runs; i++)
        cJSON_AddItemToArray(runs, cJSON_CreateString(files[i]));
    cJSON_AddItemToObject(doc, "runs", runs);
    cJSON_AddItemToObject(doc, "git", git_info(git_dir));
    for (size_t i = 0; i < a->n; i++) {
        struct fn *f = &a->fns[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddStringToObject(o, "qualname", f->qualname);
        cJSON_AddStringToObject(o, "file", f->file);
        cJSON_AddNumberToObject(o, "line", f->line);
        for (int k = 0; k < S_KINDS; k++) {
            if (k == S_MEMORY && !f->has_memory) {
                cJSON_AddNullToObject(o, keys[k]);
                continue;
            }
            cJSON *m = cJSON_CreateObject();
            cJSON_AddNumberToObject(m, "mean", f->mean[k]);
            cJSON_AddNumberToObject(m, "std", f->std[k]);
            cJSON_AddItemToObject(o, keys[k], m);
        }
        cJSON_AddItemToArray(fns, o);
    }
    cJSON_AddItemToObject(doc, "functions", fns);
    return doc;
}

static void print_table(FILE *out, const struct acc *a, size_t top)
{
    fprintf(out, "\nFunction statistics over %zu runs (mean ± standard deviation):\n", a->runs);
    fprintf(out, "-----------------------------------------------------------------\n");
    for (size_t i = 0; i < a->n && i < top; i++) {
        const struct fn *f = &a->fns[i];
        const char *slash = strrchr(f->file, '/');
        fprintf(out, "%2zu. %-26s user %8.3fs ± %.3fs  system %8.3fs ± %.3fs (%s:%d)\n", i + 1,
                f->name, f->mean[S_USER], f->std[S_USER], f->mean[S_SYSTEM], f->std[S_SYSTEM],
                slash ? slash + 1 : f->file, f->line);
    }
}

int stats_write(const char *const *files, size_t n, const char *out_path, const char *git_dir,
                FILE *out, size_t top, char *err, size_t errlen)
{
    struct acc a = {.runs = n};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = read_run(&a, i, files[i], err, errlen);
    for (size_t i = 0; rc == 0 && i < a.n; i++)
        for (int k = 0; k < S_KINDS; k++)
            stats_mean_std(a.fns[i].v[k], n, &a.fns[i].mean[k], &a.fns[i].std[k]);
    if (rc == 0 && a.n)
        qsort(a.fns, a.n, sizeof(*a.fns), by_user_mean);
    cJSON *doc = rc == 0 ? render(&a, files, git_dir) : NULL;
    char *text = doc ? cJSON_Print(doc) : NULL;
    if (rc == 0 && !text)
        rc = (snprintf(err, errlen, "function_stats.json: out of memory"), -ENOMEM);
    FILE *f = rc == 0 ? fopen(out_path, "we") : NULL;
    if (rc == 0 && (!f || fputs(text, f) == EOF || fputc('\n', f) == EOF))
        rc = (snprintf(err, errlen, "write %s: %s", out_path, strerror(errno)), -EIO);
    if (f && fclose(f) != 0 && rc == 0)
        rc = (snprintf(err, errlen, "write %s: %s", out_path, strerror(errno)), -EIO);
    if (rc == 0) {
        print_table(out, &a, top);
        fprintf(out, "Written to %s\n", out_path);
    }
    free(text);
    cJSON_Delete(doc);
    for (size_t i = 0; i < a.n; i++) {
        free(a.fns[i].name);
        free(a.fns[i].qualname);
        free(a.fns[i].file);
        for (int k = 0; k < S_KINDS; k++)
            free(a.fns[i].v[k]);
    }
    free(a.fns);
    return rc;
}
