/* The code objects a walker has met: each gets a dense id the first time it
 * is seen, with its file, qualified name and line table read once. The
 * address alone is no key: a freed code object's address can come back as
 * another code object, so every lookup compares the object's fields with
 * the cached ones. */
#ifndef FAH_DAEMON_PYCODE_H
#define FAH_DAEMON_PYCODE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/pywalk.h"
#include "daemon/rmem.h"
#include "symbols/pyoffsets.h"

struct pycode {
    struct pywalk_code pub;
    uint32_t id;
    const uint8_t *table; /* the raw line table, in format off->linetable */
    size_t table_len;
    uint64_t bytecode; /* where its bytecode starts in the target; 0 unknown */
};

struct pycode_cache;

/* mem and off must outlive the cache. code_type_addr is &PyCode_Type in the
 * target, 0 to skip the type check. NULL when out of memory or when off
 * lacks a code object field (or has one implausibly far out). */
struct pycode_cache *pycode_cache_new(const struct rmem *mem, const struct py_offsets *off,
                                      uint64_t code_type_addr);
void pycode_cache_free(struct pycode_cache *cache);

/* The entry of the code object at addr, read and decoded when new or
 * changed; it lives as long as the cache. Returns 0 or a negative errno
 * code: -EINVAL for NULL or an object of another type, -EBADMSG for an absurd
 * line table size (torn or freed memory), -ENOSPC when the cache is full, pystr_read's codes for bad
 * names, rmem codes for unreadable memory. */
int pycode_lookup(struct pycode_cache *cache, uint64_t addr, const struct pycode **out);

/* pycode_lookup for a code object whose first pycode_header_len bytes the
 * caller has read already (several at once, say) into header. */
size_t pycode_header_len(const struct pycode_cache *cache);
int pycode_lookup_header(struct pycode_cache *cache, uint64_t addr, const uint8_t *header,
                         const struct pycode **out);

/* Checks that read nothing. A code object lives as long as a frame runs
 * it, so a frame found where it stood at its code object's last check (the
 * same frame address at the same instruction offset: a caller waiting in
 * its call, tick after tick) vouches that the object at addr is still the
 * one checked then. That saves a read of a page of its own per code
 * object and tick, the most of a walk's cost. A frame popped and pushed
 * again at the same place, with a new object at the freed one's address,
 * would fool it: so an entry is vouched for only PYCODE_VOUCH_NS after its
 * last check, and then read again. Returns the entry, or NULL: check it. */
#define PYCODE_VOUCH_NS 50000000u
const struct pycode *pycode_vouched(const struct pycode_cache *cache, uint64_t addr,
                                    uint64_t frame, int64_t offset, uint64_t now_ns);

/* Notes that entry id was checked at now_ns, in the frame at frame standing
 * at offset. */
void pycode_vouch(struct pycode_cache *cache, uint32_t id, uint64_t frame, int64_t offset,
                  uint64_t now_ns);

/* Where the bytecode of the newest entry at addr starts (0: none, or
 * unknown), for reading an instruction before the entry is checked. */
uint64_t pycode_bytecode_at(const struct pycode_cache *cache, uint64_t addr);

/* The entry with that id, or NULL. */
const struct pycode *pycode_get(const struct pycode_cache *cache, uint32_t id);

/* A new entry with no code object behind it: a native function's object
 * file and symbol (pywalk_add_native). Returns 0 with *id set, or -ENOSPC
 * / -ENOMEM. */
int pycode_add_native(struct pycode_cache *cache, const char *object, const char *symbol,
                      uint32_t *id);

/* The entry of the gap frame (struct pywalk_code's gap), as
 * pycode_add_native. */
int pycode_add_gap(struct pycode_cache *cache, uint32_t *id);

/* Ids handed out so far (0..count-1). */
uint32_t pycode_count(const struct pycode_cache *cache);

#endif
