/* msgio_send_all delivers every byte in order through short writes and
 * signals that interrupt it (EINTR); msgio_send_ready takes what a full
 * socket accepts and reports a peer that left; msgio_send/msgio_recv carry
 * a whole message. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/msgio.h"
#include "common/sig.h"
#include "harness.h"

#define TOTAL (4u << 20)

static atomic_int signals;

static void on_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals, 1);
}

struct writer {
    int fd;
    const uint8_t *data;
    int rc;
};

static void *write_all(void *arg)
{
    struct writer *w = arg;
    w->rc = msgio_send_all(w->fd, w->data, TOTAL);
    return NULL;
}

static void test_send_all_through_signals(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    uint8_t *data = malloc(TOTAL), *got = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    CHECK_EQ_INT(sig_install(SIGUSR1, on_signal), 0);
    struct writer w = {.fd = sv[0], .data = data, .rc = 1};
    pthread_t thread;
    pthread_create(&thread, NULL, write_all, &w);
    /* Read in small pieces and poke the writer between them: the socket
     * is full each time, so the writer is inside send when it arrives. */
    size_t have = 0;
    while (have < TOTAL) {
        ssize_t n = read(sv[1], got + have, TOTAL - have < 3000 ? TOTAL - have : 3000);
        if (n <= 0)
            break;
        have += (size_t)n;
        pthread_kill(thread, SIGUSR1);
    }
    pthread_join(thread, NULL);
    CHECK_EQ_INT(w.rc, 0);
    CHECK_EQ_INT(have, TOTAL);
    CHECK(memcmp(data, got, TOTAL) == 0);
    CHECK(atomic_load(&signals) > 0);
    sig_install(SIGUSR1, SIG_DFL);
    close(sv[0]);
    close(sv[1]);
    free(data);
    free(got);
}

static void test_send_ready_never_blocks(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    uint8_t *data = calloc(1, TOTAL);
    long first = msgio_send_ready(sv[0], data, TOTAL);
    CHECK(first > 0 && first < (long)TOTAL); /* the socket took what it could */
    CHECK_EQ_INT(msgio_send_ready(sv[0], data, TOTAL), 0); /* full: nothing, at once */
    close(sv[1]);
    CHECK_EQ_INT(msgio_send_ready(sv[0], data, 16), -EPIPE); /* no SIGPIPE either */
    CHECK_EQ_INT(msgio_send_all(sv[0], data, 16), -EPIPE);
    close(sv[0]);
    free(data);
}

static void test_message_round_trip(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct proto_buf out;
    proto_buf_init(&out);
    proto_encode_thread(&out, 77, "worker-1");
    CHECK_EQ_INT(msgio_send(sv[0], &out), 0);
    CHECK_EQ_INT(msgio_send_error(sv[0], "session %d: %s", 3, "gone"), 0);
    struct msgio_msg m = {0};
    uint32_t tid;
    const char *text;
    CHECK_EQ_INT(msgio_recv(sv[1], &m, 1000), 1);
    CHECK_EQ_INT(m.type, PROTO_THREAD);
    CHECK_EQ_INT(proto_decode_thread(m.payload, m.length, &tid, &text), 0);
    CHECK_EQ_INT(tid, 77);
    CHECK_EQ_STR(text, "worker-1");
    CHECK_EQ_INT(msgio_recv(sv[1], &m, 1000), 1);
    CHECK_EQ_INT(m.type, PROTO_ERROR);
    CHECK_EQ_INT(proto_decode_error(m.payload, m.length, &text), 0);
    CHECK_EQ_STR(text, "session 3: gone");
    CHECK_EQ_INT(msgio_recv(sv[1], &m, 0), 0); /* nothing more: a timeout */
    close(sv[0]);
    CHECK_EQ_INT(msgio_recv(sv[1], &m, 1000), -ECONNRESET);
    msgio_msg_free(&m);
    proto_buf_free(&out);
    close(sv[1]);
}

/* A request answered with what was asked, with an error, with something
 * else: the answer, the daemon's message, a one-line complaint. The peer's
 * answers are queued before the request, as a daemon's would follow it. */
static void test_request_and_answer(void)
{
    const uint32_t answers[] = {PROTO_SESSION_STARTED, PROTO_ERROR, PROTO_DONE};
    for (int i = 0; i < 3; i++) {
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        struct proto_buf out, req;
        struct msgio_msg in = {0}, got = {0};
        char err[128] = "";
        uint32_t id = 0;
        uint64_t origin = 0;
        proto_buf_init(&out);
        proto_buf_init(&req);
        if (answers[i] == PROTO_SESSION_STARTED)
            proto_encode_session_started(&out, 41, 7);
        else if (answers[i] == PROTO_ERROR)
            proto_encode_error(&out, "pid 12: not a Python process");
        else
            proto_encode_empty(&out, PROTO_DONE);
        CHECK_EQ_INT(msgio_send(sv[1], &out), 0);
        proto_encode_empty(&req, PROTO_LIST);
        int rc = msgio_request(sv[0], &req, PROTO_SESSION_STARTED, &in, "the session request",
                               err, sizeof(err));
        CHECK_EQ_INT(msgio_recv(sv[1], &got, 1000), 1); /* the request did go out */
        CHECK_EQ_INT(got.type, PROTO_LIST);
        msgio_msg_free(&got);
        if (i == 0) {
            CHECK_EQ_INT(rc, 0);
            CHECK_EQ_INT(proto_decode_session_started(in.payload, in.length, &id, &origin), 0);
            CHECK_EQ_INT(id, 41);
            CHECK(origin == 7);
            msgio_msg_free(&in);
        } else {
            CHECK_EQ_INT(rc, -EPROTO);
            CHECK_EQ_STR(err, i == 1 ? "pid 12: not a Python process"
                                     : "no valid answer to the session request");
        }
        proto_buf_free(&out);
        proto_buf_free(&req);
        close(sv[0]);
        close(sv[1]);
    }
}

int main(void)
{
    test_request_and_answer();
    test_send_all_through_signals();
    test_send_ready_never_blocks();
    test_message_round_trip();
    return test_finish("test_msgio");
}
