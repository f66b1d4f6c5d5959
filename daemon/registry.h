/* The daemon's table of running sessions: one object, owned by the server
 * and handed to every connection, guarded by one mutex. It answers `list`,
 * `stop SESSION`, `daemon status` and shutdown, enforces the session limit,
 * and fans each session's stream out to its watchers.
 *
 * Who may see, watch or stop a session is decided here from the caller's
 * uid as the kernel reported it (SO_PEERCRED): the owner, or root. */
#ifndef FAH_DAEMON_REGISTRY_H
#define FAH_DAEMON_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct registry;
struct registry_entry;
struct registry_watcher;

/* What a late watcher is replayed, so that `watch` shows the whole session,
 * in two bounded parts. The history (samples, RSS readings, heap events):
 * at most this many bytes, about half an hour of one busy thread at
 * 100 Hz; past it, a new watcher sees those from its arrival on. */
#define REGISTRY_REPLAY_HISTORY_BYTES (16u << 20)
/* The names (session start, target, code objects, threads): what makes the
 * history readable, kept whole up to this many bytes (far more than the
 * code objects of any program; a server that starts threads forever
 * would reach it). */
#define REGISTRY_REPLAY_NAMES_BYTES (16u << 20)

/* What a session is, for `fixingahole sessions`. */
struct registry_info {
    uid_t owner;
    pid_t pid;
    unsigned rate_hz;
    uint32_t kind; /* PROTO_KIND_* */
};

/* A copy of one entry's public state, taken under the lock. */
struct registry_view {
    uint32_t id;
    uid_t owner;
    pid_t pid;
    unsigned rate_hz;
    uint32_t kind;
    uint64_t elapsed_ns, ticks;
    uint32_t watchers;
    char command[512];
};

struct registry *registry_new(unsigned max_sessions);
/* Precondition: no entry and no watcher is left (every connection ended). */
void registry_free(struct registry *reg);

/* Adds a session and gives it the next id. -EBUSY (err says why) when the
 * limit is reached, -ESHUTDOWN while the daemon shuts down. */
int registry_add(struct registry *reg, const struct registry_info *info,
                 struct registry_entry **out, char *err, size_t errlen);
/* Removes a session at its end; its watchers are let go (their threads
 * flush what is queued and close). entry is freed. */
void registry_remove(struct registry *reg, struct registry_entry *entry);

uint32_t registry_entry_id(const struct registry_entry *entry);
/* Called by the session's own thread after each tick. */
void registry_entry_set_ticks(struct registry_entry *entry, uint64_t ticks);
/* Non-NULL (the reason) once `stop SESSION` or a shutdown asked the session
 * to end: the session's thread checks it every tick. */
const char *registry_entry_stop_reason(struct registry_entry *entry);

/* Copies the sessions `caller` may see into a malloc'd array (*out, to be
 * freed). Returns the count or -ENOMEM. */
int registry_list(struct registry *reg, uid_t caller, struct registry_view **out);
/* Asks session id to stop. -ENOENT when no session the caller may see has
 * that id (another user's session does not exist for them). */
int registry_request_stop(struct registry *reg, uint32_t id, uid_t caller, char *err,
                          size_t errlen);
/* Asks every session to stop and refuses new ones. */
void registry_shutdown(struct registry *reg);
int registry_shutting_down(struct registry *reg);
unsigned registry_count(struct registry *reg);
unsigned registry_max_sessions(const struct registry *reg);

/* Fan-out. The session's thread passes every batch of messages it sent its
 * owner; each watcher gets it too, without ever blocking the session: what
 * a watcher's socket cannot take now is queued for it, and a watcher that
 * falls more than a few megabytes behind (besides its replay) is dropped.
 * A new watcher first gets the session's replay (the names: SESSION_STARTED,
 * TARGET, CODE and THREAD messages so far; the history: samples, RSS
 * readings and heap events so far, each part up to its bound above), so it
 * sees the whole session and can name every frame of what follows. */
void registry_forward(struct registry *reg, struct registry_entry *entry, const uint8_t *data,
                      size_t len);

/* Serves a watcher on fd (the caller's thread, until the session ends or
 * the watcher leaves). -ENOENT with err when caller may not see session id. */
int registry_watch(struct registry *reg, uint32_t id, uid_t caller, int fd, char *err,
                   size_t errlen);

#endif
