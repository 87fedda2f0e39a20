#!/usr/bin/env bash
# Every test: firmware images for all boards (with the no-heap proof), then the Swift test
# suite in release mode (crypto vectors, differential tests against libsodium and
# swift-crypto, the QEMU rig booting the self-test on each QEMU board, image checks).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "firmware images: every board, plus self-test images for the QEMU boards"
make --no-print-directory selftest-images

# The suites run in groups, each group's suites in parallel. The groups that boot QEMU,
# rebind ports or drive fleets over loopback run on their own: on a 2-core machine, with
# everything at once, boards miss their start-up deadline and timing bounds stop meaning
# anything.
: > .build/swift-test.log
# The first group builds (as `swift test -c release` does, with testability); the others reuse it.
BUILD_FLAG=""
run_group() {
    step "swift test (release): $1"
    shift
    local log=.build/swift-test-group.log rc=0
    swift test -c release $BUILD_FLAG "$@" > "$log" 2>&1 || rc=$?
    BUILD_FLAG="--skip-build"
    cat "$log" >> .build/swift-test.log
    grep -E "^(✘|✔ Test run|✘ Test run)|Executed [0-9]+ tests?, with [1-9]" "$log" || true
    if [[ $rc -ne 0 ]]; then
        echo "test: FAILED (exit $rc); the group's last lines follow, the whole run is in .build/swift-test.log" >&2
        tail -40 "$log" >&2
        exit 1
    fi
}
SOLO="FirmwareTests|BoardEndToEnd|LifecycleTests|GatewayServerTests.EndToEnd|SimulatorTests|BenchmarkSmoke|EtcdTests|ClusterTests"
run_group "firmware images on QEMU boards" --filter FirmwareTests
run_group "boards end to end: QEMU boards provisioned and served by the gateway" --filter BoardEndToEnd
run_group "gateway start and shutdown (port reuse)" --filter LifecycleTests
run_group "end to end: simulated fleets, gateway, pty; the gateway benchmark's smoke run" --filter "GatewayServerTests.EndToEnd|SimulatorTests|BenchmarkSmoke"
run_group "etcd client and the gateway cluster: 3 etcd members on loopback, gateways sharing one ledger" --filter "EtcdTests|ClusterTests"
run_group "everything else" --skip "$SOLO"

step "fuzz: every parser (CBOR, framing, CoAP/OSCORE, EDHOC) and the gateway engine for 15 s each; longer: make fuzz FUZZ_SECONDS=3600"
scripts/fuzz.sh 15
