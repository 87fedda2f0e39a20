// libsodium, from Debian's libsodium-dev (system library, not vendored).
#include <sodium.h>
