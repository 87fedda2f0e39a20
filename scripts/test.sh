#!/usr/bin/env bash
# Every test: firmware images for all boards (with the no-heap proof), then the Swift test
# suite in release mode (crypto vectors, differential tests against libsodium and
# swift-crypto, the QEMU rig booting the self-test on each QEMU board, image checks).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "firmware images: every board, plus self-test images for the QEMU boards"
make --no-print-directory selftest-images

step "swift test (release)"
swift test -c release 2>&1 | tee .build/swift-test.log

step "fuzz: every parser (CBOR, framing, CoAP/OSCORE, EDHOC) for 15 s each; longer: make fuzz FUZZ_SECONDS=3600"
scripts/fuzz.sh 15
