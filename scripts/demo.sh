#!/usr/bin/env bash
# The main job on embedded defaults, at the foundation stage: build the firmware for every
# board, run the crypto self-test on each QEMU board, boot the application on a Cortex-M4 and
# a Cortex-M0 board and talk to it over its UART (including a reboot that shows the flash
# page store persisting), then measure the device crypto under QEMU's instruction counter.
# Later stages add the gateway, EDHOC/OSCORE sessions, the ledger and the attack lab.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
rampart=.build/release/rampart

say "building the firmware for every board (mps2-an386, mps2-an385, microbit, nrf52840dk) and the host tool"
make --no-print-directory selftest-images
make --no-print-directory host >/dev/null

for board in mps2-an386 mps2-an385 microbit; do
    say "self-test on $board (QEMU)"
    "$rampart" qemu run --board "$board" --elf ".build/firmware/$board/selftest.elf" --timeout 300
done

state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
for board in mps2-an386 microbit; do
    for boot in 1 2; do
        say "application on $board, boot $boot: UART line protocol, boot counter in the flash page"
        { sleep 3; printf 'hello from the host\n'; sleep 1; printf '!exit\n'; sleep 2; } |
            "$rampart" qemu run --board "$board" --elf ".build/firmware/$board/rampart.elf" \
                --state-dir "$state/$board" --timeout 30
    done
done

say "device crypto under QEMU -icount (instructions, stack, flash): make bench-firmware"
make --no-print-directory bench-firmware

say "done: every board built, self-tests passed, the application answered on its UART"
