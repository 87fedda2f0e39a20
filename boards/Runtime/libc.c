// The few C library and AEABI memory routines that compiled Swift and C code call.
//
// Each is marked no_builtin so the compiler does not turn its loop back into a call to
// itself. The flag is per function on purpose: SwiftPM hands a toolset's C flags to swiftc
// too, and a global -fno-builtin there stops LLVM from inlining small fixed-size copies in
// Swift code (measured: P-256 ECDH went from 5.9 M to 16.4 M instructions on the M4).
//
// memcpy and memset move words when both pointers are word-aligned: Swift copies
// 32-byte field elements and keys through them.
#if defined(__arm__)
#include "board_runtime.h"

#define NO_BUILTIN __attribute__((no_builtin))
#define WORD_ALIGNED(p) (((uintptr_t)(p) & 3u) == 0)

NO_BUILTIN void *memset(void *destination, int value, size_t count) {
    uint8_t *d = destination;
    if (WORD_ALIGNED(d)) {
        uint32_t word = 0x01010101u * (uint8_t)value;
        for (; count >= 4; count -= 4, d += 4) *(uint32_t *)d = word;
    }
    while (count--) *d++ = (uint8_t)value;
    return destination;
}

NO_BUILTIN void *memcpy(void *destination, const void *source, size_t count) {
    uint8_t *d = destination;
    const uint8_t *s = source;
    if (WORD_ALIGNED(d) && WORD_ALIGNED(s)) {
        for (; count >= 4; count -= 4, d += 4, s += 4) *(uint32_t *)d = *(const uint32_t *)s;
    }
    while (count--) *d++ = *s++;
    return destination;
}

NO_BUILTIN void *memmove(void *destination, const void *source, size_t count) {
    uint8_t *d = destination;
    const uint8_t *s = source;
    if (d < s) {
        while (count--) *d++ = *s++;
    } else {
        d += count;
        s += count;
        while (count--) *--d = *--s;
    }
    return destination;
}

NO_BUILTIN int memcmp(const void *a, const void *b, size_t count) {
    const uint8_t *x = a, *y = b;
    for (; count; count--, x++, y++)
        if (*x != *y) return (int)*x - (int)*y;
    return 0;
}

NO_BUILTIN size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

// RTABI §4.3.4: note the AEABI memset takes (dest, n, c).
NO_BUILTIN void __aeabi_memset(void *d, size_t n, int c) { memset(d, c, n); }
NO_BUILTIN void __aeabi_memset4(void *d, size_t n, int c) { memset(d, c, n); }
NO_BUILTIN void __aeabi_memset8(void *d, size_t n, int c) { memset(d, c, n); }
NO_BUILTIN void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
NO_BUILTIN void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
NO_BUILTIN void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }
NO_BUILTIN void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
NO_BUILTIN void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
NO_BUILTIN void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
NO_BUILTIN void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
NO_BUILTIN void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
NO_BUILTIN void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }

// Stack protector. The guard is a fixed, non-zero value with a zero byte (which stops
// string-copy overflows); the boards have no entropy before main runs.
uintptr_t __stack_chk_guard = 0x00A5F00Du;

__attribute__((noreturn)) void __stack_chk_fail(void) {
    uint32_t lr;
    __asm__ volatile("mov %0, lr" : "=r"(lr));
    rampart_fault(255, 0, lr, 0);
    rampart_semihost_exit(0xFA);
}
#endif
