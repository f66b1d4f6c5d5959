/* Classifying code addresses of a target by the mapping they fall in. */
#include "daemon/codemap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

struct code_range {
    uint64_t start, end;
    enum code_class cls;
};

struct codemap {
    pid_t pid;
    struct py_target target;
    struct code_range *ranges;
    size_t nranges;
};

/* Libraries the interpreter and extensions share: time in them belongs to
 * whoever called them, so the unwinder looks through them. */
static int is_system_lib(const char *path)
{
    static const char *const names[] = {"/libc.so", "/libc-", "/libm.so", "/libm-",
                                        "/libpthread", "/ld-linux", "/libgcc_s",
                                        "/libdl.so", "/librt.so", "/libz.so"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strstr(path, names[i]))
            return 1;
    return 0;
}

static enum code_class classify_mapping(const struct codemap *map, uint64_t start,
                                        const char *path)
{
    if (pyloc_pc_in_interpreter(&map->target, start))
        return CODE_INTERPRETER;
    /* The vDSO serves clock_gettime to the interpreter and extensions alike. */
    if (strcmp(path, "[vdso]") == 0 || (*path == '/' && is_system_lib(path)))
        return CODE_SYSTEM_LIB;
    return CODE_NATIVE;
}

static int add_range(struct codemap *map, size_t *cap, uint64_t start, uint64_t end,
                     enum code_class cls)
{
    struct code_range *grown = buf_grow_array(map->ranges, cap, map->nranges + 1,
                                              sizeof(*grown));
    if (!grown)
        return -1;
    map->ranges = grown;
    map->ranges[map->nranges++] = (struct code_range){start, end, cls};
    return 0;
}

static void reload(struct codemap *map)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)map->pid);
    FILE *f = fopen(path, "re");
    map->nranges = 0;
    if (!f)
        return;
    size_t cap = 0;
    free(map->ranges);
    map->ranges = NULL;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        unsigned long long start, end;
        char perms[8];
        int consumed = 0;
        if (sscanf(line, "%llx-%llx %7s %*s %*s %*s%n", &start, &end, perms, &consumed) < 3)
            continue;
        if (perms[2] != 'x')
            continue;
        char *file = line + consumed;
        file += strspn(file, " ");
        file[strcspn(file, "\n")] = '\0';
        if (add_range(map, &cap, start, end, classify_mapping(map, start, file)) < 0)
            break;
    }
    fclose(f);
}

struct codemap *codemap_new(pid_t pid, const struct py_target *target)
{
    struct codemap *map = calloc(1, sizeof(*map));
    if (!map)
        return NULL;
    map->pid = pid;
    map->target = *target;
    reload(map);
    return map;
}

void codemap_free(struct codemap *map)
{
    if (!map)
        return;
    free(map->ranges);
    free(map);
}

static enum code_class lookup(const struct codemap *map, uint64_t pc)
{
    for (size_t i = 0; i < map->nranges; i++)
        if (pc >= map->ranges[i].start && pc < map->ranges[i].end)
            return map->ranges[i].cls;
    return CODE_UNKNOWN;
}

enum code_class codemap_classify(struct codemap *map, uint64_t pc)
{
    enum code_class cls = lookup(map, pc);
    if (cls != CODE_UNKNOWN)
        return cls;
    reload(map);
    return lookup(map, pc);
}
