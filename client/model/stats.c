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
    double *v[S_KINDS]; /* per run of the group */
    int has_memory;     /* a --memory run gave it peak_bytes */
    double mean[S_KINDS], std[S_KINDS];
};

/* What makes runs comparable: the same interpreter, mode and charging. */
struct run_kind {
    char python[32]; /* "3.11.7", or "unknown" */
    char mode[24];   /* "cpu", "memory", "attach" or "attach+memory" */
    int detailed, idle, gil; /* gil: --gil kept only GIL-holding samples */
};

/* The runs of one kind and their functions. */
struct group {
    struct run_kind kind;
    size_t *runs; /* indices into the files */
    size_t n;
    unsigned char *memory_run; /* per run of the group: it measured the heap */
    size_t nmemory;
    struct fn *fns;
    size_t nfns, cap;
};

struct groups {
    struct group *g;
    size_t n;
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

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static struct fn *find_fn(struct group *g, const char *file, const char *qualname, int line,
                          const char *name)
{
    for (size_t i = 0; i < g->nfns; i++)
        if (g->fns[i].line == line && strcmp(g->fns[i].file, file) == 0 &&
            strcmp(g->fns[i].qualname, qualname) == 0)
            return &g->fns[i];
    if (g->nfns == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        struct fn *grown = realloc(g->fns, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        g->fns = grown;
        g->cap = cap;
    }
    struct fn *f = &g->fns[g->nfns];
    memset(f, 0, sizeof(*f));
    f->file = strdup(file);
    f->qualname = strdup(qualname);
    f->name = strdup(name);
    f->line = line;
    int ok = f->file && f->qualname && f->name;
    for (int k = 0; k < S_KINDS; k++)
        ok = ok && (f->v[k] = calloc(g->n, sizeof(double)));
    g->nfns++; /* freed with the rest even when incomplete */
    return ok ? f : NULL;
}

/* Parses the profile.json at path; NULL with "path: reason" in err. */
static cJSON *load_run(const char *path, int *rc, char *err, size_t errlen)
{
    char *text;
    size_t len;
    if ((*rc = readfile_all(path, STATS_MAX_PROFILE, &text, &len)) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-*rc));
        return NULL;
    }
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    const char *schema = str_of(doc, "schema");
    if (!doc || !schema || strncmp(schema, "fixingahole.profile/", 20) != 0 ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "functions"))) {
        snprintf(err, errlen, "%s: not a fixingahole profile.json", path);
        cJSON_Delete(doc);
        *rc = -EINVAL;
        return NULL;
    }
    return doc;
}

/* A run made by `fixingahole attach` (its command's second word). */
static int is_attach(const cJSON *doc)
{
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(doc, "command");
    const cJSON *word = cJSON_IsArray(cmd) ? cJSON_GetArrayItem(cmd, 1) : NULL;
    return cJSON_IsString(word) && strcmp(word->valuestring, "attach") == 0;
}

static void kind_of(const cJSON *doc, struct run_kind *k)
{
    const char *version = str_of(cJSON_GetObjectItemCaseSensitive(doc, "python"), "version");
    const char *mode = str_of(doc, "mode");
    int memory = mode && strcmp(mode, "memory") == 0;
    memset(k, 0, sizeof(*k));
    snprintf(k->python, sizeof(k->python), "%s", version ? version : "unknown");
    if (is_attach(doc))
        snprintf(k->mode, sizeof(k->mode), "%s", memory ? "attach+memory" : "attach");
    else
        snprintf(k->mode, sizeof(k->mode), "%s", memory ? "memory" : "cpu");
    k->detailed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "detailed"));
    k->idle = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "idle_included"));
    k->gil = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "gil_only"));
}

static int same_kind(const struct run_kind *a, const struct run_kind *b)
{
    return strcmp(a->python, b->python) == 0 && strcmp(a->mode, b->mode) == 0 &&
           a->detailed == b->detailed && a->idle == b->idle && a->gil == b->gil;
}

/* Puts run i in the group of its kind (made on first sight). */
static int add_to_group(struct groups *gs, const struct run_kind *k, size_t i)
{
    struct group *g = NULL;
    for (size_t j = 0; j < gs->n && !g; j++)
        if (same_kind(&gs->g[j].kind, k))
            g = &gs->g[j];
    if (!g) {
        struct group *grown = realloc(gs->g, (gs->n + 1) * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        gs->g = grown;
        g = &gs->g[gs->n++];
        memset(g, 0, sizeof(*g));
        g->kind = *k;
    }
    size_t *runs = realloc(g->runs, (g->n + 1) * sizeof(*runs));
    unsigned char *mem = realloc(g->memory_run, g->n + 1);
    if (runs)
        g->runs = runs;
    if (mem)
        g->memory_run = mem;
    if (!runs || !mem)
        return -ENOMEM;
    g->runs[g->n++] = i;
    return 0;
}

/* The functions of one run (the group's run-th) into its group. */
static int read_run(struct group *g, size_t run, const cJSON *doc)
{
    double total = num_of(cJSON_GetObjectItemCaseSensitive(doc, "totals"), "seconds");
    const char *mode = str_of(doc, "mode");
    /* Heap figures exist only in --memory runs; elsewhere they are zeros
     * that measured nothing. */
    g->memory_run[run] = mode && strcmp(mode, "memory") == 0;
    g->nmemory += g->memory_run[run];
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "functions")) {
        const char *file = str_of(f, "file"), *qual = str_of(f, "qualname"), *name = str_of(f, "name");
        if (!file || !qual || !name)
            continue;
        struct fn *fn = find_fn(g, file, qual, (int)num_of(f, "line"), name);
        if (!fn)
            return -ENOMEM;
        fn->v[S_USER][run] = total * (num_of(f, "python_percent") + num_of(f, "native_percent")) / 100.0;
        fn->v[S_SYSTEM][run] = total * num_of(f, "system_percent") / 100.0;
        fn->v[S_MEMORY][run] = num_of(f, "peak_bytes");
        fn->has_memory |= g->memory_run[run] &&
                          cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(f, "peak_bytes"));
    }
    return 0;
}

/* Means and deviations; memory over the group's --memory runs only. */
static void group_stats(struct group *g)
{
    double *mem = calloc(g->n ? g->n : 1, sizeof(double));
    for (size_t i = 0; i < g->nfns; i++) {
        struct fn *f = &g->fns[i];
        stats_mean_std(f->v[S_USER], g->n, &f->mean[S_USER], &f->std[S_USER]);
        stats_mean_std(f->v[S_SYSTEM], g->n, &f->mean[S_SYSTEM], &f->std[S_SYSTEM]);
        size_t m = 0;
        for (size_t r = 0; mem && r < g->n; r++)
            if (g->memory_run[r])
                mem[m++] = f->v[S_MEMORY][r];
        stats_mean_std(mem, m, &f->mean[S_MEMORY], &f->std[S_MEMORY]);
    }
    free(mem);
}

static void group_free(struct group *g)
{
    for (size_t i = 0; i < g->nfns; i++) {
        free(g->fns[i].name);
        free(g->fns[i].qualname);
        free(g->fns[i].file);
        for (int k = 0; k < S_KINDS; k++)
            free(g->fns[i].v[k]);
    }
    free(g->fns);
    free(g->runs);
    free(g->memory_run);
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

/* Groups by runs, descending; ties in the order first seen. */
static int by_size(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return (x->runs[0] > y->runs[0]) - (x->runs[0] < y->runs[0]);
}

static cJSON *render_group(const struct group *g, const char *const *files)
{
    static const char *const keys[S_KINDS] = {"user_seconds", "system_seconds",
                                              "peak_memory_bytes"};
    cJSON *o = cJSON_CreateObject(), *kind = cJSON_CreateObject(), *runs = cJSON_CreateArray();
    cJSON *fns = cJSON_CreateArray();
    cJSON_AddStringToObject(kind, "python", g->kind.python);
    cJSON_AddStringToObject(kind, "mode", g->kind.mode);
    cJSON_AddBoolToObject(kind, "detailed", g->kind.detailed);
    cJSON_AddBoolToObject(kind, "idle", g->kind.idle);
    cJSON_AddBoolToObject(kind, "gil", g->kind.gil);
    cJSON_AddItemToObject(o, "kind", kind);
    cJSON_AddNumberToObject(o, "count", (double)g->n);
    cJSON_AddNumberToObject(o, "memory_count", (double)g->nmemory);
    for (size_t i = 0; i < g->n; i++)
        cJSON_AddItemToArray(runs, cJSON_CreateString(files[g->runs[i]]));
    cJSON_AddItemToObject(o, "runs", runs);
    for (size_t i = 0; i < g->nfns; i++) {
        const struct fn *f = &g->fns[i];
        cJSON *fo = cJSON_CreateObject();
        cJSON_AddStringToObject(fo, "name", f->name);
        cJSON_AddStringToObject(fo, "qualname", f->qualname);
        cJSON_AddStringToObject(fo, "file", f->file);
        cJSON_AddNumberToObject(fo, "line", f->line);
        for (int k = 0; k < S_KINDS; k++) {
            if (k == S_MEMORY && !f->has_memory) {
                cJSON_AddNullToObject(fo, keys[k]);
                continue;
            }
            cJSON *m = cJSON_CreateObject();
            cJSON_AddNumberToObject(m, "mean", f->mean[k]);
            cJSON_AddNumberToObject(m, "std", f->std[k]);
            cJSON_AddItemToObject(fo, keys[k], m);
        }
        cJSON_AddItemToArray(fns, fo);
    }
    cJSON_AddItemToObject(o, "functions", fns);
    return o;
}

static cJSON *render(const struct groups *gs, size_t n, const char *const *files,
                     const char *git_dir)
{
    cJSON *doc = cJSON_CreateObject(), *runs = cJSON_CreateArray(), *groups = cJSON_CreateArray();
    cJSON_AddStringToObject(doc, "schema", STATS_SCHEMA);
    cJSON_AddNumberToObject(doc, "count", (double)n);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(runs, cJSON_CreateString(files[i]));
    cJSON_AddItemToObject(doc, "runs", runs);
    cJSON_AddItemToObject(doc, "git", git_info(git_dir));
    for (size_t i = 0; i < gs->n; i++)
        cJSON_AddItemToArray(groups, render_group(&gs->g[i], files));
    cJSON_AddItemToObject(doc, "groups", groups);
    return doc;
}

static void print_table(FILE *out, const struct group *g, size_t top)
{
    fprintf(out, "\nFunction statistics over %zu run%s of python %s, %s%s%s%s "
                 "(mean ± standard deviation):\n",
            g->n, g->n == 1 ? "" : "s", g->kind.python, g->kind.mode,
            g->kind.detailed ? ", --detailed" : "", g->kind.idle ? ", --idle" : "",
            g->kind.gil ? ", --gil" : "");
    fprintf(out, "-----------------------------------------------------------------\n");
    for (size_t i = 0; i < g->nfns && i < top; i++) {
        const struct fn *f = &g->fns[i];
        const char *slash = strrchr(f->file, '/');
        fprintf(out, "%2zu. %-26s user %8.3fs ± %.3fs  system %8.3fs ± %.3fs (%s:%d)\n", i + 1,
                f->name, f->mean[S_USER], f->std[S_USER], f->mean[S_SYSTEM], f->std[S_SYSTEM],
                slash ? slash + 1 : f->file, f->line);
    }
}

/* Reads every run into the group of its kind. */
static int read_groups(struct groups *gs, const char *const *files, size_t n, char *err,
                       size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cJSON *doc = load_run(files[i], &rc, err, errlen);
        struct run_kind k;
        if (doc) {
            kind_of(doc, &k);
            if ((rc = add_to_group(gs, &k, i)) < 0)
                snprintf(err, errlen, "%s: out of memory", files[i]);
        }
        cJSON_Delete(doc);
    }
    /* Second pass: the group sizes are known, so each function's per-run
     * arrays are sized once. */
    for (size_t j = 0; j < gs->n && rc == 0; j++) {
        struct group *g = &gs->g[j];
        for (size_t r = 0; r < g->n && rc == 0; r++) {
            cJSON *doc = load_run(files[g->runs[r]], &rc, err, errlen);
            if (doc && (rc = read_run(g, r, doc)) < 0)
                snprintf(err, errlen, "%s: out of memory", files[g->runs[r]]);
            cJSON_Delete(doc);
        }
        if (rc == 0) {
            group_stats(g);
            if (g->nfns)
                qsort(g->fns, g->nfns, sizeof(*g->fns), by_user_mean);
        }
    }
    if (rc == 0 && gs->n > 1)
        qsort(gs->g, gs->n, sizeof(*gs->g), by_size);
    return rc;
}

int stats_write(const char *const *files, size_t n, const char *out_path, const char *git_dir,
                FILE *out, size_t top, char *err, size_t errlen)
{
    struct groups gs = {0};
    int rc = read_groups(&gs, files, n, err, errlen);
    cJSON *doc = rc == 0 ? render(&gs, n, files, git_dir) : NULL;
    char *text = doc ? cJSON_Print(doc) : NULL;
    if (rc == 0 && !text)
        rc = (snprintf(err, errlen, "function_stats.json: out of memory"), -ENOMEM);
    FILE *f = rc == 0 ? fopen(out_path, "we") : NULL;
    if (rc == 0 && (!f || fputs(text, f) == EOF || fputc('\n', f) == EOF))
        rc = (snprintf(err, errlen, "write %s: %s", out_path, strerror(errno)), -EIO);
    if (f && fclose(f) != 0 && rc == 0)
        rc = (snprintf(err, errlen, "write %s: %s", out_path, strerror(errno)), -EIO);
    if (rc == 0) {
        if (gs.n > 1)
            fprintf(out, "\nThe %zu runs are of %zu kinds that cannot be compared (interpreter, "
                         "mode, --detailed, --idle, --gil): one table per kind.\n", n, gs.n);
        for (size_t i = 0; i < gs.n; i++)
            print_table(out, &gs.g[i], top);
        fprintf(out, "Written to %s\n", out_path);
    }
    free(text);
    cJSON_Delete(doc);
    for (size_t i = 0; i < gs.n; i++)
        group_free(&gs.g[i]);
    free(gs.g);
    return rc;
}
