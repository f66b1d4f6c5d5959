/* elfaddr names the function a running PC is in: against this very test
 * executable (its own symbols), and against Debian's stripped python3.11,
 * whose static functions only its detached debug file names (found by
 * build id under /usr/lib/debug). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "symbols/elfaddr.h"
#include "symbols/elfsym.h"
#include "symbols/procmaps.h"

/* The stripped interpreter python3.11-dbg's debug file names (install-deps.sh). */
#define DEBIAN_PYTHON "/usr/bin/python3.11"

__attribute__((used, noinline)) int elfaddr_test_function(int x)
{
    return x * 5 + 2;
}

/* This process's file offset of a PC, from its mappings. */
static int offset_of(uint64_t pc, uint64_t *offset)
{
    struct procmaps maps = {0};
    char err[256];
    int rc = procmaps_read(getpid(), &maps, err, sizeof(err));
    for (size_t i = 0; rc == 0 && i < maps.count; i++)
        if (pc >= maps.maps[i].start && pc < maps.maps[i].end) {
            *offset = pc - maps.maps[i].start + maps.maps[i].offset;
            procmaps_free(&maps);
            return 0;
        }
    procmaps_free(&maps);
    return -ENOENT;
}

static void test_names_a_running_function(void)
{
    struct elfaddr *ea;
    char err[256];
    uint64_t offset = 0, vaddr = 0;
    CHECK_EQ_INT(elfaddr_open("/proc/self/exe", NULL, &ea, err, sizeof(err)), 0);
    if (!ea)
        return;
    /* Inside the function, not at its start: a PC past the entry. */
    uint64_t pc = (uint64_t)(uintptr_t)&elfaddr_test_function + 4;
    CHECK_EQ_INT(offset_of(pc, &offset), 0);
    CHECK_EQ_INT(elfaddr_vaddr_of(ea, offset, &vaddr), 0);
    const char *name = elfaddr_function(ea, vaddr);
    CHECK_EQ_STR(name ? name : "(none)", "elfaddr_test_function");
    name = elfaddr_function(ea, 0);
    CHECK(name == NULL);
    elfaddr_free(ea);
    CHECK_EQ_INT(elfaddr_open("/nonexistent/lib.so", NULL, &ea, err, sizeof(err)), -ENOENT);
    CHECK(strstr(err, "/nonexistent/lib.so") != NULL);
}

/* list_sort_impl is static: .dynsym does not have it, the debug file does. */
static void test_detached_debug_info_names_static_functions(void)
{
    struct elfsym *debug = NULL, *exe = NULL;
    struct elfaddr *ea = NULL;
    char err[256], id[128], path[512];
    struct elfsym_symbol sym;
    if (elfsym_open(DEBIAN_PYTHON, &exe, err, sizeof(err)) != 0 ||
        elfsym_build_id(exe, id, sizeof(id)) != 0) {
        printf("skipped: %s: %s\n", DEBIAN_PYTHON, err);
        elfsym_close(exe);
        return;
    }
    snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
    CHECK_EQ_INT(elfsym_open(path, &debug, err, sizeof(err)), 0);
    CHECK_EQ_INT(elfsym_lookup(exe, "list_sort_impl.lto_priv.0", &sym), -ENOENT);
    if (debug && elfsym_lookup(debug, "list_sort_impl.lto_priv.0", &sym) == 0) {
        CHECK_EQ_INT(elfaddr_open(DEBIAN_PYTHON, "/nonexistent:/usr/lib/debug", &ea, err,
                                  sizeof(err)), 0);
        const char *name = ea ? elfaddr_function(ea, sym.value + 1) : NULL;
        CHECK_EQ_STR(name ? name : "(none)", "list_sort_impl.lto_priv.0");
        elfaddr_free(ea);
        /* Without the debug folder the name is gone. */
        CHECK_EQ_INT(elfaddr_open(DEBIAN_PYTHON, "/nonexistent", &ea, err, sizeof(err)), 0);
        name = ea ? elfaddr_function(ea, sym.value + 1) : NULL;
        CHECK(name == NULL || strcmp(name, "list_sort_impl.lto_priv.0") != 0);
        elfaddr_free(ea);
    } else {
        CHECK(!"list_sort_impl.lto_priv.0 is not in python3.11's debug file");
    }
    elfsym_close(debug);
    elfsym_close(exe);
}

int main(void)
{
    test_names_a_running_function();
    test_detached_debug_info_names_static_functions();
    return test_finish("test_elfaddr");
}
