// Peak stack by painting: fill the free stack with a pattern, later find the lowest word
// that no longer holds it (DESIGN.md §3: RAM = static + peak stack).
#if defined(__arm__)
#include "board_runtime.h"

#define STACK_PAINT 0xA5A5A5A5u
/// Words just below the stack pointer left unpainted, so painting never overwrites the
/// painter's own frame.
#define PAINT_GUARD_WORDS 16u

extern uint32_t __stack_top, __stack_limit, __data_start, __bss_end;

static inline uint32_t *stack_pointer(void) {
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

static void paint_below(uint32_t *sp) {
    for (volatile uint32_t *p = &__stack_limit; p < sp - PAINT_GUARD_WORDS; p++) *p = STACK_PAINT;
}

void rampart_stack_paint_all(void) { paint_below(stack_pointer()); }
void rampart_stack_paint(void) { paint_below(stack_pointer()); }

uint32_t rampart_stack_peak_bytes(void) {
    volatile uint32_t *p = &__stack_limit;
    while (p < &__stack_top && *p == STACK_PAINT) p++;
    return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

uint32_t rampart_static_ram_bytes(void) {
    return (uint32_t)((uintptr_t)&__bss_end - (uintptr_t)&__data_start);
}

uint32_t rampart_stack_reserved_bytes(void) {
    return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit);
}
#endif
