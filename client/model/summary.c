/* Turns a struct profile into the shares the reports print. Every sample's
 * counted time goes to exactly one place: the innermost frame that counts
 * (user code, or any real file with `detailed`), or "other" when none does,
 * so function, file and line shares never add up past 100%. */
#include "client/model/summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/summary_internal.h"

/* ---- pure helpers ------------------------------------------------------ */

int summary_path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0)
        return 0;
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int summary_is_real_file(const char *file)
{
    /* CPython names code without a file "<string>", "<stdin>",
     * "<frozen importlib._bootstrap>" and so on. */
    return file && file[0] != '\0' && file[0] != '<';
}

int summary_is_user_file(const char *file, const struct summary_options *o)
{
    /* A script run from outside the root is still what the user asked
     * about. */
    if (o->script && file && strcmp(file, o->script) == 0)
        return 1;
    if (!summary_is_real_file(file) || !o->root ||
        !summary_path_under(file, o->root))
        return 0;
    for (size_t i = 0; i < o->nignore; i++) {
        if (o->ignore[i] && summary_path_under(file, o->ignore[i]))
            return 0;
    }
    return 1;
}

/* After the last "/site-packages/" or "/dist-packages/" of file, else after
 * a standard library folder "/lib/pythonX.Y/"; NULL when it has neither. */
static const char *package_relative(const char *file)
{
    static const char *const dirs[] = {"/site-packages/", "/dist-packages/"};
    const char *best = NULL, *p;

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        for (p = strstr(file, dirs[i]); p; p = strstr(p + 1, dirs[i])) {
            if (!best || p + strlen(dirs[i]) > best)
                best = p + strlen(dirs[i]);
        }
    }
    if (best)
        return *best ? best : NULL;
    for (p = strstr(file, "/lib/python"); p; p = strstr(p + 1, "/lib/python")) {
        const char *v = p + strlen("/lib/python");
        size_t digits = strspn(v, "0123456789.");

        if (digits > 0 && v[digits] == '/' && v[digits + 1])
            best = v + digits + 1;
    }
    return best;
}

const char *summary_relative(const char *file, const char *root)
{
    size_t n;

    if (!root || !summary_path_under(file, root)) {
        const char *pkg = file[0] == '/' ? package_relative(file) : NULL;

        return pkg ? pkg : file;
    }
    n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (n == 1) /* root "/" */
        return file + 1;
    return file[n] == '/' ? file + n + 1 : file;
}

const char *summary_short_name(const char *qualname)
{
    const char *dot = strrchr(qualname, '.');

    /* "<lambda>" and friends contain no dot; "a.<locals>.b" ends in "b". */
    return dot && dot[1] ? dot + 1 : qualname;
}

double summary_percent(double part, double total)
{
    return total > 0.0 ? 100.0 * part / total : 0.0;
}

double summary_counted(const double raw[TIME_KINDS], int include_idle,
                       double out[SUMMARY_KINDS])
{
    out[TIME_PYTHON] = raw[TIME_PYTHON];
    out[TIME_NATIVE] = raw[TIME_NATIVE];
    out[TIME_SYSTEM] =
        raw[TIME_SYSTEM] + (include_idle ? raw[TIME_IDLE] + raw[TIME_GIL_WAIT] : 0);
    return out[TIME_PYTHON] + out[TIME_NATIVE] + out[TIME_SYSTEM];
}

long summary_charged_frame(const struct profile_stack *st,
                           const unsigned char *counts, size_t ncounts)
{
    for (uint32_t i = 0; i < st->nframes; i++) {
        uint32_t id = st->frames[i].code_id;

        if (id < ncounts && counts[id])
            return (long)i;
    }
    return -1;
}

/* ---- which frames count ------------------------------------------------ */

struct code_key {
    const struct profile_code *c;
    uint32_t id;
};

static int code_key_cmp(const void *a, const void *b)
{
    const struct code_key *x = a, *y = b;
    int c = strcmp(x->c->file, y->c->file);

    if (!c)
        c = strcmp(x->c->qualname, y->c->qualname);
    if (!c)
        c = (x->c->firstlineno > y->c->firstlineno) -
            (x->c->firstlineno < y->c->firstlineno);
    return c;
}

static int code_key_cmp_id(const void *a, const void *b)
{
    const struct code_key *x = a, *y = b;
    int c = code_key_cmp(a, b);

    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* canon[id] = the smallest id with the same (file, qualname, firstlineno),
 * so a function whose code object was created twice reports once. */
static int build_canon(struct summary_build *b)
{
    const struct profile *p = b->p;
    struct code_key *keys = malloc((p->ncodes + 1) * sizeof(*keys));
    size_t n = 0;

    if (!keys)
        return -ENOMEM;
    for (uint32_t id = 0; id < p->ncodes; id++) {
        b->canon[id] = id;
        if (profile_code(p, id))
            keys[n++] = (struct code_key){ &p->codes[id], id };
    }
    qsort(keys, n, sizeof(*keys), code_key_cmp_id);
    for (size_t i = 1; i < n; i++) {
        if (code_key_cmp(&keys[i - 1], &keys[i]) == 0)
            b->canon[keys[i].id] = b->canon[keys[i - 1].id];
    }
    free(keys);
    return 0;
}

static int build_counts(struct summary_build *b)
{
    const struct profile *p = b->p;

    for (uint32_t id = 0; id < p->ncodes; id++) {
        const struct profile_code *c = profile_code(p, id);

        /* A native frame (--native) has no line: time goes to the Python
         * line that called it. */
        if (!c || c->native)
            continue;
        b->counts[id] = (unsigned char)(b->o->detailed
                                            ? summary_is_real_file(c->file)
                                            : summary_is_user_file(c->file, b->o));
    }
    return build_canon(b);
}

/* ---- charging ----------------------------------------------------------- */

/* The time of one stack, charged to one line of one file. */
struct charge {
    const char *file;
    int line;
    double seconds[SUMMARY_KINDS];
};

/* Charges every stack; code_seconds[canon] gets each function's time and
 * charges[] one record per charged stack. Returns the number of records. */
static size_t charge_stacks(struct summary *s, struct summary_build *b,
                            double (*code_seconds)[SUMMARY_KINDS],
                            struct charge *charges)
{
    const struct profile *p = b->p;
    size_t n = 0;

    for (size_t i = 0; i < p->nstacks; i++) {
        const struct profile_stack *st = &p->stacks[i];
        double sec[SUMMARY_KINDS];
        double total = summary_counted(st->seconds, b->o->include_idle, sec);
        long c = summary_charged_frame(st, b->counts, p->ncodes);

        s->samples += st->samples;
        s->idle_seconds += st->seconds[TIME_IDLE];
        s->gil_wait_seconds += st->seconds[TIME_GIL_WAIT];
        s->total += total;
        for (int k = 0; k < SUMMARY_KINDS; k++)
            s->kind_seconds[k] += sec[k];
        /* Idle-only samples, when idle is left out, are charged nowhere:
         * they would show as lines and call paths with no time. */
        b->charged[i] = total > 0.0 ? c : -1;
        if (b->charged[i] < 0) {
            s->other_seconds += c < 0 ? total : 0.0;
            continue;
        }
        uint32_t rep = b->canon[st->frames[c].code_id];

        charges[n].file = p->codes[rep].file;
        charges[n].line = st->frames[c].line;
        for (int k = 0; k < SUMMARY_KINDS; k++) {
            code_seconds[rep][k] += sec[k];
            charges[n].seconds[k] = sec[k];
        }
        n++;
    }
    return n;
}

/* ---- functions ---------------------------------------------------------- */

static int function_cmp(const void *a, const void *b)
{
    const struct summary_function *x = a, *y = b;
    int c;

    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    if ((c = strcmp(x->name, y->name)) || (c = strcmp(x->file, y->file)))
        return c;
    return (x->firstlineno > y->firstlineno) - (x->firstlineno < y->firstlineno);
}

static void fill_shares(double total, const double sec[SUMMARY_KINDS],
                        double *sum, double *percent, double kind_percent[])
{
    *sum = sec[0] + sec[1] + sec[2];
    *percent = summary_percent(*sum, total);
    for (int k = 0; k < SUMMARY_KINDS; k++)
        kind_percent[k] = summary_percent(sec[k], total);
}

static int build_functions(struct summary *s, struct summary_build *b,
                           double (*code_seconds)[SUMMARY_KINDS])
{
    const struct profile *p = b->p;

    if (!(s->functions = calloc(p->ncodes + 1, sizeof(*s->functions))))
        return -ENOMEM;
    for (uint32_t id = 0; id < p->ncodes; id++) {
        const double *sec = code_seconds[id];
        struct summary_function *f = &s->functions[s->nfunctions];

        b->func_of[id] = SIZE_MAX;
        if (b->canon[id] != id || sec[0] + sec[1] + sec[2] <= 0.0)
            continue;
        f->file = p->codes[id].file;
        f->rel = summary_relative(f->file, s->root);
        f->qualname = p->codes[id].qualname;
        f->name = summary_short_name(f->qualname);
        f->firstlineno = p->codes[id].firstlineno;
        f->user = summary_is_user_file(f->file, b->o);
        f->code_id = id;
        memcpy(f->seconds, sec, sizeof(f->seconds));
        fill_shares(s->total, sec, &f->total, &f->percent, f->kind_percent);
        s->nfunctions++;
    }
    qsort(s->functions, s->nfunctions, sizeof(*s->functions), function_cmp);
    for (size_t i = 0; i < s->nfunctions; i++)
        b->func_of[s->functions[i].code_id] = i;
    return 0;
}

/* ---- files and lines ---------------------------------------------------- */

static int charge_cmp(const void *a, const void *b)
{
    const struct charge *x = a, *y = b;
    int c = strcmp(x->file, y->file);

    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Reduces charges[from..to) (one file, sorted by line) into f->lines. */
static int fill_lines(struct summary *s, struct summary_file *f,
                      const struct charge *charges, size_t from, size_t to)
{
    if (!(f->lines = calloc(to - from, sizeof(*f->lines))))
        return -ENOMEM;
    for (size_t i = from; i < to; i++) {
        if (i == from || charges[i].line != charges[i - 1].line)
            f->lines[f->nlines++].line = charges[i].line;
        for (int k = 0; k < SUMMARY_KINDS; k++)
            f->lines[f->nlines - 1].seconds[k] += charges[i].seconds[k];
    }
    for (size_t i = 0; i < f->nlines; i++) {
        struct summary_line *l = &f->lines[i];

        fill_shares(s->total, l->seconds, &l->total, &l->percent,
                    l->kind_percent);
        f->total += l->total;
    }
    f->percent = summary_percent(f->total, s->total);
    return 0;
}

/* Groups the charges (sorted by file, line) into s->files, by file name. */
static int build_files(struct summary *s, const struct summary_options *o,
                       struct charge *charges, size_t n)
{
    qsort(charges, n, sizeof(*charges), charge_cmp);
    if (!(s->files = calloc(n + 1, sizeof(*s->files))))
        return -ENOMEM;
    for (size_t from = 0, to; from < n; from = to) {
        struct summary_file *f = &s->files[s->nfiles++];

        for (to = from + 1; to < n && !strcmp(charges[to].file, charges[from].file);)
            to++;
        f->file = charges[from].file;
        f->rel = summary_relative(f->file, s->root);
        f->user = summary_is_user_file(f->file, o);
        if (fill_lines(s, f, charges, from, to) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int file_name_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct summary_file *)elem)->file);
}

/* Inserts function index fi into f->functions, kept sorted by first line. */
static int file_add_function(struct summary *s, struct summary_file *f,
                             size_t fi)
{
    size_t *fn = realloc(f->functions, (f->nfunctions + 1) * sizeof(*fn));
    size_t at = f->nfunctions;
    int line = s->functions[fi].firstlineno;

    if (!fn)
        return -ENOMEM;
    f->functions = fn;
    while (at > 0 && s->functions[fn[at - 1]].firstlineno > line) {
        fn[at] = fn[at - 1];
        at--;
    }
    fn[at] = fi;
    f->nfunctions++;
    return 0;
}

/* Must run while s->files is still sorted by name. */
static int attach_functions(struct summary *s)
{
    for (size_t i = 0; i < s->nfunctions; i++) {
        struct summary_file *f = bsearch(s->functions[i].file, s->files,
                                         s->nfiles, sizeof(*s->files),
                                         file_name_cmp);

        if (f && file_add_function(s, f, i) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int file_cmp(const void *a, const void *b)
{
    const struct summary_file *x = a, *y = b;

    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    return strcmp(x->file, y->file);
}

/* ---- the whole ---------------------------------------------------------- */

static char *normalise_root(const char *root)
{
    char *r = strdup(root ? root : "/");
    size_t n;

    if (!r)
        return NULL;
    n = strlen(r);
    while (n > 1 && r[n - 1] == '/')
        r[--n] = '\0';
    return r;
}

static int build_build(struct summary_build *b, const struct profile *p,
                       const struct summary_options *o)
{
    size_t nc = p->ncodes + 1;

    b->p = p;
    b->o = o;
    b->counts = calloc(nc, sizeof(*b->counts));
    b->canon = calloc(nc, sizeof(*b->canon));
    b->func_of = calloc(nc, sizeof(*b->func_of));
    b->charged = calloc(p->nstacks + 1, sizeof(*b->charged));
    if (!b->counts || !b->canon || !b->func_of || !b->charged)
        return -ENOMEM;
    return build_counts(b);
}

static void build_free(struct summary_build *b)
{
    free(b->counts);
    free(b->canon);
    free(b->func_of);
    free(b->charged);
}

static int summarise(struct summary *s, struct summary_build *b)
{
    const struct profile *p = b->p;
    double(*code_seconds)[SUMMARY_KINDS] =
        calloc(p->ncodes + 1, sizeof(*code_seconds));
    struct charge *charges = calloc(p->nstacks + 1, sizeof(*charges));
    size_t top = b->o->top ? b->o->top : SUMMARY_TOP_DEFAULT;
    size_t n;
    int rc = -ENOMEM;

    if (!code_seconds || !charges)
        goto out;
    n = charge_stacks(s, b, code_seconds, charges);
    if (build_functions(s, b, code_seconds) < 0 ||
        build_files(s, b->o, charges, n) < 0 || attach_functions(s) < 0)
        goto out;
    qsort(s->files, s->nfiles, sizeof(*s->files), file_cmp);
    if (summary_build_traces(s, b, top < s->nfunctions ? top : s->nfunctions) < 0 ||
        summary_build_modules(s) < 0)
        goto out;
    rc = 0;
out:
    free(charges);
    free(code_seconds);
    return rc;
}

struct summary *summary_new(const struct profile *p,
                            const struct summary_options *given)
{
    struct summary *s = calloc(1, sizeof(*s));
    struct summary_build b = { 0 };
    struct summary_options with_script = *given;
    const struct summary_options *o = &with_script;

    if (!with_script.script)
        with_script.script = p->script;

    if (!s || !(s->root = normalise_root(o->root)))
        goto fail;
    s->detailed = o->detailed != 0;
    s->include_idle = o->include_idle != 0;
    if (build_build(&b, p, o) < 0 || summarise(s, &b) < 0 ||
        !(s->memory = summary_mem_new(p, o)))
        goto fail;
    build_free(&b);
    return s;
fail:
    build_free(&b);
    summary_free(s);
    return NULL;
}

void summary_free(struct summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].lines);
        free(s->files[i].functions);
    }
    free(s->files);
    free(s->functions);
    summary_free_traces(s);
    summary_free_modules(&s->modules);
    summary_mem_free(s->memory);
    free(s->root);
    free(s);
}
