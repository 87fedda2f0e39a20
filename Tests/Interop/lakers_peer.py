#!/usr/bin/env python3
"""An EDHOC peer built on lakers-python (0.6.2, PyPI), driven over stdin/stdout, for Rampart's
interoperability tests: method 3, cipher suite 2, credentials (CCS) identified by kid.

    .venv/bin/python3 Tests/Interop/lakers_peer.py initiator|responder --keys FILE.json
                                                   [--message-4] [--c-i HEX] [--c-r HEX]

Line protocol: one message per line, lowercase hex, '\\n'-terminated, flushed at once.
  responder: reads message_1, writes message_2, reads message_3, [--message-4: writes
             message_4], writes the result line.
  initiator: writes message_1, reads message_2, writes message_3, [--message-4: reads
             message_4], writes the result line.
The result line is one JSON object:
  {"prk_out": hex, "oscore_master_secret": hex, "oscore_master_salt": hex,
   "c_i": hex, "c_r": hex, "ead_1".."ead_4": hex of the EAD items received (if any),
   and, if FILE has "KeyUpdate context": "prk_out_after_key_update",
   "oscore_master_secret_after_key_update", "oscore_master_salt_after_key_update"}
with the OSCORE values from lakers' EDHOC_Exporter (labels 0 and 1, context h'', lengths 16
and 8; RFC 9528 Appendix A.1). On any failure it writes one line "error: <reason>" and exits 1.

FILE uses the input format of `rampart edhoc trace --input` (e.g. Tests/Interop/trace2-input.json):
SK_I/CRED_I/ID_CRED_I are the initiator's, SK_R/CRED_R/ID_CRED_R the responder's; each side
uses its own private key and credential and trusts exactly the other's credential (lookup by
kid: an ID_CRED whose kid is not that credential's fails with "unexpected credential").
C_I/C_R (raw bytes; --c-i/--c-r override; absent: lakers picks one) and EAD_1..EAD_4 (CBOR
sequences) are sent by the side that owns them. X, Y and SUITES_I are ignored: lakers draws its
own ephemeral keys and always sends SUITES_I = 2. A received critical EAD item (negative
label) is refused, as this peer understands no EAD label (RFC 9528 §3.8).
"""
import argparse
import io
import json
import sys

import cbor2
import lakers
from lakers import CredentialTransfer, EADItem, EdhocInitiator, EdhocResponder

# RFC 9528 Appendix A.1: OSCORE Master Secret and Master Salt from EDHOC_Exporter.
EXPORTER_LABEL_MASTER_SECRET, OSCORE_KEY_LENGTH = 0, 16
EXPORTER_LABEL_MASTER_SALT, OSCORE_SALT_LENGTH = 1, 8


class PeerError(Exception):
    pass


def read_message(name):
    line = sys.stdin.readline()
    if not line:
        raise PeerError(f"stdin closed while waiting for {name}")
    try:
        return bytes.fromhex(line.strip())
    except ValueError:
        raise PeerError(f"{name} is not a hex line: {line.strip()[:80]!r}") from None


def write_line(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def ead_items(sequence_hex, name):
    """EAD_x (a CBOR sequence of ead_label, ? ead_value) as lakers EADItems."""
    if not sequence_hex:
        return []
    data = bytes.fromhex(sequence_hex)
    stream, decoded = io.BytesIO(data), []
    decoder = cbor2.CBORDecoder(stream)
    while stream.tell() < len(data):
        decoded.append(decoder.decode())
    items, index = [], 0
    while index < len(decoded):
        label = decoded[index]
        if not isinstance(label, int):
            raise PeerError(f"{name}: ead_label {label!r} is not an int")
        index += 1
        value = None
        if index < len(decoded) and isinstance(decoded[index], bytes):
            value, index = decoded[index], index + 1
        items.append(EADItem(abs(label), label < 0, value))
    return items


def received_ead(items, name, result):
    """Refuses critical items, reports the others as their CBOR sequence."""
    if not items:
        return
    encoded = b""
    for item in items:
        if item.is_critical():
            raise PeerError(f"{name}: critical EAD item with label {item.label()} not understood")
        encoded += cbor2.dumps(item.label())
        if item.value() is not None:
            encoded += cbor2.dumps(bytes(item.value()))
    result[name.lower()] = encoded.hex()


def exports(party, keys, prk_out, result):
    result["prk_out"] = bytes(prk_out).hex()
    result["oscore_master_secret"] = bytes(
        party.edhoc_exporter(EXPORTER_LABEL_MASTER_SECRET, b"", OSCORE_KEY_LENGTH)).hex()
    result["oscore_master_salt"] = bytes(
        party.edhoc_exporter(EXPORTER_LABEL_MASTER_SALT, b"", OSCORE_SALT_LENGTH)).hex()
    if "KeyUpdate context" in keys:
        context = bytes.fromhex(keys["KeyUpdate context"])
        result["prk_out_after_key_update"] = bytes(party.edhoc_key_update(context)).hex()
        result["oscore_master_secret_after_key_update"] = bytes(
            party.edhoc_exporter(EXPORTER_LABEL_MASTER_SECRET, b"", OSCORE_KEY_LENGTH)).hex()
        result["oscore_master_salt_after_key_update"] = bytes(
            party.edhoc_exporter(EXPORTER_LABEL_MASTER_SALT, b"", OSCORE_SALT_LENGTH)).hex()


def run_initiator(keys, args):
    result = {}
    initiator = EdhocInitiator()
    c_i = args.c_i if args.c_i is not None else keys.get("C_I")
    message_1 = initiator.prepare_message_1(
        c_i=bytes.fromhex(c_i) if c_i is not None else None,
        ead_1=ead_items(keys.get("EAD_1"), "EAD_1"))
    write_line(bytes(message_1).hex())

    c_r, id_cred_r, ead_2 = initiator.parse_message_2(read_message("message_2"))
    received_ead(ead_2, "EAD_2", result)
    valid_cred_r = lakers.credential_check_or_fetch(id_cred_r, bytes.fromhex(keys["CRED_R"]))
    initiator.verify_message_2(bytes.fromhex(keys["SK_I"]), bytes.fromhex(keys["CRED_I"]), valid_cred_r)
    message_3, prk_out = initiator.prepare_message_3(
        CredentialTransfer.ByReference, ead_items(keys.get("EAD_3"), "EAD_3"))
    write_line(bytes(message_3).hex())

    if args.message_4:
        received_ead(initiator.process_message_4(read_message("message_4")), "EAD_4", result)
    else:
        initiator.completed_without_message_4()
    result["c_i"] = c_i.lower() if c_i is not None else ""
    result["c_r"] = bytes(c_r).hex()
    exports(initiator, keys, prk_out, result)
    return result


def run_responder(keys, args):
    result = {}
    responder = EdhocResponder(bytes.fromhex(keys["SK_R"]), bytes.fromhex(keys["CRED_R"]))
    c_i, ead_1 = responder.process_message_1(read_message("message_1"))
    received_ead(ead_1, "EAD_1", result)
    c_r = args.c_r if args.c_r is not None else keys.get("C_R")
    message_2 = responder.prepare_message_2(
        CredentialTransfer.ByReference, bytes.fromhex(c_r) if c_r is not None else None,
        ead_items(keys.get("EAD_2"), "EAD_2"))
    write_line(bytes(message_2).hex())

    id_cred_i, ead_3 = responder.parse_message_3(read_message("message_3"))
    received_ead(ead_3, "EAD_3", result)
    valid_cred_i = lakers.credential_check_or_fetch(id_cred_i, bytes.fromhex(keys["CRED_I"]))
    prk_out = responder.verify_message_3(valid_cred_i)

    if args.message_4:
        write_line(bytes(responder.prepare_message_4(ead_items(keys.get("EAD_4"), "EAD_4"))).hex())
    else:
        responder.completed_without_message_4()
    result["c_i"] = bytes(c_i).hex()
    # lakers does not report a C_R it chose itself; it is the first item of PLAINTEXT_2.
    result["c_r"] = c_r.lower() if c_r is not None else ""
    exports(responder, keys, prk_out, result)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("role", choices=["initiator", "responder"])
    parser.add_argument("--keys", required=True, help="credentials and keys (trace-2 input format)")
    parser.add_argument("--message-4", action="store_true", help="exchange the optional message_4")
    parser.add_argument("--c-i", help="C_I as raw hex (initiator), overrides the keys file")
    parser.add_argument("--c-r", help="C_R as raw hex (responder), overrides the keys file")
    args = parser.parse_args()
    try:
        with open(args.keys, encoding="utf-8") as file:
            keys = json.load(file)
        if keys.get("method", 3) != 3:
            raise PeerError("lakers implements method 3 only")
        run = run_initiator if args.role == "initiator" else run_responder
        result = run(keys, args)
    except BaseException as error:  # lakers' Rust panics arrive as pyo3 PanicException
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        reason = f"missing key {error}" if isinstance(error, KeyError) else str(error) or repr(error)
        write_line(f"error: {type(error).__name__}: {reason}")
        return 1
    write_line(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
