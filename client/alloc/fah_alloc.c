/* libfixingahole_alloc.so: preloaded into the profiled script by
 * `fixingahole profile --memory`, and only then. It counts the bytes every
 * thread allocates (malloc, calloc, realloc, posix_memalign, aligned_alloc,
 * memalign, valloc, anonymous mmap) and copies (memcpy, memmove), and every
 * W bytes on average it writes one event to a pipe the daemon reads; for an
 * allocation or copy it then waits (at most ALLOC_ACK_WAIT_MS) for the
 * daemon to acknowledge, so that the daemon reads the thread's Python stack
 * while the thread still stands on the line that allocated. Releases of
 * sampled blocks are reported without waiting. It never calls into Python,
 * and it allocates nothing through malloc: its tables are mmap'ed.
 * docs/memory.md explains the design. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "client/alloc/sample_grid.h"
#include "common/alloc_abi.h"

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* How long a sampled thread waits for the daemon before going on unblamed. */
#define ALLOC_ACK_WAIT_MS 200
/* How long the first sample waits for the daemon's hello when it comes
 * before the daemon has found the interpreter: the daemon locates it while
 * the thread waits, so the sample is read on its line. Once per process,
 * so a daemon that never answers costs the script this much at most. */
#define ALLOC_HELLO_WAIT_MS 500
/* After this many waits in a row that timed out, stop waiting: the daemon
 * is gone (or stopped), and the script must not crawl. */
#define ALLOC_MAX_MISSED 3
/* How long a wait lasts after one that timed out, until the daemon answers
 * again: a daemon stopped for seconds costs the script one full wait and
 * two of these (0.24 s), not three full ones (0.6 s). */
#define ALLOC_ACK_RETRY_MS 20
/* Sampled live blocks remembered for their free(): open addressing. */
#define ALLOC_TABLE_BITS 20
#define ALLOC_FILTER_BITS 23
#define ALLOC_MAX_RANGES 16

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_alloc_fn)(size_t, size_t);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef void *(*memcpy_fn)(void *, const void *, size_t);

static struct {
    malloc_fn malloc;
    calloc_fn calloc;
    realloc_fn realloc;
    free_fn free;
    posix_memalign_fn posix_memalign;
    aligned_alloc_fn aligned_alloc;
    aligned_alloc_fn memalign;
    malloc_fn valloc;
    mmap_fn mmap;
    munmap_fn munmap;
    memcpy_fn memcpy;
    memcpy_fn memmove;
} real;

/* dlsym allocates before the real allocator is known: serve it from here. */
static _Alignas(16) char bootstrap[16384];
static size_t bootstrap_used;
static int resolving;

static atomic_int active;   /* sampling on: after the constructor, in the owner */
static atomic_int attached; /* the daemon said hello */
static atomic_int missed;   /* consecutive unanswered waits */
static int hello_awaited;   /* the one wait for the hello was spent (under wait_lock) */
static int daemon_gone;     /* the daemon's end of the ack pipe closed (under wait_lock) */
static atomic_uint next_seq;
static int64_t window;      /* W, bytes */
static int64_t exact_from;  /* blocks this large are always sampled, at their size */

struct range {
    uintptr_t lo, hi;
};
static struct range python_text[ALLOC_MAX_RANGES];
static int npython_text;

/* Per thread: where its next samples of allocated and of copied bytes
 * fall (window 0 until its first call), and a reentrancy guard. */
static TLS struct sample_grid alloc_grid, copy_grid;
static TLS int busy;

static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t *table; /* live sampled addresses; 0 empty, 1 deleted */
static size_t table_count;
static atomic_uchar *filter; /* a bit per hashed address ever sampled */

static int in_bootstrap(const void *p)
{
    return (const char *)p >= bootstrap && (const char *)p < bootstrap + sizeof(bootstrap);
}

static void *bootstrap_alloc(size_t n)
{
    size_t start = (bootstrap_used + 15) & ~(size_t)15;
    if (start + n > sizeof(bootstrap))
        return NULL;
    bootstrap_used = start + n;
    return bootstrap + start; /* static storage: already zero */
}

static void resolve(void)
{
    if (real.malloc || resolving)
        return;
    resolving = 1;
    real.calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
    real.free = (free_fn)dlsym(RTLD_NEXT, "free");
    real.realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
    real.posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
    real.aligned_alloc = (aligned_alloc_fn)dlsym(RTLD_NEXT, "aligned_alloc");
    real.memalign = (aligned_alloc_fn)dlsym(RTLD_NEXT, "memalign");
    real.valloc = (malloc_fn)dlsym(RTLD_NEXT, "valloc");
    real.mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
    real.munmap = (munmap_fn)dlsym(RTLD_NEXT, "munmap");
    real.memcpy = (memcpy_fn)dlsym(RTLD_NEXT, "memcpy");
    real.memmove = (memcpy_fn)dlsym(RTLD_NEXT, "memmove");
    real.malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A seed of its own for each thread and each of its grids. */
static uint64_t thread_seed(uint64_t salt)
{
    return now_ns() ^ ((uint64_t)syscall(SYS_gettid) << 32) ^ (salt * 0x9e3779b97f4a7c15u);
}

static uint64_t hash_addr(uintptr_t a)
{
    return ((uint64_t)a >> 4) * 0x9e3779b97f4a7c15u;
}

static int filter_test(uintptr_t a)
{
    uint64_t bit = hash_addr(a) >> (64 - ALLOC_FILTER_BITS);
    return filter && (atomic_load_explicit(&filter[bit >> 3], memory_order_relaxed) >> (bit & 7)) & 1;
}

static void table_insert(uintptr_t a)
{
    size_t mask = ((size_t)1 << ALLOC_TABLE_BITS) - 1;
    uint64_t bit = hash_addr(a) >> (64 - ALLOC_FILTER_BITS);
    pthread_mutex_lock(&table_lock);
    if (table && table_count < mask / 2) {
        for (size_t i = hash_addr(a) & mask;; i = (i + 1) & mask)
            if (table[i] <= 1 || table[i] == a) {
                table_count += table[i] != a;
                table[i] = a;
                break;
            }
        atomic_fetch_or_explicit(&filter[bit >> 3], (unsigned char)(1u << (bit & 7)),
                                 memory_order_relaxed);
    }
    pthread_mutex_unlock(&table_lock);
}

/* 1 when a was a live sampled block (and forgets it). */
static int table_remove(uintptr_t a)
{
    size_t mask = ((size_t)1 << ALLOC_TABLE_BITS) - 1;
    int found = 0;
    pthread_mutex_lock(&table_lock);
    for (size_t i = hash_addr(a) & mask, n = 0; table && table[i] && n <= mask;
         i = (i + 1) & mask, n++)
        if (table[i] == a) {
            table[i] = 1;
            table_count--;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&table_lock);
    return found;
}

/* Returns 0, or -1 when the record could not be written. A script that
 * closed our descriptors (os.closerange) ends the sampling for good. */
static int write_event(const struct alloc_abi_event *ev)
{
    ssize_t n;
    do
        n = write(ALLOC_ABI_FD_EVENTS_W, ev, sizeof(*ev));
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EBADF || errno == EPIPE)) {
        atomic_store(&active, 0);
        atomic_store(&attached, 0);
    }
    return n == (ssize_t)sizeof(*ev) ? 0 : -1;
}

/* The daemon answered the hello, so it holds its own write end of the ack
 * pipe: ours goes, so that if the daemon dies the pipe hangs up at once
 * and no thread waits for an answer that cannot come. */
static void on_hello(void)
{
    static int closed_ours; /* under wait_lock */
    atomic_store(&attached, 1);
    hello_awaited = 1; /* after missed answers, no second wait for a hello */
    if (!closed_ours) {
        closed_ours = 1;
        close(ALLOC_ABI_FD_ACK_W);
    }
}

/* Non-blocking: takes acks (a u32 seq each) until `seq` or none is left.
 * Returns 1 when seq was seen. Seq 0 is the daemon's hello. Any other ack
 * proves the daemon answers (again, after it was stopped a while). */
static int take_acks(uint32_t seq)
{
    uint32_t got;
    while (read(ALLOC_ABI_FD_ACK_R, &got, sizeof(got)) == (ssize_t)sizeof(got)) {
        if (got == 0) {
            on_hello();
            continue;
        }
        atomic_store(&missed, 0);
        atomic_store(&attached, 1);
        if (got == seq)
            return 1;
    }
    return 0;
}

/* Blocks up to ms for the ack of seq, or for the hello when seq is 0.
 * Returns 1 when it came; 0 on timeout or when no daemon can answer. */
static int await_ack(uint32_t seq, unsigned ms)
{
    uint64_t deadline = now_ns() + (uint64_t)ms * 1000000u;
    for (;;) {
        if (take_acks(seq) || (seq == 0 && atomic_load(&attached)))
            return 1;
        uint64_t t = now_ns();
        if (t >= deadline)
            return 0;
        struct pollfd p = {.fd = ALLOC_ABI_FD_ACK_R, .events = POLLIN};
        if (poll(&p, 1, (int)((deadline - t) / 1000000u) + 1) > 0 &&
            (p.revents & (POLLNVAL | POLLERR | POLLHUP)) && !(p.revents & POLLIN)) {
            daemon_gone = 1; /* no daemon can answer any more */
            atomic_store(&attached, 0);
            return 0;
        }
    }
}

static void wait_for_ack(uint32_t seq)
{
    unsigned ms = atomic_load(&missed) ? ALLOC_ACK_RETRY_MS : ALLOC_ACK_WAIT_MS;
    if (await_ack(seq, ms)) {
        atomic_store(&missed, 0);
        return;
    }
    if (atomic_fetch_add(&missed, 1) + 1 >= ALLOC_MAX_MISSED)
        atomic_store(&attached, 0);
}

/* Reports a sample and, once the daemon listens, waits until it has read
 * this thread's stack. One thread waits at a time: the daemon answers in
 * order, and a thread that allocates while another waits simply queues. */
static void emit_sample(uint32_t kind, uint32_t flags, uintptr_t addr, size_t size,
                        uint64_t weight)
{
    struct alloc_abi_event ev = {.kind = kind, .flags = flags, .tid = (uint32_t)syscall(SYS_gettid),
                                 .weight = weight, .size = size, .addr = addr};
    pthread_mutex_lock(&wait_lock);
    if (!atomic_load(&attached) && !daemon_gone)
        take_acks(UINT32_MAX);
    if (!atomic_load(&attached) && !hello_awaited && !daemon_gone) {
        hello_awaited = 1;
        await_ack(0, ALLOC_HELLO_WAIT_MS);
    }
    int wait = atomic_load(&attached);
    ev.seq = atomic_fetch_add(&next_seq, 1) + 1;
    if (ev.seq == 0 || ev.seq == UINT32_MAX)
        ev.seq = atomic_fetch_add(&next_seq, 2) + 2;
    if (wait)
        ev.flags |= ALLOC_EVF_WAITING;
    ev.time_ns = now_ns();
    if (write_event(&ev) == 0 && wait)
        wait_for_ack(ev.seq);
    pthread_mutex_unlock(&wait_lock);
}

static uint32_t caller_flags(const void *ret)
{
    uintptr_t pc = (uintptr_t)ret;
    for (int i = 0; i < npython_text; i++)
        if (pc >= python_text[i].lo && pc < python_text[i].hi)
            return 0;
    return ALLOC_EVF_NATIVE;
}

/* The hot path: a per-thread countdown, and rarely a sample. */
static void note_alloc(void *p, size_t n, const void *ret, uint32_t flags)
{
    if (!p || busy || !atomic_load_explicit(&active, memory_order_relaxed))
        return;
    uint64_t weight;
    if ((int64_t)n >= exact_from) {
        weight = n;
    } else {
        if (!alloc_grid.window)
            sample_grid_start(&alloc_grid, window, thread_seed(1));
        if (!sample_grid_count(&alloc_grid, (int64_t)n))
            return;
        weight = (uint64_t)window;
        /* One sample per call, weighing W: a second point inside this
         * block stays due, and the thread's next allocation takes it. */
        sample_grid_advance(&alloc_grid);
    }
    busy = 1;
    table_insert((uintptr_t)p);
    emit_sample(ALLOC_EV_ALLOC, flags | caller_flags(ret), (uintptr_t)p, n, weight);
    busy = 0;
}

/* Before the block goes back: once freed, another thread may get the same
 * address, and its ALLOC must come after this FREE in the pipe. */
static void note_free(void *p)
{
    if (!p || busy || !filter_test((uintptr_t)p))
        return;
    busy = 1;
    if (table_remove((uintptr_t)p)) {
        struct alloc_abi_event ev = {.kind = ALLOC_EV_FREE, .tid = (uint32_t)syscall(SYS_gettid),
                                     .time_ns = now_ns(), .addr = (uintptr_t)p};
        write_event(&ev);
    }
    busy = 0;
}

static void note_copy(size_t n, const void *ret)
{
    if (busy || !atomic_load_explicit(&active, memory_order_relaxed))
        return;
    if (!copy_grid.window)
        sample_grid_start(&copy_grid, window, thread_seed(2));
    if (!sample_grid_count(&copy_grid, (int64_t)n))
        return;
    uint64_t weight = (uint64_t)window;
    while (sample_grid_advance(&copy_grid))
        weight += (uint64_t)window; /* a copy reaching several points */
    busy = 1;
    emit_sample(ALLOC_EV_COPY, caller_flags(ret), 0, n, weight);
    busy = 0;
}

EXPORT void *malloc(size_t n)
{
    resolve();
    if (!real.malloc)
        return bootstrap_alloc(n);
    void *p = real.malloc(n);
    note_alloc(p, n, __builtin_return_address(0), 0);
    return p;
}

EXPORT void *calloc(size_t n, size_t m)
{
    resolve();
    if (!real.calloc)
        return m && n > SIZE_MAX / m ? NULL : bootstrap_alloc(n * m);
    void *p = real.calloc(n, m);
    note_alloc(p, n * m, __builtin_return_address(0), 0);
    return p;
}

EXPORT void free(void *p)
{
    if (!p || in_bootstrap(p))
        return;
    resolve();
    note_free(p);
    real.free(p);
}

EXPORT void *realloc(void *old, size_t n)
{
    resolve();
    if (in_bootstrap(old)) {
        void *p = malloc(n);
        if (p)
            real.memcpy(p, old, n < sizeof(bootstrap) ? n : sizeof(bootstrap));
        return p;
    }
    note_free(old);
    void *p = real.realloc(old, n);
    note_alloc(p, n, __builtin_return_address(0), 0);
    return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    resolve();
    int rc = real.posix_memalign(out, align, n);
    if (rc == 0)
        note_alloc(*out, n, __builtin_return_address(0), 0);
    return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    resolve();
    void *p = real.aligned_alloc(align, n);
    note_alloc(p, n, __builtin_return_address(0), 0);
    return p;
}

EXPORT void *memalign(size_t align, size_t n)
{
    resolve();
    void *p = real.memalign(align, n);
    note_alloc(p, n, __builtin_return_address(0), 0);
    return p;
}

EXPORT void *valloc(size_t n)
{
    resolve();
    void *p = real.valloc(n);
    note_alloc(p, n, __builtin_return_address(0), 0);
    return p;
}

/* Anonymous private mappings are heap by another name (pymalloc's arenas,
 * some allocators' large blocks); file mappings are not. glibc's malloc
 * maps its large blocks through an internal call that never comes here. */
EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    resolve();
    void *p = real.mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && !(flags & MAP_SHARED))
        note_alloc(p, len, __builtin_return_address(0), ALLOC_EVF_MMAP);
    return p;
}

EXPORT int munmap(void *addr, size_t len)
{
    resolve();
    note_free(addr);
    return real.munmap(addr, len);
}

/* A copy through our own code before resolve() finished: byte by byte
 * (the build forbids the compiler to turn this loop back into memcpy). */
static void *slow_move(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s)
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    else
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    return dst;
}

EXPORT void *memcpy(void *dst, const void *src, size_t n)
{
    if (!real.memcpy)
        return slow_move(dst, src, n);
    note_copy(n, __builtin_return_address(0));
    return real.memcpy(dst, src, n);
}

EXPORT void *memmove(void *dst, const void *src, size_t n)
{
    if (!real.memmove)
        return slow_move(dst, src, n);
    note_copy(n, __builtin_return_address(0));
    return real.memmove(dst, src, n);
}

/* The interpreter's code: libpython, and the executable (a static python). */
static int collect_text(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    (void)ctx;
    const char *name = info->dlpi_name;
    int is_exe = !name || !name[0];
    if (!is_exe && !strstr(name, "libpython"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum && npython_text < ALLOC_MAX_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X))
            python_text[npython_text++] = (struct range){
                info->dlpi_addr + ph->p_vaddr, info->dlpi_addr + ph->p_vaddr + ph->p_memsz};
    }
    return 0;
}

/* Takes our entry out of LD_PRELOAD (and the variable when it held only
 * us), so that os.environ and the script's children never see us. */
static void forget_preload(void)
{
    const char *pre = getenv("LD_PRELOAD");
    if (!pre)
        return;
    char kept[4096];
    size_t len = 0;
    const char *p = pre;
    while (*p) {
        size_t n = strcspn(p, ": ");
        int ours = n >= sizeof(ALLOC_ABI_LIBRARY) - 1 &&
                   strncmp(p + n - (sizeof(ALLOC_ABI_LIBRARY) - 1), ALLOC_ABI_LIBRARY,
                           sizeof(ALLOC_ABI_LIBRARY) - 1) == 0;
        if (!ours && n && len + n + 2 < sizeof(kept)) {
            if (len)
                kept[len++] = ':';
            real.memcpy(kept + len, p, n);
            len += n;
        }
        p += n;
        if (*p)
            p++;
    }
    kept[len] = '\0';
    if (len)
        setenv("LD_PRELOAD", kept, 1);
    else
        unsetenv("LD_PRELOAD");
}

/* A forked child is another process: the daemon follows only the one it
 * was given, and the inherited pipes must not be answered for. */
static void in_child(void)
{
    filter = NULL; /* the table's lock may be held by a thread that is gone */
    atomic_store(&active, 0);
    atomic_store(&attached, 0);
}

/* The pipes, moved to the fixed numbers; close-on-exec, so that programs
 * the script runs do not inherit them. */
static int open_pipes(void)
{
    int ev[2], ack[2];
    if (pipe2(ev, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(ack, O_CLOEXEC | O_NONBLOCK) < 0) {
        close(ev[0]);
        close(ev[1]);
        return -1;
    }
    const int want[4] = {ALLOC_ABI_FD_EVENTS_R, ALLOC_ABI_FD_EVENTS_W, ALLOC_ABI_FD_ACK_R,
                         ALLOC_ABI_FD_ACK_W};
    const int have[4] = {ev[0], ev[1], ack[0], ack[1]};
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        if (have[i] != want[i] && dup3(have[i], want[i], O_CLOEXEC) < 0)
            ok = 0;
        if (have[i] != want[i])
            close(have[i]);
    }
    /* A full pipe drops events instead of stalling the script. */
    fcntl(ALLOC_ABI_FD_EVENTS_W, F_SETFL, O_NONBLOCK);
    return ok ? 0 : -1;
}

/* Whether this process runs a CPython interpreter (its executable or a
 * loaded libpython exports Py_Main). The script may be started through a
 * launcher that is not Python (pyenv's shims are shell scripts that exec
 * the interpreter): the library loads there first, and must leave the
 * environment alone so that the interpreter it execs loads it again. */
static int in_python(void)
{
    return dlsym(RTLD_DEFAULT, "Py_Main") != NULL;
}

__attribute__((constructor)) static void alloc_init(void)
{
    resolve();
    if (!in_python())
        return;
    const char *w = getenv(ALLOC_ABI_ENV);
    long long bytes = w ? atoll(w) : 0;
    unsetenv(ALLOC_ABI_ENV);
    forget_preload();
    if (bytes <= 0)
        return;
    window = bytes;
    /* Blocks of a quarter window or more are sampled every time, at their
     * true size: few enough to afford, and they carry the peaks. */
    exact_from = bytes / 4 > 1 ? bytes / 4 : 1;
    table = real.mmap(NULL, sizeof(uintptr_t) << ALLOC_TABLE_BITS, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    filter = real.mmap(NULL, (size_t)1 << (ALLOC_FILTER_BITS - 3), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (table == MAP_FAILED || filter == MAP_FAILED || open_pipes() < 0) {
        table = NULL;
        filter = NULL;
        return;
    }
    dl_iterate_phdr(collect_text, NULL);
    pthread_atfork(NULL, NULL, in_child);
    struct alloc_abi_event hello = {.kind = ALLOC_EV_HELLO, .tid = (uint32_t)getpid(),
                                    .time_ns = now_ns(), .weight = (uint64_t)bytes,
                                    .size = ALLOC_ABI_MAGIC, .addr = (uint64_t)getpid()};
    write_event(&hello);
    atomic_store(&active, 1);
}
