#!/usr/bin/env python3
"""Writes boards/<board>/toolset.json for every board from one table, so the flags of the
boards cannot drift apart. Run it after changing a flag: python3 boards/make-toolsets.py"""
import json, pathlib

# Optimisation levels are not here: SwiftPM puts toolset flags after a target's own, so
# Package.swift sets them per target (crypto -O, the rest -Osize) when RAMPART_FIRMWARE=1.
#
# board: (cpu, family define, board define)
BOARDS = {
    "mps2-an386": ("cortex-m4", "MPS2", "MPS2_AN386"),
    "mps2-an385": ("cortex-m3", "MPS2", "MPS2_AN385"),
    "microbit":   ("cortex-m0", "NRF5", "NRF51"),
    "nrf52840dk": ("cortex-m4", "NRF5", "NRF52840"),
}

def toolset(board, cpu, family, define):
    return {
        "schemaVersion": "1.0",
        "swiftCompiler": {"extraCLIOptions": [
            "-enable-experimental-feature", "Embedded",
            "-target-cpu", cpu,
            "-Xcc", f"-mcpu={cpu}", "-Xcc", "-mthumb", "-Xcc", "-mfloat-abi=soft", "-Xcc", "-fno-pic",
            "-Xfrontend", "-function-sections",
            "-D", "RAMPART_FIRMWARE", "-D", f"RAMPART_BOARD_{family}", "-D", f"RAMPART_BOARD_{define}",
            "-use-ld=lld", "-Xclang-linker", "-nostdlib",
        ]},
        "cCompiler": {"extraCLIOptions": [
            # No -ffreestanding / -fno-builtin: SwiftPM passes these flags to swiftc as well,
            # where they stop LLVM inlining small copies; boards/Runtime/libc.c marks its own
            # functions no_builtin instead.
            f"-mcpu={cpu}", "-mthumb", "-mfloat-abi=soft", "-fno-pic",
            "-Os", "-ffunction-sections", "-fdata-sections", "-Wall", "-Werror",
            f"-DRAMPART_BOARD_{family}", f"-DRAMPART_BOARD_{define}",
        ]},
        "linker": {"extraCLIOptions": [
            "-T", f"boards/{board}/memory.ld", "--gc-sections", "-e", "Reset_Handler",
        ]},
    }

root = pathlib.Path(__file__).resolve().parent
for board, (cpu, family, define) in BOARDS.items():
    path = root / board / "toolset.json"
    path.write_text(json.dumps(toolset(board, cpu, family, define), indent=2) + "\n")
    print(f"wrote {path.relative_to(root.parent)}")
