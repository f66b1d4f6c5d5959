/* Reading an ELF file on disk with libelf: symbols from .symtab/.dynsym,
 * initialised data at a link-time address, PT_LOAD segments, the GNU build
 * id, and where a running process loaded the file. */
#ifndef FAH_SYMBOLS_ELFSYM_H
#define FAH_SYMBOLS_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

#include "symbols/procmaps.h"

struct elfsym;

struct elfsym_segment { /* one PT_LOAD program header */
    uint64_t vaddr;
    uint64_t memsz;
    uint64_t offset;
    uint64_t filesz;
    uint32_t flags; /* PF_R | PF_W | PF_X */
};

struct elfsym_symbol {
    uint64_t value; /* st_value: link-time address */
    uint64_t size;
};

/* Opens path read-only. Returns 0 with *out set (free with elfsym_close),
 * -ENOEXEC when the file is not ELF, other negative errno codes. */
int elfsym_open(const char *path, struct elfsym **out, char *err, size_t errlen);
void elfsym_close(struct elfsym *ef);

/* The path given to elfsym_open and the descriptor behind it (owned by ef). */
const char *elfsym_path(const struct elfsym *ef);
int elfsym_fd(const struct elfsym *ef);

/* ET_EXEC or ET_DYN. */
int elfsym_type(const struct elfsym *ef);

/* A defined symbol called name, from .symtab or else .dynsym (which survives
 * strip). Returns 0, or -ENOENT. */
int elfsym_lookup(struct elfsym *ef, const char *name, struct elfsym_symbol *sym);

/* Copies len bytes of the file's initial image at link-time address vaddr:
 * file contents, zeros for the .bss part of a segment. Returns 0, or -EFAULT
 * when the range is not inside one PT_LOAD segment, -EIO on a short read. */
int elfsym_read(struct elfsym *ef, uint64_t vaddr, void *buf, size_t len, char *err,
                size_t errlen);

/* Calls fn for every defined function symbol of .symtab and .dynsym (a
 * symbol may come twice, once from each). name is valid during the call
 * only. Stops at fn's first non-zero return, which it returns; else 0. */
typedef int (*elfsym_function_fn)(void *ctx, const char *name, uint64_t value, uint64_t size);
int elfsym_functions(struct elfsym *ef, elfsym_function_fn fn, void *ctx);

/* PT_LOAD segments in file order; *count is set. The array is owned by ef. */
const struct elfsym_segment *elfsym_segments(const struct elfsym *ef, size_t *count);

/* The PT_LOAD segment whose memory image holds vaddr; NULL if none. */
const struct elfsym_segment *elfsym_segment_of(const struct elfsym *ef, uint64_t vaddr);

/* The contents of the section called name (e.g. ".rodata"), owned by ef.
 * Returns 0, or -ENOENT when there is no such section with file data. */
int elfsym_section(struct elfsym *ef, const char *name, const void **data, size_t *size);

/* The GNU build id as lowercase hex (NUL-terminated). Returns 0, -ENOENT
 * when the file has none, -ENOSPC when hexlen is too small. */
int elfsym_build_id(struct elfsym *ef, char *hex, size_t hexlen);

/* The index-th string of dynamic tag `tag` (DT_NEEDED, DT_RUNPATH,
 * DT_RPATH) in .dynamic, or NULL. The string is owned by ef. */
const char *elfsym_dyn_string(struct elfsym *ef, int64_t tag, size_t index);

/* Load bias (runtime address minus link-time address) of this file in a
 * process, given its mappings and the path they name it by. Uses the mapping
 * that holds the file offset of the PT_LOAD segment containing vaddr, not the
 * first mapping of the file: segments may be mapped far apart. Returns 0, or
 * -ENOENT when no such mapping exists. */
int elfsym_load_bias(const struct elfsym *ef, const struct procmaps *maps, const char *map_path,
                     uint64_t vaddr, uint64_t *bias);

#endif
