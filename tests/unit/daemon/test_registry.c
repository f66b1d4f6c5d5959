/* The session registry: ids, the session limit, who sees and stops what,
 * shutdown, and the fan-out to watchers (a late watcher gets the replay of
 * what came before, then what follows; a watcher never blocks the
 * session). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/msgio.h"
#include "common/proto.h"
#include "daemon/registry.h"
#include "harness.h"

static struct registry_entry *add(struct registry *reg, uid_t owner, pid_t pid, int *rc)
{
    struct registry_info info = {.owner = owner, .pid = pid, .rate_hz = 100,
                                 .kind = PROTO_KIND_PROFILE};
    struct registry_entry *e = NULL;
    char err[256];
    *rc = registry_add(reg, &info, &e, err, sizeof(err));
    return e;
}

static void test_limits_and_permissions(void)
{
    struct registry *reg = registry_new(2);
    int rc;
    struct registry_entry *a = add(reg, 1000, getpid(), &rc);
    CHECK_EQ_INT(rc, 0);
    struct registry_entry *b = add(reg, 2000, getpid(), &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK(registry_entry_id(a) != registry_entry_id(b));
    add(reg, 1000, getpid(), &rc);
    CHECK_EQ_INT(rc, -EBUSY);

    struct registry_view *views = NULL;
    CHECK_EQ_INT(registry_list(reg, 1000, &views), 1);
    CHECK_EQ_INT(views[0].id, registry_entry_id(a));
    CHECK(strlen(views[0].command) > 0); /* read from /proc: our own command */
    free(views);
    CHECK_EQ_INT(registry_list(reg, 0, &views), 2);
    free(views);
    CHECK_EQ_INT(registry_list(reg, 3000, &views), 0);
    free(views);

    char err[256];
    CHECK_EQ_INT(registry_request_stop(reg, registry_entry_id(b), 1000, err, sizeof(err)),
                 -ENOENT);
    CHECK(registry_entry_stop_reason(b) == NULL);
    CHECK_EQ_INT(registry_request_stop(reg, registry_entry_id(b), 2000, err, sizeof(err)), 0);
    CHECK(registry_entry_stop_reason(b) != NULL);
    CHECK(registry_entry_stop_reason(a) == NULL);
    CHECK_EQ_INT(registry_request_stop(reg, registry_entry_id(a), 0, err, sizeof(err)), 0);
    CHECK(registry_entry_stop_reason(a) != NULL);

    registry_remove(reg, b);
    CHECK_EQ_INT(registry_count(reg), 1);
    registry_shutdown(reg);
    add(reg, 1000, getpid(), &rc);
    CHECK_EQ_INT(rc, -ESHUTDOWN);
    registry_remove(reg, a);
    CHECK_EQ_INT(registry_count(reg), 0);
    registry_free(reg);
}

struct watch_arg {
    struct registry *reg;
    uint32_t id;
    uid_t caller;
    int fd;
    int rc;
};

static void *watch_thread(void *p)
{
    struct watch_arg *w = p;
    char err[256];
    w->rc = registry_watch(w->reg, w->id, w->caller, w->fd, err, sizeof(err));
    return NULL;
}

static void put_code(struct buf *batch, struct proto_buf *msg, uint32_t type, uint32_t v)
{
    proto_begin(msg, type);
    proto_put_u32(msg, v);
    proto_finish(msg);
    CHECK_EQ_INT(buf_append(batch, msg->wire.data, msg->wire.len), 0);
}

static uint32_t watchers_of(struct registry *reg, uint32_t id)
{
    struct registry_view *views = NULL;
    int n = registry_list(reg, 0, &views);
    uint32_t w = 0;
    for (int i = 0; i < n; i++)
        if (views[i].id == id)
            w = views[i].watchers;
    free(views);
    return w;
}

static void wait_watchers(struct registry *reg, uint32_t id, uint32_t n)
{
    for (int i = 0; i < 500 && watchers_of(reg, id) != n; i++)
        usleep(2000);
}

/* Reads the next message's type and u32 argument. */
static int next(int fd, uint32_t *type, uint32_t *value)
{
    struct msgio_msg m = {0};
    int rc = msgio_recv(fd, &m, 2000);
    if (rc > 0) {
        *type = m.type;
        *value = 0;
        if (m.length >= 4)
            memcpy(value, m.payload, 4);
    }
    msgio_msg_free(&m);
    return rc;
}

/* One session of user 1000 and a batch to build its messages in. */
struct session_fixture {
    struct registry *reg;
    struct registry_entry *e;
    uint32_t id;
    struct buf batch;
    struct proto_buf msg;
};

static void fixture_init(struct session_fixture *f)
{
    int rc;
    f->reg = registry_new(4);
    f->e = add(f->reg, 1000, getpid(), &rc);
    CHECK_EQ_INT(rc, 0);
    f->id = registry_entry_id(f->e);
    buf_init(&f->batch);
    proto_buf_init(&f->msg);
}

/* Sends the batch built so far to the session's watchers and empties it. */
static void fixture_forward(struct session_fixture *f)
{
    registry_forward(f->reg, f->e, f->batch.data, f->batch.len);
    f->batch.len = 0;
}

static void fixture_free(struct session_fixture *f)
{
    buf_free(&f->batch);
    proto_buf_free(&f->msg);
    registry_free(f->reg);
}

static void test_fanout(void)
{
    struct session_fixture f;
    fixture_init(&f);
    struct registry *reg = f.reg;
    uint32_t id = f.id;

    /* Another user cannot watch. */
    int other[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, other);
    char err[256];
    CHECK_EQ_INT(registry_watch(reg, id, 2000, other[0], err, sizeof(err)), -ENOENT);
    close(other[0]);
    close(other[1]);

    /* Before any watcher: the start and one code object. */
    put_code(&f.batch, &f.msg, PROTO_SESSION_STARTED, id);
    put_code(&f.batch, &f.msg, PROTO_CODE, 0);
    put_code(&f.batch, &f.msg, PROTO_SAMPLE, 111);
    fixture_forward(&f);

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct watch_arg w = {.reg = reg, .id = id, .caller = 1000, .fd = sv[0]};
    pthread_t thread;
    pthread_create(&thread, NULL, watch_thread, &w);
    wait_watchers(reg, id, 1);
    CHECK_EQ_INT(watchers_of(reg, id), 1);

    put_code(&f.batch, &f.msg, PROTO_CODE, 1);
    put_code(&f.batch, &f.msg, PROTO_SAMPLE, 222);
    fixture_forward(&f);

    /* The replay (start, code 0, the sample so far), then the new batch. */
    uint32_t type, value;
    CHECK(next(sv[1], &type, &value) > 0 && type == PROTO_SESSION_STARTED && value == id);
    CHECK(next(sv[1], &type, &value) > 0 && type == PROTO_CODE && value == 0);
    CHECK(next(sv[1], &type, &value) > 0 && type == PROTO_SAMPLE && value == 111);
    CHECK(next(sv[1], &type, &value) > 0 && type == PROTO_CODE && value == 1);
    CHECK(next(sv[1], &type, &value) > 0 && type == PROTO_SAMPLE && value == 222);

    /* The session ends: the watcher's thread returns and the socket closes. */
    put_code(&f.batch, &f.msg, PROTO_SESSION_END, 2);
    fixture_forward(&f);
    registry_remove(reg, f.e);
    pthread_join(thread, NULL);
    CHECK_EQ_INT(w.rc, 0);
    CHECK(next(sv[1], &type, &value) > 0 && type == PROTO_SESSION_END);
    close(sv[0]);
    close(sv[1]);

    fixture_free(&f);
}

/* A watcher that never reads is dropped, and the session never waits. */
static void test_stuck_watcher(void)
{
    struct registry *reg = registry_new(4);
    int rc;
    struct registry_entry *e = add(reg, 0, getpid(), &rc);
    uint32_t id = registry_entry_id(e);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct watch_arg w = {.reg = reg, .id = id, .caller = 0, .fd = sv[0]};
    pthread_t thread;
    pthread_create(&thread, NULL, watch_thread, &w);
    wait_watchers(reg, id, 1);
    uint8_t *big = calloc(1, 1 << 20);
    struct proto_buf msg;
    proto_buf_init(&msg);
    proto_begin(&msg, PROTO_SAMPLE);
    proto_finish(&msg);
    memcpy(big, msg.wire.data, PROTO_HEADER_SIZE);
    uint32_t length = (1 << 20) - PROTO_HEADER_SIZE;
    memcpy(big + 4, &length, 4);
    for (int i = 0; i < 16; i++)
        registry_forward(reg, e, big, 1 << 20); /* 16 MB nobody reads */
    pthread_join(thread, NULL); /* it gave up on its own */
    CHECK_EQ_INT(watchers_of(reg, id), 0);
    registry_remove(reg, e);
    close(sv[0]);
    close(sv[1]);
    free(big);
    proto_buf_free(&msg);
    registry_free(reg);
}


/* A message of type with v as its first u32, padded to len payload bytes. */
static void put_sized(struct buf *batch, struct proto_buf *msg, uint32_t type, uint32_t v,
                      size_t len)
{
    static const uint8_t zeros[1 << 14];
    proto_begin(msg, type);
    proto_put_u32(msg, v);
    CHECK_EQ_INT(buf_append(&msg->wire, zeros, len - 4), 0);
    proto_finish(msg);
    CHECK_EQ_INT(buf_append(batch, msg->wire.data, msg->wire.len), 0);
}

struct history_reader {
    int fd;
    uint32_t samples;     /* history samples replayed, in order from 0 */
    int in_order;         /* they came 0, 1, 2... */
    int named_late;       /* the code object named after the history filled */
    int live;             /* the message sent after the watcher joined */
    atomic_int done;
};

static void *read_history(void *p)
{
    struct history_reader *r = p;
    uint32_t type, value;
    r->in_order = 1;
    while (!r->live && next(r->fd, &type, &value) > 0) {
        if (type == PROTO_SAMPLE && value == UINT32_MAX)
            r->live = 1;
        else if (type == PROTO_SAMPLE)
            r->in_order = r->in_order && value == r->samples++;
        else if (type == PROTO_CODE && value == 7)
            r->named_late = 1;
    }
    atomic_store(&r->done, 1);
    return NULL;
}

/* Past REGISTRY_REPLAY_HISTORY_BYTES of samples, a late watcher gets the
 * history up to that bound, still every name (one sent after the bound was
 * reached), then the live stream: the replay is larger than a watcher's
 * backlog and must not get it dropped. */
static void test_history_bound(void)
{
    enum { SAMPLE_PAYLOAD = 1 << 14 };
    const uint32_t nsamples = REGISTRY_REPLAY_HISTORY_BYTES / SAMPLE_PAYLOAD + 100;
    const uint32_t fit = REGISTRY_REPLAY_HISTORY_BYTES / (SAMPLE_PAYLOAD + PROTO_HEADER_SIZE);
    struct session_fixture f;
    fixture_init(&f);
    struct registry *reg = f.reg;
    uint32_t id = f.id;
    put_code(&f.batch, &f.msg, PROTO_SESSION_STARTED, id);
    for (uint32_t i = 0; i < nsamples; i++)
        put_sized(&f.batch, &f.msg, PROTO_SAMPLE, i, SAMPLE_PAYLOAD);
    put_code(&f.batch, &f.msg, PROTO_CODE, 7);
    fixture_forward(&f);

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct watch_arg w = {.reg = reg, .id = id, .caller = 1000, .fd = sv[0]};
    struct history_reader r = {.fd = sv[1]};
    pthread_t watcher, reader;
    pthread_create(&watcher, NULL, watch_thread, &w);
    pthread_create(&reader, NULL, read_history, &r);
    wait_watchers(reg, id, 1);
    put_code(&f.batch, &f.msg, PROTO_SAMPLE, UINT32_MAX);
    fixture_forward(&f);
    /* The session's ticks are what flush a watcher's queue. */
    put_code(&f.batch, &f.msg, PROTO_RSS, 0);
    for (int i = 0; i < 5000 && !atomic_load(&r.done); i++) {
        registry_forward(reg, f.e, f.batch.data, f.batch.len);
        usleep(1000);
    }
    CHECK(r.live);
    CHECK(r.in_order);
    CHECK(r.named_late);
    CHECK_EQ_INT(r.samples, fit);

    registry_remove(reg, f.e);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(reader, NULL);
    pthread_join(watcher, NULL);
    close(sv[0]);
    close(sv[1]);
    fixture_free(&f);
}

int main(void)
{
    test_limits_and_permissions();
    test_fanout();
    test_stuck_watcher();
    test_history_bound();
    return test_finish("test_registry");
}
