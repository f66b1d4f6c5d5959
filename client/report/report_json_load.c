/* Reads profile.json back into a struct profile. Only the raw sections
 * (run facts, threads, stacks) are read: functions, files and totals are
 * derived and get recomputed by the summary. Code ids are rebuilt by
 * interning each frame's (file, qualname, firstlineno). */
#include "client/report/report_json.h"
#include "client/report/report_json_field.h"
#include "client/report/report_json_mem.h"
#include "client/report/report_json_procs.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jr {
    const char *origin;
    char *err;
    size_t errlen;
    struct profile *p;
    uint32_t *intern; /* open addressing over code ids; slot = id + 1 */
    size_t intern_cap;
    long *stack_of;   /* stack_of[i]: profile stack of stacks[i] (heap events) */
};

__attribute__((format(printf, 3, 4))) static int
fail(struct jr *r, int rc, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s: %s", r->origin, what);
    return rc;
}

/* ---- typed field access -------------------------------------------------- */

/* The typed readers of report_json_field.h, with the file's name in front
 * of their errors. */
static int get_num(struct jr *r, const cJSON *o, const char *where,
                   const char *key, double lo, double hi, double *out)
{
    char what[200];
    int rc = report_json_number(o, where, key, lo, hi, out, what, sizeof(what));
    return rc < 0 ? fail(r, rc, "%s", what) : 0;
}

static int get_str(struct jr *r, const cJSON *o, const char *where,
                   const char *key, const char **out)
{
    char what[200];
    int rc = report_json_string(o, where, key, out, what, sizeof(what));
    return rc < 0 ? fail(r, rc, "%s", what) : 0;
}

static int get_bool(struct jr *r, const cJSON *o, const char *key, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v))
        return fail(r, -EINVAL, "\"%s\" is not true or false", key);
    *out = cJSON_IsTrue(v);
    return 0;
}

static int set_str(struct jr *r, const cJSON *o, const char *where,
                   const char *key, char **field)
{
    const char *v = NULL;
    int rc = get_str(r, o, where, key, &v);

    if (rc < 0 || !v)
        return rc;
    if (profile_set_string(field, v) < 0)
        return fail(r, -ENOMEM, "out of memory");
    return 0;
}

static const cJSON *get_array(struct jr *r, const cJSON *o, const char *where,
                              const char *key, int required, int *rc)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    *rc = 0;
    if ((!v || cJSON_IsNull(v)) && !required)
        return NULL;
    if (!cJSON_IsArray(v)) {
        *rc = fail(r, -EINVAL, "%s\"%s\" is %s", where, key,
                   v ? "not an array" : "missing");
        return NULL;
    }
    return v;
}

/* ---- code interning ------------------------------------------------------ */

static uint64_t code_hash(const char *file, const char *qualname, int line)
{
    uint64_t h = 1469598103934665603ULL;

    for (const char *c = file; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *c = qualname; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    return (h ^ (uint32_t)line) * 1099511628211ULL;
}

static size_t intern_slot(const struct jr *r, const char *file,
                          const char *qualname, int line)
{
    size_t mask = r->intern_cap - 1;
    size_t slot = (size_t)code_hash(file, qualname, line) & mask;

    while (r->intern[slot]) {
        const struct profile_code *c = &r->p->codes[r->intern[slot] - 1];

        if (c->firstlineno == line && !strcmp(c->file, file) &&
            !strcmp(c->qualname, qualname))
            break;
        slot = (slot + 1) & mask;
    }
    return slot;
}

static int intern_grow(struct jr *r)
{
    size_t cap = r->intern_cap ? r->intern_cap * 2 : 256;
    uint32_t *old = r->intern;

    if (r->p->ncodes * 2 < r->intern_cap)
        return 0;
    if (!(r->intern = calloc(cap, sizeof(*r->intern)))) {
        r->intern = old;
        return -ENOMEM;
    }
    r->intern_cap = cap;
    for (uint32_t id = 0; id < r->p->ncodes; id++) {
        const struct profile_code *c = &r->p->codes[id];

        r->intern[intern_slot(r, c->file, c->qualname, c->firstlineno)] = id + 1;
    }
    free(old);
    return 0;
}

static int intern_code(struct jr *r, const char *file, const char *qualname,
                       int line, uint32_t *id)
{
    size_t slot;

    if (intern_grow(r) < 0)
        return -ENOMEM;
    slot = intern_slot(r, file, qualname, line);
    if (!r->intern[slot]) {
        uint32_t next = (uint32_t)r->p->ncodes;

        if (profile_set_code(r->p, next, file, qualname, line) < 0)
            return -ENOMEM;
        r->intern[slot] = next + 1;
    }
    *id = r->intern[slot] - 1;
    return 0;
}

/* ---- sections ------------------------------------------------------------ */

static int read_frame(struct jr *r, const cJSON *o, const char *where,
                      struct profile_frame *out)
{
    const char *file = NULL, *qualname = NULL, *kind = NULL;
    double line = 0, first = 0;
    int rc;

    if (!cJSON_IsObject(o))
        return fail(r, -EINVAL, "%sis not an object", where);
    if ((rc = get_str(r, o, where, "file", &file)) < 0 ||
        (rc = get_str(r, o, where, "name", &qualname)) < 0 ||
        (rc = get_str(r, o, where, "qualname", &qualname)) < 0 ||
        (rc = get_num(r, o, where, "line", -2147483648.0, 2147483647.0, &line)) < 0 ||
        (rc = get_num(r, o, where, "firstlineno", -2147483648.0, 2147483647.0,
                      &first)) < 0 ||
        (rc = get_str(r, o, where, "kind", &kind)) < 0)
        return rc;
    if (!file || !qualname)
        return fail(r, -EINVAL, "%s\"%s\" is missing", where,
                    file ? "qualname" : "file");
    out->line = (int32_t)line;
    if (intern_code(r, file, qualname, (int)first, &out->code_id) < 0)
        return fail(r, -ENOMEM, "out of memory");
    if (kind && strcmp(kind, "native") == 0)
        profile_mark_native(r->p, out->code_id);
    if (kind && strcmp(kind, "gap") == 0)
        profile_mark_gap(r->p, out->code_id);
    return 0;
}

/* A frameless stack's "unplaced" reason (absent: none), by its name. */
static int read_stack_why(struct jr *r, const cJSON *o, size_t index, uint32_t *why)
{
    char where[64];
    const char *name = NULL;
    snprintf(where, sizeof(where), "stacks[%zu]: ", index);
    int rc = get_str(r, o, where, "unplaced", &name);
    if (rc < 0 || !name)
        return rc;
    for (uint32_t k = 1; k < PROFILE_UNPLACED_REASONS; k++)
        if (strcmp(name, profile_unplaced_names[k]) == 0) {
            *why = k;
            return 0;
        }
    return fail(r, -EINVAL, "%s\"unplaced\" is \"%.40s\", not a reason this version knows", where,
                name);
}

static int read_stack_numbers(struct jr *r, const cJSON *o, const char *where,
                              double *tid, double *samples, double sec[TIME_KINDS])
{
    static const char *const keys[TIME_KINDS] = {
        [TIME_PYTHON] = "python_seconds", [TIME_NATIVE] = "native_seconds",
        [TIME_SYSTEM] = "system_seconds", [TIME_IDLE] = "idle_seconds",
        [TIME_GIL_WAIT] = "gil_wait_seconds",
    };
    int rc;

    if ((rc = get_num(r, o, where, "tid", 0, UINT32_MAX, tid)) < 0 ||
        (rc = get_num(r, o, where, "samples", 0, 9007199254740992.0, samples)) < 0)
        return rc;
    for (int k = 0; k < TIME_KINDS; k++) {
        if ((rc = get_num(r, o, where, keys[k], 0, HUGE_VAL, &sec[k])) < 0)
            return rc;
    }
    return 0;
}

static int read_stack(struct jr *r, const cJSON *o, size_t index)
{
    char where[64];
    const cJSON *frames, *fr;
    struct profile_frame *buf;
    double tid = 0, samples = 0, sec[TIME_KINDS] = { 0 };
    uint32_t n = 0;
    int rc;

    snprintf(where, sizeof(where), "stacks[%zu]: ", index);
    if (!cJSON_IsObject(o))
        return fail(r, -EINVAL, "%sis not an object", where);
    if (!(frames = get_array(r, o, where, "frames", 1, &rc)))
        return rc;
    if ((rc = read_stack_numbers(r, o, where, &tid, &samples, sec)) < 0)
        return rc;
    if (!(buf = calloc((size_t)cJSON_GetArraySize(frames) + 1, sizeof(*buf))))
        return fail(r, -ENOMEM, "out of memory");
    cJSON_ArrayForEach(fr, frames) {
        snprintf(where, sizeof(where), "stacks[%zu].frames[%u]: ", index, n);
        if ((rc = read_frame(r, fr, where, &buf[n++])) < 0)
            break;
    }
    uint32_t why = 0;
    if (rc == 0)
        rc = read_stack_why(r, o, index, &why);
    if (rc == 0 && profile_add_stack(r->p, (uint32_t)tid, buf, n, why, (uint64_t)samples, sec) < 0)
        rc = fail(r, -ENOMEM, "out of memory");
    if (rc == 0 &&
        (r->stack_of[index] = profile_intern_stack(r->p, (uint32_t)tid, buf, n, why)) < 0)
        rc = fail(r, -ENOMEM, "out of memory");
    free(buf);
    return rc;
}

static int read_threads(struct jr *r, const cJSON *doc)
{
    const cJSON *arr, *t;
    size_t i = 0;
    int rc;

    if (!(arr = get_array(r, doc, "", "threads", 0, &rc)))
        return rc;
    cJSON_ArrayForEach(t, arr) {
        char where[48];
        const char *name = NULL;
        double tid = 0, samples = 0, gil = 0, cpu = 0, wait = 0, seen = 0, held = 0, pid = 0;

        snprintf(where, sizeof(where), "threads[%zu]: ", i++);
        if (!cJSON_IsObject(t))
            return fail(r, -EINVAL, "%sis not an object", where);
        if ((rc = get_num(r, t, where, "tid", 0, UINT32_MAX, &tid)) < 0 ||
            (rc = get_str(r, t, where, "name", &name)) < 0 ||
            (rc = get_num(r, t, where, "samples", 0, 9007199254740992.0, &samples)) < 0 ||
            (rc = get_num(r, t, where, "gil_samples", 0, samples, &gil)) < 0 ||
            (rc = get_num(r, t, where, "cpu_seconds", 0, HUGE_VAL, &cpu)) < 0 ||
            (rc = get_num(r, t, where, "gil_wait_seconds", 0, HUGE_VAL, &wait)) < 0 ||
            (rc = get_num(r, t, where, "observed_seconds", 0, HUGE_VAL, &seen)) < 0 ||
            (rc = get_num(r, t, where, "gil_seconds", 0, seen, &held)) < 0 ||
            (rc = get_num(r, t, where, "pid", 0, INT32_MAX, &pid)) < 0)
            return rc;
        struct profile_thread *th = profile_thread_of(r->p, (uint32_t)tid);
        if (!th || profile_set_string(&th->name, name) < 0)
            return fail(r, -ENOMEM, "out of memory");
        th->samples = (uint64_t)samples;
        th->gil_samples = (uint64_t)gil;
        th->cpu_seconds = cpu;
        th->gil_wait_seconds = wait;
        th->observed_seconds = seen;
        th->gil_seconds = held;
        th->pid = (int32_t)pid;
    }
    return 0;
}

static int read_command(struct jr *r, const cJSON *doc)
{
    const cJSON *arr, *a;
    const char **argv;
    size_t argc = 0;
    int rc;

    if (!(arr = get_array(r, doc, "", "command", 0, &rc)))
        return rc;
    if (!(argv = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*argv))))
        return fail(r, -ENOMEM, "out of memory");
    cJSON_ArrayForEach(a, arr) {
        if (!cJSON_IsString(a)) {
            free(argv);
            return fail(r, -EINVAL, "command[%zu] is not a string", argc);
        }
        argv[argc++] = a->valuestring;
    }
    rc = profile_set_command(r->p, argv, argc) < 0
             ? fail(r, -ENOMEM, "out of memory") : 0;
    free(argv);
    return rc;
}

static int read_python(struct jr *r, const cJSON *doc)
{
    const cJSON *py = cJSON_GetObjectItemCaseSensitive(doc, "python");
    int rc;

    if (!py || cJSON_IsNull(py))
        return 0;
    if (!cJSON_IsObject(py))
        return fail(r, -EINVAL, "\"python\" is not an object");
    if ((rc = set_str(r, py, "python: ", "executable", &r->p->python_executable)) < 0 ||
        (rc = set_str(r, py, "python: ", "version", &r->p->python_version)) < 0 ||
        (rc = set_str(r, py, "python: ", "offsets", &r->p->offsets_source)) < 0)
        return rc;
    if (cJSON_GetObjectItemCaseSensitive(py, "offsets_note") &&
        (rc = set_str(r, py, "python: ", "offsets_note", &r->p->offsets_note)) < 0)
        return rc;
    return 0;
}

/* totals.unattributed, by reason: what no stack could be given for. */
static int read_unattributed(struct jr *r, const cJSON *doc)
{
    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(doc, "totals");
    const cJSON *u = totals ? cJSON_GetObjectItemCaseSensitive(totals, "unattributed") : NULL;

    if (!u)
        return 0;
    if (!cJSON_IsObject(u))
        return fail(r, -EINVAL, "\"totals.unattributed\" is not an object");
    for (int reason = 1; reason < PROFILE_UNPLACED_REASONS; reason++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(u, profile_unplaced_names[reason]);
        if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0))
            return fail(r, -EINVAL, "\"totals.unattributed.%s\" is not a number of seconds",
                        profile_unplaced_names[reason]);
        /* The kinds are not kept apart in the file: counted as system. */
        if (v)
            r->p->unplaced[reason][TIME_SYSTEM] = v->valuedouble;
    }
    return 0;
}

static int read_run(struct jr *r, const cJSON *doc)
{
    struct profile *p = r->p;
    double rate = 0, samples = 0, errors = 0, rss = 0, status = 0;
    int rc;

    if ((rc = read_command(r, doc)) < 0 || (rc = read_python(r, doc)) < 0 ||
        (rc = set_str(r, doc, "", "script", &p->script)) < 0 ||
        (rc = set_str(r, doc, "", "module", &p->module)) < 0 ||
        (rc = set_str(r, doc, "", "mode", &p->mode)) < 0 ||
        (rc = get_num(r, doc, "", "rate_hz", 0, UINT32_MAX, &rate)) < 0 ||
        (rc = get_num(r, doc, "", "wall_seconds", 0, HUGE_VAL, &p->wall_seconds)) < 0 ||
        (rc = get_num(r, doc, "", "samples", 0, 1.8e19, &samples)) < 0 ||
        (rc = get_num(r, doc, "", "errors", 0, 1.8e19, &errors)) < 0 ||
        (rc = get_num(r, doc, "", "max_rss_bytes", 0, 1.8e19, &rss)) < 0 ||
        (rc = get_num(r, doc, "", "exit_status", -2147483648.0, 2147483647.0,
                      &status)) < 0 ||
        (rc = get_bool(r, doc, "interrupted", &p->interrupted)) < 0 ||
        (rc = get_bool(r, doc, "idle_included", &p->include_idle)) < 0 ||
        (rc = get_bool(r, doc, "gil_only", &p->gil_only)) < 0)
        return rc;
    p->rate_hz = (unsigned)rate;
    p->samples = (uint64_t)samples;
    p->errors = (uint64_t)errors;
    p->max_rss_bytes = (uint64_t)rss;
    p->exit_status = (int)status;
    return 0;
}

/* The settings the exporters summarise with, as the run had them. */
static int read_settings(struct jr *r, const cJSON *doc)
{
    int rc = set_str(r, doc, "", "root", &r->p->root);
    return rc < 0 ? rc : get_bool(r, doc, "detailed", &r->p->detailed);
}

static int read_doc(struct jr *r, const cJSON *doc)
{
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
    const cJSON *stacks, *st;
    size_t i = 0;
    int rc;

    if (!cJSON_IsObject(doc))
        return fail(r, -EINVAL, "not a JSON object");
    if (!cJSON_IsString(schema))
        return fail(r, -EINVAL, "no \"schema\": not a fixingahole profile");
    if (strcmp(schema->valuestring, REPORT_JSON_SCHEMA) != 0)
        return fail(r, -EINVAL, "schema \"%.60s\" is not the supported \"%s\"",
                    schema->valuestring, REPORT_JSON_SCHEMA);
    if ((rc = read_run(r, doc)) < 0 || (rc = read_settings(r, doc)) < 0 ||
        (rc = read_threads(r, doc)) < 0 || (rc = read_unattributed(r, doc)) < 0)
        return rc;
    if (!(stacks = get_array(r, doc, "", "stacks", 1, &rc)))
        return rc;
    if (!(r->stack_of = calloc((size_t)cJSON_GetArraySize(stacks) + 1, sizeof(long))))
        return fail(r, -ENOMEM, "out of memory");
    cJSON_ArrayForEach(st, stacks) {
        if ((rc = read_stack(r, st, i++)) < 0)
            return rc;
    }
    char why[160];
    if ((rc = report_json_mem_load(doc, r->p, r->stack_of, i, why, sizeof(why))) < 0 ||
        (rc = report_json_procs_load(doc, r->p, why, sizeof(why))) < 0)
        return fail(r, rc, "%s", why);
    return 0;
}

int report_json_parse(const char *text, size_t len, const char *origin,
                      struct profile **out, char *err, size_t errlen)
{
    struct jr r = { .origin = origin ? origin : "profile.json",
                    .err = err, .errlen = errlen };
    const char *end = NULL;
    cJSON *doc;
    int rc;

    *out = NULL;
    if (!(doc = cJSON_ParseWithLengthOpts(text, len, &end, 0))) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;

        return fail(&r, -EINVAL, "invalid JSON near byte %zu", at);
    }
    if (!(r.p = profile_new())) {
        cJSON_Delete(doc);
        return fail(&r, -ENOMEM, "out of memory");
    }
    rc = read_doc(&r, doc);
    cJSON_Delete(doc);
    free(r.intern);
    free(r.stack_of);
    if (rc < 0) {
        profile_free(r.p);
        return rc;
    }
    *out = r.p;
    return 0;
}

static int read_file(const char *path, char **text, size_t *len, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0, got;
    char *buf = NULL, *bigger;
    int rc = 0;

    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "open %s: %s", path, strerror(-rc));
        return rc;
    }
    do {
        if (!(bigger = realloc(buf, cap + 1))) {
            rc = -ENOMEM;
            break;
        }
        buf = bigger;
        n += got = fread(buf + n, 1, cap - n, f);
        if (n == cap)
            cap *= 2;
    } while (got > 0);
    if (rc == 0 && ferror(f))
        rc = -EIO;
    fclose(f);
    if (rc < 0) {
        free(buf);
        snprintf(err, errlen, "read %s: %s", path, strerror(-rc));
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

int report_json_load(const char *path, struct profile **out, char *err,
                     size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if ((rc = read_file(path, &text, &len, err, errlen)) < 0)
        return rc;
    rc = report_json_parse(text, len, path, out, err, errlen);
    free(text);
    return rc;
}
