/* Test helpers: the CPython interpreters installed on this machine (pyenv
 * builds and the system's python3.X), with the facts tests check against
 * that come from elsewhere than the binary (PY_VERSION in the installed
 * patchlevel.h), and a live interpreter to attach to. Debian sid's builds
 * prepared by tests/interpreters/prepare.sh are included when present. */
#ifndef FAH_TEST_PYINTERP_H
#define FAH_TEST_PYINTERP_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn_ready.h"

struct test_interp {
    char name[96];           /* "pyenv 3.9.18", "system python3.11" */
    char exe[PATH_MAX];      /* the executable to run */
    char file[PATH_MAX];     /* the ELF holding _PyRuntime (libpython or exe) */
    char version[32];        /* PY_VERSION from patchlevel.h, "" if unknown */
    int major, minor;
};

/* snprintf whose truncation is an error, not a compiler warning. */
static inline int test_fmt(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int test_fmt(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static inline int test_is_elf(const char *path)
{
    unsigned char magic[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, magic, 4) : -1;
    if (fd >= 0)
        close(fd);
    return n == 4 && memcmp(magic, "\177ELF", 4) == 0;
}

/* PY_VERSION from a patchlevel.h, without a trailing '+'. */
static inline int test_patchlevel(const char *path, char *version, size_t len)
{
    char line[256];
    FILE *f = fopen(path, "r");
    int rc = -ENOENT;

    if (!f)
        return -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        char v[64];
        if (sscanf(line, " #define PY_VERSION \"%63[^\"]\"", v) == 1) {
            size_t n = strlen(v);
            if (n && v[n - 1] == '+')
                v[n - 1] = '\0';
            test_fmt(version, len, "%s", v);
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

static inline int test_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static inline size_t test_pyenv_interps(struct test_interp *out, size_t max)
{
    char root[PATH_MAX], versions[PATH_MAX + 16];
    const char *env = getenv("PYENV_ROOT");
    struct dirent **names;
    size_t n = 0;
    int count;

    if (test_fmt(root, sizeof(root), "%s", env && *env ? env : "/root/.pyenv") ||
        test_fmt(versions, sizeof(versions), "%s/versions", root))
        return 0;
    count = scandir(versions, &names, NULL, alphasort);
    for (int i = 0; i < count; i++) {
        int major, minor, micro, used = 0;
        struct test_interp *t = &out[n];
        char inc[PATH_MAX * 2];
        if (n < max && sscanf(names[i]->d_name, "%d.%d.%d%n", &major, &minor, &micro, &used) == 3 &&
            names[i]->d_name[used] == '\0') {
            static const char *const abis[] = {"", "m", "d"};
            memset(t, 0, sizeof(*t));
            t->major = major;
            t->minor = minor;
            test_fmt(t->name, sizeof(t->name), "pyenv %s", names[i]->d_name);
            test_fmt(t->exe, sizeof(t->exe), "%s/%s/bin/python%d.%d", versions, names[i]->d_name,
                     major, minor);
            test_fmt(t->file, sizeof(t->file), "%s", t->exe);
            for (size_t a = 0; a < sizeof(abis) / sizeof(abis[0]); a++) {
                char lib[PATH_MAX * 2];
                test_fmt(lib, sizeof(lib), "%s/%s/lib/libpython%d.%d%s.so.1.0", versions,
                         names[i]->d_name, major, minor, abis[a]);
                if (test_is_elf(lib) && strlen(lib) < sizeof(t->file)) {
                    memcpy(t->file, lib, strlen(lib) + 1);
                    test_fmt(inc, sizeof(inc), "%s/%s/include/python%d.%d%s/patchlevel.h",
                             versions, names[i]->d_name, major, minor, abis[a]);
                    test_patchlevel(inc, t->version, sizeof(t->version));
                }
            }
            if (!t->version[0]) {
                test_fmt(inc, sizeof(inc), "%s/%s/include/python%d.%d/patchlevel.h", versions,
                         names[i]->d_name, major, minor);
                test_patchlevel(inc, t->version, sizeof(t->version));
            }
            if (test_is_elf(t->exe))
                n++;
        }
        free(names[i]);
    }
    if (count >= 0)
        free(names);
    return n;
}

/* /usr/bin/python3.X executables (not the 'd' debug builds). */
static inline size_t test_system_interps(struct test_interp *out, size_t max)
{
    size_t n = 0;

    for (int minor = 6; minor <= 20 && n < max; minor++) {
        struct test_interp *t = &out[n];
        char inc[64];
        memset(t, 0, sizeof(*t));
        test_fmt(t->exe, sizeof(t->exe), "/usr/bin/python3.%d", minor);
        if (!test_is_elf(t->exe))
            continue;
        t->major = 3;
        t->minor = minor;
        test_fmt(t->name, sizeof(t->name), "system python3.%d", minor);
        test_fmt(t->file, sizeof(t->file), "%s", t->exe);
        test_fmt(inc, sizeof(inc), "/usr/include/python3.%d/patchlevel.h", minor);
        test_patchlevel(inc, t->version, sizeof(t->version));
        n++;
    }
    return n;
}

/* The folder tests/interpreters/prepare.sh fills: $FAH_INTERPRETERS, else
 * /var/cache/fixingahole/interpreters. NULL unless its status says "ok". */
static inline const char *test_sid_root(char *buf, size_t len)
{
    const char *env = getenv("FAH_INTERPRETERS");
    char status[PATH_MAX + 16], word[8] = "";
    FILE *f;

    if (test_fmt(buf, len, "%s", env && *env ? env : "/var/cache/fixingahole/interpreters") ||
        test_fmt(status, sizeof(status), "%s/status", buf))
        return NULL;
    f = fopen(status, "r");
    if (!f)
        return NULL;
    if (!fgets(word, sizeof(word), f))
        word[0] = '\0';
    fclose(f);
    return strcmp(word, "ok\n") == 0 ? buf : NULL;
}

/* Debian sid's python3.X unpacked by tests/interpreters/prepare.sh (run with
 * sid's own loader). PY_VERSION comes from the package's version in the
 * folder's packages.txt ("python3.14-minimal_3.14.10-1_amd64.deb"): a fact
 * from outside the binary, like patchlevel.h for the others. */
static inline size_t test_sid_interps(struct test_interp *out, size_t max)
{
    char root[PATH_MAX], list[PATH_MAX + 16], line[256];
    size_t n = 0;
    FILE *f;

    if (!test_sid_root(root, sizeof(root)) ||
        test_fmt(list, sizeof(list), "%s/packages.txt", root))
        return 0;
    f = fopen(list, "r");
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        struct test_interp *t = &out[n];
        char version[32];
        int major, minor;
        if (sscanf(line, "python%d.%d-minimal_%31[0-9.]", &major, &minor, version) != 3)
            continue;
        memset(t, 0, sizeof(*t));
        t->major = major;
        t->minor = minor;
        test_fmt(t->name, sizeof(t->name), "sid python%d.%d", major, minor);
        test_fmt(t->exe, sizeof(t->exe), "%s/root/usr/bin/python%d.%d", root, major, minor);
        test_fmt(t->file, sizeof(t->file), "%s", t->exe);
        test_fmt(t->version, sizeof(t->version), "%s", version);
        if (test_is_elf(t->exe))
            n++;
    }
    fclose(f);
    return n;
}

static inline size_t test_all_interps(struct test_interp *out, size_t max)
{
    size_t n = test_pyenv_interps(out, max);
    n += test_system_interps(out + n, max - n);
    return n + test_sid_interps(out + n, max - n);
}

static inline int test_supported(const struct test_interp *t)
{
    return t->major == 3 && t->minor >= 8 && t->minor <= 14;
}

/* Starts `exe -I -S -c SCRIPT`, where SCRIPT says "ready" once it runs its
 * own code and then sleeps in it: two lines, so that every line table
 * format has at least one entry. Returns once the script is ready, with its
 * newest frame the script's <module>; returns -1 on failure. */
static inline pid_t test_spawn(const char *exe)
{
    char *argv[] = {(char *)exe, "-I", "-S", "-c",
                    "import sys, time\n"
                    "sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(60)",
                    NULL};
    return test_spawn_ready(argv);
}

static inline void test_reap(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

/* Reads from a live process through /proc/PID/mem. */
static inline int test_peek(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    char path[64];
    ssize_t got;
    int fd;

    snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    got = pread(fd, buf, len, (off_t)addr);
    close(fd);
    return got == (ssize_t)len ? 0 : -EFAULT;
}

static inline uint64_t test_peek_u64(pid_t pid, uint64_t addr)
{
    uint64_t v = 0;
    return test_peek(pid, addr, &v, sizeof(v)) == 0 ? v : 0;
}

#endif
