/* The daemon's end of the allocation sampler's pipes: it refuses
 * descriptors that are not the library's pipes, accepts the library's
 * hello (and answers it), and passes releases through. A forked child
 * plays the library, with its pipes on the ABI's fixed numbers. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc_abi.h"
#include "daemon/heap_link.h"
#include "harness.h"

static void child_pipes(void)
{
    int ev[2], ack[2];
    if (pipe(ev) < 0 || pipe(ack) < 0)
        _exit(2);
    dup2(ev[0], ALLOC_ABI_FD_EVENTS_R);
    dup2(ev[1], ALLOC_ABI_FD_EVENTS_W);
    dup2(ack[0], ALLOC_ABI_FD_ACK_R);
    dup2(ack[1], ALLOC_ABI_FD_ACK_W);
}

/* The library's side: hello, one release, then wait for the hello's ack. */
static void play_library(int ready_fd)
{
    child_pipes();
    struct alloc_abi_event hello = {.kind = ALLOC_EV_HELLO, .weight = 4096,
                                    .size = ALLOC_ABI_MAGIC, .addr = (uint64_t)getpid()};
    struct alloc_abi_event fr = {.kind = ALLOC_EV_FREE, .tid = 7, .time_ns = 5, .addr = 0xabc0};
    if (write(ALLOC_ABI_FD_EVENTS_W, &hello, sizeof(hello)) != sizeof(hello) ||
        write(ALLOC_ABI_FD_EVENTS_W, &fr, sizeof(fr)) != sizeof(fr))
        _exit(3);
    char c = 1;
    if (write(ready_fd, &c, 1) != 1)
        _exit(4);
    uint32_t seq = 99;
    if (read(ALLOC_ABI_FD_ACK_R, &seq, sizeof(seq)) != sizeof(seq))
        _exit(5);
    _exit(seq == 0 ? 0 : 6);
}

struct seen {
    int frees;
    uint64_t addr;
};

static int on_event(void *ctx, const struct heap_event *ev)
{
    struct seen *s = ctx;
    if (ev->kind == HEAP_EVENT_FREE) {
        s->frees++;
        s->addr = ev->addr;
    }
    return 0;
}

static void test_hello_and_free(void)
{
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        play_library(ready[1]);
    }
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    struct heap_link *h = heap_link_new(pid);
    CHECK(h != NULL);
    CHECK_EQ_INT(heap_link_fd(h), -1);
    CHECK_EQ_INT(heap_link_attach(h), 1);
    CHECK(heap_link_fd(h) >= 0);
    struct seen seen = {0};
    CHECK_EQ_INT(heap_link_drain(h, NULL, on_event, &seen), 0);
    CHECK_EQ_INT(seen.frees, 1);
    CHECK_EQ_INT(seen.addr, 0xabc0);
    uint64_t samples, truncated, unwaited, window;
    heap_link_counts(h, &samples, &truncated, &unwaited, &window);
    CHECK_EQ_INT(window, 4096);
    CHECK_EQ_INT(samples, 0);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the target is gone: its end is closed */
    CHECK_EQ_INT(heap_link_drain(h, NULL, on_event, &seen), -EPIPE);
    heap_link_free(h);
}

static void test_not_a_pipe(void)
{
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, ALLOC_ABI_FD_EVENTS_R);
        dup2(fd, ALLOC_ABI_FD_ACK_W);
        char b = 1;
        if (write(ready[1], &b, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    struct heap_link *h = heap_link_new(pid);
    CHECK_EQ_INT(heap_link_attach(h), -ENOTSUP);
    heap_link_free(h);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* nothing there yet (before the library's constructor): try later */
    h = heap_link_new(getpid());
    close(ALLOC_ABI_FD_EVENTS_R);
    CHECK_EQ_INT(heap_link_attach(h), 0);
    heap_link_free(h);
}

int main(void)
{
    test_hello_and_free();
    test_not_a_pipe();
    return test_finish("test_heap_link");
}
