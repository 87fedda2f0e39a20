// Cortex-M start-up: vector table, reset handler (copy .data, zero .bss, paint the stack,
// call main), and fault trampolines that hand the stacked PC to the board's reporter.
#if defined(__arm__)
#include "board_runtime.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_top, __stack_limit;
extern int main(int argc, char **argv);

void rampart_stack_paint_all(void);

__attribute__((noreturn)) void Reset_Handler(void) {
    uint32_t *source = &__data_load;
    for (uint32_t *d = &__data_start; d < &__data_end;) *d++ = *source++;
    for (uint32_t *d = &__bss_start; d < &__bss_end;) *d++ = 0;
    rampart_stack_paint_all();
    int status = main(0, 0);
    rampart_semihost_exit((uint32_t)status);
}

// The exception frame is on MSP (no RTOS, no PSP): r0 r1 r2 r3 r12 lr pc xpsr.
__attribute__((used)) void rampart_fault_dispatch(uint32_t *frame, uint32_t kind) {
    uint32_t cfsr = 0;
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
    cfsr = *(volatile uint32_t *)0xE000ED28u;  // Configurable Fault Status Register
#endif
    rampart_fault(kind, frame[6], frame[5], cfsr);
    rampart_semihost_exit(0xFA);  // the board's reporter should not return
}

#define FAULT_TRAMPOLINE(name, kind)                                   \
    __attribute__((naked)) void name(void) {                           \
        __asm__ volatile("mrs r0, msp\n movs r1, #" #kind "\n"          \
                         "ldr r2, =rampart_fault_dispatch\n bx r2\n");  \
    }
FAULT_TRAMPOLINE(NMI_Handler, 2)
FAULT_TRAMPOLINE(HardFault_Handler, 3)
FAULT_TRAMPOLINE(MemManage_Handler, 4)
FAULT_TRAMPOLINE(BusFault_Handler, 5)
FAULT_TRAMPOLINE(UsageFault_Handler, 6)

void Default_Handler(void) { for (;;) {} }

void rampart_trigger_fault(void) { __asm__ volatile("udf #0" ::: "memory"); }

// Device interrupts: each board (Swift, @_cdecl) defines the ones it uses.
#define WEAK_IRQ(n) void rampart_irq_##n(void) __attribute__((weak, alias("Default_Handler")));
WEAK_IRQ(0) WEAK_IRQ(1) WEAK_IRQ(2) WEAK_IRQ(3) WEAK_IRQ(4) WEAK_IRQ(5) WEAK_IRQ(6) WEAK_IRQ(7)
WEAK_IRQ(8) WEAK_IRQ(9) WEAK_IRQ(10) WEAK_IRQ(11) WEAK_IRQ(12) WEAK_IRQ(13) WEAK_IRQ(14) WEAK_IRQ(15)

typedef void (*vector_t)(void);
/// Armv6-M / Armv7-M vector table: 16 system entries, then the first 16 device IRQs
/// (enough for the UART, timer and RNG of every board here).
__attribute__((section(".vectors"), used)) const vector_t rampart_vectors[32] = {
    (vector_t)&__stack_top, (vector_t)Reset_Handler, NMI_Handler, HardFault_Handler,
    MemManage_Handler, BusFault_Handler, UsageFault_Handler, 0, 0, 0, 0,
    Default_Handler /* SVCall */, Default_Handler /* DebugMon */, 0,
    Default_Handler /* PendSV */, Default_Handler /* SysTick */,
    rampart_irq_0, rampart_irq_1, rampart_irq_2, rampart_irq_3, rampart_irq_4, rampart_irq_5,
    rampart_irq_6, rampart_irq_7, rampart_irq_8, rampart_irq_9, rampart_irq_10, rampart_irq_11,
    rampart_irq_12, rampart_irq_13, rampart_irq_14, rampart_irq_15,
};

void rampart_irq_enable(uint32_t irq) {
    *(volatile uint32_t *)(0xE000E100u + 4u * (irq >> 5)) = 1u << (irq & 31u);  // NVIC_ISER
}
void rampart_interrupts_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
void rampart_wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }
#endif
