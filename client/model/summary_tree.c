/* The two tree-shaped parts of a summary: the distinct caller chains that
 * led to each top function (for "Stack Trace Summary") and the directory
 * tree of the functions' files (for "Functions by Module"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/summary_internal.h"

/* Arrays here grow by doubling whenever their length reaches a power of
 * two, so they need no separate capacity field. */
static void *grow(void *array, size_t len, size_t size)
{
    if (len == 0)
        return realloc(array, 4 * size);
    if (len < 4 || (len & (len - 1)) != 0)
        return array;
    return realloc(array, 2 * len * size);
}

/* ---- call paths --------------------------------------------------------- */

static int frames_equal(const struct summary_frame *a,
                        const struct summary_frame *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].code_id != b[i].code_id || a[i].line != b[i].line)
            return 0;
    }
    return 1;
}

static int trace_add(struct summary_trace *t, const struct summary_frame *frames,
                     size_t n, uint64_t samples, double seconds)
{
    struct summary_path *path = NULL, *paths;

    for (size_t i = 0; i < t->npaths && !path; i++) {
        if (t->paths[i].nframes == n && frames_equal(t->paths[i].frames, frames, n))
            path = &t->paths[i];
    }
    if (!path) {
        if (!(paths = grow(t->paths, t->npaths, sizeof(*paths))))
            return -ENOMEM;
        t->paths = paths;
        path = &paths[t->npaths];
        memset(path, 0, sizeof(*path));
        if (n && !(path->frames = malloc(n * sizeof(*frames))))
            return -ENOMEM;
        if (n)
            memcpy(path->frames, frames, n * sizeof(*frames));
        path->nframes = n;
        t->npaths++;
    }
    path->samples += samples;
    path->seconds += seconds;
    return 0;
}

static int counts(const struct summary_build *b, uint32_t id)
{
    return id < b->p->ncodes && b->counts[id];
}

/* The frames above the charged one that count, outermost first, with the
 * native frames (--native) between them: the C functions through which
 * one counted frame called the next. */
static size_t callers(const struct summary_build *b,
                      const struct profile_stack *st, long charged,
                      struct summary_frame *out, const char *root)
{
    size_t n = 0;
    long outer = (long)st->nframes - 1;

    while (outer > charged && !counts(b, st->frames[outer].code_id))
        outer--;
    for (long j = outer; j > charged; j--) {
        uint32_t id = st->frames[j].code_id;
        const struct profile_code *c = profile_code(b->p, id);

        if (!c || !(counts(b, id) || c->native))
            continue;
        c = &b->p->codes[b->canon[id]];
        out[n].native = c->native;
        out[n].gap = c->gap;
        out[n].file = c->file;
        out[n].rel = summary_relative(c->file, root);
        out[n].qualname = c->qualname;
        out[n].name = summary_short_name(c->qualname);
        out[n].line = st->frames[j].line;
        out[n].code_id = b->canon[id];
        n++;
    }
    return n;
}

static int path_cmp(const void *a, const void *b)
{
    const struct summary_path *x = a, *y = b;

    if (x->samples != y->samples)
        return x->samples < y->samples ? 1 : -1;
    if (x->seconds != y->seconds)
        return x->seconds < y->seconds ? 1 : -1;
    if (x->nframes != y->nframes)
        return x->nframes < y->nframes ? -1 : 1;
    for (size_t i = 0; i < x->nframes; i++) {
        int c = strcmp(x->frames[i].rel, y->frames[i].rel);

        if (c)
            return c;
        if (x->frames[i].line != y->frames[i].line)
            return x->frames[i].line < y->frames[i].line ? -1 : 1;
    }
    return 0;
}

static int add_stack_path(struct summary *s, const struct summary_build *b,
                          size_t stack, size_t top, struct summary_frame *buf)
{
    const struct profile_stack *st = &b->p->stacks[stack];
    long c = b->charged[stack];
    double sec[SUMMARY_KINDS];
    size_t fi, n;

    if (c < 0)
        return 0;
    fi = b->func_of[b->canon[st->frames[c].code_id]];
    if (fi >= top)
        return 0;
    n = callers(b, st, c, buf, s->root);
    return trace_add(&s->traces[fi], buf, n, st->samples,
                     summary_counted(st->seconds, b->o->include_idle, sec));
}

int summary_build_traces(struct summary *s, const struct summary_build *b,
                         size_t top)
{
    struct summary_frame *buf;
    size_t depth = 1;
    int rc = 0;

    if (!(s->traces = calloc(top + 1, sizeof(*s->traces))))
        return -ENOMEM;
    s->ntraces = top;
    for (size_t i = 0; i < top; i++)
        s->traces[i].function = i;
    for (size_t i = 0; i < b->p->nstacks; i++) {
        if (b->p->stacks[i].nframes > depth)
            depth = b->p->stacks[i].nframes;
    }
    if (!(buf = malloc(depth * sizeof(*buf))))
        return -ENOMEM;
    for (size_t i = 0; i < b->p->nstacks && rc == 0; i++)
        rc = add_stack_path(s, b, i, top, buf);
    free(buf);
    for (size_t i = 0; i < top; i++) {
        struct summary_trace *t = &s->traces[i];

        for (size_t j = 0; j < t->npaths; j++)
            t->paths[j].percent = summary_percent(t->paths[j].seconds, s->total);
        if (t->npaths > 1)
            qsort(t->paths, t->npaths, sizeof(*t->paths), path_cmp);
    }
    return rc;
}

void summary_free_traces(struct summary *s)
{
    for (size_t i = 0; i < s->ntraces; i++) {
        for (size_t j = 0; j < s->traces[i].npaths; j++)
            free(s->traces[i].paths[j].frames);
        free(s->traces[i].paths);
    }
    free(s->traces);
    s->traces = NULL;
    s->ntraces = 0;
}

/* ---- module tree -------------------------------------------------------- */

static struct summary_module *module_child(struct summary_module *m,
                                           const char *name, size_t len,
                                           int is_file)
{
    struct summary_module *children, *c;

    for (size_t i = 0; i < m->nchildren; i++) {
        c = &m->children[i];
        if (c->is_file == is_file && strlen(c->name) == len &&
            !strncmp(c->name, name, len))
            return c;
    }
    if (!(children = grow(m->children, m->nchildren, sizeof(*children))))
        return NULL;
    m->children = children;
    c = &children[m->nchildren];
    memset(c, 0, sizeof(*c));
    if (!(c->name = strndup(name, len)))
        return NULL;
    c->is_file = is_file;
    m->nchildren++;
    return c;
}

static int module_list(struct summary_module *m, size_t fi)
{
    size_t *fn = grow(m->functions, m->nlisted, sizeof(*fn));

    if (!fn)
        return -ENOMEM;
    m->functions = fn;
    fn[m->nlisted++] = fi;
    return 0;
}

/* Adds function fi under the components of its file: relative to the root
 * when under it, else the absolute path's components. */
static int module_add(struct summary *s, size_t fi)
{
    const struct summary_function *f = &s->functions[fi];
    struct summary_module *m = &s->modules;
    const char *c = f->rel;

    m->nfunctions++;
    m->percent += f->percent;
    while (*c) {
        const char *end = strchr(c, '/');
        size_t len = end ? (size_t)(end - c) : strlen(c);

        if (len) {
            if (!(m = module_child(m, c, len, !end)))
                return -ENOMEM;
            m->nfunctions++;
            m->percent += f->percent;
            if (!end)
                return module_list(m, fi);
        }
        c += len + (end ? 1 : 0);
    }
    return 0;
}

static int module_cmp(const void *a, const void *b)
{
    const struct summary_module *x = a, *y = b;

    if (x->percent != y->percent)
        return x->percent < y->percent ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void module_sort(struct summary_module *m)
{
    if (m->nchildren > 1)
        qsort(m->children, m->nchildren, sizeof(*m->children), module_cmp);
    for (size_t i = 0; i < m->nchildren; i++)
        module_sort(&m->children[i]);
}

int summary_build_modules(struct summary *s)
{
    /* Functions arrive by percent, so every file's list is sorted too. */
    for (size_t i = 0; i < s->nfunctions; i++) {
        if (module_add(s, i) < 0)
            return -ENOMEM;
    }
    module_sort(&s->modules);
    return 0;
}

void summary_free_modules(struct summary_module *m)
{
    for (size_t i = 0; i < m->nchildren; i++)
        summary_free_modules(&m->children[i]);
    free(m->children);
    free(m->functions);
    free(m->name);
    memset(m, 0, sizeof(*m));
}
