/* The script's marks the daemon relays: read only from a regular file of
 * the user who asked, never through a link, and only when they are a start
 * and maybe an end, not before it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/endmark.h"
#include "harness.h"

static char dir[] = "/tmp/fah-test-endmark-XXXXXX";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

int main(void)
{
    char mark[256], link_path[256], sub[256];
    struct script_marks ns = {0, 0};

    if (!mkdtemp(dir))
        return 1;
    snprintf(mark, sizeof(mark), "%s/mark", dir);
    snprintf(link_path, sizeof(link_path), "%s/link", dir);
    snprintf(sub, sizeof(sub), "%s/sub", dir);

    CHECK_EQ_INT(endmark_read("", getuid(), &ns), -ENOENT);
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), -ENOENT); /* not written yet */
    write_file(mark, "");
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), -ENOENT); /* created, empty */
    write_file(mark, "123456789012\n"); /* the script has started */
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), 0);
    CHECK(ns.start_ns == 123456789012ull && ns.end_ns == 0);
    write_file(mark, "123456789012 123456789999\n"); /* and ended */
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), 0);
    CHECK(ns.start_ns == 123456789012ull && ns.end_ns == 123456789999ull);
    write_file(mark, "123456789012 12\n"); /* an end before the start */
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), -EINVAL);
    write_file(mark, "1 2 3\n");
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), -EINVAL);
    write_file(mark, "1 -2\n");
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), -EINVAL);
    /* Someone else's file is not read (root reads any: its uid is 0). */
    if (getuid() == 0)
        CHECK_EQ_INT(endmark_read(mark, 4242, &ns), -EPERM);
    write_file(mark, "12x\n");
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), -EINVAL);
    write_file(mark, "99999999999999999999999999\n");
    CHECK_EQ_INT(endmark_read(mark, getuid(), &ns), -EINVAL);
    /* A link (to a file the daemon could read) is refused, as is a folder. */
    CHECK_EQ_INT(symlink("/etc/hostname", link_path), 0);
    CHECK_EQ_INT(endmark_read(link_path, getuid(), &ns), -EPERM);
    CHECK_EQ_INT(mkdir(sub, 0700), 0);
    CHECK(endmark_read(sub, getuid(), &ns) < 0);

    unlink(mark);
    unlink(link_path);
    rmdir(sub);
    rmdir(dir);
    return test_finish("test_endmark");
}
