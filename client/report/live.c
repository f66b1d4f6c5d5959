/* Live summaries while the script runs (see live.h). */
#include "client/report/live.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/model/profile_strip.h"
#include "client/report/outdir.h"
#include "client/report/report_text.h"
#include "common/mkdirs.h"
#include "common/procfs.h"

int live_init(struct live *l, const char *output, const char *script)
{
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    const char *dot = strrchr(base, '.'); /* as outdir names the run's folder */
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/%.*s", output, (int)stem, base);
    int rc = mkdirs(dir, 0755);
    if (rc < 0)
        return rc;
    snprintf(l->file, sizeof(l->file), "%.*s/profile_results.live.txt",
             (int)(sizeof(l->file) - 32), dir);
    return 0;
}

/* A copy of p without the bootstrap's frames: p keeps growing after. The
 * stacks are rebuilt (stripping can merge two), so the memory events are
 * re-pointed at the rebuilt stacks. */
struct profile *live_snapshot(const struct profile *p, const char *bootstrap, double elapsed)
{
    struct profile *copy = profile_new();
    struct profile_frame *frames = NULL;
    uint32_t *stack_map = malloc((p->nstacks + 1) * sizeof(*stack_map));
    size_t cap = 0;
    int rc = copy && stack_map ? 0 : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < p->ncodes; i++)
        if (p->codes[i].file) {
            rc = profile_set_code(copy, (uint32_t)i, p->codes[i].file, p->codes[i].qualname,
                                  p->codes[i].firstlineno);
            if (p->codes[i].native)
                profile_mark_native(copy, (uint32_t)i);
            if (p->codes[i].gap)
                profile_mark_gap(copy, (uint32_t)i);
        }
    for (size_t i = 0; rc == 0 && i < p->nstacks; i++) {
        const struct profile_stack *st = &p->stacks[i];
        if (st->nframes > cap) {
            struct profile_frame *grown = realloc(frames, st->nframes * sizeof(*frames));
            if (!grown) {
                rc = -ENOMEM;
                break;
            }
            frames = grown;
            cap = st->nframes;
        }
        uint32_t n = profile_strip_kept_frames(p, st, bootstrap, frames);
        rc = profile_add_stack(copy, st->tid, frames, n, st->why, st->samples, st->seconds);
        long at = rc == 0 ? profile_intern_stack(copy, st->tid, frames, n, st->why) : -ENOMEM;
        if (at < 0)
            rc = -ENOMEM;
        else
            stack_map[i] = (uint32_t)at;
    }
    if (rc == 0)
        rc = profile_mem_copy(&copy->memory, &p->memory, stack_map);
    free(frames);
    free(stack_map);
    if (rc < 0) {
        profile_free(copy);
        return NULL;
    }
    copy->wall_seconds = elapsed;
    copy->include_idle = p->include_idle;
    copy->gil_only = p->gil_only;
    return copy;
}

void live_refresh(void *ctx, const struct profile *p, double elapsed_s)
{
    struct live *l = ctx;
    struct profile *copy = live_snapshot(p, l->bootstrap, elapsed_s);
    if (copy)
        if (procfs_peak_rss(l->pid, &copy->max_rss_bytes) < 0)
            copy->max_rss_bytes = 0;
    struct summary *s = copy ? summary_new(copy, &l->so) : NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = s ? open_memstream(&text, &len) : NULL;
    if (mem) {
        struct report_text_options brief = {.running = 1, .paint = paint_for_fd(2)};
        fprintf(mem, "\n--- fixingahole --live: %.1f s into the run ---\n", elapsed_s);
        report_text_write(mem, copy, s, &brief);
        fprintf(mem, "--- (%s) ---\n", l->file);
        fclose(mem);
        /* One write: the summary is not interleaved with the script's
         * output a few bytes at a time. */
        size_t off = 0;
        ssize_t n;
        while (text && off < len && (n = write(2, text + off, len - off)) > 0)
            off += (size_t)n;
    }
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", l->file);
    FILE *f = s ? fopen(tmp, "we") : NULL;
    if (f) {
        struct report_text_options full = {.line_tables = 1, .trace = l->trace, .running = 1};
        int bad = report_text_write(f, copy, s, &full) < 0;
        if (fclose(f) != 0 || bad || rename(tmp, l->file) != 0)
            unlink(tmp);
    }
    free(text);
    summary_free(s);
    profile_free(copy);
}

void live_finish(struct live *l)
{
    if (l->file[0])
        unlink(l->file);
}
