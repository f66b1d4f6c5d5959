/* The daemon's cache folder for struct offsets read from DWARF: a daemon
 * exits after a minute idle, and the next one would otherwise read the
 * same DWARF again while a freshly spawned script waits (about 250 ms for
 * Debian's python3 and its python3.11-dbg). See symbols/dwarf_cache.h. */
#ifndef FAH_DAEMON_OFFSETS_CACHE_H
#define FAH_DAEMON_OFFSETS_CACHE_H

#include <stddef.h>

/* Makes folder (and its missing parents, mode 0700) and has dwarf_cache
 * keep its entries there, stamped with this program's build id. Returns
 * 0, or a negative errno code with err saying why (the memo then stays in
 * memory: nothing else changes). */
int offsets_cache_start(const char *folder, char *err, size_t errlen);

#endif
