/* The session table and its watchers (see registry.h). One mutex guards
 * the list, every entry's watcher list and every watcher's queue; sends
 * done under it never block (MSG_DONTWAIT), so no thread waits on another
 * thread's peer. */
#include "daemon/registry.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/msgio.h"
#include "common/procfs.h"
#include "common/proto.h"

/* A watcher further behind than this (besides the replay it joined with)
 * is dropped: a stuck terminal must not make the daemon hold an unbounded
 * copy of someone's profile. */
#define REGISTRY_WATCHER_BACKLOG (8u << 20)
#define REGISTRY_WATCH_POLL_MS 100
#define REGISTRY_FINAL_FLUSH_MS 5000

struct registry_watcher {
    int fd;
    int fresh;   /* has not had the replay yet */
    int done;    /* the session ended: the watcher's thread owns it now */
    int dropped; /* fell too far behind */
    size_t replay_len; /* the replay it was sent: allowed on top of the backlog */
    struct buf pending; /* what the socket did not take yet */
    struct registry_watcher *next;
};

struct registry_entry {
    uint32_t id;
    struct registry_info info;
    uint64_t start_ns;
    atomic_uint_least64_t ticks;
    atomic_int stop;
    char stop_reason[128];
    struct registry_watcher *watchers;
    uint32_t nwatchers;
    struct buf replay; /* touched by the session's thread only */
    size_t replay_history, replay_names; /* bytes of each part in replay */
    struct registry_entry *next;
};

struct registry {
    pthread_mutex_t lock;
    struct registry_entry *entries;
    unsigned count, max_sessions;
    uint32_t next_id;
    int shutting_down;
};

struct registry *registry_new(unsigned max_sessions)
{
    struct registry *reg = calloc(1, sizeof(*reg));
    if (!reg)
        return NULL;
    pthread_mutex_init(&reg->lock, NULL);
    reg->max_sessions = max_sessions;
    reg->next_id = 1;
    return reg;
}

void registry_free(struct registry *reg)
{
    if (!reg)
        return;
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

int registry_add(struct registry *reg, const struct registry_info *info,
                 struct registry_entry **out, char *err, size_t errlen)
{
    struct registry_entry *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, errlen, "registry: out of memory");
        return -ENOMEM;
    }
    e->info = *info;
    e->start_ns = clock_monotonic_ns();
    buf_init(&e->replay);
    int rc = 0;
    pthread_mutex_lock(&reg->lock);
    if (reg->shutting_down) {
        snprintf(err, errlen, "the daemon is shutting down: try again in a moment");
        rc = -ESHUTDOWN;
    } else if (reg->count >= reg->max_sessions) {
        snprintf(err, errlen,
                 "the daemon already runs %u sessions, its maximum (max_sessions in its "
                 "configuration)",
                 reg->count);
        rc = -EBUSY;
    } else {
        e->id = reg->next_id++;
        if (reg->next_id == 0)
            reg->next_id = 1; /* 0 is never a session id */
        e->next = reg->entries;
        reg->entries = e;
        reg->count++;
    }
    pthread_mutex_unlock(&reg->lock);
    if (rc < 0) {
        free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void registry_remove(struct registry *reg, struct registry_entry *entry)
{
    if (!entry)
        return;
    pthread_mutex_lock(&reg->lock);
    for (struct registry_entry **p = &reg->entries; *p; p = &(*p)->next) {
        if (*p == entry) {
            *p = entry->next;
            reg->count--;
            break;
        }
    }
    for (struct registry_watcher *w = entry->watchers, *next; w; w = next) {
        next = w->next;
        w->next = NULL;
        w->done = 1;
    }
    pthread_mutex_unlock(&reg->lock);
    buf_free(&entry->replay);
    free(entry);
}

uint32_t registry_entry_id(const struct registry_entry *entry)
{
    return entry->id;
}

void registry_entry_set_ticks(struct registry_entry *entry, uint64_t ticks)
{
    atomic_store(&entry->ticks, ticks);
}

const char *registry_entry_stop_reason(struct registry_entry *entry)
{
    return atomic_load(&entry->stop) ? entry->stop_reason : NULL;
}

/* Root sees everything; everyone else only what they own. */
static int may_see(const struct registry_entry *e, uid_t caller)
{
    return caller == 0 || e->info.owner == caller;
}

int registry_list(struct registry *reg, uid_t caller, struct registry_view **out)
{
    pthread_mutex_lock(&reg->lock);
    struct registry_view *views = calloc(reg->count ? reg->count : 1, sizeof(*views));
    int n = 0;
    uint64_t now = clock_monotonic_ns();
    for (struct registry_entry *e = reg->entries; views && e; e = e->next) {
        if (!may_see(e, caller))
            continue;
        struct registry_view *v = &views[n++];
        v->id = e->id;
        v->owner = e->info.owner;
        v->pid = e->info.pid;
        v->rate_hz = e->info.rate_hz;
        v->kind = e->info.kind;
        v->elapsed_ns = now - e->start_ns;
        v->ticks = atomic_load(&e->ticks);
        v->watchers = e->nwatchers;
    }
    pthread_mutex_unlock(&reg->lock);
    if (!views)
        return -ENOMEM;
    /* /proc is read outside the lock: a slow /proc never stalls a session. */
    for (int i = 0; i < n; i++)
        procfs_cmdline(views[i].pid, views[i].command, sizeof(views[i].command));
    *out = views;
    return n;
}

static struct registry_entry *find_visible(struct registry *reg, uint32_t id, uid_t caller)
{
    for (struct registry_entry *e = reg->entries; e; e = e->next)
        if (e->id == id && may_see(e, caller))
            return e;
    return NULL;
}

static void request_stop_locked(struct registry_entry *e, const char *reason)
{
    if (atomic_load(&e->stop))
        return;
    snprintf(e->stop_reason, sizeof(e->stop_reason), "%s", reason);
    atomic_store(&e->stop, 1);
}

int registry_request_stop(struct registry *reg, uint32_t id, uid_t caller, char *err,
                          size_t errlen)
{
    pthread_mutex_lock(&reg->lock);
    struct registry_entry *e = find_visible(reg, id, caller);
    if (e) {
        char reason[96];
        snprintf(reason, sizeof(reason), "stopped by `fixingahole stop %u` (uid %u)", (unsigned)id,
                 (unsigned)caller);
        request_stop_locked(e, reason);
    }
    pthread_mutex_unlock(&reg->lock);
    if (!e) {
        snprintf(err, errlen, "session %u: no such session of yours (see fixingahole sessions)",
                 (unsigned)id);
        return -ENOENT;
    }
    return 0;
}

void registry_shutdown(struct registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    reg->shutting_down = 1;
    for (struct registry_entry *e = reg->entries; e; e = e->next)
        request_stop_locked(e, "the daemon was shut down");
    pthread_mutex_unlock(&reg->lock);
}

int registry_shutting_down(struct registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    int down = reg->shutting_down;
    pthread_mutex_unlock(&reg->lock);
    return down;
}

unsigned registry_count(struct registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    unsigned n = reg->count;
    pthread_mutex_unlock(&reg->lock);
    return n;
}

unsigned registry_max_sessions(const struct registry *reg)
{
    return reg->max_sessions;
}

/* --- fan-out -------------------------------------------------------------- */

static int pending_append(struct registry_watcher *w, const uint8_t *data, size_t len)
{
    if (w->pending.len + len > REGISTRY_WATCHER_BACKLOG + w->replay_len)
        return -ENOBUFS;
    return buf_append(&w->pending, data, len);
}

/* Sends what the socket takes now; 0, or negative when the peer is gone. */
static int pending_flush(struct registry_watcher *w)
{
    long sent = msgio_send_ready(w->fd, w->pending.data, w->pending.len);
    if (sent < 0)
        return (int)sent;
    buf_consume(&w->pending, (size_t)sent);
    return 0;
}

static void watcher_queue(struct registry_watcher *w, const uint8_t *data, size_t len)
{
    if (w->dropped || !len)
        return;
    if (pending_append(w, data, len) < 0 || pending_flush(w) < 0)
        w->dropped = 1;
}

/* Keeps what a late watcher needs: the messages that name code objects,
 * threads and processes, and (up to a bound) the samples, RSS and heap events so far. */
static void replay_record(struct registry_entry *e, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (len - off >= PROTO_HEADER_SIZE) {
        uint32_t type, length;
        memcpy(&type, data + off, 4);
        memcpy(&length, data + off + 4, 4);
        size_t whole = PROTO_HEADER_SIZE + (size_t)length;
        if (whole > len - off)
            break;
        int history = type == PROTO_SAMPLE || type == PROTO_RSS || type == PROTO_HEAP ||
                      type == PROTO_HEAP_FREE;
        int name = type == PROTO_SESSION_STARTED || type == PROTO_TARGET ||
                   type == PROTO_CODE || type == PROTO_THREAD || type == PROTO_PROCESS;
        size_t *used = history ? &e->replay_history : &e->replay_names;
        size_t bound = history ? REGISTRY_REPLAY_HISTORY_BYTES : REGISTRY_REPLAY_NAMES_BYTES;
        if ((history || name) && *used + whole <= bound) {
            if (buf_append(&e->replay, data + off, whole) < 0)
                return; /* late watchers will see unnamed frames */
            *used += whole;
        }
        off += whole;
    }
}

void registry_forward(struct registry *reg, struct registry_entry *entry, const uint8_t *data,
                      size_t len)
{
    pthread_mutex_lock(&reg->lock);
    for (struct registry_watcher *w = entry->watchers; w; w = w->next) {
        if (w->fresh) {
            w->replay_len = entry->replay.len;
            watcher_queue(w, entry->replay.data, entry->replay.len);
            w->fresh = 0;
        }
        watcher_queue(w, data, len);
    }
    pthread_mutex_unlock(&reg->lock);
    replay_record(entry, data, len);
}

static void unlink_watcher(struct registry_entry *e, struct registry_watcher *w)
{
    for (struct registry_watcher **p = &e->watchers; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            e->nwatchers--;
            return;
        }
    }
}

/* The session ended: what is still queued (its SESSION_END among it) goes
 * out, waiting a little for a slow terminal. */
static void final_flush(struct registry_watcher *w)
{
    uint64_t give_up = clock_monotonic_ns() + (uint64_t)REGISTRY_FINAL_FLUSH_MS * CLOCK_NS_PER_MS;
    while (w->pending.len && clock_monotonic_ns() < give_up) {
        if (pending_flush(w) < 0)
            return;
        struct pollfd p = {.fd = w->fd, .events = POLLOUT};
        poll(&p, 1, REGISTRY_WATCH_POLL_MS);
    }
}

int registry_watch(struct registry *reg, uint32_t id, uid_t caller, int fd, char *err,
                   size_t errlen)
{
    struct registry_watcher *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "watch: out of memory");
        return -ENOMEM;
    }
    w->fd = fd;
    w->fresh = 1;
    pthread_mutex_lock(&reg->lock);
    struct registry_entry *e = find_visible(reg, id, caller);
    if (e) {
        w->next = e->watchers;
        e->watchers = w;
        e->nwatchers++;
    }
    pthread_mutex_unlock(&reg->lock);
    if (!e) {
        free(w);
        snprintf(err, errlen, "session %u: no such session of yours (see fixingahole sessions)",
                 (unsigned)id);
        return -ENOENT;
    }
    int done = 0, dropped = 0;
    while (!done && !dropped) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        /* A watcher says nothing: anything readable is its leaving. */
        if (poll(&p, 1, REGISTRY_WATCH_POLL_MS) > 0)
            break;
        pthread_mutex_lock(&reg->lock);
        done = w->done;
        dropped = w->dropped;
        pthread_mutex_unlock(&reg->lock);
    }
    pthread_mutex_lock(&reg->lock);
    if (!w->done)
        unlink_watcher(e, w); /* e lives while w is on its list */
    done = w->done;
    pthread_mutex_unlock(&reg->lock);
    if (done && !w->dropped)
        final_flush(w);
    buf_free(&w->pending);
    free(w);
    return 0;
}
