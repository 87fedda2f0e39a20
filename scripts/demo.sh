#!/usr/bin/env bash
# The main job on embedded defaults, at the foundation stage: build the firmware for every
# board, run the crypto self-test on each QEMU board, boot the application on a Cortex-M4 and
# a Cortex-M0 board and talk to it over its UART (including a reboot that shows the flash
# page store persisting), then measure the device crypto under QEMU's instruction counter.
# Then the gateway: a simulated fleet (the device state machine on the host) connects over
# UDP with both cipher suites while one device is quarantined and released.
# Later stages add the ledger and the attack lab.
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

say "gateway: EDHOC Responder + OSCORE endpoint on 127.0.0.1:15683 (data directory $state/gateway)"
gateway_log="$state/gateway.log"
"$rampart" gateway run --data-dir "$state/gateway" --udp 127.0.0.1:15683 --admin 127.0.0.1:15690 \
    --metrics 127.0.0.1:19464 >"$gateway_log" 2>&1 &
gateway_pid=$!
trap 'kill -TERM $gateway_pid 2>/dev/null || true; wait $gateway_pid 2>/dev/null || true; rm -rf "$state"' EXIT
for _ in $(seq 50); do [[ -f "$state/gateway/admin.token" ]] && break; sleep 0.2; done
"$rampart" gateway credential --data-dir "$state/gateway" --suite 0

say "200 simulated devices with suite 0 and 50 with suite 2, 12 s, one reading per second each"
"$rampart" sim --gateway 127.0.0.1:15683 --register-into "$state/gateway" --devices 200 --suite 0 --rate 1 \
    --duration 12 --seed 1 --json >"$state/sim0.json" &
sim0=$!
"$rampart" sim --gateway 127.0.0.1:15683 --register-into "$state/gateway" --devices 50 --suite 2 --rate 1 \
    --duration 12 --seed 2 --json >"$state/sim2.json" &
sim2=$!
sleep 4
suspect=$("$rampart" devices list --data-dir "$state/gateway" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["kid"])')
say "quarantine $suspect (its session ends, EDHOC is refused, it backs off), then release it"
"$rampart" action quarantine "$suspect" --reason "demo: suspicious" --admin 127.0.0.1:15690 --data-dir "$state/gateway"
sleep 3
"$rampart" action release "$suspect" --reason "demo: cleared" --admin 127.0.0.1:15690 --data-dir "$state/gateway"
wait $sim0 $sim2
say "what the devices saw"
cat "$state/sim0.json" "$state/sim2.json"
say "what the gateway counted (Prometheus)"
curl -s 127.0.0.1:19464/metrics | grep -E '^rampart_(handshakes|oscore_requests|sessions|actions)' || true
kill -TERM $gateway_pid; wait $gateway_pid || true

say "done: every board built, self-tests passed, the application answered on its UART, the fleet connected to the gateway"
