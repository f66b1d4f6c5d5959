/* Line numbers from a code object's line table: pure functions over a byte
 * buffer, one decoder per table format (see enum linetable_format). */
#ifndef FAH_SYMBOLS_LINETABLE_H
#define FAH_SYMBOLS_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

#include "symbols/pyoffsets.h"

/* Returns the line of the instruction at byte offset `offset` (code units
 * times two from 3.10 on) in a code object whose first line is
 * `firstlineno`, or -1 when the table says the instruction has no line or
 * does not cover the offset. A negative offset (a frame that has not started)
 * gives firstlineno. */
int linetable_line(enum linetable_format format, const uint8_t *table, size_t len,
                   int firstlineno, int64_t offset);

#endif
