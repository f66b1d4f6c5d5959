/* The walker against real interpreters: each installed Python runs a known
 * nest of functions (one with a non-ASCII name, one a method) and sleeps
 * inside it while we locate the interpreter, list its threads and walk the
 * main thread's stack. Exits 77 when no interpreter is installed. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/pywalk.h"
#include "daemon/rmem.h"
#include "harness.h"
#include "spawn_ready.h"
#include "symbols/pyinterp.h"
#include "symbols/pylocate.h"

/* Line numbers below refer to this script. */
static const char script[] =
    "import sys, threading, time\n"                        /* 1 */
    "\n"                                                   /* 2 */
    "def helper():\n"                                      /* 3 */
    "    while True:\n"                                    /* 4 */
    "        time.sleep(0.05)\n"                           /* 5 */
    "\n"                                                   /* 6 */
    "class Klass:\n"                                       /* 7 */
    "    def method(self):\n"                              /* 8 */
    "        return données()\n"                           /* 9 */
    "\n"                                                   /* 10 */
    "def données():\n"                                     /* 11 */
    "    return inner()\n"                                 /* 12 */
    "\n"                                                   /* 13 */
    "def inner():\n"                                       /* 14 */
    "    sys.stdout.write('ready\\n')\n"                   /* 15 */
    "    sys.stdout.flush()\n"                             /* 16 */
    "    while True:\n"                                    /* 17 */
    "        time.sleep(0.01)\n"                           /* 18 */
    "\n"                                                   /* 19 */
    "def outer():\n"                                       /* 20 */
    "    return Klass().method()\n"                        /* 21 */
    "\n"                                                   /* 22 */
    "threading.Thread(target=helper, daemon=True).start()\n" /* 23 */
    "outer()\n";                                           /* 24 */

struct expect {
    const char *qualname;    /* 3.11+ (co_qualname) */
    const char *name;        /* up to 3.10 (co_name) */
    int line, other_line;    /* a loop may be on either line */
};

static const struct expect main_stack[] = {
    {"inner", "inner", 18, 17},
    {"données", "données", 12, 12},
    {"Klass.method", "method", 9, 9},
    {"outer", "outer", 21, 21},
    {"<module>", "<module>", 24, 24},
};
#define MAIN_DEPTH (sizeof(main_stack) / sizeof(main_stack[0]))

static char script_path[64];

static int list_tids(pid_t pid, uint32_t *tids, int max)
{
    char path[64];
    int n = 0;
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) && n < max;)
        if (e->d_name[0] != '.')
            tids[n++] = (uint32_t)atoi(e->d_name);
    closedir(d);
    return n;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Compares a stack with the expected one; describes the first difference. */
static int stack_matches(struct pywalk *w, const struct pywalk_stack *s, int qualnames,
                         char *why, size_t whylen)
{
    if (s->nframes != MAIN_DEPTH) {
        snprintf(why, whylen, "%u frames, expected %zu", s->nframes, MAIN_DEPTH);
        return 0;
    }
    for (size_t i = 0; i < MAIN_DEPTH; i++) {
        const struct expect *e = &main_stack[i];
        const struct pywalk_code *c = pywalk_code(w, s->frames[i].code_id);
        const char *name = qualnames ? e->qualname : e->name;
        if (!c || strcmp(c->qualname, name) != 0 || strcmp(c->file, script_path) != 0 ||
            (s->frames[i].line != e->line && s->frames[i].line != e->other_line)) {
            snprintf(why, whylen, "frame %zu: %s %s:%d, expected %s %s:%d", i,
                     c ? c->qualname : "?", c ? c->file : "?", s->frames[i].line, name,
                     script_path, e->line);
            return 0;
        }
    }
    return 1;
}

/* Walks one running interpreter with offsets from one source. Returns 0,
 * or -1 when that source has nothing for this interpreter. */
static int check_walk(const char *python, pid_t pid, enum pyoff_pref pref)
{
    char err[512] = "", why[512] = "not walked";
    static struct py_target target;
    struct pywalk_thread threads[16];
    struct pywalk_stack stack;
    uint32_t tids[64];
    int ok = 0, helper_ok = 0;

    int rc = pyloc_locate_pid(pid, pref, NULL, &target, err, sizeof(err));
    if (rc < 0) {
        if (pref != PYOFF_PREF_AUTO)
            return -1; /* that source does not cover this interpreter */
        fprintf(stderr, "%s: pyloc_locate_pid: %s\n", python, err);
        CHECK_EQ_INT(rc, 0);
        return 0;
    }
    struct rmem_proc *proc = rmem_proc_new(pid);
    struct rmem mem = rmem_proc_ops(proc);
    struct pywalk *w = pywalk_new(&target, &mem);
    CHECK(w != NULL);
    int qualnames = target.off.code.qualname != PYOFF_ABSENT;

    /* The target runs while we read it: a torn read is possible, so a few
     * tries are allowed, each from fresh pages. */
    for (int attempt = 0; w && attempt < 50 && !(ok && helper_ok); attempt++, sleep_ms(20)) {
        rmem_proc_invalidate(proc);
        int n = pywalk_threads(w, threads, 16);
        if (n < 2) {
            snprintf(why, sizeof(why), "pywalk_threads: %d", n);
            continue;
        }
        int ntids = list_tids(pid, tids, 64);
        pywalk_resolve_tids(w, threads, n, tids, ntids);
        for (int i = 0; i < n; i++) {
            if (threads[i].tid == 0) {
                snprintf(why, sizeof(why), "thread %d: no tid", i);
                continue;
            }
            rc = pywalk_stack(w, threads[i].tstate, &stack);
            if (rc < 0) {
                snprintf(why, sizeof(why), "pywalk_stack: %s", strerror(-rc));
                continue;
            }
            if (threads[i].tid == (uint32_t)pid) {
                ok = ok || stack_matches(w, &stack, qualnames, why, sizeof(why));
            } else if (stack.nframes > 0) {
                const struct pywalk_code *c = pywalk_code(w, stack.frames[0].code_id);
                helper_ok = helper_ok || (c && strcmp(c->qualname, "helper") == 0 &&
                                          (stack.frames[0].line == 5 || stack.frames[0].line == 4));
            }
        }
    }
    if (!ok)
        fprintf(stderr, "%s: main thread: %s\n", python, why);
    CHECK(ok);
    CHECK(helper_ok);
    printf("  %s (%s, offsets from %s): main stack %s, helper thread %s, %u code objects\n",
           python, target.version, pyoff_source_name(target.source), ok ? "ok" : "WRONG",
           helper_ok ? "ok" : "WRONG", w ? pywalk_code_count(w) : 0);
    pywalk_free(w);
    rmem_proc_free(proc);
    return 0;
}

static void check_interpreter(const char *python)
{
    static const enum pyoff_pref prefs[] = {PYOFF_PREF_AUTO, PYOFF_PREF_TABLE,
                                            PYOFF_PREF_DEBUG_OFFSETS};
    char *argv[] = {(char *)python, "-I", "-S", script_path, NULL};
    pid_t pid = test_spawn_ready(argv);

    CHECK(pid > 0);
    if (pid <= 0) {
        fprintf(stderr, "  %s: the interpreter did not get ready\n", python);
        return;
    }
    for (size_t i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++)
        if (check_walk(python, pid, prefs[i]) < 0)
            printf("  %s: no offsets from %s\n", python, i == 1 ? "table" : "debug-offsets");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

int main(void)
{
    static const int minors[] = {8, 9, 10, 11, 12, 13, 14};
    int found = 0;

    snprintf(script_path, sizeof(script_path), "/tmp/fah_pywalk_live_%d.py", (int)getpid());
    FILE *f = fopen(script_path, "w");
    if (!f || fputs(script, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", script_path);
        return 1;
    }
    for (size_t i = 0; i < sizeof(minors) / sizeof(minors[0]); i++) {
        char pattern[64];
        glob_t g;
        snprintf(pattern, sizeof(pattern), "/root/.pyenv/versions/3.%d.*/bin/python3",
                 minors[i]);
        if (glob(pattern, 0, NULL, &g) != 0) {
            printf("  skipped: no python 3.%d under /root/.pyenv/versions\n", minors[i]);
            continue;
        }
        for (size_t j = 0; j < g.gl_pathc; j++, found++)
            check_interpreter(g.gl_pathv[j]);
        globfree(&g);
    }
    {
        /* Debian sid's builds from tests/interpreters/prepare.sh. */
        struct test_interp sid[8];
        size_t nsid = test_sid_interps(sid, 8);
        if (!nsid)
            printf("  skipped: no sid interpreters (tests/interpreters/prepare.sh)\n");
        for (size_t i = 0; i < nsid; i++, found++)
            check_interpreter(sid[i].exe);
    }
    if (access("/usr/bin/python3", X_OK) == 0) {
        check_interpreter("/usr/bin/python3");
        found++;
    } else {
        printf("  skipped: /usr/bin/python3 absent\n");
    }
    unlink(script_path);
    if (!found) {
        printf("test_pywalk_live: skipped, no Python interpreter installed\n");
        return 77;
    }
    return test_finish("test_pywalk_live");
}
