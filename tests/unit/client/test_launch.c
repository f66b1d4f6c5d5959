/* profile_strip.c and launch.c: the bootstrap's and runpy's frames leave
 * the profile, stacks of the bootstrap's own setup keep no frames, threads
 * that never ran through the bootstrap are untouched; log records are
 * counted by their first lines. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "client/model/profile_strip.h"
#include "client/run/launch.h"

#define BOOT "/opt/fah/bin/fixingahole_bootstrap.py"
#define BODY "/opt/fah/bin/" PROFILE_STRIP_BOOTSTRAP_BODY /* the module it imports */

enum { C_BOOT_MOD, C_BOOT_MAIN, C_RUNPY_PATH, C_RUNPY_CODE, C_USER_MOD, C_USER_FN, C_LOGGING,
       C_COPY_RECORD, C_BOOT_CAPTURE, C_THREADING, C_NB_RUN, C_CELL, C_IMPORTLIB, C_BODY_MOD,
       C_OTHER_BODY };

static struct profile *fixture(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, C_BOOT_MOD, BOOT, "<module>", 1);
    profile_set_code(p, C_BOOT_MAIN, BODY, "main", 200);
    profile_set_code(p, C_RUNPY_PATH, "<frozen runpy>", "run_path", 262);
    profile_set_code(p, C_RUNPY_CODE, "/usr/lib/python3.10/runpy.py", "_run_code", 64);
    profile_set_code(p, C_USER_MOD, "/proj/run.py", "<module>", 1);
    profile_set_code(p, C_USER_FN, "/proj/run.py", "work", 3);
    profile_set_code(p, C_LOGGING, "/usr/lib/python3.11/logging/__init__.py", "Logger.handle", 1);
    profile_set_code(p, C_COPY_RECORD, BODY, "_capture_logs.<locals>.copy_record", 60);
    profile_set_code(p, C_BOOT_CAPTURE, BODY, "_capture_logs", 40);
    profile_set_code(p, C_THREADING, "/usr/lib/python3.11/threading.py", "Thread.run", 1);
    profile_set_code(p, C_NB_RUN, BODY, "_run_notebook", 220);
    profile_set_code(p, C_CELL, "/proj/a.ipynb [cell 3]", "<module>", 1);
    profile_set_code(p, C_IMPORTLIB, "<frozen importlib._bootstrap>", "_find_and_load", 1);
    profile_set_code(p, C_BODY_MOD, BODY, "<module>", 1);
    /* The user's own file of that name, in another folder. */
    profile_set_code(p, C_OTHER_BODY, "/proj/" PROFILE_STRIP_BOOTSTRAP_BODY, "helper", 1);
    return p;
}

static void add(struct profile *p, uint32_t tid, const uint32_t *codes, uint32_t n)
{
    struct profile_frame f[16];
    const double t[TIME_KINDS] = {0.01, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++)
        f[i] = (struct profile_frame){.code_id = codes[i], .line = (int32_t)(i + 1)};
    profile_add_sample(p, tid, f, n, t);
}

static void test_strip(void)
{
    struct profile *p = fixture();
    /* innermost first */
    const uint32_t user[] = {C_USER_FN, C_USER_MOD, C_RUNPY_CODE, C_RUNPY_PATH, C_BOOT_MAIN,
                             C_BOOT_MOD};
    const uint32_t setup[] = {C_LOGGING, C_BOOT_CAPTURE, C_BOOT_MAIN, C_BOOT_MOD};
    const uint32_t logging[] = {C_COPY_RECORD, C_LOGGING, C_USER_FN, C_USER_MOD, C_RUNPY_CODE,
                                C_RUNPY_PATH, C_BOOT_MAIN, C_BOOT_MOD};
    const uint32_t thread[] = {C_USER_FN, C_THREADING};
    const uint32_t cell[] = {C_CELL, C_NB_RUN, C_BOOT_MAIN, C_BOOT_MOD};
    /* A source file: main executes it, no runpy frame between. */
    const uint32_t direct[] = {C_USER_FN, C_USER_MOD, C_BOOT_MAIN, C_BOOT_MOD};
    const uint32_t main_alone[] = {C_BOOT_MAIN, C_BOOT_MOD};
    /* The stub importing its module. */
    const uint32_t importing[] = {C_BODY_MOD, C_IMPORTLIB, C_BOOT_MOD};
    const uint32_t other_body[] = {C_OTHER_BODY, C_USER_MOD, C_BOOT_MAIN, C_BOOT_MOD};
    add(p, 1, user, 6);
    add(p, 1, setup, 4);
    add(p, 1, logging, 8);
    add(p, 2, thread, 2);
    add(p, 1, cell, 4);
    add(p, 1, direct, 4);
    add(p, 1, main_alone, 2);
    add(p, 1, importing, 3);
    add(p, 1, other_body, 4);
    profile_strip_frames(p, BOOT);
    CHECK_EQ_INT(p->nstacks, 9);
    CHECK_EQ_INT(p->stacks[0].nframes, 2);
    CHECK_EQ_INT(p->stacks[0].frames[0].code_id, C_USER_FN);
    CHECK_EQ_INT(p->stacks[0].frames[1].code_id, C_USER_MOD);
    CHECK_EQ_INT(p->stacks[1].nframes, 0); /* the bootstrap importing logging */
    CHECK_EQ_INT(p->stacks[2].nframes, 3); /* copy_record dropped: Logger.handle is innermost */
    CHECK_EQ_INT(p->stacks[2].frames[0].code_id, C_LOGGING);
    CHECK_EQ_INT(p->stacks[2].frames[0].line, 2);
    CHECK_EQ_INT(p->stacks[3].nframes, 2);
    CHECK_EQ_INT(p->stacks[4].nframes, 1);
    CHECK_EQ_INT(p->stacks[4].frames[0].code_id, C_CELL);
    CHECK_EQ_INT(p->stacks[5].nframes, 2);
    CHECK_EQ_INT(p->stacks[5].frames[0].code_id, C_USER_FN);
    CHECK_EQ_INT(p->stacks[5].frames[1].code_id, C_USER_MOD);
    CHECK_EQ_INT(p->stacks[6].nframes, 0); /* main between steps: setting up */
    CHECK_EQ_INT(p->stacks[7].nframes, 0);
    CHECK_EQ_INT(p->stacks[8].nframes, 2);
    CHECK_EQ_INT(p->stacks[8].frames[0].code_id, C_OTHER_BODY);
    /* A different bootstrap path strips nothing. */
    struct profile *q = fixture();
    add(q, 1, user, 6);
    profile_strip_frames(q, "/elsewhere/fixingahole_bootstrap.py");
    CHECK_EQ_INT(q->stacks[0].nframes, 6);
    profile_free(q);
    profile_free(p);
}

static void test_count_records(void)
{
    char path[] = "/tmp/fah-test-launch-XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "WARNING py.warnings /a.py:3: UserWarning: x\n"
                        "ERROR root /a.py:5: failed\n"
                        "    Traceback (most recent call last):\n"
                        "    ValueError: y\n"
                        "\n"
                        "INFO root /a.py:9: last";
    CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
    close(fd);
    CHECK_EQ_INT(launch_count_log_records(path), 3);
    unlink(path);
    CHECK_EQ_INT(launch_count_log_records(path), -1);
}

int main(void)
{
    test_strip();
    test_count_records();
    return test_finish("test_launch");
}
