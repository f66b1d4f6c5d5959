/* Line numbers from CPython line tables: co_lnotab (3.8-3.9), co_linetable
 * (3.10) and the PEP 657 location table (3.11+). Pure functions over a byte
 * buffer that never read past its length: the table may come from a torn
 * read of a running process. */
#include "symbols/linetable.h"

/* Lines add up in 64 bits so that a hostile table cannot overflow them;
 * a sum outside int range is no line at all. */
static int clamp_line(int64_t line)
{
    return (line < INT32_MIN || line > INT32_MAX) ? -1 : (int)line;
}

/* Line deltas are signed bytes (two's complement). */
static int signed_byte(uint8_t b)
{
    return b < 0x80 ? b : b - 0x100;
}

/* co_lnotab: pairs (unsigned address increment, signed line increment). The
 * line of an offset adds up the line increments of every pair whose address,
 * after its own increment, is still <= the offset; pairs with a zero address
 * increment only carry line jumps too large for one byte. */
static int lnotab_line(const uint8_t *table, size_t len, int firstlineno, int64_t offset)
{
    int64_t addr = 0;
    int64_t line = firstlineno;

    for (size_t i = 0; i + 1 < len; i += 2) {
        addr += table[i];
        if (addr > offset)
            break;
        line += signed_byte(table[i + 1]);
    }
    return clamp_line(line);
}

/* 3.10 co_linetable: pairs (unsigned address delta, signed line delta), each
 * pair a range [end, end + delta). A line delta of -128 marks a range without
 * a line and leaves the running line alone. Zero-length ranges still move
 * the running line; they can never hold the offset because the previous
 * range ended at or before it. */
static int linetable310_line(const uint8_t *table, size_t len, int firstlineno,
                             int64_t offset)
{
    int64_t end = 0;
    int64_t line = firstlineno;

    for (size_t i = 0; i + 1 < len; i += 2) {
        int delta = signed_byte(table[i + 1]);
        int64_t range_line;

        end += table[i];
        if (delta == -128) {
            range_line = -1;
        } else {
            line += delta;
            range_line = line;
        }
        /* An offset equal to a range's end belongs to the next range. */
        if (offset < end)
            return clamp_line(range_line);
    }
    return -1;
}

/* PEP 657 varints: 6 bits per byte, least significant first, 0x40 means
 * another byte follows. Returns 0 or -1 when the table ends mid-number or
 * the number would not fit an int. */
static int read_varint(const uint8_t *table, size_t len, size_t *pos, unsigned *out)
{
    unsigned value = 0;
    unsigned shift = 0;

    for (;;) {
        if (*pos >= len || shift > 24)
            return -1;
        uint8_t byte = table[(*pos)++];
        value |= (unsigned)(byte & 0x3f) << shift;
        if (!(byte & 0x40))
            break;
        shift += 6;
    }
    *out = value;
    return 0;
}

/* Signed varints keep the sign in the lowest bit. */
static int read_signed_varint(const uint8_t *table, size_t len, size_t *pos, int *out)
{
    unsigned value;

    if (read_varint(table, len, pos, &value) < 0)
        return -1;
    *out = (value & 1) ? -(int)(value >> 1) : (int)(value >> 1);
    return 0;
}

enum {
    LOC_ONE_LINE0 = 10, /* 10..12: one-line form, line += code - 10 */
    LOC_ONE_LINE2 = 12,
    LOC_NO_COLUMNS = 13, /* signed varint line delta */
    LOC_LONG = 14,       /* signed varint line delta, then end line and columns */
    LOC_NONE = 15,       /* no location */
};

/* 3.11+ location table. Each entry starts with a byte 1ccccLLL covering
 * LLL+1 code units (2 bytes each); the bytes after it up to the next byte
 * with the top bit set are its operands. Only the line delta matters here. */
static int locations_line(const uint8_t *table, size_t len, int firstlineno,
                          int64_t offset)
{
    int64_t end = 0;
    int64_t line = firstlineno;
    size_t pos = 0;

    while (pos < len) {
        uint8_t head = table[pos];
        int code = (head >> 3) & 0x0f;
        int delta = 0;
        size_t operands = pos + 1;

        if (!(head & 0x80))
            return -1; /* not at an entry start: a corrupt table */
        if (code == LOC_NO_COLUMNS || code == LOC_LONG) {
            if (read_signed_varint(table, len, &operands, &delta) < 0)
                return -1;
        } else if (code >= LOC_ONE_LINE0 && code <= LOC_ONE_LINE2) {
            delta = code - LOC_ONE_LINE0;
        }
        line += delta;
        end += (int64_t)((head & 7) + 1) * 2;
        /* An offset equal to a range's end belongs to the next entry. */
        if (offset < end)
            return code == LOC_NONE ? -1 : clamp_line(line);

        pos = operands;
        while (pos < len && !(table[pos] & 0x80))
            pos++;
    }
    return -1;
}

int linetable_line(enum linetable_format format, const uint8_t *table, size_t len,
                   int firstlineno, int64_t offset)
{
    if (offset < 0)
        return firstlineno;
    if (!table)
        len = 0;
    switch (format) {
    case LINETABLE_LNOTAB:
        return lnotab_line(table, len, firstlineno, offset);
    case LINETABLE_310:
        return linetable310_line(table, len, firstlineno, offset);
    case LINETABLE_LOCATIONS:
        return locations_line(table, len, firstlineno, offset);
    case LINETABLE_UNKNOWN:
        break;
    }
    return -1;
}
