/* The pprof export: builds the Profile message from the profile's stacks
 * (pprof_samples.c, pprof_frames.c), packs it with protobuf-c and writes
 * it gzipped, as pprof files are stored. */
#include "client/export/pprof.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/export/gzip_write.h"
#include "client/export/pprof_frames.h"
#include "client/export/pprof_samples.h"
#include "client/export/pprof_strings.h"
#include "pprof.pb-c.h"

#define PPROF_COMMENTS 3

/* Everything the message points into, freed together after packing. */
struct pprof_doc {
    Perftools__Profiles__Profile msg;
    Perftools__Profiles__ValueType period_type;
    struct pprof_strings strings;
    struct pprof_frames frames;
    struct pprof_samples samples;
    int64_t comments[PPROF_COMMENTS];
};

/* Adds text (owned, freed here; NULL when it could not be made) as one of
 * pprof's free-text comments. */
static int add_comment(struct pprof_doc *d, char *text)
{
    int64_t index = text ? pprof_strings_intern(&d->strings, text) : -ENOMEM;
    free(text);
    if (index < 0)
        return -ENOMEM;
    d->comments[d->msg.n_comment++] = index;
    d->msg.comment = d->comments;
    return 0;
}

/* argv joined by spaces, or NULL when out of memory. */
static char *join(char *const *argv)
{
    size_t len = 1;
    for (size_t k = 0; argv[k]; k++)
        len += strlen(argv[k]) + 1;
    char *text = malloc(len), *end = text;
    for (size_t k = 0; text && argv[k]; k++)
        end += sprintf(end, "%s%s", k ? " " : "", argv[k]);
    if (text)
        *end = '\0';
    return text;
}

/* printf into a new string, or NULL when out of memory. */
static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    char *text;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : text;
}

/* The command line, the interpreter and the heap sampling window: what
 * pprof has no field for. */
static int add_comments(struct pprof_doc *d, const struct profile *p)
{
    if (p->command && p->command[0] && add_comment(d, join(p->command)) < 0)
        return -ENOMEM;
    if (p->python_version &&
        add_comment(d, format("python %s (%s)", p->python_version,
                              p->python_executable ? p->python_executable : "?")) < 0)
        return -ENOMEM;
    if (p->memory.heap &&
        add_comment(d, format("alloc_space: one heap sample per %llu bytes allocated",
                              (unsigned long long)p->memory.window)) < 0)
        return -ENOMEM;
    return 0;
}

/* The sampling period and the run's length, and "time" shown first. */
static int add_timing(struct pprof_doc *d, const struct profile *p)
{
    Perftools__Profiles__ValueType *t = &d->period_type;
    *t = (Perftools__Profiles__ValueType)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
    t->type = pprof_strings_intern(&d->strings, "time");
    t->unit = pprof_strings_intern(&d->strings, "nanoseconds");
    if (t->type < 0 || t->unit < 0)
        return -ENOMEM;
    d->msg.period_type = t;
    d->msg.period = p->rate_hz ? (int64_t)llround(1e9 / p->rate_hz) : 0;
    d->msg.duration_nanos = p->wall_seconds > 0 ? (int64_t)llround(p->wall_seconds * 1e9) : 0;
    d->msg.default_sample_type = t->type;
    return 0;
}

static void doc_free(struct pprof_doc *d)
{
    pprof_samples_free(&d->samples);
    pprof_frames_free(&d->frames);
    pprof_strings_free(&d->strings);
}

/* Builds d->msg from p. Returns 0 or -ENOMEM; doc_free() either way. */
static int doc_build(struct pprof_doc *d, const struct profile *p)
{
    memset(d, 0, sizeof(*d));
    d->msg = (Perftools__Profiles__Profile)PERFTOOLS__PROFILES__PROFILE__INIT;
    if (pprof_strings_init(&d->strings) < 0 ||
        pprof_frames_init(&d->frames, p, &d->strings) < 0 ||
        pprof_samples_build(&d->samples, p, &d->frames, &d->strings, &d->msg) < 0 ||
        pprof_frames_finish(&d->frames, &d->msg) < 0 || add_timing(d, p) < 0 ||
        add_comments(d, p) < 0)
        return -ENOMEM;
    /* Last: nothing is interned after this. */
    d->msg.n_string_table = d->strings.index.n;
    d->msg.string_table = d->strings.strings;
    return 0;
}

int export_pprof(const struct profile *p, FILE *out, char *err, size_t errlen)
{
    struct pprof_doc d;
    uint8_t *packed = NULL;
    int rc = doc_build(&d, p);
    size_t len = rc == 0 ? perftools__profiles__profile__get_packed_size(&d.msg) : 0;
    if (rc == 0 && !(packed = malloc(len + 1)))
        rc = -ENOMEM;
    if (rc < 0) {
        snprintf(err, errlen, "pprof: out of memory");
        goto out;
    }
    perftools__profiles__profile__pack(&d.msg, packed);
    rc = gzip_write(out, packed, len, err, errlen);
out:
    free(packed);
    doc_free(&d);
    return rc;
}
