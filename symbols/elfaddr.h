/* Function names by address for one ELF file, for native stacks: the
 * function symbols of its .symtab and .dynsym, and of its detached debug
 * file found by build id (<dir>/.build-id/xx/yyyy.debug), which a stripped
 * library's static functions are only named in. */
#ifndef FAH_SYMBOLS_ELFADDR_H
#define FAH_SYMBOLS_ELFADDR_H

#include <stddef.h>
#include <stdint.h>

struct elfaddr;

/* Reads the symbols of path (open it as /proc/PID/root/... for a process
 * in another mount namespace). debug_dirs: colon-separated folders holding
 * .build-id trees, NULL or "" for /usr/lib/debug. A file with no symbols
 * at all still opens (every lookup then fails). Returns 0 with *out set,
 * or a negative errno code with err as "elfaddr PATH: reason". */
int elfaddr_open(const char *path, const char *debug_dirs, struct elfaddr **out, char *err,
                 size_t errlen);
void elfaddr_free(struct elfaddr *ea);

/* The link-time address that file offset `offset` is loaded at (through the
 * PT_LOAD segment holding it). Returns 0, or -EFAULT when none holds it. */
int elfaddr_vaddr_of(const struct elfaddr *ea, uint64_t offset, uint64_t *vaddr);

/* The function holding link-time address vaddr (the nearest symbol at or
 * below it, unless that one's size ends before vaddr), or NULL. The name
 * lives as long as ea. */
const char *elfaddr_function(const struct elfaddr *ea, uint64_t vaddr);

#endif
