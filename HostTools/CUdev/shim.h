// libudev (systemd), from Debian's libudev-dev (system library, not vendored): device
// enumeration and the udev monitor behind `rampart provision`.
#include <libudev.h>
