/* proctree against real processes: a child and a grandchild started here
 * are found with their parents, command line and CPU time, and as younger
 * than the tree, unlike an older child; another process is not; a child
 * that exited (a zombie not yet reaped, still listed as a child) is marked
 * exited with its facts kept, and found once. All of that both ways the
 * tree finds new members: through the members' children files (this
 * process alone) and by listing /proc (this process with more threads than
 * those files are read for). A member's image mark moves when it execs and
 * only then; past its first scans, a member's peak RSS and command line are
 * read again when it grows or execs; --no-children's tree is the root alone. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "daemon/proctree.h"
#include "harness.h"

/* Spins for ms of this process's CPU time. */
static void burn(int ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    do
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* The child: burns 30 ms, starts a grandchild, reports its pid on out,
 * and exits once `release` reaches end-of-file. The grandchild waits on
 * `release` too. */
static void child(int out, int release)
{
    burn(30);
    char c;
    pid_t grandchild = fork();
    if (grandchild == 0) {
        while (read(release, &c, 1) > 0)
            ;
        _exit(0);
    }
    if (write(out, &grandchild, sizeof(grandchild)) != sizeof(grandchild))
        _exit(1);
    while (read(release, &c, 1) > 0)
        ;
    _exit(3);
}

static const struct proctree_proc *member(struct proctree *t, pid_t pid)
{
    for (size_t i = 0; i < proctree_count(t); i++)
        if (proctree_at(t, i)->pid == pid)
            return proctree_at(t, i);
    return NULL;
}

/* A child that execs cat (reading a pipe until its end) when a byte
 * arrives on its go pipe: the image mark stands still until the exec, which
 * the end of the CLOEXEC `execed` pipe reports, and moves then. */
static void check_exec_moves_mark(struct proctree *t)
{
    int go[2], execed[2], stop[2];
    if (pipe(go) < 0 || pipe2(execed, O_CLOEXEC) < 0 || pipe(stop) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        close(execed[0]);
        close(stop[1]);
        if (read(go[0], &c, 1) == 1 && dup2(stop[0], 0) == 0)
            execl("/bin/cat", "cat", (char *)NULL);
        _exit(1);
    }
    close(go[0]);
    close(execed[1]);
    close(stop[0]);
    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 1), 1);
    const struct proctree_proc *p = member(t, pid);
    uint64_t before = p ? p->image_mark : 0;
    CHECK(before != 0);
    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 1), 1);
    CHECK((p = member(t, pid)) && p->image_mark == before);
    char c = 'x', end;
    CHECK_EQ_INT(write(go[1], &c, 1), 1);
    CHECK_EQ_INT(read(execed[0], &end, 1), 0);
    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 1), 1);
    CHECK((p = member(t, pid)) && p->image_mark != 0 && p->image_mark != before);
    close(go[1]);
    close(execed[0]);
    close(stop[1]);
    waitpid(pid, NULL, 0);
}

/* Scans t unforced, as the sampler's ticks do, once per scan gap of
 * fabricated time from *now. */
static void scan_later(struct proctree *t, uint64_t *now)
{
    *now += 2ull * PROCTREE_SCAN_GAP_NS;
    CHECK_EQ_INT(proctree_scan(t, *now, 0), 1);
}

#define GROWTH_BYTES (64u << 20)

/* A member past its first scans, whose slow facts are no longer read at
 * every scan: it grows by 64 MiB when told ('g'), then execs cat ('e').
 * The next unforced scan after each has its new peak and command line. */
static void check_late_growth_and_exec(void)
{
    int go[2], done[2], execed[2];
    if (pipe(go) < 0 || pipe(done) < 0 || pipe2(execed, O_CLOEXEC) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        close(done[0]);
        close(execed[0]);
        if (read(go[0], &c, 1) != 1 || c != 'g')
            _exit(1);
        /* Touched page by page through a volatile pointer: resident, and
         * no optimiser may drop a buffer nobody reads (clang -O2 did). */
        volatile char *grown = malloc(GROWTH_BYTES);
        if (!grown)
            _exit(1);
        for (size_t at = 0; at < GROWTH_BYTES; at += 4096)
            grown[at] = 1;
        if (write(done[1], &c, 1) != 1 || read(go[0], &c, 1) != 1 || dup2(go[0], 0) != 0)
            _exit(1);
        execl("/bin/cat", "cat", (char *)NULL);
        _exit(1);
    }
    close(go[0]);
    close(done[1]);
    close(execed[1]);
    uint64_t now = clock_monotonic_ns();
    struct proctree *t = proctree_new(getpid(), 1, now);
    CHECK(t != NULL);
    if (!t)
        return;
    for (int i = 0; i < 12; i++)
        scan_later(t, &now);
    const struct proctree_proc *p = member(t, pid);
    uint64_t before = p ? p->max_rss : 0;
    CHECK(p && before > 0 && strstr(p->command, "test_proctree") != NULL);
    char c = 'g';
    CHECK_EQ_INT(write(go[1], &c, 1), 1);
    CHECK_EQ_INT(read(done[0], &c, 1), 1);
    scan_later(t, &now);
    p = member(t, pid);
    CHECK(p && p->max_rss >= before + GROWTH_BYTES);
    c = 'e';
    CHECK_EQ_INT(write(go[1], &c, 1), 1);
    CHECK_EQ_INT(read(execed[0], &c, 1), 0); /* closed by the exec */
    scan_later(t, &now);
    p = member(t, pid);
    CHECK(p && strcmp(p->command, "cat") == 0);
    close(go[1]);
    close(done[0]);
    close(execed[0]);
    waitpid(pid, NULL, 0);
    proctree_free(t);
}

/* More threads than the tree reads children files for
 * (PROCTREE_CHILDREN_MAX_THREADS): each waits for its pipe to close. */
#define CROWD_THREADS 20

static void *wait_for_eof(void *arg)
{
    char c;
    while (read(*(const int *)arg, &c, 1) > 0)
        ;
    return NULL;
}

/* Starts CROWD_THREADS threads that end when *release_fd's pipe closes. */
static int crowd(pthread_t *threads, int *release_fd)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    static int read_end;
    read_end = fds[0];
    *release_fd = fds[1];
    for (int i = 0; i < CROWD_THREADS; i++)
        if (pthread_create(&threads[i], NULL, wait_for_eof, &read_end) != 0)
            return -1;
    return 0;
}

static void disperse(pthread_t *threads, int release_fd)
{
    close(release_fd);
    for (int i = 0; i < CROWD_THREADS; i++)
        pthread_join(threads[i], NULL);
}

/* The tree's members as it finds them: an older child, a child and its
 * grandchild born since, their exit. Returns the tree for more checks. */
static struct proctree *check_members_found(const char *how)
{
    fprintf(stderr, "finding members %s\n", how);
    int report[2] = {-1, -1}, release[2] = {-1, -1};
    CHECK(pipe(report) == 0 && pipe(release) == 0);
    if (report[0] < 0 || release[0] < 0)
        return NULL;
    /* A child older than the session (as an attached process's may be): its
     * start lies two clock ticks and more before the tree's. */
    pid_t old = fork();
    if (old == 0) {
        char c;
        close(release[1]);
        while (read(release[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    uint64_t born = clock_monotonic_ns();
    while (clock_monotonic_ns() - born < 30000000u)
        ;
    struct proctree *t = proctree_new(getpid(), 1, clock_monotonic_ns());
    CHECK(t != NULL);
    if (!t)
        return NULL;
    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 1), 1);
    CHECK_EQ_INT(proctree_count(t), 2);
    const struct proctree_proc *o = member(t, old);
    CHECK(o && o->ppid == getpid() && !o->born_within);
    pid_t kid = fork();
    if (kid == 0) {
        close(report[0]);
        close(release[1]);
        child(report[1], release[0]);
    }
    close(report[1]);
    close(release[0]);
    pid_t grandkid = 0;
    CHECK_EQ_INT(read(report[0], &grandkid, sizeof(grandkid)), sizeof(grandkid));

    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 1), 1);
    /* Not yet time for another scan: nothing is read. */
    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 0), 0);
    const struct proctree_proc *root = member(t, getpid());
    const struct proctree_proc *k = member(t, kid), *g = member(t, grandkid);
    CHECK(root && root->root && root->start_ns == 0 && !root->exited);
    CHECK(k && !k->root && k->ppid == getpid() && !k->exited && k->start_ns > 0);
    /* Started after the tree: all their CPU is the session's. */
    CHECK(root && !root->born_within && k && k->born_within && g && g->born_within);
    CHECK(g && g->ppid == kid && !g->exited);
    CHECK(k && k->cpu_ns >= 30000000u && k->cpu_ns < 2000000000u);
    CHECK(k && k->max_rss > 0);
    CHECK(k && strstr(k->command, "test_proctree") != NULL);
    CHECK(member(t, getppid()) == NULL && member(t, 1) == NULL);
    CHECK_EQ_INT(proctree_count(t), 4);

    /* All go; the child stays a zombie until it is reaped. */
    close(release[1]);
    siginfo_t info;
    CHECK_EQ_INT(waitid(P_PID, kid, &info, WEXITED | WNOWAIT), 0);
    CHECK_EQ_INT(waitid(P_PID, grandkid, &info, WEXITED | WNOWAIT), 0);
    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 1), 1);
    k = member(t, kid);
    CHECK(k && k->exited && k->end_ns >= k->start_ns && k->cpu_ns >= 30000000u);
    CHECK(k && strstr(k->command, "test_proctree") != NULL);
    CHECK_EQ_INT(proctree_count(t), 4);
    /* Still a zombie, still the kid's and the tree's: not found again. */
    CHECK_EQ_INT(proctree_scan(t, clock_monotonic_ns(), 1), 1);
    CHECK_EQ_INT(proctree_count(t), 4);
    waitpid(kid, NULL, 0);
    waitpid(grandkid, NULL, 0);
    waitpid(old, NULL, 0);
    close(report[0]);
    return t;
}

int main(void)
{
    /* Orphans come back to us, so the grandchild can be reaped here. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct proctree *t = check_members_found("through children files");
    if (t)
        check_exec_moves_mark(t);
    proctree_free(t);
    pthread_t threads[CROWD_THREADS];
    int release_fd = -1;
    CHECK_EQ_INT(crowd(threads, &release_fd), 0);
    proctree_free(check_members_found("by listing /proc"));
    disperse(threads, release_fd);
    check_late_growth_and_exec();
    struct proctree *alone = proctree_new(getpid(), 0, clock_monotonic_ns());
    CHECK(alone != NULL);
    if (alone) {
        CHECK_EQ_INT(proctree_scan(alone, clock_monotonic_ns(), 1), 1);
        CHECK_EQ_INT(proctree_count(alone), 1);
    }
    proctree_free(alone);
    return test_finish("test_proctree");
}
