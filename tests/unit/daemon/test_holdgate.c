/* The hold gate's protocol with the watchdog, played by this process
 * against a forked child standing for the daemon: once a release is asked
 * for, the daemon stops itself again exactly when no hold is left, and
 * runs on normally once continued. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/holdgate.h"
#include "harness.h"

/* Exit codes of the child: what it found after being continued. */
#define CHILD_OK 0
#define CHILD_STILL_BARRED 2

static void await_byte(int fd)
{
    char byte;
    if (read(fd, &byte, 1) != 1)
        _exit(3);
}

/* Waits for the child to stop or end: 's' stopped by SIGSTOP, 'x' exited
 * (its status in *code), '?' anything else. */
static char child_change(pid_t child, int *code)
{
    int status;
    if (waitpid(child, &status, WUNTRACED) != child)
        return '?';
    if (WIFSTOPPED(status))
        return WSTOPSIG(status) == SIGSTOP ? 's' : '?';
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return 'x';
}

/* After the continue: the gate is open again and a hold passes it
 * without stopping anything. */
static void child_after_continue(void)
{
    if (atomic_load(&holdgate_page()->release) != HOLDGATE_RUNNING)
        _exit(CHILD_STILL_BARRED);
    holdgate_enter();
    holdgate_leave();
    _exit(CHILD_OK);
}

/* Lets the stopped child go and expects it to end well. */
static void continue_and_reap(pid_t child)
{
    kill(child, SIGCONT);
    int code = -1;
    char change = child_change(child, &code);
    CHECK(change == 'x');
    CHECK_EQ_INT(code, CHILD_OK);
    if (change == 's') {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
}

static void test_last_release_stops_the_daemon_again(void)
{
    CHECK_EQ_INT(holdgate_share(), 0);
    struct holdgate_page *page = holdgate_page();
    int entered[2], asked[2];
    CHECK(pipe(entered) == 0 && pipe(asked) == 0);
    pid_t child = fork();
    if (child == 0) {
        holdgate_enter();
        if (write(entered[1], "e", 1) != 1)
            _exit(3);
        await_byte(asked[0]);
        holdgate_leave(); /* the last hold: stops here */
        child_after_continue();
    }
    await_byte(entered[0]);
    CHECK_EQ_INT(atomic_load(&page->active), 1);
    atomic_store(&page->release, HOLDGATE_ASKED);
    CHECK(write(asked[1], "a", 1) == 1);
    int code = -1;
    CHECK_EQ_INT(child_change(child, &code), 's');
    CHECK_EQ_INT(atomic_load(&page->active), 0);
    CHECK_EQ_INT(atomic_load(&page->release), HOLDGATE_STOPPING);
    continue_and_reap(child);
}

/* The watchdog asked just as the last hold ended: the next hold to come
 * is the one that stops the daemon, then it goes ahead. */
static void test_asked_with_nothing_held_stops_at_the_next_hold(void)
{
    CHECK_EQ_INT(holdgate_share(), 0);
    struct holdgate_page *page = holdgate_page();
    atomic_store(&page->release, HOLDGATE_ASKED);
    pid_t child = fork();
    if (child == 0) {
        holdgate_enter();
        holdgate_leave();
        child_after_continue();
    }
    int code = -1;
    CHECK_EQ_INT(child_change(child, &code), 's');
    CHECK_EQ_INT(atomic_load(&page->active), 0);
    continue_and_reap(child);
    CHECK_EQ_INT(atomic_load(&page->release), HOLDGATE_RUNNING);
}

static void test_test_hook_stops_in_the_nth_hold_only(void)
{
    CHECK_EQ_INT(holdgate_share(), 0);
    pid_t child = fork();
    if (child == 0) {
        holdgate_test_stop_at(2);
        holdgate_held();
        holdgate_held(); /* stops here */
        holdgate_held();
        _exit(CHILD_OK);
    }
    int code = -1;
    CHECK_EQ_INT(child_change(child, &code), 's');
    continue_and_reap(child);
}

int main(void)
{
    alarm(20); /* a child that never stops or ends fails the test, not hangs it */
    test_last_release_stops_the_daemon_again();
    test_asked_with_nothing_held_stops_at_the_next_hold();
    test_test_hook_stops_in_the_nth_hold_only();
    return test_finish("test_holdgate");
}
