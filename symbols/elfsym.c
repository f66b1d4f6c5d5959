/* ELF files through libelf: the symbol, segment, note and dynamic-section
 * reading that locating an interpreter needs, nothing that runs the file. */
#include "symbols/elfsym.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct elfsym {
    char *path;
    int fd;
    Elf *elf;
    int type;
    struct elfsym_segment *segs;
    size_t nsegs;
};

int elfsym_open(const char *path, struct elfsym **out, char *err, size_t errlen)
{
    struct elfsym *ef;
    GElf_Ehdr ehdr;
    size_t phnum;
    int rc;

    *out = NULL;
    if (elf_version(EV_CURRENT) == EV_NONE) {
        snprintf(err, errlen, "elf_version: %s", elf_errmsg(-1));
        return -ENOSYS;
    }
    ef = calloc(1, sizeof(*ef));
    if (!ef || !(ef->path = strdup(path))) {
        free(ef);
        snprintf(err, errlen, "open %s: out of memory", path);
        return -ENOMEM;
    }
    ef->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ef->fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        goto fail;
    }
    ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
    if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || !gelf_getehdr(ef->elf, &ehdr)) {
        rc = -ENOEXEC;
        snprintf(err, errlen, "open %s: not an ELF file", path);
        goto fail;
    }
    ef->type = ehdr.e_type;
    if (elf_getphdrnum(ef->elf, &phnum) != 0) {
        rc = -ENOEXEC;
        snprintf(err, errlen, "elf_getphdrnum %s: %s", path, elf_errmsg(-1));
        goto fail;
    }
    ef->segs = calloc(phnum ? phnum : 1, sizeof(*ef->segs));
    if (!ef->segs) {
        rc = -ENOMEM;
        snprintf(err, errlen, "open %s: out of memory", path);
        goto fail;
    }
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(ef->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
            continue;
        ef->segs[ef->nsegs++] = (struct elfsym_segment){
            .vaddr = ph.p_vaddr,
            .memsz = ph.p_memsz,
            .offset = ph.p_offset,
            .filesz = ph.p_filesz,
            .flags = ph.p_flags,
        };
    }
    *out = ef;
    return 0;
fail:
    elfsym_close(ef);
    return rc;
}

void elfsym_close(struct elfsym *ef)
{
    if (!ef)
        return;
    if (ef->elf)
        elf_end(ef->elf);
    if (ef->fd >= 0)
        close(ef->fd);
    free(ef->segs);
    free(ef->path);
    free(ef);
}

const char *elfsym_path(const struct elfsym *ef)
{
    return ef->path;
}

int elfsym_fd(const struct elfsym *ef)
{
    return ef->fd;
}

int elfsym_type(const struct elfsym *ef)
{
    return ef->type;
}

static int lookup_in(struct elfsym *ef, Elf_Scn *scn, const GElf_Shdr *sh, const char *name,
                     struct elfsym_symbol *sym)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t n;

    if (!data || sh->sh_entsize == 0)
        return -ENOENT;
    n = sh->sh_size / sh->sh_entsize;
    for (size_t i = 1; i < n; i++) {
        GElf_Sym s;
        const char *sname;
        if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF || s.st_name == 0)
            continue;
        sname = elf_strptr(ef->elf, sh->sh_link, s.st_name);
        if (sname && strcmp(sname, name) == 0) {
            sym->value = s.st_value;
            sym->size = s.st_size;
            return 0;
        }
    }
    return -ENOENT;
}

int elfsym_lookup(struct elfsym *ef, const char *name, struct elfsym_symbol *sym)
{
    /* .symtab first: it has everything when present; .dynsym is what a
     * stripped binary still has (_PyRuntime is exported). */
    static const GElf_Word kinds[] = {SHT_SYMTAB, SHT_DYNSYM};

    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        Elf_Scn *scn = NULL;
        while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh) || sh.sh_type != kinds[k])
                continue;
            if (lookup_in(ef, scn, &sh, name, sym) == 0)
                return 0;
        }
    }
    return -ENOENT;
}

const struct elfsym_segment *elfsym_segments(const struct elfsym *ef, size_t *count)
{
    *count = ef->nsegs;
    return ef->segs;
}

const struct elfsym_segment *elfsym_segment_of(const struct elfsym *ef, uint64_t vaddr)
{
    for (size_t i = 0; i < ef->nsegs; i++) {
        const struct elfsym_segment *s = &ef->segs[i];
        if (vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz)
            return s;
    }
    return NULL;
}

int elfsym_read(struct elfsym *ef, uint64_t vaddr, void *buf, size_t len, char *err,
                size_t errlen)
{
    const struct elfsym_segment *s = elfsym_segment_of(ef, vaddr);
    uint64_t rel, infile = 0;

    if (!s || len > s->memsz - (vaddr - s->vaddr)) {
        snprintf(err, errlen, "read %s @0x%llx+%zu: not inside one loadable segment", ef->path,
                 (unsigned long long)vaddr, len);
        return -EFAULT;
    }
    rel = vaddr - s->vaddr;
    if (rel < s->filesz)
        infile = s->filesz - rel < len ? s->filesz - rel : len;
    if (infile) {
        uint64_t at = s->offset + rel;
        ssize_t got = pread(ef->fd, buf, infile, (off_t)at);
        if (got != (ssize_t)infile) {
            int rc = got < 0 ? -errno : -EIO;
            snprintf(err, errlen, "pread %s @0x%llx: %s", ef->path, (unsigned long long)at,
                     rc == -EIO ? "short read" : strerror(-rc));
            return rc;
        }
    }
    /* The rest of a segment's memory image is .bss: zero at load time. */
    memset((char *)buf + infile, 0, len - infile);
    return 0;
}

int elfsym_section(struct elfsym *ef, const char *name, const void **data, size_t *size)
{
    Elf_Scn *scn = NULL;
    size_t shstrndx;

    if (elf_getshdrstrndx(ef->elf, &shstrndx) != 0)
        return -ENOENT;
    while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
        GElf_Shdr sh;
        const char *sname;
        Elf_Data *d;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
            continue;
        sname = elf_strptr(ef->elf, shstrndx, sh.sh_name);
        if (!sname || strcmp(sname, name) != 0)
            continue;
        d = elf_rawdata(scn, NULL);
        if (!d || !d->d_buf)
            return -ENOENT;
        *data = d->d_buf;
        *size = d->d_size;
        return 0;
    }
    return -ENOENT;
}

static int hex_of(const uint8_t *bytes, size_t n, char *hex, size_t hexlen)
{
    static const char digits[] = "0123456789abcdef";

    if (hexlen < 2 * n + 1)
        return -ENOSPC;
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    hex[2 * n] = '\0';
    return 0;
}

static int build_id_in(Elf_Data *data, char *hex, size_t hexlen)
{
    size_t pos = 0, next, name_off, desc_off;
    GElf_Nhdr nh;

    while ((next = gelf_getnote(data, pos, &nh, &name_off, &desc_off)) > 0) {
        const char *name = (const char *)data->d_buf + name_off;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
            nh.n_descsz > 0)
            return hex_of((const uint8_t *)data->d_buf + desc_off, nh.n_descsz, hex, hexlen);
        pos = next;
    }
    return -ENOENT;
}

int elfsym_build_id(struct elfsym *ef, char *hex, size_t hexlen)
{
    Elf_Scn *scn = NULL;
    size_t phnum;

    while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
        GElf_Shdr sh;
        Elf_Data *data;
        int rc;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        data = elf_getdata(scn, NULL);
        if (data && (rc = build_id_in(data, hex, hexlen)) != -ENOENT)
            return rc;
    }
    /* Files without section headers still have PT_NOTE. */
    if (elf_getphdrnum(ef->elf, &phnum) != 0)
        return -ENOENT;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        Elf_Data *data;
        int rc;
        if (!gelf_getphdr(ef->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
            continue;
        data = elf_getdata_rawchunk(ef->elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
        if (data && (rc = build_id_in(data, hex, hexlen)) != -ENOENT)
            return rc;
    }
    return -ENOENT;
}

const char *elfsym_dyn_string(struct elfsym *ef, int64_t tag, size_t index)
{
    Elf_Scn *scn = NULL;

    while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
        GElf_Shdr sh;
        Elf_Data *data;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || sh.sh_entsize == 0)
            continue;
        data = elf_getdata(scn, NULL);
        if (!data)
            return NULL;
        for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Dyn dyn;
            if (!gelf_getdyn(data, (int)i, &dyn))
                break;
            if (dyn.d_tag == DT_NULL)
                break;
            if (dyn.d_tag == tag && index-- == 0)
                return elf_strptr(ef->elf, sh.sh_link, dyn.d_un.d_val);
        }
        return NULL;
    }
    return NULL;
}

/* Whether segment s appears in the maps as the loader would map it with
 * this bias: a mapping of the file at the matching address, with the
 * execute bit the segment asks for. */
static int segment_mapped(const struct elfsym_segment *s, const struct procmaps *maps,
                          const char *map_path, uint64_t bias)
{
    uint64_t want = bias + s->vaddr - s->offset; /* start - offset of its mappings */
    uint64_t lo = s->offset & ~(uint64_t)0xfff, hi = s->offset + s->filesz;

    for (size_t i = 0; i < maps->count; i++) {
        const struct procmap *m = &maps->maps[i];
        if (!m->path || strcmp(m->path, map_path) != 0 || m->start - m->offset != want ||
            (m->perms[2] == 'x') != !!(s->flags & PF_X))
            continue;
        if (m->offset < hi && lo < m->offset + (m->end - m->start))
            return 1;
    }
    return 0;
}

int elfsym_load_bias(const struct elfsym *ef, const struct procmaps *maps, const char *map_path,
                     uint64_t vaddr, uint64_t *bias)
{
    const struct elfsym_segment *s = elfsym_segment_of(ef, vaddr);
    uint64_t fileoff;
    int best_score = -1;

    if (!s)
        return -ENOENT;
    /* The file byte behind vaddr; for a .bss address, the segment's last
     * file byte, which lies in the same (file-backed) mapping run. */
    if (vaddr - s->vaddr < s->filesz)
        fileoff = s->offset + (vaddr - s->vaddr);
    else
        fileoff = s->offset + (s->filesz ? s->filesz - 1 : 0);

    /* Every mapping holding that byte proposes a bias. The file may be
     * mapped more than once (a page shared by two segments, or a plain
     * mmap of the file such as libelf's own), so the proposal under which
     * the most segments sit where the loader would put them wins. */
    for (size_t i = 0; i < maps->count; i++) {
        const struct procmap *m = &maps->maps[i];
        uint64_t b;
        int score = 0;
        if (!m->path || strcmp(m->path, map_path) != 0)
            continue;
        if (fileoff < m->offset || fileoff - m->offset >= m->end - m->start)
            continue;
        b = m->start - m->offset - (s->vaddr - s->offset);
        for (size_t j = 0; j < ef->nsegs; j++)
            score += ef->segs[j].filesz && segment_mapped(&ef->segs[j], maps, map_path, b);
        if (score > best_score) {
            best_score = score;
            *bias = b;
        }
    }
    if (best_score < 0)
        return -ENOENT;
    /* While the loader maps a library it first reserves the whole file
     * with one mapping and then maps each segment over it: a bias read in
     * between is off by the segments' alignment. Only a fully mapped file
     * gives the bias; until then the caller should look again. */
    int file_segments = 0;
    for (size_t j = 0; j < ef->nsegs; j++)
        file_segments += ef->segs[j].filesz != 0;
    return best_score == file_segments ? 0 : -EAGAIN;
}

static int functions_in(struct elfsym *ef, Elf_Scn *scn, const GElf_Shdr *sh,
                        elfsym_function_fn fn, void *ctx)
{
    Elf_Data *data = elf_getdata(scn, NULL);

    if (!data || sh->sh_entsize == 0)
        return 0;
    size_t n = sh->sh_size / sh->sh_entsize;
    for (size_t i = 1; i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF || s.st_name == 0 ||
            GELF_ST_TYPE(s.st_info) != STT_FUNC)
            continue;
        const char *name = elf_strptr(ef->elf, sh->sh_link, s.st_name);
        int rc = name ? fn(ctx, name, s.st_value, s.st_size) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

int elfsym_functions(struct elfsym *ef, elfsym_function_fn fn, void *ctx)
{
    Elf_Scn *scn = NULL;

    while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
            continue;
        int rc = functions_in(ef, scn, &sh, fn, ctx);
        if (rc)
            return rc;
    }
    return 0;
}
