# Rampart — build entry points. `make help` lists them.
#
#   make demo                     → the main job on embedded defaults (installs what it needs)
#   make test                     → every test (installs what it needs; CI runs this)
#   make firmware BOARD=<board>   → .build/firmware/<board>/rampart.elf and .bin
#   make selftest BOARD=<board>   → builds the self-test image, boots it in QEMU, prints its output
#   make selftest-images          → every image the tests use, for every board
#   make bench-firmware           → instruction counts, stack and flash under QEMU icount (JSON)
#   make bench-handshake          → an EDHOC Initiator's handshake: instructions, bytes, flash, RAM (JSON)
#   make bench-gateway            → the gateway: handshakes/s, OSCORE requests/s (engine and UDP), memory, flood (JSON)
#   make no-allocations           → the no-heap proof (-no-allocations; see README)
#   make host                     → the `rampart` command-line tool (.build/release/rampart)
#   make fuzz [FUZZ_SECONDS=30]   → libFuzzer run of each parser's fuzz target (scripts/fuzz.sh)
#
# BOARD is one of mps2-an386 (default), mps2-an385, microbit, nrf52840dk.

BOARD ?= mps2-an386
QEMU_BOARDS := mps2-an386 mps2-an385 microbit
ALL_BOARDS := $(QEMU_BOARDS) nrf52840dk

triple_mps2-an386 := armv7em-none-none-eabi
triple_mps2-an385 := armv7em-none-none-eabi
triple_microbit   := armv6m-none-none-eabi
triple_nrf52840dk := armv7em-none-none-eabi

# Where images go; override to build in a private folder (FW_BUILD=.build-mine).
FW_BUILD ?= .build/firmware
OUT := $(FW_BUILD)/$(BOARD)
SPM_SCRATCH := $(FW_BUILD)/$(BOARD)/spm
OBJCOPY := $(shell dirname $$(command -v swift))/llvm-objcopy
SWIFT_FW = RAMPART_FIRMWARE=1 swift build -c release --triple $(triple_$(BOARD)) --toolset boards/$(BOARD)/toolset.json \
           --scratch-path $(SPM_SCRATCH)

.PHONY: bench-gateway
bench-gateway: host
	.build/release/rampart bench gateway --json
	.build/release/rampart bench gateway-udp --json

.PHONY: help firmware selftest selftest-image echo-image selftest-images bench-image bench-firmware bench-handshake test demo setup check-board no-allocations host

help:
	@sed -n '/^#/!q; s/^# \{0,1\}//p' Makefile
	@echo "(nrf52840dk is built, not run on hardware: QEMU has no model of it)"

check-board:
	@test -n "$(triple_$(BOARD))" || { echo "unknown BOARD=$(BOARD); boards: $(ALL_BOARDS)" >&2; exit 2; }

# One image = one SwiftPM product built for the board's triple and toolset.
define image
	@# SwiftPM tracks neither toolset nor linker-script changes: rebuild when the toolset
	@# changed, and always relink.
	@cmp -s boards/$(BOARD)/toolset.json $(SPM_SCRATCH)/toolset.json || \
	    { rm -rf $(SPM_SCRATCH); mkdir -p $(SPM_SCRATCH); cp boards/$(BOARD)/toolset.json $(SPM_SCRATCH)/; }
	@rm -f $(SPM_SCRATCH)/release/$(1)
	$(SWIFT_FW) --product $(1)
	@mkdir -p $(OUT)
	cp $(SPM_SCRATCH)/release/$(1) $(OUT)/$(2).elf
	$(OBJCOPY) -O binary $(OUT)/$(2).elf $(OUT)/$(2).bin
endef

firmware: check-board no-allocations
	$(call image,rampart-firmware,rampart)
	@echo "built $(OUT)/rampart.elf and $(OUT)/rampart.bin"

selftest-image: check-board
	$(call image,rampart-selftest,selftest)

# The board check (echo, fault, boot counter) the rig's and board-support tests boot.
echo-image: check-board
	$(call image,rampart-echo,echo)

bench-image: check-board
	$(call image,rampart-bench,bench)

selftest: selftest-image host
	.build/release/rampart qemu run --board $(BOARD) --elf $(OUT)/selftest.elf --timeout 300

# Every image the tests boot or inspect.
selftest-images:
	@for b in $(ALL_BOARDS); do $(MAKE) --no-print-directory firmware BOARD=$$b || exit 1; done
	@for b in $(QEMU_BOARDS); do $(MAKE) --no-print-directory selftest-image echo-image BOARD=$$b || exit 1; done

# Proof of no heap use: the firmware's Swift modules compiled with -no-allocations. On 32-bit
# targets this Swift 6.3.1 toolchain reports a false positive from inside the standard
# library for any program (even `let x = 1`), so the check compiles the same sources for
# aarch64-none-none-elf, where it is exact. The ARM link itself is the second proof: the
# runtime provides no malloc/posix_memalign/free, so any allocation fails to link.
no-allocations:
	@RAMPART_FIRMWARE=1 swift build -c release --triple aarch64-none-none-elf \
	    --toolset boards/no-allocations.toolset.json --scratch-path .build/firmware/no-allocations/spm \
	    --target rampart-firmware >/dev/null
	@RAMPART_FIRMWARE=1 swift build -c release --triple aarch64-none-none-elf \
	    --toolset boards/no-allocations.toolset.json --scratch-path .build/firmware/no-allocations/spm \
	    --target rampart-selftest >/dev/null
	@echo "no-allocations: the firmware's Swift modules compile with -no-allocations (aarch64 check)"

host:
	swift build -c release --product rampart

bench-firmware: host
	@for b in mps2-an386 microbit; do \
	    $(MAKE) --no-print-directory bench-image firmware BOARD=$$b >/dev/null || exit 1; \
	    .build/release/rampart bench firmware --board $$b --json || exit 1; \
	done

# Suites 0 and 2, the Responder's message_2 precomputed (see `rampart bench handshake --help`).
bench-handshake: host
	@for b in mps2-an386 microbit; do \
	    $(MAKE) --no-print-directory bench-image BOARD=$$b >/dev/null || exit 1; \
	    .build/release/rampart bench handshake --board $$b --image-directory $(FW_BUILD) --json || exit 1; \
	done

setup:
	scripts/setup.sh

test: setup
	scripts/test.sh

demo: setup
	scripts/demo.sh

# libFuzzer targets of the parsers (Fuzz/), FUZZ_SECONDS each; the long run is FUZZ_SECONDS=3600.
FUZZ_SECONDS ?= 30
.PHONY: fuzz
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)
