/* A recorded memory image of a Python process: what the walker needs to
 * walk it again without the process. The interpreter's struct offsets (by
 * field name, so a reordering of struct py_offsets keeps old images), the
 * runtime and code type addresses, and the byte ranges the walker read, as
 * regions. The capture tool (capture_walk_image.c) writes it from a live
 * interpreter; the fuzz target (fuzz_walk.c) reads mutated ones.
 *
 * Layout, little-endian, no padding:
 *   "FAHMEM1\n"
 *   u32 version_hex, u64 runtime_addr, u64 code_type_addr
 *   u16 nfields, then nfields x (u8 name length, name, i32 offset)
 *   u32 nregions, then nregions x (u64 addr, u32 len, len bytes)
 */
#ifndef FAH_TEST_MEMIMAGE_H
#define FAH_TEST_MEMIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/rmem.h"
#include "symbols/pyoffsets.h"

#define MEMIMAGE_MAGIC "FAHMEM1\n"
#define MEMIMAGE_MAX_REGIONS 4096

struct memimage_region {
    uint64_t addr;
    size_t len;
    const uint8_t *data; /* into the parsed buffer, or owned by the writer */
};

struct memimage {
    uint32_t version_hex;
    uint64_t runtime_addr, code_type_addr;
    struct py_offsets off; /* family and line table not yet set */
    struct memimage_region regions[MEMIMAGE_MAX_REGIONS]; /* sorted by addr */
    size_t nregions;
    uint64_t reads; /* reads served or refused since the last reset */
};

/* Parses data[0..size) into img, whose regions point into data (which must
 * outlive it). Returns 0, or -EINVAL for anything malformed. */
int memimage_parse(struct memimage *img, const uint8_t *data, size_t size);

/* The struct rmem reading img: a read is served only when it lies inside
 * one region (else -EFAULT), and every read is counted in img->reads. */
struct rmem memimage_ops(struct memimage *img);

/* Writes img (regions in any order, not overlapping) to f. 0 or -EIO. */
int memimage_write(FILE *f, const struct memimage *img);

#endif
