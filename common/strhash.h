/* FNV-1a over a NUL-terminated string, for hash keys and digests (not for
 * anything an adversary chooses to collide). */
#ifndef FAH_COMMON_STRHASH_H
#define FAH_COMMON_STRHASH_H

#include <stdint.h>

#define STRHASH_INIT 14695981039346656037ull

/* Folds text into h, then a separator byte, so that ("ab", "c") and
 * ("a", "bc") differ. */
static inline uint64_t strhash_add(uint64_t h, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

#endif
