/* The /proc readers: our own executable and its folder, a command line
 * joined by spaces, the state letter past a ')' in the name, a zombie seen
 * as exited (and without memory) before it is reaped and after. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/procfs.h"
#include "harness.h"

static void test_self(const char *argv0)
{
    char exe[PATH_MAX], dir[PATH_MAX], want[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", want, sizeof(want) - 1);
    want[n > 0 ? n : 0] = '\0';
    CHECK_EQ_INT(procfs_self_exe(exe, sizeof(exe)), 0);
    CHECK_EQ_STR(exe, want);
    CHECK_EQ_INT(procfs_exe(getpid(), exe, sizeof(exe)), 0);
    CHECK_EQ_STR(exe, want);
    CHECK_EQ_INT(procfs_self_dir(dir, sizeof(dir)), 0);
    CHECK(strncmp(want, dir, strlen(dir)) == 0 && want[strlen(dir)] == '/');
    CHECK(strchr(want + strlen(dir) + 1, '/') == NULL);
    /* Too small a buffer is an error, never a silently cut path. */
    char tiny[4];
    CHECK_EQ_INT(procfs_self_exe(tiny, sizeof(tiny)), -ENAMETOOLONG);

    char cmdline[4096];
    CHECK_EQ_INT(procfs_cmdline(getpid(), cmdline, sizeof(cmdline)), 0);
    CHECK_EQ_STR(cmdline, argv0); /* run without arguments */
    CHECK(procfs_cmdline_raw(getpid(), cmdline, sizeof(cmdline)) == (ssize_t)strlen(argv0) + 1);
    CHECK_EQ_INT(procfs_state(getpid()), 'R');
    CHECK_EQ_INT(procfs_exited(getpid()), 0);
    uint64_t peak = 0;
    CHECK_EQ_INT(procfs_peak_rss(getpid(), &peak), 0);
    CHECK(peak > 0);
}

static void test_parse_state(void)
{
    CHECK_EQ_INT(procfs_parse_state("123 (python3) S 1 123"), 'S');
    CHECK_EQ_INT(procfs_parse_state("123 (a) b) Z 1 123"), 'Z'); /* ')' in the name */
    CHECK_EQ_INT(procfs_parse_state("123 (python3"), -EINVAL);
    CHECK_EQ_INT(procfs_parse_state("123 (x) "), -EINVAL);
}

static void test_child_args_and_zombie(void)
{
    /* The write end closes on exec: EOF on the read end says the child
     * runs sleep now, with its own command line. */
    int ready[2];
    CHECK(pipe2(ready, O_CLOEXEC) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sleep", "sleep", "30", "30", (char *)NULL);
        _exit(127);
    }
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 0);
    close(ready[0]);
    char cmdline[4096];
    CHECK_EQ_INT(procfs_cmdline(pid, cmdline, sizeof(cmdline)), 0);
    CHECK_EQ_STR(cmdline, "sleep 30 30");
    CHECK_EQ_INT(procfs_exe(pid, cmdline, sizeof(cmdline)), 0);
    CHECK(strstr(cmdline, "sleep") != NULL);
    kill(pid, SIGKILL);
    siginfo_t info;
    /* Exited but not reaped: a zombie. */
    CHECK(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0);
    CHECK_EQ_INT(procfs_state(pid), 'Z');
    CHECK_EQ_INT(procfs_exited(pid), 1);
    uint64_t peak = 0;
    CHECK_EQ_INT(procfs_peak_rss(pid, &peak), -ESRCH);
    CHECK(waitpid(pid, NULL, 0) == pid);
    /* Reaped: gone. */
    CHECK_EQ_INT(procfs_state(pid), -ESRCH);
    CHECK_EQ_INT(procfs_exited(pid), 1);
    CHECK_EQ_INT(procfs_cmdline(pid, cmdline, sizeof(cmdline)), -ESRCH);
    CHECK_EQ_STR(cmdline, "");
    char exe[PATH_MAX];
    CHECK(procfs_exe(pid, exe, sizeof(exe)) < 0);
}

int main(int argc, char **argv)
{
    (void)argc;
    test_self(argv[0]);
    test_parse_state();
    test_child_args_and_zombie();
    return test_finish("test_procfs");
}
