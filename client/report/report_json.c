/* Writes profile.json with cJSON. Every field is documented in
 * docs/profile-json.md; keep the two in step and bump REPORT_JSON_SCHEMA on
 * any incompatible change. */
#include "client/report/report_json.h"
#include "client/report/report_json_mem.h"
#include "client/report/report_json_procs.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cJSON's adders return NULL on failure; `failed` collects that once so the
 * builders below stay straight-line. */
struct jw {
    int failed;
};

static cJSON *put(struct jw *w, cJSON *obj, const char *key, cJSON *item)
{
    cJSON_bool ok;

    if (!item || !obj) {
        cJSON_Delete(item);
        w->failed = 1;
        return NULL;
    }
    ok = key ? cJSON_AddItemToObject(obj, key, item)
             : cJSON_AddItemToArray(obj, item);
    if (!ok) {
        cJSON_Delete(item);
        w->failed = 1;
        return NULL;
    }
    return item;
}

static void num(struct jw *w, cJSON *o, const char *key, double v)
{
    put(w, o, key, cJSON_CreateNumber(isfinite(v) ? v : 0.0));
}

/* Percentages keep three decimals: enough for any report, and short. */
static void pct(struct jw *w, cJSON *o, const char *key, double v)
{
    num(w, o, key, round(v * 1000.0) / 1000.0);
}

static void str(struct jw *w, cJSON *o, const char *key, const char *v)
{
    put(w, o, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void flag(struct jw *w, cJSON *o, const char *key, int v)
{
    put(w, o, key, cJSON_CreateBool(v != 0));
}

static void kind_percents(struct jw *w, cJSON *o, const double kp[SUMMARY_KINDS])
{
    pct(w, o, "python_percent", kp[TIME_PYTHON]);
    pct(w, o, "native_percent", kp[TIME_NATIVE]);
    pct(w, o, "system_percent", kp[TIME_SYSTEM]);
}

static void add_run(struct jw *w, cJSON *doc, const struct profile *p,
                    const struct summary *s)
{
    cJSON *cmd = put(w, doc, "command", cJSON_CreateArray());
    cJSON *py;

    str(w, doc, "schema", REPORT_JSON_SCHEMA);
    for (char **arg = p->command; arg && *arg; arg++)
        str(w, cmd, NULL, *arg);
    str(w, doc, "script", p->script);
    str(w, doc, "module", p->module);
    str(w, doc, "root", s->root);
    py = put(w, doc, "python", cJSON_CreateObject());
    str(w, py, "executable", p->python_executable);
    str(w, py, "version", p->python_version);
    str(w, py, "offsets", p->offsets_source);
    if (p->offsets_note)
        str(w, py, "offsets_note", p->offsets_note);
    str(w, doc, "mode", p->mode);
    num(w, doc, "rate_hz", p->rate_hz);
    num(w, doc, "wall_seconds", p->wall_seconds);
    num(w, doc, "samples", (double)p->samples);
    num(w, doc, "errors", (double)p->errors);
    num(w, doc, "max_rss_bytes", (double)p->max_rss_bytes);
    num(w, doc, "exit_status", p->exit_status);
    flag(w, doc, "interrupted", p->interrupted);
    flag(w, doc, "idle_included", s->include_idle);
    flag(w, doc, "detailed", s->detailed);
    flag(w, doc, "gil_only", p->gil_only);
}

static void add_totals(struct jw *w, cJSON *doc, const struct profile *p,
                       const struct summary *s)
{
    cJSON *t = put(w, doc, "totals", cJSON_CreateObject());
    double raw[TIME_KINDS] = { 0 };

    /* The per-kind totals are raw so that they add up with the stacks;
     * "seconds" is what the percentages divide by. */
    for (size_t i = 0; i < p->nstacks; i++) {
        for (int k = 0; k < TIME_KINDS; k++)
            raw[k] += p->stacks[i].seconds[k];
    }
    num(w, t, "seconds", s->total);
    num(w, t, "python_seconds", raw[TIME_PYTHON]);
    num(w, t, "native_seconds", raw[TIME_NATIVE]);
    num(w, t, "system_seconds", raw[TIME_SYSTEM]);
    num(w, t, "idle_seconds", raw[TIME_IDLE]);
    num(w, t, "gil_wait_seconds", raw[TIME_GIL_WAIT]);
    num(w, t, "other_seconds", s->other_seconds);

    /* Counted time the daemon could place on no stack, by reason
     * (common/proto.h PROTO_UNPLACED_* order). */
    cJSON *u = put(w, t, "unattributed", cJSON_CreateObject());
    for (int r = 1; r < PROFILE_UNPLACED_REASONS; r++)
        num(w, u, profile_unplaced_names[r], profile_unplaced_seconds(p, r, s->include_idle));
}

static void add_functions(struct jw *w, cJSON *doc, const struct summary *s)
{
    cJSON *arr = put(w, doc, "functions", cJSON_CreateArray());

    for (size_t i = 0; i < s->nfunctions; i++) {
        const struct summary_function *f = &s->functions[i];
        cJSON *o = put(w, arr, NULL, cJSON_CreateObject());

        str(w, o, "name", f->name);
        str(w, o, "qualname", f->qualname);
        str(w, o, "file", f->file);
        num(w, o, "line", f->firstlineno);
        flag(w, o, "user", f->user);
        pct(w, o, "percent", f->percent);
        num(w, o, "seconds", f->total);
        kind_percents(w, o, f->kind_percent);
        if (o && report_json_mem_function(o, s, f->file, f->qualname, f->firstlineno) < 0)
            w->failed = 1;
    }
}

static void add_files(struct jw *w, cJSON *doc, const struct summary *s)
{
    cJSON *arr = put(w, doc, "files", cJSON_CreateArray());

    for (size_t i = 0; i < s->nfiles; i++) {
        const struct summary_file *f = &s->files[i];
        cJSON *o = put(w, arr, NULL, cJSON_CreateObject());
        cJSON *lines;

        str(w, o, "file", f->file);
        flag(w, o, "user", f->user);
        pct(w, o, "percent", f->percent);
        num(w, o, "seconds", f->total);
        lines = put(w, o, "lines", cJSON_CreateArray());
        for (size_t j = 0; j < f->nlines; j++) {
            const struct summary_line *l = &f->lines[j];
            cJSON *lo = put(w, lines, NULL, cJSON_CreateObject());

            num(w, lo, "line", l->line);
            pct(w, lo, "percent", l->percent);
            num(w, lo, "seconds", l->total);
            kind_percents(w, lo, l->kind_percent);
            if (lo && report_json_mem_line(lo, s, f->file, l->line) < 0)
                w->failed = 1;
        }
    }
}

static void add_threads(struct jw *w, cJSON *doc, const struct profile *p)
{
    cJSON *arr = put(w, doc, "threads", cJSON_CreateArray());

    for (size_t i = 0; i < p->nthreads; i++) {
        cJSON *o = put(w, arr, NULL, cJSON_CreateObject());

        const struct profile_thread *t = &p->threads[i];
        num(w, o, "tid", t->tid);
        str(w, o, "name", t->name);
        num(w, o, "samples", (double)t->samples);
        num(w, o, "gil_samples", (double)t->gil_samples);
        num(w, o, "observed_seconds", t->observed_seconds);
        num(w, o, "gil_seconds", t->gil_seconds);
        pct(w, o, "gil_percent", profile_thread_gil_percent(t));
        num(w, o, "cpu_seconds", t->cpu_seconds);
        num(w, o, "gil_wait_seconds", t->gil_wait_seconds);
        num(w, o, "pid", t->pid);
    }
}

static void add_frame(struct jw *w, cJSON *arr, const struct profile *p,
                      const struct profile_frame *fr)
{
    const struct profile_code *c = profile_code(p, fr->code_id);
    cJSON *o = put(w, arr, NULL, cJSON_CreateObject());

    str(w, o, "name", c ? summary_short_name(c->qualname) : "?");
    str(w, o, "qualname", c ? c->qualname : "?");
    str(w, o, "file", c ? c->file : "");
    num(w, o, "line", fr->line);
    num(w, o, "firstlineno", c ? c->firstlineno : 0);
    str(w, o, "kind", c && c->gap ? "gap" : c && c->native ? "native" : "python");
    if (c && c->native && !c->gap) {
        str(w, o, "symbol", c->qualname);
        str(w, o, "object", c->file);
    }
}

static void add_stacks(struct jw *w, cJSON *doc, const struct profile *p,
                       const struct summary *s)
{
    cJSON *arr = put(w, doc, "stacks", cJSON_CreateArray());

    for (size_t i = 0; i < p->nstacks && !w->failed; i++) {
        const struct profile_stack *st = &p->stacks[i];
        cJSON *o = put(w, arr, NULL, cJSON_CreateObject());
        cJSON *frames = put(w, o, "frames", cJSON_CreateArray());
        double counted[SUMMARY_KINDS];

        for (uint32_t j = 0; j < st->nframes; j++)
            add_frame(w, frames, p, &st->frames[j]);
        if (st->why)
            str(w, o, "unplaced", profile_unplaced_names[st->why]);
        num(w, o, "tid", st->tid);
        num(w, o, "pid", profile_thread_pid(p, st->tid));
        num(w, o, "samples", (double)st->samples);
        num(w, o, "seconds", summary_counted(st->seconds, s->include_idle, counted));
        num(w, o, "python_seconds", st->seconds[TIME_PYTHON]);
        num(w, o, "native_seconds", st->seconds[TIME_NATIVE]);
        num(w, o, "system_seconds", st->seconds[TIME_SYSTEM]);
        num(w, o, "idle_seconds", st->seconds[TIME_IDLE]);
        num(w, o, "gil_wait_seconds", st->seconds[TIME_GIL_WAIT]);
    }
}

char *report_json_render(const struct profile *p, const struct summary *s)
{
    struct jw w = { 0 };
    cJSON *doc = cJSON_CreateObject();
    char *text = NULL;

    if (!doc)
        return NULL;
    add_run(&w, doc, p, s);
    add_totals(&w, doc, p, s);
    add_functions(&w, doc, s);
    add_files(&w, doc, s);
    add_threads(&w, doc, p);
    if (report_json_procs_add(doc, p) < 0)
        w.failed = 1;
    add_stacks(&w, doc, p, s);
    if (report_json_mem_top(doc, p, s) < 0)
        w.failed = 1;
    if (!w.failed)
        text = cJSON_Print(doc);
    cJSON_Delete(doc);
    return text;
}

static int write_all(const char *path, const char *text, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "open %s: %s", path, strerror(-rc));
        return rc;
    }
    if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
        rc = -(errno ? errno : EIO);
    if (fclose(f) != 0 && rc == 0)
        rc = -(errno ? errno : EIO);
    if (rc < 0)
        snprintf(err, errlen, "write %s: %s", path, strerror(-rc));
    return rc;
}

int report_json_write(const char *path, const struct profile *p,
                      const struct summary *s, char *err, size_t errlen)
{
    char *text = report_json_render(p, s);
    char *tmp = NULL;
    int rc;

    if (!text || asprintf(&tmp, "%s.tmp", path) < 0) {
        tmp = NULL;
        snprintf(err, errlen, "write %s: out of memory", path);
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = write_all(tmp, text, err, errlen)) < 0) {
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) < 0) {
        rc = -errno;
        snprintf(err, errlen, "rename %s: %s", path, strerror(-rc));
        unlink(tmp);
    }
out:
    free(tmp);
    free(text);
    return rc;
}
