/* procmaps: parsing lines (paths with spaces, deleted files, anonymous
 * mappings, garbage) and reading this process's own maps. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/procfs.h"
#include "harness.h"
#include "symbols/procmaps.h"

static void test_parses_file_mapping(void)
{
    struct procmap m;

    CHECK_EQ_INT(procmaps_parse_line("7f12a4c00000-7f12a4c28000 r-xp 00028000 08:01 1315074"
                                     "                    /usr/lib/x86_64-linux-gnu/libc.so.6\n",
                                     &m),
                 0);
    CHECK_EQ_INT(m.start, 0x7f12a4c00000ull);
    CHECK_EQ_INT(m.end, 0x7f12a4c28000ull);
    CHECK_EQ_INT(m.offset, 0x28000);
    CHECK_EQ_INT(m.inode, 1315074);
    CHECK_EQ_STR(m.perms, "r-xp");
    CHECK_EQ_STR(m.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
    CHECK_EQ_INT(m.deleted, 0);
    CHECK(procmap_is_file(&m));
    free(m.path);
}

static void test_keeps_spaces_and_strips_deleted(void)
{
    struct procmap m;

    CHECK_EQ_INT(procmaps_parse_line("00400000-00401000 r--p 00000000 fd:00 42 "
                                     "/opt/my python/bin/python3.12 (deleted)",
                                     &m),
                 0);
    CHECK_EQ_STR(m.path, "/opt/my python/bin/python3.12");
    CHECK_EQ_INT(m.deleted, 1);
    free(m.path);

    /* Only a trailing " (deleted)" marks deletion. */
    CHECK_EQ_INT(procmaps_parse_line("00400000-00401000 r--p 00000000 fd:00 42 "
                                     "/tmp/x (deleted)/lib.so",
                                     &m),
                 0);
    CHECK_EQ_STR(m.path, "/tmp/x (deleted)/lib.so");
    CHECK_EQ_INT(m.deleted, 0);
    free(m.path);
}

static void test_anonymous_and_special_mappings(void)
{
    struct procmap m;

    CHECK_EQ_INT(procmaps_parse_line("7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0\n", &m), 0);
    CHECK(m.path == NULL);
    CHECK(!procmap_is_file(&m));

    CHECK_EQ_INT(procmaps_parse_line("7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0   [stack]",
                                     &m),
                 0);
    CHECK_EQ_STR(m.path, "[stack]");
    CHECK(!procmap_is_file(&m));
    free(m.path);
}

static void test_rejects_garbage(void)
{
    struct procmap m;

    CHECK_EQ_INT(procmaps_parse_line("", &m), -EINVAL);
    CHECK_EQ_INT(procmaps_parse_line("hello world", &m), -EINVAL);
    CHECK_EQ_INT(procmaps_parse_line("1000-0800 r-xp 0 00:00 0", &m), -EINVAL); /* end < start */
    CHECK_EQ_INT(procmaps_parse_line("1000-2000 r-xpxx 0 00:00 0", &m), -EINVAL);
    CHECK_EQ_INT(procmaps_parse_line("1000-2000 r-xp 0 00:00", &m), -EINVAL);
}

static void test_reads_own_maps(void)
{
    struct procmaps maps;
    char err[256], exe[PATH_MAX];
    uint64_t here = (uint64_t)(uintptr_t)&test_reads_own_maps;
    int found_exe = 0, found_code = 0;

    CHECK_EQ_INT(procfs_self_exe(exe, sizeof(exe)), 0);
    CHECK_EQ_INT(procmaps_read(getpid(), &maps, err, sizeof(err)), 0);
    CHECK(maps.count > 3);
    for (size_t i = 0; i < maps.count; i++) {
        const struct procmap *m = &maps.maps[i];
        if (i > 0)
            CHECK(m->start >= maps.maps[i - 1].end);
        if (m->path && strcmp(m->path, exe) == 0)
            found_exe = 1;
        /* This function's code lies in an executable mapping of the test. */
        if (here >= m->start && here < m->end) {
            found_code = 1;
            CHECK_EQ_INT(m->perms[2], 'x');
            CHECK_EQ_STR(m->path, exe);
        }
    }
    CHECK(found_exe);
    CHECK(found_code);
    procmaps_free(&maps);
    procmaps_free(&maps); /* idempotent */
}

static void test_missing_process_and_file(void)
{
    struct procmaps maps;
    char err[256];

    /* pid_max is at most 2^22: this pid cannot exist. */
    CHECK_EQ_INT(procmaps_read(1 << 23, &maps, err, sizeof(err)), -ESRCH);
    CHECK_EQ_STR(err, "pid 8388608: no such process");
    procmaps_free(&maps);
    CHECK_EQ_INT(procmaps_read_file("/nonexistent/maps", &maps, err, sizeof(err)), -ENOENT);
    CHECK(strstr(err, "open /nonexistent/maps") == err);
    procmaps_free(&maps);
}

static void test_reports_malformed_line_number(void)
{
    char path[] = "/tmp/fah-test-maps-XXXXXX";
    int fd = mkstemp(path);
    struct procmaps maps;
    char err[256];
    FILE *f;

    CHECK(fd >= 0);
    if (fd < 0)
        return;
    f = fdopen(fd, "w");
    fputs("00400000-00401000 r--p 00000000 fd:00 42 /bin/x\nnot a mapping\n", f);
    fclose(f);
    CHECK_EQ_INT(procmaps_read_file(path, &maps, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "malformed line 2") != NULL);
    procmaps_free(&maps);
    unlink(path);
}

int main(void)
{
    test_parses_file_mapping();
    test_keeps_spaces_and_strips_deleted();
    test_anonymous_and_special_mappings();
    test_rejects_garbage();
    test_reads_own_maps();
    test_missing_process_and_file();
    test_reports_malformed_line_number();
    return test_finish("test_procmaps");
}
