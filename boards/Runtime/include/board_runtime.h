// Bare-metal runtime shared by every board: startup, semihosting, the UART receive ring,
// stack painting, and the C library / AEABI helpers the compiler expects. Everything here
// compiles to nothing on the host (see the __arm__ guards in the .c files).
#pragma once
#include <stddef.h>
#include <stdint.h>

// ── Semihosting (ARM semihosting v2, `bkpt 0xab` on M-profile) ──────────────────────────
/// Ends the program: QEMU exits with `status` (SYS_EXIT_EXTENDED).
__attribute__((noreturn)) void rampart_semihost_exit(uint32_t status);
/// SYS_OPEN; returns a handle or -1. Modes: 0 "r", 1 "rb", 2 "r+", 3 "r+b", 4 "w", 5 "wb",
/// 6 "w+", 7 "w+b".
int32_t rampart_semihost_open(const char *path, uint32_t path_length, uint32_t mode);
int32_t rampart_semihost_close(int32_t handle);
/// SYS_READ / SYS_WRITE; return the number of bytes NOT transferred (0 = all).
uint32_t rampart_semihost_read(int32_t handle, void *buffer, uint32_t length);
uint32_t rampart_semihost_write(int32_t handle, const void *buffer, uint32_t length);
/// SYS_SEEK to an absolute offset; 0 on success.
int32_t rampart_semihost_seek(int32_t handle, uint32_t offset);
/// SYS_FLEN; the file's length or -1.
int32_t rampart_semihost_flen(int32_t handle);

// ── UART receive ring (single producer: the RX interrupt; single consumer: main) ─────────
/// Capacity of the receive ring in bytes (a power of two).
#define RAMPART_RX_RING_BYTES 256u
/// Called from the RX interrupt; drops the byte and counts it when the ring is full.
void rampart_rx_push(uint8_t byte);
/// Next received byte, or -1 when the ring is empty.
int32_t rampart_rx_pop(void);
/// Bytes dropped because the ring was full, since boot.
uint32_t rampart_rx_dropped(void);

// ── Interrupts ───────────────────────────────────────────────────────────────────────────
void rampart_irq_enable(uint32_t irq);
void rampart_interrupts_enable(void);
void rampart_wait_for_interrupt(void);
/// Sleeps until an interrupt unless a received byte is already waiting. Interrupts are
/// masked around the check, so a byte that arrives between the check and WFI still wakes
/// the core (a pending interrupt ends WFI even when PRIMASK is set).
void rampart_sleep_until_input(void);

// ── Timer wrap count (a board's timer interrupt counts its 32-bit wraps) ───────────────
void rampart_timer_wrap(void);
uint32_t rampart_timer_wraps(void);

// ── Stack painting (peak stack measurement) ─────────────────────────────────────────────
/// Re-paints the unused part of the stack below the current stack pointer.
void rampart_stack_paint(void);
/// Bytes of stack touched since boot or the last paint, found by scanning for the paint.
uint32_t rampart_stack_peak_bytes(void);
/// Bytes of statically allocated RAM (.data + .bss).
uint32_t rampart_static_ram_bytes(void);
/// Bytes reserved for the stack by the linker script.
uint32_t rampart_stack_reserved_bytes(void);

// ── Faults ──────────────────────────────────────────────────────────────────────────────
/// Implemented by the board (in Swift): print the report on the UART, then exit through
/// semihosting with a non-zero status. `kind`: 2 NMI, 3 HardFault, 4 MemManage, 5 BusFault,
/// 6 UsageFault, 254 no entropy available, 255 stack smashing.
void rampart_fault(uint32_t kind, uint32_t pc, uint32_t lr, uint32_t cfsr);
/// Executes a permanently undefined instruction (UDF): a diagnostic that proves the fault
/// path on a board (UsageFault escalated to HardFault, or HardFault on Armv6-M).
void rampart_trigger_fault(void);
