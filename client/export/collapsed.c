/* The `collapsed` format: Brendan Gregg's folded stacks, one line per
 * distinct stack, "frame;frame;frame VALUE", root first, as flamegraph.pl
 * and Pyroscope's `folded` ingest read them. Threads are merged (speedscope
 * keeps them apart); VALUE is the stack's counted time in whole
 * microseconds (docs/exports.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/export/export.h"
#include "client/export/export_stack.h"
#include "common/buf.h"

struct folded_line {
    char *stack; /* NUL-terminated frames, root first */
    double seconds;
};

/* Appends s with the characters that would break a line apart escaped:
 * ';' separates frames and a newline ends the line, so neither may appear
 * inside a frame; backslash escapes itself. */
static int append_escaped(struct buf *b, const char *s)
{
    char esc[8];
    int rc = 0;
    for (; *s && rc == 0; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\')
            rc = buf_append(b, "\\\\", 2);
        else if (c == ';' || c < 0x20 || c == 0x7f)
            rc = buf_append(b, esc, (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c));
        else
            rc = buf_append(b, s, 1);
    }
    return rc;
}

/* "qualname (file:line)", or "qualname (file)" when the line is unknown;
 * the gap frame of a deep stack, its name alone. */
static int append_frame(struct buf *b, const struct profile *p, const struct profile_frame *f)
{
    const struct profile_code *code = profile_code(p, f->code_id);
    char line[24] = "";
    if (!code)
        return buf_append(b, EXPORT_UNKNOWN_CODE, strlen(EXPORT_UNKNOWN_CODE));
    if (f->line > 0)
        snprintf(line, sizeof(line), ":%d", (int)f->line);
    int rc = append_escaped(b, code->qualname ? code->qualname : "?");
    if (code->gap)
        return rc;
    rc = rc ? rc : buf_append(b, " (", 2);
    rc = rc ? rc : append_escaped(b, code->file);
    rc = rc ? rc : buf_append(b, line, strlen(line));
    return rc ? rc : buf_append(b, ")", 1);
}

/* The folded frames of st, root first, as a new string, or NULL. */
static char *fold_stack(const struct profile *p, const struct profile_stack *st)
{
    struct buf b;
    buf_init(&b);
    char name[EXPORT_NO_FRAMES_MAX];
    const char *none = export_no_frames_name(st->why, name);
    int rc = st->nframes ? 0 : buf_append(&b, none, strlen(none));
    for (uint32_t i = st->nframes; i-- > 0 && rc == 0;) {
        if (i + 1 < st->nframes)
            rc = buf_append(&b, ";", 1);
        rc = rc ? rc : append_frame(&b, p, &st->frames[i]);
    }
    rc = rc ? rc : buf_append(&b, "", 1);
    if (rc < 0) {
        buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static int by_stack(const void *a, const void *b)
{
    return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

/* Lines with equal stacks (sorted, so adjacent) as one, rounded once. */
static void write_merged(const struct folded_line *lines, size_t n, FILE *out)
{
    for (size_t i = 0; i < n;) {
        double seconds = 0;
        size_t j = i;
        for (; j < n && strcmp(lines[j].stack, lines[i].stack) == 0; j++)
            seconds += lines[j].seconds;
        long long micros = llround(seconds * 1e6);
        if (micros > 0)
            fprintf(out, "%s %lld\n", lines[i].stack, micros);
        i = j;
    }
}

int export_collapsed(const struct profile *p, FILE *out, char *err, size_t errlen)
{
    struct folded_line *lines = calloc(p->nstacks ? p->nstacks : 1, sizeof(*lines));
    size_t n = 0;
    int rc = lines ? 0 : -ENOMEM;
    for (size_t i = 0; i < p->nstacks && rc == 0; i++) {
        double seconds = export_stack_seconds(p, &p->stacks[i]);
        if (!(seconds > 0))
            continue;
        lines[n].seconds = seconds;
        if (!(lines[n++].stack = fold_stack(p, &p->stacks[i])))
            rc = -ENOMEM;
    }
    if (rc == 0) {
        qsort(lines, n, sizeof(*lines), by_stack);
        write_merged(lines, n, out);
    } else {
        snprintf(err, errlen, "collapsed: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i].stack);
    free(lines);
    return rc;
}
