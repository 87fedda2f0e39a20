#!/usr/bin/env bash
# libFuzzer runs of the parsers' fuzz targets: every folder Fuzz/<Name>/ with a seeds/ folder
# is the executable fuzz-<name> (lower case), declared in Package.swift's "Fuzz targets" section.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]    e.g. scripts/fuzz.sh 30 fuzz-cbor
#   make fuzz [FUZZ_SECONDS=30]
#
# CI runs the short run: 30 s per target (default). The longer run, before a release or after
# a parser changed, is one hour per target:
#
#   make fuzz FUZZ_SECONDS=3600
#
# Corpora live in .build-fuzz/corpus/<target>, seeded from Fuzz/<Name>/seeds/ and kept between
# runs, so each run starts where the last one stopped. A crash (a trap, a broken
# `fuzzInvariant`, an ASan report, a timeout or running out of memory) fails the script; the
# input is saved as .build-fuzz/artifacts/<target>/crash-<sha1> (or timeout-…, oom-…).
# Reproduce it with   .build-fuzz/release/<target> .build-fuzz/artifacts/<target>/crash-…
# and once fixed, add it to Fuzz/<Name>/seeds/ so every later run checks it again.
#
# How the targets are built (release, so runs are fast; -O keeps Swift's bounds and overflow
# checks):
#
#   swift build -c release --scratch-path .build-fuzz --product fuzz-<name> \
#       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
#
# Without -DFUZZING (plain `swift build` / `swift test`) the same targets build to a program
# that says how to build it for fuzzing and exits 2. Swift's crash backtracer is turned off
# for the runs (SWIFT_BACKTRACE=enable=no): it holds the output pipe open after a crash and
# gets in libFuzzer's way.
#
# Adding a target for another parser (e.g. CoAP) is three steps:
#   1. Fuzz/CoAP/FuzzCoAP.swift:
#        import FuzzSupport
#        import RampartProtocol
#
#        @main enum Main {
#            static func main() { fuzzMain("fuzz-coap", CoAPFuzzer.run) }
#        }
#
#        enum CoAPFuzzer {
#            static func run(_ input: Span<UInt8>) {
#                // parse `input`; on success check invariants with fuzzInvariant(…), e.g.
#                // re-encoding what was parsed and parsing that again gives the same message
#            }
#        }
#   2. Fuzz/CoAP/seeds/: a few small inputs, one per file (valid messages and near misses).
#   3. Package.swift, "Fuzz targets" section: add "CoAP" to fuzzTargetFolders.
# This script finds the new target by its seeds/ folder.
set -euo pipefail
cd "$(dirname "$0")/.."

SCRATCH=.build-fuzz
seconds=${1:-30}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS] [TARGET…]" >&2; exit 2; }
shift $(( $# > 0 ? 1 : 0 ))

declare -A folder_of=()
all=()
for seeds in Fuzz/*/seeds; do
    folder=$(basename "$(dirname "$seeds")")
    name="fuzz-$(tr '[:upper:]' '[:lower:]' <<<"$folder")"
    folder_of[$name]=$folder
    all+=("$name")
done
targets=("$@")
(( ${#targets[@]} > 0 )) || targets=("${all[@]}")
for target in "${targets[@]}"; do
    [[ -n ${folder_of[$target]:-} ]] || { echo "unknown fuzz target $target; targets: ${all[*]}" >&2; exit 2; }
done

echo "== building ${targets[*]} (libFuzzer + ASan) in $SCRATCH"
for target in "${targets[@]}"; do
    if ! swift build -c release --scratch-path "$SCRATCH" --product "$target" \
            -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 \
            | { grep -E 'error|Build' | grep -v 'Cannot export local symbol' || true; }; then
        echo "fuzz: building $target failed" >&2
        exit 1
    fi
done
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

failed=()
for target in "${targets[@]}"; do
    corpus=$SCRATCH/corpus/$target
    artifacts=$SCRATCH/artifacts/$target
    log=$SCRATCH/logs/$target.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    echo "== $target: ${seconds}s, corpus $corpus (seeds Fuzz/${folder_of[$target]}/seeds)"
    # New inputs go to the first corpus folder; the seeds folder is only read.
    if SWIFT_BACKTRACE=enable=no "$bin/$target" "$corpus" "Fuzz/${folder_of[$target]}/seeds" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | sed 's/^/   /' || true
        echo "   corpus: $(find "$corpus" -type f | wc -l) inputs"
    else
        echo "!! $target found a crash (log $log):" >&2
        grep -E 'fuzz invariant|Fatal error|ERROR:|SUMMARY|Test unit written' "$log" | head -20 | sed 's/^/   /' >&2
        failed+=("$target")
    fi
done

if (( ${#failed[@]} > 0 )); then
    echo "fuzz: crashes in ${failed[*]}; inputs in $SCRATCH/artifacts/" >&2
    exit 1
fi
echo "fuzz: no crash in ${targets[*]} (${seconds}s each)"
