// ARM semihosting (the "Semihosting for AArch32 and AArch64" specification): on M-profile
// the call is `bkpt 0xab` with the operation in r0 and a parameter block in r1.
#if defined(__arm__)
#include "board_runtime.h"

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06,
    SYS_SEEK = 0x0A, SYS_FLEN = 0x0C, SYS_EXIT_EXTENDED = 0x20,
};
/// ADP_Stopped_ApplicationExit: with SYS_EXIT_EXTENDED its subcode is the exit status.
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost_call(uint32_t operation, const void *parameters) {
    register uint32_t r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = parameters;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void rampart_semihost_exit(uint32_t status) {
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, status};
    semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) {}
}

int32_t rampart_semihost_open(const char *path, uint32_t path_length, uint32_t mode) {
    const uint32_t block[3] = {(uint32_t)path, mode, path_length};
    return (int32_t)semihost_call(SYS_OPEN, block);
}

int32_t rampart_semihost_close(int32_t handle) {
    const uint32_t block[1] = {(uint32_t)handle};
    return (int32_t)semihost_call(SYS_CLOSE, block);
}

uint32_t rampart_semihost_read(int32_t handle, void *buffer, uint32_t length) {
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)buffer, length};
    return semihost_call(SYS_READ, block);
}

uint32_t rampart_semihost_write(int32_t handle, const void *buffer, uint32_t length) {
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)buffer, length};
    return semihost_call(SYS_WRITE, block);
}

int32_t rampart_semihost_seek(int32_t handle, uint32_t offset) {
    const uint32_t block[2] = {(uint32_t)handle, offset};
    return (int32_t)semihost_call(SYS_SEEK, block);
}

int32_t rampart_semihost_flen(int32_t handle) {
    const uint32_t block[1] = {(uint32_t)handle};
    return (int32_t)semihost_call(SYS_FLEN, block);
}
#endif
