/* The flame tree as compact JSON for the HTML report's script: functions
 * once in a table, nodes as one flat array in preorder. */
#ifndef FAH_VIEW_FLAME_JSON_H
#define FAH_VIEW_FLAME_JSON_H

#include <stdio.h>

#include "client/view/flame.h"

/* Writes {"funcs":[[name,qualname,file,firstlineno],...],
 *         "nodes":[func,nchildren,python_us,native_us,system_us,...]}
 * where nodes hold five integers per node in preorder (the root first, its
 * func -1; children follow their parent, hottest first) and times are
 * inclusive microseconds. file is shown relative to root (summary_relative).
 * Returns 0, or -ENOMEM (nothing written). */
int flame_json_write(FILE *out, const struct flame *f, const char *root);

#endif
