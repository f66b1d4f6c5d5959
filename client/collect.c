/* The client's receive loop (see collect.h). */
#include "client/collect.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/msgio.h"
#include "common/proto.h"
#include "symbols/pyoffsets.h"

/* After the script exits, how long to wait for the daemon's last samples. */
#define COLLECT_DRAIN_MS 5000

volatile sig_atomic_t collect_interrupted;

struct collector {
    struct profile *p;
    pid_t child;
    struct collect_result *out;
    int ended;  /* SESSION_END received */
    int exited; /* child reaped */
    struct proto_sample sample;
};

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static int on_target(struct collector *c, const struct msgio_msg *m)
{
    struct proto_target t;
    if (proto_decode_target(m->payload, m->length, &t) < 0)
        return -EBADMSG;
    char link[64], exe[4096];
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)c->child);
    ssize_t n = readlink(link, exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (profile_set_string(&c->p->python_version, t.version) < 0 ||
        profile_set_string(&c->p->offsets_source, pyoff_source_name(t.source)) < 0 ||
        profile_set_string(&c->p->python_executable, n > 0 ? exe : t.binary) < 0)
        return -ENOMEM;
    return 0;
}

static int on_sample(struct collector *c, const struct msgio_msg *m)
{
    struct proto_sample *s = &c->sample;
    if (proto_decode_sample(m->payload, m->length, s) < 0)
        return -EBADMSG;
    struct profile_frame frames[PROTO_MAX_FRAMES];
    for (uint32_t i = 0; i < s->nframes; i++) {
        if (s->frames[i].code_id >= c->p->ncodes)
            return -EBADMSG; /* the daemon sends a code before naming it */
        frames[i] = (struct profile_frame){s->frames[i].code_id, s->frames[i].line};
    }
    const double seconds[TIME_KINDS] = {(double)s->python_ns / 1e9, (double)s->native_ns / 1e9,
                                        (double)s->system_ns / 1e9, (double)s->idle_ns / 1e9};
    return profile_add_sample(c->p, s->tid, frames, s->nframes, seconds);
}

static int on_end(struct collector *c, const struct msgio_msg *m)
{
    struct proto_end e;
    if (proto_decode_end(m->payload, m->length, &e) < 0)
        return -EBADMSG;
    c->p->samples = e.ticks;
    c->p->errors = e.errors;
    c->ended = 1;
    if (e.reason == PROTO_END_FAILED) {
        c->out->session_failed = 1;
        snprintf(c->out->message, sizeof(c->out->message), "%s", e.detail);
    }
    return 0;
}

static int on_message(struct collector *c, const struct msgio_msg *m)
{
    struct proto_code code;
    uint32_t u32;
    const char *text;
    switch (m->type) {
    case PROTO_SESSION_STARTED:
        return proto_decode_session_started(m->payload, m->length, &u32);
    case PROTO_TARGET:
        return on_target(c, m);
    case PROTO_CODE:
        if (proto_decode_code(m->payload, m->length, &code) < 0)
            return -EBADMSG;
        return profile_set_code(c->p, code.code_id, code.file, code.qualname, code.firstlineno);
    case PROTO_THREAD:
        if (proto_decode_thread(m->payload, m->length, &u32, &text) < 0)
            return -EBADMSG;
        return profile_set_thread(c->p, u32, text);
    case PROTO_SAMPLE:
        return on_sample(c, m);
    case PROTO_SESSION_END:
        return on_end(c, m);
    case PROTO_ERROR:
        if (proto_decode_error(m->payload, m->length, &text) < 0)
            return -EBADMSG;
        c->out->session_failed = 1;
        snprintf(c->out->message, sizeof(c->out->message), "%s", text);
        c->ended = 1;
        return 0;
    default:
        return -EBADMSG;
    }
}

static void reap_if_exited(struct collector *c, const struct timespec *start)
{
    int status;
    pid_t got = wait4(c->child, &status, WNOHANG, &c->out->usage);
    if (got != c->child)
        return;
    c->exited = 1;
    c->out->wall_seconds = seconds_since(start);
    c->out->script_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
        collect_interrupted = 1;
}

/* The daemon vanished: keep waiting for the script, which runs on. */
static void wait_for_child(struct collector *c, const struct timespec *start)
{
    while (!c->exited) {
        usleep(20000);
        reap_if_exited(c, start);
    }
}

int collect_run(int fd, pid_t child, struct profile *p, struct collect_result *out)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct collector c = {.p = p, .child = child, .out = out};
    struct msgio_msg m = {0};
    int drain_ms = 0, rc = 0;
    /* Nothing follows SESSION_END: read until it, then only wait. */
    while (!c.ended) {
        int got = msgio_recv(fd, &m, 50);
        if (got > 0)
            rc = on_message(&c, &m);
        if (got < 0 || rc == -EBADMSG) {
            snprintf(out->message, sizeof(out->message), "%s",
                     got < 0 ? "the connection to the daemon broke"
                             : "the daemon sent a malformed message");
            break;
        }
        if (rc == -ENOMEM)
            break;
        if (!c.exited)
            reap_if_exited(&c, &start);
        else if (got == 0 && (drain_ms += 50) >= COLLECT_DRAIN_MS)
            break;
    }
    if (!c.ended) {
        out->daemon_lost = 1;
        if (!out->message[0])
            snprintf(out->message, sizeof(out->message), "the daemon did not end the session");
    }
    wait_for_child(&c, &start);
    msgio_msg_free(&m);
    return rc == -ENOMEM ? rc : 0;
}
