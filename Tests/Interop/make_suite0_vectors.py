#!/usr/bin/env python3
"""Writes the fixed EDHOC cipher suite 0 (X25519) handshake that Rampart's tests check, since
RFC 9529 has no suite-0 trace:

- Tests/Vectors/edhoc-suite0-input.json    — the input (format of `rampart edhoc trace --input`)
- Tests/Vectors/edhoc-suite0-expected.json — what edhoc_reference.py computes from it

    .venv/bin/python3 Tests/Interop/make_suite0_vectors.py [--check]

The keys are not random: each private key is SHA-256 of an ASCII label (below), so anyone can
re-derive them. The credentials are CCSs shaped like RFC 9529 trace 2's (same subject names and
kids: 0x32 for the Responder, 0x2b for the Initiator) but holding an OKP X25519 COSE_Key
{1: 1 (kty OKP), 2: kid, -1: 4 (crv X25519), -2: x}. C_I = 0x0e travels as the CBOR int 14;
C_R = 0x18 is not a one-byte int encoding and travels as the bstr 0x4118 (RFC 9528 §3.3.2),
so both representations of identifiers are exercised.

With --check nothing is written; exits 1 if a stored file differs from what would be written.
"""
import argparse
import hashlib
import json
import pathlib
import sys

import cbor2

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import edhoc_reference  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
INPUT_PATH = REPO / "Tests/Vectors/edhoc-suite0-input.json"
EXPECTED_PATH = REPO / "Tests/Vectors/edhoc-suite0-expected.json"

KEY_LABELS = {
    "SK_I": "rampart edhoc suite 0 SK_I",
    "SK_R": "rampart edhoc suite 0 SK_R",
    "X": "rampart edhoc suite 0 X",
    "Y": "rampart edhoc suite 0 Y",
}
KEY_UPDATE_CONTEXT_LABEL = "rampart edhoc suite 0 KeyUpdate context"
KEY_UPDATE_CONTEXT_LENGTH = 16  # as long as RFC 9529's
SUBJECT_R, KID_R = "example.edu", b"\x32"
SUBJECT_I, KID_I = "42-50-31-FF-EF-37-32-39", b"\x2b"
C_I, C_R = b"\x0e", b"\x18"


def ccs(subject, kid, x):
    """RFC 8392 CCS {2: sub, 8: {1: COSE_Key}} with an OKP X25519 key (RFC 9053 §7.2)."""
    cose_key = {1: 1, 2: kid, -1: 4, -2: x}
    return cbor2.dumps({2: subject, 8: {1: cose_key}})


def suite0_input():
    keys = {name: hashlib.sha256(label.encode()).digest() for name, label in KEY_LABELS.items()}
    g_i = edhoc_reference.X25519.public_key(keys["SK_I"])
    g_r = edhoc_reference.X25519.public_key(keys["SK_R"])
    context = hashlib.sha256(KEY_UPDATE_CONTEXT_LABEL.encode()).digest()[:KEY_UPDATE_CONTEXT_LENGTH]
    return {
        "_comment": (
            "EDHOC method 3, cipher suite 0 (X25519), fixed keys for Rampart's tests; written by "
            "Tests/Interop/make_suite0_vectors.py. Each private key is SHA-256 of an ASCII label: "
            + "; ".join(f"{name} = SHA-256(\"{label}\")" for name, label in KEY_LABELS.items())
            + f"; KeyUpdate context = first 16 bytes of SHA-256(\"{KEY_UPDATE_CONTEXT_LABEL}\"). "
            "CRED_x are CCSs like RFC 9529 trace 2's with an OKP X25519 COSE_Key "
            "{1: 1, 2: kid, -1: 4, -2: x}; kids 0x32 (Responder) and 0x2b (Initiator). "
            "C_R 0x18 is sent as the bstr 0x4118 (RFC 9528 §3.3.2)."),
        "method": edhoc_reference.METHOD_STATIC_STATIC,
        "SUITES_I": "00",
        "SK_I": keys["SK_I"].hex(),
        "SK_R": keys["SK_R"].hex(),
        "X": keys["X"].hex(),
        "Y": keys["Y"].hex(),
        "C_I": C_I.hex(),
        "C_R": C_R.hex(),
        "CRED_I": ccs(SUBJECT_I, KID_I, g_i).hex(),
        "CRED_R": ccs(SUBJECT_R, KID_R, g_r).hex(),
        "ID_CRED_I": cbor2.dumps({4: KID_I}).hex(),
        "ID_CRED_R": cbor2.dumps({4: KID_R}).hex(),
        "KeyUpdate context": context.hex(),
    }


def render(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the stored files instead of writing them")
    args = parser.parse_args()
    inputs = suite0_input()
    values = edhoc_reference.run(edhoc_reference.parse_inputs(inputs, "suite 0 input"))
    expected = {
        "_source": ("Computed by Tests/Interop/edhoc_reference.py (RFC 9528, pyca/cryptography, "
                    "cbor2) from Tests/Vectors/edhoc-suite0-input.json; no published trace exists "
                    "for suite 0. Regenerate with Tests/Interop/make_suite0_vectors.py."),
        **values,
    }
    files = [(INPUT_PATH, render(inputs)), (EXPECTED_PATH, render(expected))]
    status = 0
    for path, rendered in files:
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != rendered:
                print(f"make_suite0_vectors: {path} differs", file=sys.stderr)
                status = 1
            else:
                print(f"make_suite0_vectors: {path} matches")
        else:
            path.write_text(rendered, encoding="utf-8")
            print(f"make_suite0_vectors: wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
