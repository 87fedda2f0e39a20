// Armv6-M (Cortex-M0) has no LDREX/STREX, so the compiler turns atomic loads and stores —
// which is how Swift's VolatileMappedRegister reaches MMIO — into these library calls. On a
// single-core Cortex-M an aligned access of 1, 2 or 4 bytes is single-copy atomic (Armv6-M
// ARM §A3.5.3), so a volatile access between compiler barriers implements every ordering.
#if defined(__arm__) && defined(__ARM_ARCH_6M__)
#include "board_runtime.h"

#define BARRIER() __asm__ volatile("" ::: "memory")

#define ATOMIC_LOAD_STORE(bytes, type)                                                      \
    type rampart_atomic_load_##bytes(const volatile void *p, int order)                     \
        __asm__("__atomic_load_" #bytes);                                                   \
    type rampart_atomic_load_##bytes(const volatile void *p, int order) {                   \
        (void)order;                                                                        \
        BARRIER();                                                                          \
        type value = *(const volatile type *)p;                                             \
        BARRIER();                                                                          \
        return value;                                                                       \
    }                                                                                       \
    void rampart_atomic_store_##bytes(volatile void *p, type value, int order)              \
        __asm__("__atomic_store_" #bytes);                                                  \
    void rampart_atomic_store_##bytes(volatile void *p, type value, int order) {            \
        (void)order;                                                                        \
        BARRIER();                                                                          \
        *(volatile type *)p = value;                                                        \
        BARRIER();                                                                          \
    }

ATOMIC_LOAD_STORE(1, uint8_t)
ATOMIC_LOAD_STORE(2, uint16_t)
ATOMIC_LOAD_STORE(4, uint32_t)
#endif
