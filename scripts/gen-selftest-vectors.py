#!/usr/bin/env python3
"""Writes the EDHOC and OSCORE vectors the firmware checks on the boards, as Swift source, from
the vector files the host tests read (so the boards and the host check the same facts):

- Firmware/SelfTest/EDHOCVectors.swift       — both roles of RFC 9529 trace 2 and of the suite-0
                                               handshake, for the self-test
- Firmware/SelfTest/OSCOREVectors.swift      — RFC 8613 Appendix C: the Security Contexts of
                                               C.1-C.3 and the messages of C.4-C.8, for the
                                               self-test
- Firmware/Images/Bench/HandshakeVectors.swift — the Initiator's side of the same two handshakes
                                               (the Responder's message_2 precomputed), for
                                               `make bench-handshake`

Sources: Tests/Vectors/rfc9529-trace2.json (RFC 9529 §3, trace 2: method 3, suite 2),
Tests/Vectors/edhoc-suite0-input.json and edhoc-suite0-expected.json (method 3, suite 0, no
published trace; computed by Tests/Interop/edhoc_reference.py), Tests/Vectors/rfc8613-appendix-c.json
(RFC 8613 Appendix C, the file Tests/ProtocolTests/OSCOREVectorTests.swift reads).

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
OSCORE = "Tests/Vectors/rfc8613-appendix-c.json"
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


# ── RFC 8613 Appendix C (OSCORE) ──

# Field of the Swift `OSCOREContextVectors` struct → (key in the vector file, description).
# The info structures of C.1-C.3 are left out: the firmware derives them internally, and the
# keys they produce are checked.
OSCORE_CONTEXT_FIELDS = [
    ("masterSecret", "masterSecret", "Master Secret"),
    ("masterSalt", "masterSalt", "Master Salt (empty: none, the default)"),
    ("senderID", "senderID", "Sender ID"),
    ("recipientID", "recipientID", "Recipient ID"),
    ("idContext", "idContext", "ID Context; nil when none is used"),
    ("senderKey", "senderKey", "Sender Key"),
    ("recipientKey", "recipientKey", "Recipient Key"),
    ("commonIV", "commonIV", "Common IV"),
    ("senderNonce", "senderNonce", "the sender nonce for Partial IV 0"),
    ("recipientNonce", "recipientNonce", "the recipient nonce for Partial IV 0"),
]

# One buffer type serves every message, scratch and output of the OSCORE self-test; its size is
# a multiple of this, at least the longest message and the protect scratch of the longest
# unprotected message (OSCORESecurityContext.protectScratchLength: 2 × (length + 1) + tag).
OSCORE_BUFFER_ROUNDING = 16
OSCORE_TAG_LENGTH = 8


def oscore_values():
    vectors = load(OSCORE)
    contexts = {}
    for entry in vectors["keyDerivation"]:
        values = {}
        for _, key, _ in OSCORE_CONTEXT_FIELDS:
            value = entry[key]
            values[key] = None if key == "idContext" and value is None else checked_hex(f"{entry['name']} {key}", value)
        if entry["role"] not in ("client", "server"):
            sys.exit(f"gen-selftest-vectors: {entry['name']}: role must be client or server")
        values["name"], values["role"] = entry["name"], entry["role"]
        contexts[entry["name"]] = values
    for values in contexts.values():
        values["swift"] = oscore_context_name(values, contexts)
    requests = {}
    for entry in vectors["requests"]:
        client = oscore_context(entry["name"], entry["context"], contexts, "client")
        requests[entry["name"]] = {
            "name": entry["name"],
            "client": client,
            "server": oscore_peer(entry["name"], client, contexts),
            "senderSequenceNumber": oscore_sequence_number(entry),
            "includeKidContext": entry["kidContext"] is not None,
            "unprotected": checked_hex(f"{entry['name']} unprotected", entry["unprotected"]),
            "protected": checked_hex(f"{entry['name']} protected", entry["protected"]),
        }
    responses = []
    for entry in vectors["responses"]:
        request = requests.get(entry["request"])
        if request is None:
            sys.exit(f"gen-selftest-vectors: {entry['name']} answers {entry['request']}, which {OSCORE} lacks")
        server = oscore_context(entry["name"], entry["context"], contexts, "server")
        if server is not request["server"]:
            sys.exit(f"gen-selftest-vectors: {entry['name']}'s context {entry['context']} is not the server of "
                     f"{entry['request']}")
        responses.append({
            "name": entry["name"],
            "request": request,
            "senderSequenceNumber": oscore_sequence_number(entry),
            "withPartialIV": bool(entry["withPartialIV"]),
            "unprotected": checked_hex(f"{entry['name']} unprotected", entry["unprotected"]),
            "protected": checked_hex(f"{entry['name']} protected", entry["protected"]),
        })
    return vectors["source"], list(contexts.values()), list(requests.values()), responses


def oscore_context(user, name, contexts, role):
    context = contexts.get(name)
    if context is None or context["role"] != role:
        sys.exit(f"gen-selftest-vectors: {user} needs the {role} context {name}, which {OSCORE} lacks")
    return context


def oscore_peer(user, client, contexts):
    """The server context matching `client`: same Master Secret, Master Salt and ID Context,
    Sender and Recipient ID swapped (RFC 8613 §3.1)."""
    matches = [c for c in contexts.values()
               if c["role"] == "server" and c["senderID"] == client["recipientID"]
               and c["recipientID"] == client["senderID"]
               and all(c[key] == client[key] for key in ("masterSecret", "masterSalt", "idContext"))]
    if len(matches) != 1:
        sys.exit(f"gen-selftest-vectors: {user}: {len(matches)} server contexts match client {client['name']}")
    return matches[0]


def oscore_sequence_number(entry):
    value = entry["senderSequenceNumber"]
    if not isinstance(value, int) or not 0 <= value < 1 << 40:
        sys.exit(f"gen-selftest-vectors: {entry['name']} senderSequenceNumber is not in 0..<2^40: {value!r}")
    return value


def oscore_context_name(context, contexts):
    """C.1.1 (client) → c1Client: the section and the role."""
    parts = context["name"].split(".")
    if len(parts) != 3 or parts[0] != "C" or not parts[1].isdigit():
        sys.exit(f"gen-selftest-vectors: unexpected context name {context['name']!r}")
    name = f"c{parts[1]}{context['role'].capitalize()}"
    if sum(1 for c in contexts.values() if c["name"].split(".")[1] == parts[1] and c["role"] == context["role"]) != 1:
        sys.exit(f"gen-selftest-vectors: section C.{parts[1]} has more than one {context['role']} context")
    return name


def oscore_message_name(name):
    """C.4 → c4."""
    parts = name.split(".")
    if len(parts) != 2 or parts[0] != "C" or not parts[1].isdigit():
        sys.exit(f"gen-selftest-vectors: unexpected message vector name {name!r}")
    return f"c{parts[1]}"


def oscore_buffer_capacity(requests, responses):
    messages = [m for vector in requests + responses for m in (vector["unprotected"], vector["protected"])]
    longest = max(len(m) // 2 for m in messages)
    scratch = max(2 * (len(v["unprotected"]) // 2 + 1) + OSCORE_TAG_LENGTH for v in requests + responses)
    needed = max(longest, scratch)
    return -(-needed // OSCORE_BUFFER_ROUNDING) * OSCORE_BUFFER_ROUNDING, longest, scratch


def bytes_description(value):
    return f"h'{value}'"


def oscore_context_value(context):
    facts = [f"Sender ID {bytes_description(context['senderID'])}",
             f"Recipient ID {bytes_description(context['recipientID'])}",
             "Master Salt " + (bytes_description(context["masterSalt"]) if context["masterSalt"] else "empty")]
    if context["idContext"] is not None:
        facts.append(f"ID Context {bytes_description(context['idContext'])}")
    lines = [f"    /// {context['name']}, the {context['role']}: " + ", ".join(facts) + ".",
             f"    static var {context['swift']}: OSCOREContextVectors {{",
             "        OSCOREContextVectors("]
    for i, (name, key, _) in enumerate(OSCORE_CONTEXT_FIELDS):
        end = "," if i < len(OSCORE_CONTEXT_FIELDS) - 1 else ")"
        value = "nil" if context[key] is None else literal(context[key])
        lines.append(f"            {name}: {value}{end}")
    lines.append("    }")
    return lines


def oscore_request_value(request):
    client, server = request["client"], request["server"]
    kid_context = ", with 'kid context'" if request["includeKidContext"] else ""
    return [
        f"    /// {request['name']}: the client {client['name']} protects, the server {server['name']} unprotects"
        f"{kid_context}.",
        f"    static var {oscore_message_name(request['name'])}: OSCORERequestVectors {{",
        "        OSCORERequestVectors(",
        f"            client: .{client['swift']},",
        f"            server: .{server['swift']},",
        f"            senderSequenceNumber: {request['senderSequenceNumber']},",
        f"            includeKidContext: {'true' if request['includeKidContext'] else 'false'},",
        f"            unprotected: {literal(request['unprotected'])},",
        f"            protected: {literal(request['protected'])})",
        "    }",
    ]


def oscore_response_value(response):
    request = response["request"]
    partial_iv = "with a Partial IV of its own" if response["withPartialIV"] else "without Partial IV"
    return [
        f"    /// {response['name']}: the server {request['server']['name']}'s response to {request['name']}, "
        f"{partial_iv}.",
        f"    static var {oscore_message_name(response['name'])}: OSCOREResponseVectors {{",
        "        OSCOREResponseVectors(",
        f"            request: {oscore_message_name(request['name'])},",
        f"            senderSequenceNumber: {response['senderSequenceNumber']},",
        f"            withPartialIV: {'true' if response['withPartialIV'] else 'false'},",
        f"            unprotected: {literal(response['unprotected'])},",
        f"            protected: {literal(response['protected'])})",
        "    }",
    ]


def oscore_file(source, contexts, requests, responses):
    capacity, longest, scratch = oscore_buffer_capacity(requests, responses)
    lines = [
        f"// GENERATED by `{COMMAND}` — do not edit; change the generator or the",
        "// vector file and run it again.",
        f"// Source: {OSCORE} ({source.split(';')[0]}).",
        "// Each context's keys and nonces and each message, checked byte for byte by OSCORESelfTest.swift.",
        "",
        "/// The one buffer size of the OSCORE self-test (message, scratch or output), from the vectors:",
        f"/// the longest message is {longest} bytes, the scratch protecting the longest unprotected",
        f"/// message needs {scratch} (`OSCORESecurityContext.protectScratchLength`), rounded up to"
        f" {OSCORE_BUFFER_ROUNDING}.",
        f"typealias OSCOREMessageBuffer = InlineArray<{capacity}, UInt8>",
        "",
        "/// One Security Context of C.1-C.3: its inputs and what it must derive.",
        "struct OSCOREContextVectors {",
    ]
    for name, key, description in OSCORE_CONTEXT_FIELDS:
        lines.append(f"    /// {description} (\"{key}\").")
        lines.append(f"    let {name}: StaticString{'?' if key == 'idContext' else ''}")
    lines += [
        "}",
        "",
        "/// A context of C.1-C.3 by name, as the message vectors refer to it: a name rather than a",
        "/// copy of its literals keeps the callers' stack frames small on a 16 KB board.",
        "enum OSCOREContextName {",
        "    case " + ", ".join(c["swift"] for c in contexts),
        "",
        "    var vectors: OSCOREContextVectors {",
        "        switch self {",
    ]
    lines += [f"        case .{c['swift']}: OSCOREVectors.{c['swift']}" for c in contexts]
    lines += [
        "        }",
        "    }",
        "}",
        "",
        "/// One request of C.4-C.6: the client protects it, the server unprotects it.",
        "struct OSCORERequestVectors {",
        "    /// The client's context (\"context\").",
        "    let client: OSCOREContextName",
        "    /// The server's context: the client's with Sender and Recipient ID swapped.",
        "    let server: OSCOREContextName",
        "    /// The client's Sender Sequence Number when it protects (\"senderSequenceNumber\").",
        "    let senderSequenceNumber: UInt64",
        "    /// Whether the OSCORE option carries 'kid context' (\"kidContext\" given).",
        "    let includeKidContext: Bool",
        "    /// The CoAP request before protection (\"unprotected\").",
        "    let unprotected: StaticString",
        "    /// The OSCORE request (\"protected\").",
        "    let protected: StaticString",
        "}",
        "",
        "/// One response of C.7-C.8: the server protects it, the client unprotects it.",
        "struct OSCOREResponseVectors {",
        "    /// The request it answers (\"request\"); its server protects the response.",
        "    let request: OSCORERequestVectors",
        "    /// The server's Sender Sequence Number when it protects (\"senderSequenceNumber\").",
        "    let senderSequenceNumber: UInt64",
        "    /// Whether the response carries a Partial IV of its own (\"withPartialIV\").",
        "    let withPartialIV: Bool",
        "    /// The CoAP response before protection (\"unprotected\").",
        "    let unprotected: StaticString",
        "    /// The OSCORE response (\"protected\").",
        "    let protected: StaticString",
        "}",
        "",
        "enum OSCOREVectors {",
    ]
    blocks = [oscore_context_value(c) for c in contexts]
    blocks += [oscore_request_value(r) for r in requests]
    blocks += [oscore_response_value(r) for r in responses]
    for i, block in enumerate(blocks):
        if i:
            lines.append("")
        lines += block
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    trace2, suite0 = trace2_values(), suite0_values()
    outputs = {
        "Firmware/SelfTest/EDHOCVectors.swift": selftest_file(trace2, suite0),
        "Firmware/Images/Bench/HandshakeVectors.swift": bench_file(trace2, suite0),
        "Firmware/SelfTest/OSCOREVectors.swift": oscore_file(*oscore_values()),
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
