/* Searching struct pthread for the TID: every 32-bit slot of the first
 * thread's struct that holds a TID of the process is a candidate; the
 * candidate giving every thread a distinct TID of the process wins. */
#include "daemon/tidfind.h"

#include <stdlib.h>
#include <string.h>

/* The part of struct pthread searched: the TID sits after the TCB header,
 * 720 bytes in on x86-64 glibc 2.3x. */
#define TIDFIND_SCAN_BYTES 2048

void tidfind_init(struct tidfind *tf, pid_t pid)
{
    tf->pid = pid;
    tf->offset = -1;
    tf->nknown = 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int is_tid(const uint32_t *sorted, int ntids, uint32_t value)
{
    return value != 0 && bsearch(&value, sorted, (size_t)ntids, sizeof(value), cmp_u32);
}

/* How many threads have a TID of the process at offset k, all distinct; -1
 * when some thread has none there (k is then not the offset). */
static int tids_at(const struct rmem *mem, const struct pywalk_thread *threads, int n,
                   const uint32_t *sorted, int ntids, int k, uint32_t *found)
{
    int matched = 0;

    for (int i = 0; i < n; i++) {
        found[i] = 0;
        if (threads[i].pthread_id == 0)
            continue;
        if (rmem_read(mem, threads[i].pthread_id + (uint64_t)k, &found[i], sizeof(found[i])) < 0 ||
            !is_tid(sorted, ntids, found[i]))
            return -1;
        for (int j = 0; j < i; j++)
            if (found[j] == found[i])
                return -1;
        matched++;
    }
    return matched;
}

/* Returns the offset, caching it when two threads or more confirm it. With
 * a single thread nothing can confirm a candidate: one holding the pid (the
 * main thread's TID) is preferred, and the search is repeated next time. */
static int search(struct tidfind *tf, const struct rmem *mem, const struct pywalk_thread *threads,
                  int n, const uint32_t *sorted, int ntids, uint32_t *found)
{
    uint8_t block[TIDFIND_SCAN_BYTES];
    size_t len = sizeof(block);
    int first = 0, fallback = -1, fallback_is_pid = 0;

    while (first < n && threads[first].pthread_id == 0)
        first++;
    if (first == n)
        return -1;
    /* The struct can sit near the end of a mapping: retry shorter. */
    while (rmem_read(mem, threads[first].pthread_id, block, len) < 0)
        if ((len /= 2) < 64)
            return -1;

    for (size_t k = 0; k + 4 <= len; k += 4) {
        uint32_t value;
        memcpy(&value, block + k, sizeof(value));
        if (!is_tid(sorted, ntids, value))
            continue;
        int is_pid = tf->pid > 0 && value == (uint32_t)tf->pid;
        int matched = tids_at(mem, threads, n, sorted, ntids, (int)k, found);
        if (matched >= 2) {
            tf->offset = (int)k;
            return (int)k;
        }
        if (matched == 1 && (fallback < 0 || (!fallback_is_pid && is_pid))) {
            fallback = (int)k;
            fallback_is_pid = is_pid;
        }
    }
    return fallback;
}

/* Every thread's TID from the threads known, if each is known with a TID
 * still listed. */
static int tids_known(const struct tidfind *tf, struct pywalk_thread *threads, int n,
                      const uint32_t *sorted, int ntids)
{
    for (int i = 0; i < n; i++) {
        const struct pywalk_thread *t = &threads[i];
        int k = 0;
        while (k < tf->nknown &&
               !(tf->known[k].tstate == t->tstate && tf->known[k].unique_id == t->unique_id &&
                 tf->known[k].pthread_id == t->pthread_id))
            k++;
        if (t->unique_id == 0 || k == tf->nknown || !is_tid(sorted, ntids, tf->known[k].tid))
            return 0;
        threads[i].tid = tf->known[k].tid;
    }
    return 1;
}

/* The threads with a unique_id and a TID become the known ones. */
static void remember(struct tidfind *tf, const struct pywalk_thread *threads, int n)
{
    tf->nknown = 0;
    for (int i = 0; i < n && tf->nknown < TIDFIND_KNOWN; i++)
        if (threads[i].unique_id && threads[i].tid)
            tf->known[tf->nknown++] =
                (struct tidfind_known){.tstate = threads[i].tstate,
                                       .unique_id = threads[i].unique_id,
                                       .pthread_id = threads[i].pthread_id,
                                       .tid = threads[i].tid};
}

void tidfind_resolve(struct tidfind *tf, const struct rmem *mem, struct pywalk_thread *threads,
                     int n, const uint32_t *tids, int ntids)
{
    uint32_t *sorted = NULL, *found = NULL;
    int k;

    if (n <= 0)
        return;
    for (int i = 0; i < n; i++)
        threads[i].tid = 0;
    if (ntids <= 0)
        return;
    sorted = malloc((size_t)ntids * sizeof(*sorted));
    found = malloc((size_t)n * sizeof(*found));
    if (!sorted || !found)
        goto out;
    memcpy(sorted, tids, (size_t)ntids * sizeof(*sorted));
    qsort(sorted, (size_t)ntids, sizeof(*sorted), cmp_u32);
    if (tids_known(tf, threads, n, sorted, ntids))
        goto out;
    for (int i = 0; i < n; i++)
        threads[i].tid = 0;

    k = tf->offset >= 0 ? tf->offset : search(tf, mem, threads, n, sorted, ntids, found);
    if (k < 0)
        goto out;
    /* Thread by thread, so that one exited thread does not cost the others
     * their TIDs. */
    for (int i = 0; i < n; i++) {
        uint32_t value = 0;
        if (threads[i].pthread_id &&
            rmem_read(mem, threads[i].pthread_id + (uint64_t)k, &value, sizeof(value)) == 0 &&
            is_tid(sorted, ntids, value))
            threads[i].tid = value;
    }
    remember(tf, threads, n);

out:
    free(found);
    free(sorted);
}
