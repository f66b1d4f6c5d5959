/* Sampling the descendants (see children.h). */
#include "daemon/children.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/proto.h"
#include "common/procfs.h"
#include "daemon/threadstop.h"

/* Looks a member showing no interpreter gets with the same image, one per
 * PROCTREE_SCAN_GAP_NS at most (200 ms in all): the loader maps libpython
 * a moment after the exec. */
#define CHILDREN_LOCATE_TRIES 20
#define CHILDREN_IMAGE_MAX (PATH_MAX + 160)

enum child_state {
    CHILD_WATCHED = 0, /* no interpreter found yet */
    CHILD_PYTHON,      /* sampled */
    CHILD_OTHER,       /* no interpreter in this image: not Python */
    CHILD_FAILED,      /* an interpreter this daemon cannot read, or may not trace */
};

struct child {
    pid_t pid;
    int born_within; /* proctree_proc's */
    uint64_t image_read_ns; /* when its image was last compared */
    uint64_t image_mark;    /* the tree's image mark at that comparison */
    uint64_t tried_ns;      /* when its interpreter was last looked for */
    enum child_state state;
    int tries;
    char image[CHILDREN_IMAGE_MAX];
    struct py_target target;
    struct sampler *sampler;
    struct codeids_proc codes;
    char note[200];
};

struct children {
    enum pyoff_pref pref;
    char debug_dirs[PATH_MAX];
    int fallback_clocks; /* exact_clocks = no in the daemon's config (config.h) */
    uint64_t period_ns;  /* the session's sampling period */
    int native;          /* --native: children's samples carry native frames too */
    struct child **kids; /* by tree index (proctree_at), NULL for the root */
    size_t nkids, cap;
};

struct children *children_new(const struct session_request *req)
{
    struct children *ch = calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    ch->pref = req->pref;
    ch->fallback_clocks = req->fallback_clocks;
    ch->period_ns = CLOCK_NS_PER_SEC / (req->rate_hz ? req->rate_hz : 100);
    ch->native = (req->flags & PROTO_FLAG_NATIVE) != 0;
    snprintf(ch->debug_dirs, sizeof(ch->debug_dirs), "%s", req->debug_dirs);
    return ch;
}

static void drop_sampler(struct child *c)
{
    sampler_free(c->sampler);
    c->sampler = NULL;
    codeids_proc_free(&c->codes);
}

void children_free(struct children *ch)
{
    if (!ch)
        return;
    for (size_t i = 0; i < ch->nkids; i++) {
        if (ch->kids[i])
            drop_sampler(ch->kids[i]);
        free(ch->kids[i]);
    }
    free(ch->kids);
    free(ch);
}

static struct child *child_at(const struct children *ch, size_t index)
{
    return ch && index < ch->nkids ? ch->kids[index] : NULL;
}

/* Gives the tree's members from index nkids on their entries (members are
 * only ever appended). Returns 0 or -ENOMEM. */
static int add_children(struct children *ch, struct proctree *tree)
{
    size_t count = proctree_count(tree);
    if (count <= ch->nkids)
        return 0;
    struct child **grown = buf_grow_array(ch->kids, &ch->cap, count, sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    ch->kids = grown;
    for (; ch->nkids < count; ch->nkids++) {
        const struct proctree_proc *p = proctree_at(tree, ch->nkids);
        struct child *c = p->root ? NULL : calloc(1, sizeof(*c));
        if (!p->root && !c)
            return -ENOMEM;
        if (c) {
            c->pid = p->pid;
            c->born_within = p->born_within;
        }
        ch->kids[ch->nkids] = c;
    }
    return 0;
}

/* What the process runs: its executable and its lowest mapping (which an
 * exec replaces, at a new address under ASLR, even for the same file).
 * -ESRCH when it cannot be read (the process is exiting). */
static int read_image(pid_t pid, char *out, size_t len)
{
    char exe[PATH_MAX], path[64], first[160];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    if (procfs_exe(pid, exe, sizeof(exe)) < 0 || procfs_read(path, first, sizeof(first)) <= 0)
        return -ESRCH;
    first[strcspn(first, "\n")] = '\0';
    snprintf(out, len, "%s|%s", exe, first);
    return 0;
}

/* Tries to find the interpreter, holding the main thread still meanwhile
 * so that a short child does not run ahead of its first sample. */
static void try_locate(struct children *ch, struct child *c)
{
    struct thread_hold hold;
    int hold_rc = threadstop_hold(c->pid, &hold);
    if (hold_rc == -EPERM) {
        /* Yama's scope 1: the target named us its tracer, its children did
         * not. Their memory is closed to us as well. */
        c->state = CHILD_FAILED;
        snprintf(c->note, sizeof(c->note), "the daemon may not trace it");
        return;
    }
    int held = hold_rc == 0;
    char why[400] = "";
    int rc = pyloc_locate_pid(c->pid, ch->pref, ch->debug_dirs[0] ? ch->debug_dirs : NULL,
                              &c->target, why, sizeof(why));
    if (held)
        threadstop_release(&hold);
    if (rc == 0) {
        c->sampler = sampler_new(c->pid, &c->target);
        if (c->sampler && ch->fallback_clocks)
            sampler_refuse_exact_clocks(c->sampler);
        if (c->sampler)
            sampler_set_period(c->sampler, ch->period_ns);
        if (c->sampler && ch->native &&
            sampler_enable_native(c->sampler, ch->debug_dirs) < 0)
            drop_sampler(c);
        /* An older child (attach) ran before the session: that is not its. */
        if (c->sampler && c->born_within)
            sampler_set_started_within(c->sampler);
        c->state = c->sampler ? CHILD_PYTHON : CHILD_FAILED;
        snprintf(c->note, sizeof(c->note), "%s", c->sampler ? "" : "sampler: out of memory");
    } else if (rc == -ESRCH) {
        return; /* exited meanwhile: the tree notes that at its next scan */
    } else if (rc == -ENOENT || rc == -EAGAIN) {
        if (++c->tries >= CHILDREN_LOCATE_TRIES) {
            c->state = CHILD_OTHER;
            snprintf(c->note, sizeof(c->note), "not a Python process");
        }
    } else {
        c->state = CHILD_FAILED;
        /* The locate's reason, cut to the note (200 bytes, a table cell). */
        snprintf(c->note, sizeof(c->note), "%.199s",
                 rc == -EPERM || rc == -EACCES ? "the daemon may not trace it" : why);
    }
}

/* Starts over when the member exec'd since the last look (at its first
 * tick, then at most every PROCTREE_SCAN_GAP_NS: the walks of the old
 * program fail for that long at most). Its image is read again only when
 * the tree's image mark of it moved (or is unknown): a link and a mapping
 * read per child every 10 ms were a fifth of a pool's tree upkeep. */
static void follow_exec(struct child *c, uint64_t mark, uint64_t now_ns)
{
    char image[CHILDREN_IMAGE_MAX];
    if (c->image_read_ns && now_ns - c->image_read_ns < PROCTREE_SCAN_GAP_NS)
        return;
    if (c->image_read_ns && mark && mark == c->image_mark)
        return;
    c->image_read_ns = now_ns;
    c->image_mark = mark;
    if (read_image(c->pid, image, sizeof(image)) < 0 || strcmp(image, c->image) == 0)
        return;
    snprintf(c->image, sizeof(c->image), "%s", image);
    drop_sampler(c);
    c->state = CHILD_WATCHED;
    c->tries = 0;
    c->note[0] = '\0';
}

struct child_emit {
    children_emit_fn emit;
    void *ctx;
    struct child *child;
};

static int emit_child_sample(void *ctx, const struct thread_sample *sample)
{
    struct child_emit *e = ctx;
    return e->emit(e->ctx, e->child->pid, sampler_walker(e->child->sampler), &e->child->codes,
                   sample);
}

/* What the child's sampler still holds (sampler_release_held). */
static int release_child(struct child *c, children_emit_fn emit, void *ctx)
{
    struct child_emit e = {emit, ctx, c};
    return c->sampler ? sampler_release_held(c->sampler, emit_child_sample, &e) : 0;
}

int children_release_held(struct children *ch, children_emit_fn emit, void *ctx)
{
    int rc = 0;
    for (size_t i = 0; ch && i < ch->nkids && rc == 0; i++)
        if (ch->kids[i])
            rc = release_child(ch->kids[i], emit, ctx);
    return rc;
}

static int tick_child(struct children *ch, struct child *c, uint64_t image_mark, uint64_t now_ns,
                      uint64_t planned_ns, children_emit_fn emit, void *ctx)
{
    follow_exec(c, image_mark, now_ns);
    if (c->state == CHILD_WATCHED && (!c->tries || now_ns - c->tried_ns >= PROCTREE_SCAN_GAP_NS)) {
        c->tried_ns = now_ns;
        try_locate(ch, c);
    }
    if (c->state != CHILD_PYTHON)
        return 0;
    struct child_emit e = {emit, ctx, c};
    int rc = sampler_tick(c->sampler, now_ns, planned_ns, emit_child_sample, &e);
    return rc == -ESRCH ? 0 : rc; /* gone: the tree sees that at its next scan */
}

int children_tick(struct children *ch, struct proctree *tree, uint64_t now_ns, uint64_t planned_ns,
                  children_emit_fn emit, void *ctx)
{
    int rc = add_children(ch, tree);
    for (size_t i = 0; i < ch->nkids && rc == 0; i++) {
        struct child *c = ch->kids[i];
        if (!c || (!c->sampler && proctree_at(tree, i)->exited))
            continue;
        if (proctree_at(tree, i)->exited) {
            rc = release_child(c, emit, ctx);
            drop_sampler(c);
        } else
            rc = tick_child(ch, c, proctree_at(tree, i)->image_mark, now_ns, planned_ns, emit,
                            ctx);
    }
    return rc;
}

struct sampler *children_sampler(struct children *ch, pid_t pid)
{
    for (size_t i = 0; ch && i < ch->nkids; i++) {
        struct child *c = ch->kids[i];
        if (c && c->pid == pid && c->state == CHILD_PYTHON)
            return c->sampler;
    }
    return NULL;
}

void children_describe(const struct children *ch, size_t index, const char **python,
                       const char **note)
{
    const struct child *c = child_at(ch, index);
    *python = c && c->state == CHILD_PYTHON ? c->target.version : "";
    *note = !c ? "" : c->state == CHILD_WATCHED ? "no interpreter found (yet)" : c->note;
}
