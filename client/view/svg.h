/* A standalone interactive flame graph as one SVG file: the flame tree
 * (flame.h) laid out in C, callers below callees, one <g> per frame with a
 * <title> tooltip (time, share, Python/native/system split), and a small
 * inline script for click-to-zoom and search. Frames narrower than
 * SVG_MIN_WIDTH pixels are left out, with their callees. */
#ifndef FAH_VIEW_SVG_H
#define FAH_VIEW_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "client/model/profile.h"

#define SVG_WIDTH 1200
#define SVG_MIN_WIDTH 0.1

/* The export table's writer (client/export/export.h). Returns 0, or a
 * negative errno with err filled. */
int export_svg(const struct profile *p, FILE *out, char *err, size_t errlen);

#endif
