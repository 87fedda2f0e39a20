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

// Read-modify-write (swift_once's compare-and-swap): atomic on a single core when interrupts
// are masked around it. PRIMASK is saved and restored, so this nests inside handlers.
static inline uint32_t interrupts_mask(void) {
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    return primask;
}
static inline void interrupts_restore(uint32_t primask) {
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

_Bool rampart_atomic_compare_exchange_4(volatile void *p, void *expected, uint32_t desired, _Bool weak,
                                        int success, int failure) __asm__("__atomic_compare_exchange_4");
_Bool rampart_atomic_compare_exchange_4(volatile void *p, void *expected, uint32_t desired, _Bool weak,
                                        int success, int failure) {
    (void)weak; (void)success; (void)failure;
    uint32_t primask = interrupts_mask();
    uint32_t current = *(volatile uint32_t *)p;
    _Bool swapped = current == *(uint32_t *)expected;
    if (swapped) *(volatile uint32_t *)p = desired;
    else *(uint32_t *)expected = current;
    interrupts_restore(primask);
    return swapped;
}

uint32_t rampart_atomic_exchange_4(volatile void *p, uint32_t value, int order) __asm__("__atomic_exchange_4");
uint32_t rampart_atomic_exchange_4(volatile void *p, uint32_t value, int order) {
    (void)order;
    uint32_t primask = interrupts_mask();
    uint32_t previous = *(volatile uint32_t *)p;
    *(volatile uint32_t *)p = value;
    interrupts_restore(primask);
    return previous;
}
#endif
