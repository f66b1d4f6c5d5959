/* The `speedscope` format: speedscope's file format
 * (https://www.speedscope.app/file-format-schema.json), one "sampled"
 * profile per thread whose samples are the thread's distinct stacks, root
 * first, weighted by their counted time in seconds. A frame is one line of
 * one function, so the flame graph shows lines as the text report does.
 * Streamed with fprintf rather than built as a cJSON tree: a profile may
 * hold 100k stacks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/export/export.h"
#include "client/export/export_stack.h"
#include "common/buf.h"
#include "common/hashtab.h"

/* The hashtab key of the no-frames frame of a stack's reason why (0
 * none): every (code, line) key is at least 1 << 32. */
#define SPEEDSCOPE_NO_FRAMES_KEY(why) (1u + (uint64_t)(why))
#define SPEEDSCOPE_IS_NO_FRAMES(key) ((key) >> 32 == 0)

struct speedscope_frames {
    struct hashtab index; /* frame key -> position in keys */
    uint64_t *keys;       /* in order of first use */
    size_t n, cap;
    uint32_t *canon;      /* code id -> its function's first code id */
    size_t ncodes;        /* of canon */
};

/* One frame per line of a function, whichever code object ran it. */
static uint64_t frame_key(const struct speedscope_frames *fr, const struct profile_frame *f)
{
    uint32_t code = fr->canon && f->code_id < fr->ncodes ? fr->canon[f->code_id] : f->code_id;
    return (((uint64_t)code + 1) << 32) | (uint32_t)f->line;
}

/* The characters of s inside a JSON string: quotes, backslashes and
 * control characters escaped; other bytes (UTF-8) as they are. */
static void put_json_chars(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
}

static int intern_frame(struct speedscope_frames *fr, uint64_t key)
{
    if (hashtab_get(&fr->index, key, NULL))
        return 0;
    uint64_t *grown = buf_grow_array(fr->keys, &fr->cap, fr->n + 1, sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    fr->keys = grown;
    fr->keys[fr->n] = key;
    return hashtab_put(&fr->index, key, fr->n++);
}

/* Numbers every frame of the stacks with counted time. */
static int collect_frames(const struct profile *p, struct speedscope_frames *fr)
{
    int rc = 0;
    for (size_t i = 0; i < p->nstacks && rc == 0; i++) {
        const struct profile_stack *st = &p->stacks[i];
        if (!(export_stack_seconds(p, st) > 0))
            continue;
        if (!st->nframes)
            rc = intern_frame(fr, SPEEDSCOPE_NO_FRAMES_KEY(st->why));
        for (uint32_t k = 0; k < st->nframes && rc == 0; k++)
            rc = intern_frame(fr, frame_key(fr, &st->frames[k]));
    }
    return rc;
}

/* {"name": "qualname (file.py:line)", "file": path, "line": line}: the
 * name carries the line so that two lines of a function read apart. */
static void put_frame(FILE *out, const struct profile *p, uint64_t key)
{
    if (SPEEDSCOPE_IS_NO_FRAMES(key)) {
        char name[EXPORT_NO_FRAMES_MAX];
        fputs("{\"name\":\"", out);
        put_json_chars(out, export_no_frames_name((uint32_t)(key - 1), name));
        fputs("\"}", out);
        return;
    }
    int32_t line = (int32_t)(uint32_t)key;
    const struct profile_code *code = profile_code(p, (uint32_t)((key >> 32) - 1));
    if (!code) {
        fputs("{\"name\":\"" EXPORT_UNKNOWN_CODE "\"}", out);
        return;
    }
    const char *base = strrchr(code->file, '/');
    fputs("{\"name\":\"", out);
    put_json_chars(out, code->qualname ? code->qualname : "?");
    if (code->gap) { /* the middle of a deep stack: no file, no line */
        fputs("\"}", out);
        return;
    }
    fputs(" (", out);
    put_json_chars(out, base ? base + 1 : code->file);
    if (line > 0)
        fprintf(out, ":%d", (int)line);
    fputs(")\",\"file\":\"", out);
    put_json_chars(out, code->file);
    fputc('"', out);
    if (line > 0)
        fprintf(out, ",\"line\":%d", (int)line);
    fputc('}', out);
}

/* The threads in order: those the profile names first, then any other tid
 * a stack ran on. Returns the count, with *out a new array, or -ENOMEM. */
static long collect_tids(const struct profile *p, uint32_t **out)
{
    uint32_t *tids = malloc((p->nthreads + p->nstacks + 1) * sizeof(*tids));
    size_t n = 0;
    if (!tids)
        return -ENOMEM;
    for (size_t i = 0; i < p->nthreads + p->nstacks; i++) {
        uint32_t tid = i < p->nthreads ? p->threads[i].tid : p->stacks[i - p->nthreads].tid;
        size_t k = 0;
        while (k < n && tids[k] != tid)
            k++;
        if (k == n)
            tids[n++] = tid;
    }
    *out = tids;
    return (long)n;
}

static double thread_seconds(const struct profile *p, uint32_t tid)
{
    double sum = 0;
    for (size_t i = 0; i < p->nstacks; i++)
        if (p->stacks[i].tid == tid)
            sum += export_stack_seconds(p, &p->stacks[i]);
    return sum;
}

/* Whether st is one of tid's samples: its thread, with counted time. */
static int is_sample(const struct profile *p, const struct profile_stack *st, uint32_t tid)
{
    return st->tid == tid && export_stack_seconds(p, st) > 0;
}

/* "samples": each of tid's stacks as frame indices, root first. */
static void put_samples(FILE *out, const struct profile *p, const struct speedscope_frames *fr,
                        uint32_t tid)
{
    const char *sep = "";
    fputs("\"samples\":[", out);
    for (size_t i = 0; i < p->nstacks; i++) {
        const struct profile_stack *st = &p->stacks[i];
        uint64_t index = 0;
        if (!is_sample(p, st, tid))
            continue;
        fprintf(out, "%s[", sep);
        sep = ",";
        if (!st->nframes && hashtab_get(&fr->index, SPEEDSCOPE_NO_FRAMES_KEY(st->why), &index))
            fprintf(out, "%llu", (unsigned long long)index);
        for (uint32_t k = st->nframes; k-- > 0;) {
            hashtab_get(&fr->index, frame_key(fr, &st->frames[k]), &index);
            fprintf(out, "%s%llu", k + 1 < st->nframes ? "," : "", (unsigned long long)index);
        }
        fputc(']', out);
    }
    fputc(']', out);
}

/* "weights": the same stacks' counted seconds, in the same order. */
static void put_weights(FILE *out, const struct profile *p, uint32_t tid)
{
    const char *sep = "";
    fputs("\"weights\":[", out);
    for (size_t i = 0; i < p->nstacks; i++) {
        if (!is_sample(p, &p->stacks[i], tid))
            continue;
        fprintf(out, "%s%.9g", sep, export_stack_seconds(p, &p->stacks[i]));
        sep = ",";
    }
    fputc(']', out);
}

/* One sampled profile, named "NAME (thread TID)" or "thread TID", from 0
 * to the thread's counted seconds. */
static void put_thread(FILE *out, const struct profile *p, const struct speedscope_frames *fr,
                       uint32_t tid, double seconds)
{
    const char *name = export_thread_name(p, tid);
    fputs("{\"type\":\"sampled\",\"name\":\"", out);
    if (name)
        put_json_chars(out, name);
    fprintf(out, "%sthread %u%s\",\"unit\":\"seconds\",\"startValue\":0,\"endValue\":%.9g,",
            name ? " (" : "", tid, name ? ")" : "", seconds);
    put_samples(out, p, fr, tid);
    fputc(',', out);
    put_weights(out, p, tid);
    fputc('}', out);
}

/* The profile group's name: the script's file name, the module, or a
 * generic one for an attached process without a script. */
static void put_group_name(FILE *out, const struct profile *p)
{
    const char *name = p->module ? p->module : "fixingahole profile";
    if (p->script) {
        const char *slash = strrchr(p->script, '/');
        name = slash ? slash + 1 : p->script;
    }
    fputs("\"name\":\"", out);
    put_json_chars(out, name);
    fputs("\",", out);
}

/* "profiles": the threads with counted time; *active is set to the
 * busiest one's index, which speedscope opens first. */
static void put_profiles(FILE *out, const struct profile *p, const struct speedscope_frames *fr,
                         const uint32_t *tids, size_t ntids, size_t *active)
{
    double most = 0;
    size_t written = 0;
    fputs("\"profiles\":[", out);
    for (size_t i = 0; i < ntids; i++) {
        double seconds = thread_seconds(p, tids[i]);
        if (!(seconds > 0))
            continue;
        if (written)
            fputc(',', out);
        put_thread(out, p, fr, tids[i], seconds);
        if (seconds > most) {
            most = seconds;
            *active = written;
        }
        written++;
    }
    fputs("],", out);
}

int export_speedscope(const struct profile *p, FILE *out, char *err, size_t errlen)
{
    struct speedscope_frames fr = {0};
    uint32_t *tids = NULL;
    size_t active = 0;
    long ntids = collect_tids(p, &tids);
    fr.canon = export_code_canon(p);
    fr.ncodes = fr.canon ? p->ncodes : 0;
    int rc = ntids < 0 || (p->ncodes && !fr.canon) ? -ENOMEM : collect_frames(p, &fr);
    if (rc < 0) {
        snprintf(err, errlen, "speedscope: out of memory");
        goto out;
    }
    fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",", out);
    fputs("\"exporter\":\"fixingahole@" FIXINGAHOLE_VERSION "\",", out);
    put_group_name(out, p);
    fputs("\"shared\":{\"frames\":[", out);
    for (size_t i = 0; i < fr.n; i++) {
        if (i)
            fputc(',', out);
        put_frame(out, p, fr.keys[i]);
    }
    fputs("]},", out);
    put_profiles(out, p, &fr, tids, (size_t)ntids, &active);
    fprintf(out, "\"activeProfileIndex\":%zu}\n", active);
out:
    hashtab_free(&fr.index);
    free(fr.keys);
    free(fr.canon);
    free(tids);
    return rc;
}
