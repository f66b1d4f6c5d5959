/* elfsym against this very test executable: the symbols, initial data and
 * load bias it reports must agree with where things really are in memory. */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/procfs.h"
#include "harness.h"
#include "symbols/elfsym.h"
#include "symbols/procmaps.h"

/* Globals the test finds by name: initialised read-only data, initialised
 * writable data changed at run time, and .bss. */
__attribute__((used)) const char elfsym_test_marker[] = "fixingahole elfsym marker 5e1f";
__attribute__((used)) int elfsym_test_data = 0x12345678;
__attribute__((used)) int elfsym_test_bss[1024];

__attribute__((used, noinline)) int elfsym_test_function(int x)
{
    return x * 3 + 1;
}

static char exe[PATH_MAX];

static void test_finds_symbols_and_reads_initial_data(struct elfsym *ef)
{
    struct elfsym_symbol sym;
    char buf[sizeof(elfsym_test_marker)];
    char err[256];
    int v;

    CHECK_EQ_INT(elfsym_lookup(ef, "elfsym_test_marker", &sym), 0);
    CHECK_EQ_INT(sym.size, sizeof(elfsym_test_marker));
    CHECK_EQ_INT(elfsym_read(ef, sym.value, buf, sizeof(buf), err, sizeof(err)), 0);
    CHECK(memcmp(buf, elfsym_test_marker, sizeof(buf)) == 0);

    /* The file holds the initial value, not the current one. */
    elfsym_test_data = 7;
    CHECK_EQ_INT(elfsym_lookup(ef, "elfsym_test_data", &sym), 0);
    CHECK_EQ_INT(elfsym_read(ef, sym.value, &v, sizeof(v), err, sizeof(err)), 0);
    CHECK_EQ_INT(v, 0x12345678);

    /* .bss reads as zeros even after the process wrote to it. */
    elfsym_test_bss[10] = 99;
    CHECK_EQ_INT(elfsym_lookup(ef, "elfsym_test_bss", &sym), 0);
    CHECK_EQ_INT(sym.size, sizeof(elfsym_test_bss));
    CHECK_EQ_INT(elfsym_read(ef, sym.value + 40, &v, sizeof(v), err, sizeof(err)), 0);
    CHECK_EQ_INT(v, 0);

    CHECK_EQ_INT(elfsym_lookup(ef, "no_such_symbol_anywhere", &sym), -ENOENT);
    {
        size_t n;
        const struct elfsym_segment *segs = elfsym_segments(ef, &n);
        uint64_t beyond = 0;
        for (size_t i = 0; i < n; i++)
            if (segs[i].vaddr + segs[i].memsz > beyond)
                beyond = segs[i].vaddr + segs[i].memsz;
        CHECK_EQ_INT(elfsym_read(ef, beyond + 0x100000, buf, 4, err, sizeof(err)), -EFAULT);
    }
    CHECK(strstr(err, "not inside one loadable segment") != NULL);
}

static void check_bias_for(struct elfsym *ef, const struct procmaps *maps, const char *name,
                           const void *real)
{
    struct elfsym_symbol sym;
    uint64_t bias = 0;

    CHECK_EQ_INT(elfsym_lookup(ef, name, &sym), 0);
    CHECK_EQ_INT(elfsym_load_bias(ef, maps, exe, sym.value, &bias), 0);
    CHECK_EQ_INT(sym.value + bias, (uint64_t)(uintptr_t)real);
}

static void test_load_bias_matches_real_addresses(struct elfsym *ef)
{
    struct procmaps maps;
    char err[256];
    uint64_t bias;

    CHECK_EQ_INT(procmaps_read(getpid(), &maps, err, sizeof(err)), 0);
    /* Text, read-only data, data and .bss live in different segments. */
    check_bias_for(ef, &maps, "elfsym_test_function",
                   (const void *)(uintptr_t)&elfsym_test_function);
    check_bias_for(ef, &maps, "elfsym_test_marker", elfsym_test_marker);
    check_bias_for(ef, &maps, "elfsym_test_data", &elfsym_test_data);
    check_bias_for(ef, &maps, "elfsym_test_bss", elfsym_test_bss);
    CHECK_EQ_INT(elfsym_load_bias(ef, &maps, "/not/mapped", 0x1000, &bias), -ENOENT);
    procmaps_free(&maps);
}

static void test_segments_and_dynamic(struct elfsym *ef)
{
    size_t n, text = 0;
    const struct elfsym_segment *segs = elfsym_segments(ef, &n);
    struct elfsym_symbol sym;
    const char *lib;
    int libc = 0;

    CHECK(n >= 2);
    for (size_t i = 0; i < n; i++) {
        CHECK(segs[i].filesz <= segs[i].memsz);
        text += (segs[i].flags & PF_X) != 0;
    }
    CHECK(text >= 1);
    CHECK_EQ_INT(elfsym_lookup(ef, "elfsym_test_function", &sym), 0);
    CHECK(elfsym_segment_of(ef, sym.value) != NULL);
    if (elfsym_segment_of(ef, sym.value))
        CHECK(elfsym_segment_of(ef, sym.value)->flags & PF_X);
    for (size_t i = 0; (lib = elfsym_dyn_string(ef, DT_NEEDED, i)) != NULL; i++)
        libc |= strcmp(lib, "libc.so.6") == 0;
    CHECK(libc);
    CHECK(elfsym_dyn_string(ef, DT_NEEDED, 1000) == NULL);
}

static void test_section_and_build_id(struct elfsym *ef)
{
    const void *data;
    size_t size;
    char id[128];

    CHECK_EQ_INT(elfsym_section(ef, ".rodata", &data, &size), 0);
    CHECK(memmem(data, size, elfsym_test_marker, sizeof(elfsym_test_marker)) != NULL);
    CHECK_EQ_INT(elfsym_section(ef, ".no-such-section", &data, &size), -ENOENT);

    CHECK_EQ_INT(elfsym_build_id(ef, id, sizeof(id)), 0);
    CHECK(strlen(id) >= 16 && strspn(id, "0123456789abcdef") == strlen(id));
    CHECK_EQ_INT(elfsym_build_id(ef, id, 8), -ENOSPC);
}

/* Debian names detached debug files by build id: the id we read must name
 * an existing file when the -dbg package is installed. */
static void test_build_id_names_debian_debug_file(void)
{
    struct elfsym *ef;
    char err[256], id[128], path[256];

    if (access("/usr/bin/python3.11", R_OK) != 0 || access("/usr/lib/debug/.build-id", R_OK) != 0)
        return;
    CHECK_EQ_INT(elfsym_open("/usr/bin/python3.11", &ef, err, sizeof(err)), 0);
    if (!ef)
        return;
    CHECK_EQ_INT(elfsym_build_id(ef, id, sizeof(id)), 0);
    snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
    if (access("/usr/share/doc/python3.11-dbg", F_OK) == 0)
        CHECK(access(path, R_OK) == 0);
    CHECK_EQ_INT(elfsym_type(ef), ET_EXEC);
    elfsym_close(ef);
}

static void test_rejects_bad_files(void)
{
    char path[] = "/tmp/fah-test-notelf-XXXXXX";
    struct elfsym *ef = (struct elfsym *)1;
    char err[256];
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "hello, not an ELF file\n", 23) == 23);
        close(fd);
        CHECK_EQ_INT(elfsym_open(path, &ef, err, sizeof(err)), -ENOEXEC);
        CHECK(ef == NULL);
        CHECK(strstr(err, ": not an ELF file") != NULL);
        unlink(path);
    }
    CHECK_EQ_INT(elfsym_open("/nonexistent/file", &ef, err, sizeof(err)), -ENOENT);
    CHECK_EQ_STR(err, "open /nonexistent/file: No such file or directory");
    elfsym_close(NULL);
}

int main(void)
{
    struct elfsym *ef = NULL;
    char err[256];
    CHECK_EQ_INT(procfs_self_exe(exe, sizeof(exe)), 0);
    CHECK_EQ_INT(elfsym_open(exe, &ef, err, sizeof(err)), 0);
    if (!ef) {
        fprintf(stderr, "%s\n", err);
        return test_finish("test_elfsym");
    }
    CHECK_EQ_STR(elfsym_path(ef), exe);
    if (elfsym_lookup(ef, "elfsym_test_marker", &(struct elfsym_symbol){0}) != 0) {
        fprintf(stderr, "test_elfsym: skipped: %s has no .symtab (stripped test build)\n", exe);
        elfsym_close(ef);
        return 77;
    }
    test_finds_symbols_and_reads_initial_data(ef);
    test_load_bias_matches_real_addresses(ef);
    test_segments_and_dynamic(ef);
    test_section_and_build_id(ef);
    elfsym_close(ef);
    test_build_id_names_debian_debug_file();
    test_rejects_bad_files();
    return test_finish("test_elfsym");
}
