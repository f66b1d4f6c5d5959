/* tempfile.c: temporary files carry their client's pid; the sweep removes
 * those of clients that are gone and keeps the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "client/run/tempfile.h"

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

/* A pid that has just exited (reaped): no process has it. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

int main(void)
{
    char dir[] = "/tmp/fah-test-tempfile-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    setenv("TMPDIR", dir, 1);
    char mine[512], gone[600], alive[600], other[600];
    CHECK_EQ_INT(tempfile_create(mine, sizeof(mine), TEMPFILE_END_MARK, NULL), 0);
    char expect[600];
    snprintf(expect, sizeof(expect), "%s/fixingahole-end-%ld-", dir, (long)getpid());
    CHECK(strncmp(mine, expect, strlen(expect)) == 0);
    snprintf(gone, sizeof(gone), "%s/fixingahole-logs-%ld-abcdef", dir, (long)dead_pid());
    snprintf(alive, sizeof(alive), "%s/fixingahole-cells-%ld-abcdef", dir, (long)getppid());
    snprintf(other, sizeof(other), "%s/fixingahole-notours-%ld-abcdef", dir, (long)dead_pid());
    touch(gone);
    touch(alive);
    touch(other);
    CHECK_EQ_INT(tempfile_sweep(), 1);
    CHECK(!exists(gone));
    CHECK(exists(mine) && exists(alive) && exists(other));
    unlink(mine);
    unlink(alive);
    unlink(other);
    rmdir(dir);
    return test_finish("test_tempfile");
}
