// The UART receive ring: the RX interrupt pushes, the main loop pops. One producer and one
// consumer, each index written by one side only, so aligned word accesses need no lock.
#if defined(__arm__)
#include "board_runtime.h"

_Static_assert((RAMPART_RX_RING_BYTES & (RAMPART_RX_RING_BYTES - 1u)) == 0, "power of two");

static volatile uint8_t ring[RAMPART_RX_RING_BYTES];
static volatile uint32_t head;     // written by the interrupt
static volatile uint32_t tail;     // written by main
static volatile uint32_t dropped;  // written by the interrupt

void rampart_rx_push(uint8_t byte) {
    uint32_t h = head;
    if (h - tail == RAMPART_RX_RING_BYTES) { dropped = dropped + 1u; return; }
    ring[h & (RAMPART_RX_RING_BYTES - 1u)] = byte;
    __asm__ volatile("" ::: "memory");
    head = h + 1u;
}

int32_t rampart_rx_pop(void) {
    uint32_t t = tail;
    if (t == head) return -1;
    uint8_t byte = ring[t & (RAMPART_RX_RING_BYTES - 1u)];
    __asm__ volatile("" ::: "memory");
    tail = t + 1u;
    return byte;
}

uint32_t rampart_rx_dropped(void) { return dropped; }

void rampart_sleep_until_input(void) {
    __asm__ volatile("cpsid i" ::: "memory");
    if (tail == head) __asm__ volatile("wfi" ::: "memory");
    __asm__ volatile("cpsie i" ::: "memory");
}
#endif
