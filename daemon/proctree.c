/* The process tree (see proctree.h). A scan looks for new members only
 * when the machine created a task since the last one (the last pid
 * /proc/loadavg names moved), and then asks the members themselves: each
 * live member's threads name their children (/proc/PID/task/TID/children),
 * so a machine busy starting processes costs a small read per member
 * thread, not a listing of /proc. A 1 kHz session beside a shell loop
 * starting /bin/true spent 15 us of its 62 us per tick listing /proc and
 * reading the stat of each new pid. Members with many threads in all
 * (PROCTREE_CHILDREN_MAX_THREADS), or a kernel without children files,
 * list /proc instead, and read the stat of only the pids that were not
 * there at the previous listing. Each member's stat stays open between
 * scans (one pread says whether it is gone or a zombie and gives its image
 * mark and thread count). A pid
 * cannot be reused between two listings without the kernel's pid counter
 * wrapping all the way round meanwhile. The slow facts (peak RSS, command
 * line: reading /proc/PID/status and cmdline every tenth scan was 3.7%
 * of the daemon's CPU at 100 Hz, by perf) are read at a member's first
 * PROCTREE_SLOW_SCANS scans (a fork execs soon after
 * it starts, if at all); after that its command line when its image mark
 * changes (it exec'd), and its peak when the RSS its stat shows has passed
 * the last peak read, or PROCTREE_PEAK_SCANS scans have gone by (a spike
 * between two scans shows in the peak only); its CPU clock at every scan. */
#include "daemon/proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/procfs.h"

/* The kernel's CPUCLOCK_SCHED clock of a whole process: exact, readable
 * by anyone, and still there while the process is a zombie. */
#define PROCTREE_PROCESS_CLOCK(pid) ((clockid_t)(((unsigned)~(pid) << 3) | 2u))
#define PROCTREE_SLOW_SCANS 10
#define PROCTREE_PEAK_SCANS 100
/* Beyond this many threads in all the live members have, a scan lists /proc:
 * a children file per thread would cost more. */
#define PROCTREE_CHILDREN_MAX_THREADS 16
/* A children file this long may hold more than was read. */
#define PROCTREE_CHILDREN_TEXT 4096

struct proctree {
    int follow;
    uint64_t last_scan_ns;
    uint64_t start_boot_ns; /* the session's start, on the clock of stat's starttime */
    long last_created;      /* /proc/loadavg's last pid at the last listing, -1 none */
    int loadavg_fd;         /* /proc/loadavg, kept open */
    int children_files;     /* the kernel has /proc/PID/task/TID/children */
    struct proctree_proc *procs;
    size_t nprocs, cap;
    pid_t *listed, *listing; /* /proc's pids at the last scan and this one, sorted */
    size_t nlisted, nlisting, listed_cap, listing_cap;
};

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static int was_listed(const struct proctree *t, pid_t pid)
{
    return t->nlisted && bsearch(&pid, t->listed, t->nlisted, sizeof(pid), cmp_pid) != NULL;
}

/* The live member with this pid, or NULL. */
static struct proctree_proc *live_member(struct proctree *t, pid_t pid)
{
    for (size_t i = 0; i < t->nprocs; i++)
        if (t->procs[i].pid == pid && !t->procs[i].exited)
            return &t->procs[i];
    return NULL;
}

static void read_cpu(struct proctree_proc *p)
{
    struct timespec ts;
    if (clock_gettime(PROCTREE_PROCESS_CLOCK(p->pid), &ts) == 0 && clock_ts_ns(&ts) > p->cpu_ns)
        p->cpu_ns = clock_ts_ns(&ts);
}

static void read_peak(struct proctree_proc *p)
{
    uint64_t rss;
    if (procfs_peak_rss(p->pid, &rss) == 0 && rss > p->max_rss)
        p->max_rss = rss;
}

/* Read again each time it may have changed: a fork first shows its
 * parent's, until it execs. */
static void read_command(struct proctree_proc *p)
{
    char command[PROCTREE_COMMAND_MAX];
    if (procfs_cmdline(p->pid, command, sizeof(command)) == 0 && command[0])
        memcpy(p->command, command, sizeof(command));
}

static uint64_t page_bytes(void)
{
    long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? (uint64_t)size : 4096u;
}

/* The unit of /proc's process times. */
static uint64_t clock_tick_ns(void)
{
    long hz = sysconf(_SC_CLK_TCK);
    return hz > 0 ? CLOCK_NS_PER_SEC / (uint64_t)hz : 0;
}

/* The parent pid and the start (CLOCK_BOOTTIME ns, to the clock tick) from
 * /proc/PID/stat: fields 4 and 22, counted after the command's ')'. */
static int read_stat(pid_t pid, pid_t *ppid, uint64_t *start_ns)
{
    char path[64], text[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (procfs_read(path, text, sizeof(text)) < 0)
        return -ESRCH;
    const char *close = strrchr(text, ')');
    int parent;
    unsigned long long ticks;
    if (!close || sscanf(close + 1, " %*c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                                    "%*s %*s %*s %*s %llu", &parent, &ticks) != 2)
        return -EINVAL;
    *ppid = (pid_t)parent;
    *start_ns = ticks * clock_tick_ns();
    return 0;
}

/* A hash of what an exec replaces, from the fields of a stat line after
 * its command name (26-28 start_code, end_code, start_stack; 45-51
 * start_data to env_end): under address space randomisation every exec
 * moves the stack and the heap at least. 0 when those read as zeros (not
 * ours to see, or no memory left: a zombie). *rss_pages: field 24;
 * *threads: field 20. */
static uint64_t image_mark(const char *stat_text, uint64_t *rss_pages, unsigned *threads)
{
    const char *open = strchr(stat_text, '('), *close = strrchr(stat_text, ')');
    *rss_pages = 0;
    *threads = 0;
    if (!open || !close || close < open)
        return 0;
    uint64_t hash = 1469598103934665603ull, any = 0; /* FNV-1a */
    for (const char *c = open; c <= close; c++)
        hash = (hash ^ (unsigned char)*c) * 1099511628211ull;
    const char *at = close + 2; /* field 3, the state */
    for (int field = 3; field <= 51 && *at; field++) {
        char *end;
        unsigned long long value = strtoull(at, &end, 10);
        if (field == 20)
            *threads = (unsigned)value;
        if (field == 24)
            *rss_pages = value;
        if ((field >= 26 && field <= 28) || field >= 45) {
            hash = (hash ^ value) * 1099511628211ull;
            any |= value;
        }
        at = *end ? end + 1 : end;
    }
    return any ? hash : 0;
}

/* Reads a member's stat through its kept file: -ESRCH once it is gone or
 * a zombie (the kept file never reads another process that took its pid),
 * else 0 with its image mark updated and its RSS in *rss (bytes). */
static int read_live_stat(struct proctree_proc *p, uint64_t *rss)
{
    char path[64], text[1024];
    if (p->stat_fd < 0) {
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid);
        if ((p->stat_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            return -ESRCH;
    }
    ssize_t n = pread(p->stat_fd, text, sizeof(text) - 1, 0);
    if (n <= 0)
        return -ESRCH;
    text[n] = '\0';
    int state = procfs_parse_state(text);
    if (state < 0 || state == 'Z' || state == 'X')
        return -ESRCH;
    uint64_t pages;
    p->image_mark = image_mark(text, &pages, &p->threads);
    *rss = pages * page_bytes();
    return 0;
}

static int add_member(struct proctree *t, pid_t pid, pid_t ppid, uint64_t start_ns,
                      uint64_t now_ns)
{
    struct proctree_proc *grown = buf_grow_array(t->procs, &t->cap, t->nprocs + 1, sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    t->procs = grown;
    struct proctree_proc *p = &t->procs[t->nprocs++];
    /* Started no earlier than the clock tick the session started in. */
    *p = (struct proctree_proc){.pid = pid, .ppid = ppid, .root = t->nprocs == 1,
                                .born_within = start_ns + clock_tick_ns() > t->start_boot_ns,
                                .start_ns = now_ns, .boot_start_ns = start_ns, .stat_fd = -1};
    snprintf(p->command, sizeof(p->command), "[pid %d]", (int)pid);
    read_cpu(p);
    read_peak(p);
    read_command(p);
    uint64_t rss;
    read_live_stat(p, &rss); /* its image mark; gone already, the next scan says so */
    return 0;
}

struct proctree *proctree_new(pid_t root, int follow_children, uint64_t now_ns)
{
    struct proctree *t = calloc(1, sizeof(*t));
    if (t)
        t->loadavg_fd = -1;
    pid_t ppid = 0;
    uint64_t start_ns = 0;
    struct timespec boot;
    if (t && clock_gettime(CLOCK_BOOTTIME, &boot) == 0)
        t->start_boot_ns = clock_ts_ns(&boot) - (clock_monotonic_ns() - now_ns);
    if (t)
        read_stat(root, &ppid, &start_ns);
    if (!t || add_member(t, root, ppid, 0, now_ns) < 0) {
        proctree_free(t);
        return NULL;
    }
    t->follow = follow_children;
    t->last_created = -1;
    t->children_files = access("/proc/thread-self/children", R_OK) == 0;
    t->procs[0].start_ns = 0; /* older than the session: no start to report */
    return t;
}

void proctree_free(struct proctree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nprocs; i++)
        if (t->procs[i].stat_fd >= 0)
            close(t->procs[i].stat_fd);
    if (t->loadavg_fd >= 0)
        close(t->loadavg_fd);
    free(t->procs);
    free(t->listed);
    free(t->listing);
    free(t);
}

/* Appends pid to t->listing. */
static int append_pid(struct proctree *t, pid_t pid)
{
    pid_t *grown = buf_grow_array(t->listing, &t->listing_cap, t->nlisting + 1, sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    (t->listing = grown)[t->nlisting++] = pid;
    return 0;
}

/* Lists /proc's pids, sorted, into t->listing. */
static int list_proc(struct proctree *t)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    t->nlisting = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL && rc == 0) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (!*end && pid > 0)
            rc = append_pid(t, (pid_t)pid);
    }
    closedir(d);
    if (t->nlisting)
        qsort(t->listing, t->nlisting, sizeof(pid_t), cmp_pid);
    return rc;
}

/* Adds the new pids whose parent is a live member; a child and its own
 * child both new are found by going round until nothing joins. */
static int join_new_descendants(struct proctree *t, uint64_t now_ns)
{
    int joined;
    do {
        joined = 0;
        for (size_t i = 0; i < t->nlisting; i++) {
            pid_t pid = t->listing[i];
            if (was_listed(t, pid) || live_member(t, pid))
                continue;
            pid_t ppid;
            uint64_t start_ns;
            if (read_stat(pid, &ppid, &start_ns) < 0 || ppid <= 0 || !live_member(t, ppid))
                continue;
            if (add_member(t, pid, ppid, start_ns, now_ns) < 0)
                return -ENOMEM;
            joined = 1;
        }
    } while (joined);
    return 0;
}

/* Finds new members by listing /proc: every pid not there at the previous
 * listing whose parent is a live member joins. */
static int find_by_listing(struct proctree *t, uint64_t now_ns)
{
    int rc = list_proc(t);
    if (rc == 0)
        rc = join_new_descendants(t, now_ns);
    pid_t *swap = t->listed;
    size_t swap_cap = t->listed_cap;
    t->listed = t->listing, t->listed_cap = t->listing_cap, t->nlisted = t->nlisting;
    t->listing = swap, t->listing_cap = swap_cap, t->nlisting = 0;
    return rc;
}

/* Appends to t->listing the children one thread of pid names. A thread
 * gone meanwhile names none. -EAGAIN when its file may hold more than fit. */
static int read_thread_children(struct proctree *t, pid_t pid, pid_t tid)
{
    char path[96], text[PROCTREE_CHILDREN_TEXT];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)tid);
    ssize_t n = procfs_read(path, text, sizeof(text));
    if (n < 0)
        return 0;
    if ((size_t)n >= sizeof(text) - 1)
        return -EAGAIN;
    for (char *at = text, *end;; at = end) {
        long kid = strtol(at, &end, 10);
        if (end == at)
            return 0;
        if (kid > 0 && append_pid(t, (pid_t)kid) < 0)
            return -ENOMEM;
    }
}

/* Appends to t->listing the children of every thread of a member. */
static int read_member_children(struct proctree *t, const struct proctree_proc *p)
{
    if (p->threads <= 1)
        return read_thread_children(t, p->pid, p->pid);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
    DIR *d = opendir(path);
    if (!d)
        return 0; /* gone: the next scan marks it */
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char *end;
        long tid = strtol(e->d_name, &end, 10);
        if (!*end && tid > 0)
            rc = read_thread_children(t, p->pid, (pid_t)tid);
    }
    closedir(d);
    return rc;
}

/* Whether an exited member is this process: a zombie its parent has not
 * reaped is still listed as its child. */
static int known_exited(const struct proctree *t, pid_t pid, uint64_t boot_start_ns)
{
    for (size_t i = 0; i < t->nprocs; i++)
        if (t->procs[i].pid == pid && t->procs[i].exited &&
            t->procs[i].boot_start_ns == boot_start_ns)
            return 1;
    return 0;
}

static unsigned live_threads(const struct proctree *t)
{
    unsigned threads = 0;
    for (size_t i = 0; i < t->nprocs; i++)
        if (!t->procs[i].exited)
            threads += t->procs[i].threads ? t->procs[i].threads : 1;
    return threads;
}

/* Finds new members through the live members' children files, a member
 * that joins searched in turn later in the same loop. -EAGAIN when that
 * would cost more than a listing, or cannot be done: list instead. */
static int find_by_children(struct proctree *t, uint64_t now_ns)
{
    if (!t->children_files || live_threads(t) > PROCTREE_CHILDREN_MAX_THREADS)
        return -EAGAIN;
    for (size_t i = 0; i < t->nprocs; i++) {
        if (t->procs[i].exited)
            continue;
        pid_t parent = t->procs[i].pid;
        t->nlisting = 0;
        int rc = read_member_children(t, &t->procs[i]);
        for (size_t k = 0; rc == 0 && k < t->nlisting; k++) {
            pid_t kid = t->listing[k], ppid;
            uint64_t start_ns;
            if (live_member(t, kid) || read_stat(kid, &ppid, &start_ns) < 0 || ppid != parent ||
                known_exited(t, kid, start_ns))
                continue;
            rc = add_member(t, kid, ppid, start_ns, now_ns);
        }
        if (rc < 0)
            return rc;
    }
    /* What the last listing saw is old news by the next one: it reads
     * every pid's stat once more rather than trust it. */
    t->nlisted = t->nlisting = 0;
    return 0;
}

/* The most recently created pid (/proc/loadavg's last field), or -1. */
static long last_created_pid(struct proctree *t)
{
    char text[128];
    if (procfs_read_kept("/proc/loadavg", &t->loadavg_fd, text, sizeof(text)) <= 0)
        return -1;
    const char *last = strrchr(text, ' ');
    return last ? strtol(last + 1, NULL, 10) : -1;
}

int proctree_scan(struct proctree *t, uint64_t now_ns, int force)
{
    if (!force && t->last_scan_ns && now_ns - t->last_scan_ns < PROCTREE_SCAN_GAP_NS)
        return 0;
    t->last_scan_ns = now_ns;
    for (size_t i = 0; i < t->nprocs; i++) {
        struct proctree_proc *p = &t->procs[i];
        if (p->exited)
            continue;
        p->scans++;
        read_cpu(p);
        uint64_t mark = p->image_mark, rss = 0;
        int alive = read_live_stat(p, &rss) == 0;
        int early = force || p->scans <= PROCTREE_SLOW_SCANS;
        if (alive && (early || rss > p->max_rss || p->scans % PROCTREE_PEAK_SCANS == 0))
            read_peak(p);
        if (alive && (early || p->image_mark != mark))
            read_command(p);
        if (!alive) {
            p->exited = 1;
            p->end_ns = now_ns;
            close(p->stat_fd);
            p->stat_fd = -1;
        }
    }
    long created = last_created_pid(t);
    if (!t->follow || (created >= 0 && created == t->last_created))
        return 1; /* no task was created anywhere since the last listing */
    t->last_created = created;
    int rc = find_by_children(t, now_ns);
    if (rc == -EAGAIN)
        rc = find_by_listing(t, now_ns);
    return rc < 0 ? rc : 1;
}

size_t proctree_count(const struct proctree *t)
{
    return t->nprocs;
}

struct proctree_proc *proctree_at(struct proctree *t, size_t i)
{
    return &t->procs[i];
}
