// Integer helpers the AEABI expects where the core has no instruction for the operation.
// Cortex-M0 (Armv6-M) has no 32x32->64 multiply, so 64-bit products call __aeabi_lmul.
// Written with 32-bit multiplies of 16-bit halves only (no 64-bit multiply, which would
// call this function again), and with no data-dependent branch: crypto code relies on it.
#if defined(__arm__)
#include "board_runtime.h"

static inline uint64_t multiply_32x32(uint32_t a, uint32_t b) {
    uint32_t a_lo = a & 0xFFFFu, a_hi = a >> 16;
    uint32_t b_lo = b & 0xFFFFu, b_hi = b >> 16;
    uint32_t lo_lo = a_lo * b_lo, lo_hi = a_lo * b_hi, hi_lo = a_hi * b_lo, hi_hi = a_hi * b_hi;
    uint32_t middle = (lo_lo >> 16) + (lo_hi & 0xFFFFu) + (hi_lo & 0xFFFFu);
    uint32_t low = (lo_lo & 0xFFFFu) | (middle << 16);
    uint32_t high = hi_hi + (lo_hi >> 16) + (hi_lo >> 16) + (middle >> 16);
    return ((uint64_t)high << 32) | low;
}

uint64_t __aeabi_lmul(uint64_t a, uint64_t b) {
    uint32_t a_lo = (uint32_t)a, a_hi = (uint32_t)(a >> 32);
    uint32_t b_lo = (uint32_t)b, b_hi = (uint32_t)(b >> 32);
    uint64_t product = multiply_32x32(a_lo, b_lo);
    uint32_t cross = a_lo * b_hi + a_hi * b_lo;
    return product + ((uint64_t)cross << 32);
}

// 64-bit shifts by a variable amount (RTABI §4.2). The amount is public in every caller
// (loop counters), so branching on it leaks nothing.
uint64_t __aeabi_llsl(uint64_t value, int shift) {
    uint32_t lo = (uint32_t)value, hi = (uint32_t)(value >> 32);
    if (shift >= 32) {
        hi = lo << (shift - 32);
        lo = 0;
    } else if (shift > 0) {
        hi = (hi << shift) | (lo >> (32 - shift));
        lo <<= shift;
    }
    return ((uint64_t)hi << 32) | lo;
}

uint64_t __aeabi_llsr(uint64_t value, int shift) {
    uint32_t lo = (uint32_t)value, hi = (uint32_t)(value >> 32);
    if (shift >= 32) {
        lo = hi >> (shift - 32);
        hi = 0;
    } else if (shift > 0) {
        lo = (lo >> shift) | (hi << (32 - shift));
        hi >>= shift;
    }
    return ((uint64_t)hi << 32) | lo;
}

int64_t __aeabi_lasr(int64_t value, int shift) {
    uint32_t lo = (uint32_t)value;
    int32_t hi = (int32_t)(value >> 32);
    if (shift >= 32) {
        lo = (uint32_t)(hi >> (shift - 32));
        hi = hi >> 31;
    } else if (shift > 0) {
        lo = (lo >> shift) | ((uint32_t)hi << (32 - shift));
        hi >>= shift;
    }
    return (int64_t)(((uint64_t)(uint32_t)hi << 32) | lo);
}
#endif
