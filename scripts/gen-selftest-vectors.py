#!/usr/bin/env python3
"""Writes the EDHOC vectors the firmware checks on the boards, as Swift source, from the
vector files the host tests read (so the boards and the host check the same facts):

- Firmware/SelfTest/EDHOCVectors.swift       — both roles of RFC 9529 trace 2 and of the suite-0
                                               handshake, for the self-test
- Firmware/Images/Bench/HandshakeVectors.swift — the Initiator's side of the same two handshakes
                                               (the Responder's message_2 precomputed), for
                                               `make bench-handshake`

Sources: Tests/Vectors/rfc9529-trace2.json (RFC 9529 §3, trace 2: method 3, suite 2),
Tests/Vectors/edhoc-suite0-input.json and edhoc-suite0-expected.json (method 3, suite 0, no
published trace; computed by Tests/Interop/edhoc_reference.py).

    python3 scripts/gen-selftest-vectors.py [--check]

Values become hex `StaticString` literals (in flash, decoded at run time into the caller's
buffers or compared in place), returned by computed properties, so no vector occupies RAM.
With --check nothing is written; exits 1 if a generated file differs from what would be written.
"""
import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TRACE2 = "Tests/Vectors/rfc9529-trace2.json"
SUITE0_INPUT = "Tests/Vectors/edhoc-suite0-input.json"
SUITE0_EXPECTED = "Tests/Vectors/edhoc-suite0-expected.json"
COMMAND = "python3 scripts/gen-selftest-vectors.py"

# Field of the Swift `EDHOCHandshakeVectors` struct → (key in the vector files, description).
HANDSHAKE_FIELDS = [
    ("suitesI", "SUITES_I", "SUITES_I as sent in message_1 (the selected suite last)"),
    ("suitesR", "SUITES_R", "SUITES_R: the suites the Responder supports"),
    ("skI", "SK_I", "the Initiator's static private key I"),
    ("skR", "SK_R", "the Responder's static private key R"),
    ("x", "X", "the Initiator's ephemeral private key X"),
    ("y", "Y", "the Responder's ephemeral private key Y"),
    ("cI", "C_I", "C_I (raw bytes)"),
    ("cR", "C_R", "C_R (raw bytes)"),
    ("credI", "CRED_I", "CRED_I (a CCS)"),
    ("credR", "CRED_R", "CRED_R (a CCS)"),
    ("message1", "message_1", "message_1"),
    ("message2", "message_2", "message_2"),
    ("message3", "message_3", "message_3"),
    ("message4", "message_4", "message_4"),
    ("prkOut", "PRK_out", "PRK_out"),
    ("oscoreMasterSecret", "OSCORE Master Secret", "OSCORE Master Secret"),
    ("oscoreMasterSalt", "OSCORE Master Salt", "OSCORE Master Salt"),
    ("keyUpdateContext", "context for KeyUpdate", "the context of EDHOC_KeyUpdate"),
    ("prkOutAfterKeyUpdate", "PRK_out after KeyUpdate", "PRK_out after KeyUpdate"),
]

# The Initiator's side only (bench): what it needs, and the Responder's precomputed message_2.
BENCH_FIELDS = ["suitesI", "skI", "x", "cI", "credI", "credR", "message1", "message2", "message3"]

# Trace 2's rejected first attempt (RFC 9529 §3.2): extra constants for the self-test.
NEGOTIATION_FIELDS = [
    ("message1FirstTime", "message_1 (first time)", "message_1 (first time), with SUITES_I = 6"),
    ("suitesIFirstTime", "SUITES_I (first time)", "SUITES_I (first time)"),
    ("cIFirstTime", "C_I (first time)", "C_I (first time)"),
    ("error", "error", "the error message: ERR_CODE 2 with SUITES_R"),
]


def load(path):
    with open(ROOT / path) as f:
        return json.load(f)


def checked_hex(name, value):
    if not isinstance(value, str) or len(value) % 2 or any(c not in "0123456789abcdef" for c in value):
        sys.exit(f"gen-selftest-vectors: {name!r} is not lowercase hex: {value!r}")
    return value


def trace2_values():
    trace = load(TRACE2)
    return {key: checked_hex(key, trace[key]) for _, key, _ in HANDSHAKE_FIELDS + NEGOTIATION_FIELDS}


def suite0_values():
    given = load(SUITE0_INPUT)
    expected = load(SUITE0_EXPECTED)
    values = {}
    for _, key, _ in HANDSHAKE_FIELDS:
        if key == "SUITES_R":
            # The input names no SUITES_R: the Responder supports the one suite offered.
            suites = given["SUITES_I"]
            if len(suites) != 2:
                sys.exit("gen-selftest-vectors: suite-0 SUITES_I must be one suite")
            value = suites
        elif key == "context for KeyUpdate":
            value = given["KeyUpdate context"]
        elif key in expected:
            value = expected[key]
        else:
            value = given[key]
        values[key] = checked_hex(key, value)
    for key in ("SK_I", "SK_R", "X", "Y", "C_I", "C_R", "CRED_I", "CRED_R"):
        if given[key] != expected.get(key, given[key]):
            sys.exit(f"gen-selftest-vectors: {key} differs between {SUITE0_INPUT} and {SUITE0_EXPECTED}")
    return values


def literal(value):
    return f'"{value}"'


def handshake_struct(fields, doc):
    lines = [f"/// {doc}", "struct EDHOCHandshakeVectors {"]
    for name, key, description in HANDSHAKE_FIELDS:
        if name in fields:
            lines.append(f"    /// {description} (\"{key}\").")
            lines.append(f"    let {name}: StaticString")
    lines.append("}")
    return lines


def handshake_value(swift_name, doc, values, fields):
    lines = [f"    /// {doc}", f"    static var {swift_name}: EDHOCHandshakeVectors {{",
             "        EDHOCHandshakeVectors("]
    chosen = [(name, key) for name, key, _ in HANDSHAKE_FIELDS if name in fields]
    for i, (name, key) in enumerate(chosen):
        end = "," if i < len(chosen) - 1 else ")"
        lines.append(f"            {name}: {literal(values[key])}{end}")
    lines.append("    }")
    return lines


def header(purpose):
    return [
        f"// GENERATED by `{COMMAND}` — do not edit; change the generator or the",
        "// vector files and run it again.",
        f"// Sources: {TRACE2} (RFC 9529 §3, trace 2: method 3, cipher suite 2),",
        f"// {SUITE0_INPUT} and {SUITE0_EXPECTED} (method 3, cipher suite 0).",
        f"// {purpose}",
        "",
    ]


def selftest_file(trace2, suite0):
    fields = [name for name, _, _ in HANDSHAKE_FIELDS]
    lines = header("Both roles of each handshake, checked byte for byte by EDHOCSelfTest.swift.")
    lines += handshake_struct(fields, "One EDHOC method-3 handshake: the inputs of both roles and what they must produce.")
    lines += ["", "enum EDHOCVectors {"]
    lines += handshake_value("trace2", "RFC 9529 trace 2 (suite 2, P-256), the accepted second message_1.", trace2, fields)
    lines.append("")
    lines += handshake_value("suite0", "Suite 0 (X25519), edhoc-suite0-*.json.", suite0, fields)
    lines += ["", "    // RFC 9529 §3.2: the first message_1, which the Responder rejects."]
    for name, key, description in NEGOTIATION_FIELDS:
        lines.append(f"    /// {description} (\"{key}\").")
        lines.append(f"    static var {name}: StaticString {{ {literal(trace2[key])} }}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def bench_file(trace2, suite0):
    lines = header("The Initiator's inputs and the Responder's message_2 (precomputed), for the handshake benchmark.")
    lines += ["#if RAMPART_FIRMWARE"]
    lines += handshake_struct(BENCH_FIELDS, "The Initiator's side of one EDHOC method-3 handshake.")
    lines += ["", "enum HandshakeVectors {"]
    lines += handshake_value("suite2", "RFC 9529 trace 2 (suite 2, P-256).", trace2, BENCH_FIELDS)
    lines.append("")
    lines += handshake_value("suite0", "Suite 0 (X25519), edhoc-suite0-*.json.", suite0, BENCH_FIELDS)
    lines += ["}", "#endif"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    trace2, suite0 = trace2_values(), suite0_values()
    outputs = {
        "Firmware/SelfTest/EDHOCVectors.swift": selftest_file(trace2, suite0),
        "Firmware/Images/Bench/HandshakeVectors.swift": bench_file(trace2, suite0),
    }
    stale = []
    for path, text in outputs.items():
        target = ROOT / path
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(path)
        else:
            target.write_text(text)
            print(f"wrote {path}")
    if stale:
        print("out of date (run " + COMMAND + "): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
