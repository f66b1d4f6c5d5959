/* unwinder against a real process, a child of this one on its way into a
 * blocking read(): held, its native stack climbs out of libc (where it
 * mostly stands) through the function that called read() to that
 * function's caller, whose return address the child gave us.
 * Unwound twice, the thread's handle is kept (made once), and every word
 * libunwind asks for comes from a page read, none from PTRACE_PEEKDATA. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/threadstop.h"
#include "daemon/unwinder.h"
#include "harness.h"

#define MAX_FRAMES 64

/* Tells the parent where it returns to, then blocks in read() (libc). */
__attribute__((noinline)) static void wait_in_read(int ready_fd, int block_fd)
{
    uintptr_t back = (uintptr_t)__builtin_return_address(0);
    char byte;
    if (write(ready_fd, &back, sizeof(back)) != (ssize_t)sizeof(back))
        _exit(2);
    while (read(block_fd, &byte, 1) < 0 && errno == EINTR)
        ;
    __asm__ volatile("" ::: "memory"); /* no tail call: its frame stays */
}

/* Unwinds the held child: whether one of its frames returns to `back`. */
static int unwind_finds(struct unwinder *u, pid_t pid, uintptr_t back, int *frames)
{
    unw_cursor_t cursor;
    int found = 0;
    *frames = 0;
    if (unwinder_begin(u, pid, &cursor) < 0)
        return 0;
    do {
        unw_word_t ip;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        found |= (uintptr_t)ip == back;
        (*frames)++;
    } while (*frames < MAX_FRAMES && unw_step(&cursor) > 0);
    unwinder_end(u);
    return found;
}

int main(void)
{
    int ready[2], block[2];
    CHECK(pipe(ready) == 0 && pipe(block) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(block[1]);
        wait_in_read(ready[1], block[0]);
        _exit(0);
    }
    close(ready[1]);
    close(block[0]);
    uintptr_t back = 0;
    /* Held as soon as it has said so, wherever it stands then: in write(),
     * back in wait_in_read, or blocked in read(). From any of them the
     * unwind passes the frame that returns to `back`. */
    CHECK_EQ_INT((int)read(ready[0], &back, sizeof(back)), (int)sizeof(back));

    struct unwinder *u = unwinder_new(pid);
    CHECK(u != NULL);
    for (int round = 0; u && round < 2; round++) {
        struct thread_hold hold;
        CHECK_EQ_INT(threadstop_hold(pid, &hold), 0);
        int frames;
        CHECK(unwind_finds(u, pid, back, &frames));
        CHECK(frames >= 3); /* read, wait_in_read, main at least */
        threadstop_release(&hold);
    }
    if (u) {
        struct unwinder_stats st;
        unwinder_stats(u, &st);
        CHECK_EQ_INT((int)st.handles, 1);
        CHECK(st.words > 0);
        CHECK_EQ_INT((int)st.words_paged, (int)st.words);
        unwinder_free(u);
    }
    close(block[1]); /* its read returns: it exits */
    int status;
    CHECK_EQ_INT((int)waitpid(pid, &status, 0), (int)pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return test_finish("test_unwinder");
}
