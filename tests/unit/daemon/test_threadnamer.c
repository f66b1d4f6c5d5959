/* When the daemon reads threading's names: a new thread at once, a
 * missing one again after a wait that doubles up to 100 ms, renames every
 * second, and a program without threading once a second; a name found is
 * kept when the thread leaves _active as it ends. */
#include <errno.h>
#include <string.h>

#include "daemon/threadnamer.h"
#include "harness.h"

#define MS 1000000ull
#define PERIOD (10 * MS)

/* A namer whose readings find nothing (no layout known): what it holds
 * between readings is set by hand. */
static struct thread_namer make_namer(void)
{
    static struct py_offsets unknown;
    struct thread_namer n;
    CHECK_EQ_INT(threadnamer_init(&n, (struct pyobj){.off = &unknown}), 0);
    return n;
}

static void name_entry(struct thread_namer *n, uint64_t ident, const char *name)
{
    struct pythreadname_entry *e = &n->names->entries[n->names->count++];
    e->ident = ident;
    strcpy(e->name, name);
}

/* A thread missing from _active is looked for again half a period later
 * (the next tick, however jittered), then 1, 2, 4 ... periods later, never
 * more than 100 ms apart. */
static void test_missing_thread_backs_off(void)
{
    struct thread_namer n = make_namer();
    struct thread_name tn = {0};
    uint64_t now = 1000 * MS;
    CHECK_EQ_INT(threadname_wanted(&tn, now), THREADNAME_FIRST);
    uint64_t expect[] = {5, 10, 20, 40, 80, 100, 100};
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_RETRY, now), 1);
        threadname_update(&n, &tn, 0x7f00, now, PERIOD);
        CHECK_EQ_INT(tn.retry_ns - now, expect[i] * MS);
        CHECK(!threadname_wanted(&tn, tn.retry_ns - 1));
        now = tn.retry_ns;
        CHECK_EQ_INT(threadname_wanted(&tn, now), THREADNAME_RETRY);
    }
    threadnamer_free(&n);
}

/* No thread wants a reading: none until a second has passed (renames). */
static void test_renames_read_every_second(void)
{
    struct thread_namer n = make_namer();
    CHECK_EQ_INT(threadnamer_read(&n, 1, 0, 1000 * MS), 1); /* the first */
    CHECK_EQ_INT(threadnamer_read(&n, 1, 0, 1500 * MS), 0);
    CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_RETRY, 1500 * MS), 1); /* wanted */
    CHECK_EQ_INT(threadnamer_read(&n, 1, 0, 2400 * MS), 0);
    CHECK_EQ_INT(threadnamer_read(&n, 1, 0, 2500 * MS), 1);
    threadnamer_free(&n);
}

/* A name is kept when _active lacks the thread later (it leaves as it
 * ends), and follows a rename. */
static void test_name_kept_and_renamed(void)
{
    struct thread_namer n = make_namer();
    struct thread_name tn = {0};
    name_entry(&n, 0x7f00, "Thread-1 (worker)");
    threadname_update(&n, &tn, 0x7f00, 1000 * MS, PERIOD);
    CHECK_EQ_STR(tn.name, "Thread-1 (worker)");
    CHECK(!threadname_wanted(&tn, 1000 * MS));
    n.names->count = 0;
    threadname_update(&n, &tn, 0x7f00, 1010 * MS, PERIOD);
    CHECK_EQ_STR(tn.name, "Thread-1 (worker)");
    name_entry(&n, 0x7f00, "loader");
    threadname_update(&n, &tn, 0x7f00, 2010 * MS, PERIOD);
    CHECK_EQ_STR(tn.name, "loader");
    threadnamer_free(&n);
}

/* Threading not imported: a reading costs dozens of pages, so a thread
 * still missing waits a second for the next. A thread new since gets its
 * reading at once: the program may have imported threading to start it. */
static void test_unimported_waits_a_second(void)
{
    struct thread_namer n = make_namer();
    struct thread_name tn = {0};
    CHECK_EQ_INT(threadname_wanted(&tn, 1000 * MS), THREADNAME_FIRST);
    CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_FIRST, 1000 * MS), 1);
    threadname_update(&n, &tn, 0x7f00, 1000 * MS, PERIOD);
    n.unimported = 1; /* as a reading that found no threading leaves it */
    CHECK_EQ_INT(threadname_wanted(&tn, 1100 * MS), THREADNAME_RETRY);
    CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_RETRY, 1100 * MS), 0);
    CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_RETRY, 1999 * MS), 0);
    CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_FIRST, 1500 * MS), 1);
    n.unimported = 1; /* still none: the second counts from this reading */
    CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_RETRY, 2499 * MS), 0);
    CHECK_EQ_INT(threadnamer_read(&n, 1, THREADNAME_RETRY, 2500 * MS), 1);
    threadnamer_free(&n);
}

int main(void)
{
    test_missing_thread_backs_off();
    test_renames_read_every_second();
    test_name_kept_and_renamed();
    test_unimported_waits_a_second();
    return test_finish("test_threadnamer");
}
