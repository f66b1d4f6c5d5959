/* xorshift64: a few instructions and a full period over the nonzero
 * states. Enough wherever randomness only has to break step with periodic
 * code (sampling jitter, where in a cell a sample falls); never for
 * anything an adversary could exploit. *state must start nonzero. */
#ifndef FAH_COMMON_XORSHIFT_H
#define FAH_COMMON_XORSHIFT_H

#include <stdint.h>

static inline uint64_t xorshift64_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

#endif
