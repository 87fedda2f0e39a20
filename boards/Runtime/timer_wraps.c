// Wrap counter of a board's 32-bit timer, kept in C so the interrupt's write and the main
// loop's reads are volatile accesses.
#if defined(__arm__)
#include "board_runtime.h"

static volatile uint32_t wraps;

void rampart_timer_wrap(void) { wraps = wraps + 1u; }
uint32_t rampart_timer_wraps(void) { return wraps; }
#endif
