/* Where the client finds the files that ship with it: the daemon, the
 * allocation sampler and the Python bootstrap. In the build tree they all
 * sit in bin/ beside the client; installed under a prefix P they are
 * P/bin/fixingaholed, P/lib/fixingahole/libfixingahole_alloc.so and
 * P/share/fixingahole/fixingahole_bootstrap.py. Both layouts are found from
 * /proc/self/exe, so an installation works from any prefix. */
#ifndef FAH_COMMON_INSTALL_PATHS_H
#define FAH_COMMON_INSTALL_PATHS_H

#include <stddef.h>

/* Folders, relative to the executable's, searched after its own. */
#define INSTALL_LIB_FROM_BIN "../lib/fixingahole"
#define INSTALL_DATA_FROM_BIN "../share/fixingahole"

/* Finds `name` beside the running executable, else in `fallback` (one of
 * the INSTALL_*_FROM_BIN folders, or NULL), and writes its canonical path to
 * out. Returns 0, or -ENOENT with "NAME is missing beside DIR (...)" in err. */
int install_find(const char *name, const char *fallback, char *out, size_t len, char *err,
                 size_t errlen);

#endif
