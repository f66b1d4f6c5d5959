/* Which threads a report's thread table gives a row of their own: each
 * process's main thread and the THREAD_ROWS_SHOWN others with the most
 * CPU and GIL wait. A server that starts a thread per request has
 * hundreds; the rest are folded (one line of sums in the text summary, a
 * closed list in report.html), and profile.json keeps them all. */
#ifndef FAH_CLIENT_MODEL_THREAD_ROWS_H
#define FAH_CLIENT_MODEL_THREAD_ROWS_H

#include "client/model/profile.h"

#define THREAD_ROWS_SHOWN 12

/* The indices of p's sampled threads (one named by a heap event only is
 * not) in the order a table lists them: each process's main thread, then
 * the others heaviest first (CPU and GIL wait). The first *shown get a
 * row of their own; the rest are folded. Sets *n to how many; NULL when
 * out of memory (*n 0). Free it. */
size_t *thread_rows_order(const struct profile *p, size_t *n, size_t *shown);

#endif
