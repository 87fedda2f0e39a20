#!/usr/bin/env bash
# The main job on embedded defaults: build the firmware for every board, run the crypto
# self-test on each QEMU board and measure the device code under QEMU's instruction counter;
# then a gateway on embedded defaults (SQLite registry, keys in its data directory) serving
# two QEMU boards — a Cortex-M4 (mps2-an386) and a Cortex-M0 (microbit) running the device
# firmware over their UARTs — and 50 simulated devices over UDP. The boards are provisioned
# by `rampart provision` (keys born on the boards), run EDHOC and send OSCORE telemetry; one
# is forced to re-key, the other quarantined and released. The boards' and the gateway's logs
# make the timeline; the ledger (docs/ledger.md) records registrations, sessions and actions and
# is verified at the end. A clone attack on the live gateway is detected and answered (the
# kid quarantined, the decision in the ledger), and the attack lab trains the detector and
# runs four attacks at once on virtual time, with a plot of risk over time.
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

say "device code under QEMU -icount (instructions, stack, flash): make bench-firmware"
make --no-print-directory bench-firmware

state=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$state"
}
trap cleanup EXIT
gateway_dir="$state/gateway"

# Each board's log lines (its semihosting console) are prefixed with its name.
boot_board() {
    local board=$1
    mkdir -p "$state/$board"
    # The log filter comes first, so that it writes to the terminal, not to the .pty file.
    "$rampart" qemu run --board "$board" --serial pty --state-dir "$state/$board" \
        --elf ".build/firmware/$board/rampart.elf" \
        2> >(grep --line-buffered 'rampart:' | sed -u "s/^/[$board] /") >"$state/$board.pty" &
    pids+=($!)
}
say "two boards in QEMU, unprovisioned: they generate their keys when asked"
boot_board mps2-an386
boot_board microbit
for board in mps2-an386 microbit; do
    for _ in $(seq 100); do [[ -s "$state/$board.pty" ]] && break; sleep 0.1; done
done
pty_m4=$(cat "$state/mps2-an386.pty")
pty_m0=$(cat "$state/microbit.pty")
sleep 1

say "provisioning over the UART: suite 2 (P-256) on the Cortex-M4, suite 0 (X25519) on the Cortex-M0"
"$rampart" provision --port "$pty_m4" --data-dir "$gateway_dir" --suite 2 --telemetry-interval 1 \
    --quarantine-backoff 1000,4000 --label "QEMU mps2-an386"
"$rampart" provision --port "$pty_m0" --data-dir "$gateway_dir" --suite 0 --telemetry-interval 1 \
    --quarantine-backoff 1000,4000 --label "QEMU microbit"
kid_m4=$("$rampart" devices list --data-dir "$gateway_dir" --json | python3 -c 'import json,sys; print([d["kid"] for d in json.load(sys.stdin) if "mps2" in d["label"]][0])')
kid_m0=$("$rampart" devices list --data-dir "$gateway_dir" --json | python3 -c 'import json,sys; print([d["kid"] for d in json.load(sys.stdin) if "microbit" in d["label"]][0])')

say "gateway on embedded defaults: UDP 127.0.0.1:15683 and the two boards' UARTs (its log is prefixed [gateway])"
"$rampart" gateway run --data-dir "$gateway_dir" --udp 127.0.0.1:15683 --admin 127.0.0.1:15690 \
    --metrics 127.0.0.1:19464 --serial "$pty_m4" --serial "$pty_m0" --log-level info \
    2> >(sed -u 's/^/[gateway] /') &
gateway_pid=$!
pids+=($gateway_pid)
for _ in $(seq 50); do [[ -f "$gateway_dir/admin.token" ]] && break; sleep 0.2; done
token=$(cat "$gateway_dir/admin.token")
device_state() {
    curl -s -H "Authorization: Bearer $token" "127.0.0.1:15690/v1/devices/$1"; echo
}

say "50 simulated devices (suite 0) over UDP for 20 s, one reading per second each"
"$rampart" sim --gateway 127.0.0.1:15683 --register-into "$gateway_dir" --devices 50 --suite 0 --rate 1 \
    --duration 20 --seed 1 --json >"$state/sim.json" &
sim=$!
sleep 5
say "what the gateway decrypted from the boards"
device_state "$kid_m4"
device_state "$kid_m0"

say "force a re-key of the Cortex-M4 board: its next request gets 4.01 and it runs EDHOC again"
"$rampart" action force-rekey "$kid_m4" --reason "demo: scheduled key hygiene" --admin 127.0.0.1:15690 --data-dir "$gateway_dir"
sleep 3
device_state "$kid_m4"

say "quarantine the Cortex-M0 board (EDHOC refused, it backs off), then release it"
"$rampart" action quarantine "$kid_m0" --reason "demo: suspicious" --admin 127.0.0.1:15690 --data-dir "$gateway_dir"
sleep 4
"$rampart" action release "$kid_m0" --reason "demo: cleared" --admin 127.0.0.1:15690 --data-dir "$gateway_dir"
sleep 5
device_state "$kid_m0"

wait $sim
say "what the simulated devices saw"
cat "$state/sim.json"

say "an attack on the live gateway: a clone — one device's key run by two processes at once, from two addresses"
cred0=$("$rampart" gateway credential --suite 0 --data-dir "$gateway_dir")
"$rampart" sim --gateway 127.0.0.1:15683 --register-into "$gateway_dir" --devices 1 --suite 0 --rate 1 \
    --duration 16 --seed 7 --json >"$state/original.json" 2>/dev/null &
original=$!
sleep 5
"$rampart" sim --gateway 127.0.0.1:15683 --gateway-credential "$cred0" --devices 1 --suite 0 --rate 1 \
    --duration 8 --seed 7 --json >"$state/clone.json" 2>/dev/null || true
wait $original || true
kid_clone=$("$rampart" devices list --data-dir "$gateway_dir" --json | python3 -c 'import json,sys; print([d["kid"] for d in json.load(sys.stdin) if d["label"] == "rampart-sim seed 7 device 0"][0])')
say "the detector's answer: the cloned kid is quarantined (rule one-kid-two-places); every other device kept running"
device_state "$kid_clone"
say "what the gateway counted (Prometheus)"
curl -s 127.0.0.1:19464/metrics | grep -E '^rampart_(handshakes|oscore_requests|sessions|actions)' || true

say "stop the gateway (SIGTERM): open sessions are summarised into the ledger"
kill -TERM "$gateway_pid"
wait "$gateway_pid" 2>/dev/null || true

say "the ledger: what happened to the Cortex-M0 board, then every hash and signature checked"
"$rampart" ledger show --data-dir "$gateway_dir" --device "$kid_m0"
"$rampart" ledger proof inclusion --data-dir "$gateway_dir" --index 0
"$rampart" ledger verify --data-dir "$gateway_dir"
say "the detector's decisions in the ledger, with their evidence"
"$rampart" ledger show --data-dir "$gateway_dir" --type security-event --device "$kid_clone"

say "the attack lab (virtual time, the gateway's own engine and detector): train on clean traffic, then four attacks at once"
"$rampart" detect train --model "$state/model.json" --devices 20 --duration 900
"$rampart" sim --scenario mixed --model "$state/model.json" --devices 20 --plot .build/demo-risk-mixed.svg

say "done: every board built, self-tests passed, two QEMU boards and 50 simulated devices provisioned, connected, re-keyed, quarantined and released; a clone caught; the ledger verified; the attack lab's plot in .build/demo-risk-mixed.svg"
