/* The client's temporary files (the bootstrap's log, its end mark, a
 * notebook's cells): named after the client's pid, so that those left by a
 * client that was killed (no chance to remove them) can be told apart and
 * removed by the next client. */
#ifndef FAH_CLIENT_RUN_TEMPFILE_H
#define FAH_CLIENT_RUN_TEMPFILE_H

#include <stddef.h>
#include <stdio.h>

/* What a temporary file holds: its name's stem. */
enum tempfile_kind { TEMPFILE_LOGS, TEMPFILE_END_MARK, TEMPFILE_CELLS, TEMPFILE_KINDS };

/* Creates $TMPDIR (or /tmp)/fixingahole-STEM-PID-XXXXXX, mode 0600, into
 * path. With out, opens it for writing there; else closes it. 0 or a
 * negative errno (path then empty). */
int tempfile_create(char *path, size_t len, enum tempfile_kind kind, FILE **out);

/* Removes this user's temporary files whose client is gone. Returns how
 * many it removed. */
int tempfile_sweep(void);

#endif
