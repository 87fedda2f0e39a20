#!/usr/bin/env python3
"""Extracts RFC 9529 trace 2 (EDHOC method 3, cipher suite 2, CCS identified by 'kid') from
the markdown source of the traces document into Tests/Vectors/rfc9529-trace2.json.

    .venv/bin/python3 Tests/Interop/extract_trace.py [--traces draft-ietf-lake-traces.md]
                                                      [--output Tests/Vectors/rfc9529-trace2.json]
                                                      [--check]

Nothing is typed by hand: every value is read from the trace's hex blocks. The source is
lake-wg/edhoc `draft-ietf-lake-traces.md` (the text of RFC 9529); section 3 of RFC 9529 is
"# Authentication with Static DH, CCS Identified by 'kid'".

How the trace's labels become JSON keys (one flat object, lowercase hex without spaces):
- A block header is `NAME (form) (...) (N bytes)`. The name is the text before the trailing
  parenthesised qualifiers; its byte count must equal the number of hex bytes (checked).
- Where a name appears both as a raw value / CBOR sequence and as a CBOR data item (or CBOR
  byte string), the raw value keeps the plain name and the data item is "<name> (CBOR)".
  A name shown only as a data item (METHOD, SUITES_I, CRED_R, ...) keeps the plain name.
- Values in "## message_1 (first time)" get the suffix " (first time)".
- Blocks with no name (public keys shown only by a description line, e.g.
  "Responder's public authentication key, 'x'-coordinate") are keyed by that description;
  the static public keys' x-coordinates are also stored as "G_R" and "G_I", the names
  RFC 9528 §4.1.1.2/§4.1.1.3 gives them (G_RX, G_IY are computed from them).
- Zero-length values written outside a code block ("EAD_4 (CBOR Sequence) (0 bytes)",
  "PLAINTEXT_4 (CBOR Sequence) (0 bytes)") are kept as "".
- The two "(int)" blocks of the OSCORE section (Application AEAD/Hash Algorithm, 10 and -16)
  are not byte strings and are left out.

The script also writes Tests/Interop/trace2-input.json, the trace's inputs in the format of
`rampart edhoc trace --input` (and of edhoc_reference.py): the required keys, plus the optional
ones that replay the rejected first message_1 and the KeyUpdate.

With --check nothing is written; the script exits 1 if a stored file differs.
"""
import argparse
import json
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_TRACES = pathlib.Path("/tmp/traces.md")
DEFAULT_OUTPUT = REPO / "Tests/Vectors/rfc9529-trace2.json"
DEFAULT_INPUT_OUTPUT = REPO / "Tests/Interop/trace2-input.json"

TRACE_2_HEADING = "# Authentication with Static DH, CCS Identified by 'kid'"
FIRST_TIME_SECTION = "message_1 (first time)"
FIRST_TIME_SUFFIX = " (first time)"
CBOR_SUFFIX = " (CBOR)"
SOURCE = ("RFC 9529 §3 (trace 2: Authentication with Static DH, CCS Identified by 'kid'), "
          "from lake-wg/edhoc draft-ietf-lake-traces.md; extracted by "
          "Tests/Interop/extract_trace.py, see Tests/Vectors/rfc9529-trace2.json.source")

# Qualifiers that may follow a name in a block header, and what form they denote.
RAW_FORMS = {"raw value", "cbor sequence"}
ITEM_FORMS = {"cbor data item", "cbor byte string"}
NOTE_QUALIFIERS = {"ecdh shared secret"}
BYTE_COUNT = re.compile(r"^(\d+) bytes?$")
TRAILING_GROUP = re.compile(r"\s*\(([^()]*)\)\s*$")
HEX_LINE = re.compile(r"^[0-9a-fA-F]{2}( [0-9a-fA-F]{2})*$")
FENCE = re.compile(r"^~{3,}\s*$")

# Static public keys: the trace shows them only under a description line.
ALIASES = {
    "G_R": "Responder's public authentication key, 'x'-coordinate",
    "G_I": "Initiator's public authentication key, 'x'-coordinate",
}

# Every name the Swift tests rely on; the extractor fails if one is missing.
REQUIRED = [
    "METHOD", "SUITES_I", "X", "G_X", "G_X (CBOR)", "C_I", "C_I (CBOR)", "EAD_1", "message_1",
    "METHOD (first time)", "SUITES_I (first time)", "X (first time)", "G_X (first time)",
    "C_I (first time)", "message_1 (first time)", "SUITES_R", "error",
    "Y", "G_Y", "G_Y (CBOR)", "C_R", "C_R (CBOR)", "H(message_1)", "Input to calculate TH_2",
    "TH_2", "G_XY", "salt", "PRK_2e", "SK_R", "G_R", "G_RX", "info for SALT_3e2m", "SALT_3e2m",
    "PRK_3e2m", "ID_CRED_R", "CRED_R", "EAD_2", "context_2", "context_2 (CBOR)",
    "info for MAC_2", "MAC_2", "Signature_or_MAC_2", "PLAINTEXT_2", "info for KEYSTREAM_2",
    "KEYSTREAM_2", "CIPHERTEXT_2", "message_2", "Input to calculate TH_3", "TH_3", "SK_I",
    "G_I", "info for SALT_4e3m", "SALT_4e3m", "G_IY", "PRK_4e3m", "ID_CRED_I", "CRED_I",
    "EAD_3", "context_3", "context_3 (CBOR)", "info for MAC_3", "MAC_3", "Signature_or_MAC_3",
    "PLAINTEXT_3", "A_3", "info for K_3", "K_3", "info for IV_3", "IV_3", "CIPHERTEXT_3",
    "message_3", "Input to calculate TH_4", "TH_4", "EAD_4", "PLAINTEXT_4", "A_4",
    "info for K_4", "K_4", "info for IV_4", "IV_4", "CIPHERTEXT_4", "message_4",
    "info for PRK_out", "PRK_out", "info for PRK_exporter", "PRK_exporter",
    "Client's OSCORE Sender ID", "Server's OSCORE Sender ID",
    "info for OSCORE Master Secret", "OSCORE Master Secret",
    "info for OSCORE Master Salt", "OSCORE Master Salt",
    "context for KeyUpdate", "context for KeyUpdate (CBOR)", "PRK_out after KeyUpdate",
    "PRK_exporter after KeyUpdate", "OSCORE Master Secret after KeyUpdate",
    "OSCORE Master Salt after KeyUpdate",
]


class TraceError(Exception):
    pass


def parse_header(line):
    """Splits 'NAME (q1) (q2) ...' into (name, form, byte_count, is_int)."""
    name, form, count, is_int = line.strip(), None, None, False
    while True:
        match = TRAILING_GROUP.search(name)
        if not match:
            break
        qualifier = match.group(1).strip()
        lowered = qualifier.lower()
        if lowered in RAW_FORMS:
            form = form or "raw"
        elif lowered in ITEM_FORMS:
            form = form or "item"
        elif lowered == "int":
            is_int = True
        elif BYTE_COUNT.match(lowered):
            count = int(BYTE_COUNT.match(lowered).group(1))
        elif lowered not in NOTE_QUALIFIERS:
            break  # part of the name itself, e.g. H(message_1)
        name = name[:match.start()].rstrip()
    return name, form, count, is_int


def trace_2_lines(text):
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(TRACE_2_HEADING)]
    if len(starts) != 1:
        raise TraceError(f"expected one heading {TRACE_2_HEADING!r}, found {len(starts)}")
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# ")), len(lines))
    return start, lines[start:end]


def blocks(lines, first_line_number):
    """Yields (section, line_number, label_lines, hex_lines) for each value in trace 2."""
    section, i = "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = re.sub(r"\s*\{#[^}]*\}\s*$", "", line[3:]).strip()
        if FENCE.match(line):
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            body = [l.strip() for l in lines[i + 1:j] if l.strip()]
            labels = [l for l in body if not HEX_LINE.match(l)]
            hexes = [l for l in body if HEX_LINE.match(l)]
            if labels and body[:len(labels)] != labels:
                raise TraceError(f"line {first_line_number + i}: label after hex in block")
            yield section, first_line_number + i, labels, hexes
            i = j + 1
            continue
        # A zero-length value written as plain text outside a code block.
        if re.search(r"\(0 bytes\)\s*$", line) and not line.startswith(" "):
            yield section, first_line_number + i, [line.strip()], []
        i += 1


def extract(text):
    start, lines = trace_2_lines(text)
    entries = []  # (section, name, form, hex, line_number)
    for section, line_number, labels, hexes in blocks(lines, start + 1):
        if not labels:
            raise TraceError(f"line {line_number}: block without a label")
        if any(parse_header(label)[3] for label in labels):
            continue  # Application AEAD/Hash Algorithm: integers, not byte strings
        name, form, count, _ = parse_header(labels[-1])
        if not name:
            if len(labels) < 2:
                raise TraceError(f"line {line_number}: unnamed value without a description")
            name = labels[-2]
        value = "".join(hexes).replace(" ", "").lower()
        if count is not None and len(value) // 2 != count:
            raise TraceError(f"line {line_number}: {name} has {len(value) // 2} bytes, "
                             f"header says {count}")
        if count is None and name != "SUITES_R":
            raise TraceError(f"line {line_number}: {name} has no byte count")
        entries.append((section, name, form, value, line_number))

    forms = {}
    for section, name, form, _, _ in entries:
        forms.setdefault((section == FIRST_TIME_SECTION, name), set()).add(form or "raw")
    vectors = {}
    for section, name, form, value, line_number in entries:
        first_time = section == FIRST_TIME_SECTION
        key = name
        if form == "item" and "raw" in forms[(first_time, name)]:
            key += CBOR_SUFFIX
        if first_time:
            key += FIRST_TIME_SUFFIX
        if key in vectors and vectors[key] != value:
            raise TraceError(f"line {line_number}: {key} appears twice with different values")
        vectors[key] = value
        for alias in (alias for alias, label in ALIASES.items() if label == key):
            vectors[alias] = value
    missing = [name for name in REQUIRED if name not in vectors]
    if missing:
        raise TraceError(f"trace 2 lacks {missing}")
    return vectors


def consistency_checks(v):
    """Cross-checks that need no cryptography: the trace's parts fit together."""
    def check(condition, what):
        if not condition:
            raise TraceError(f"inconsistent trace: {what}")
    check(v["message_1"] == v["METHOD"] + v["SUITES_I"] + v["G_X (CBOR)"] + v["C_I (CBOR)"]
          + v["EAD_1"], "message_1 = METHOD, SUITES_I, G_X, C_I, EAD_1")
    check(v["message_1 (first time)"] == v["METHOD (first time)"] + v["SUITES_I (first time)"]
          + v["G_X (CBOR) (first time)"] + v["C_I (CBOR) (first time)"], "first message_1")
    check(v["error"] == "02" + v["SUITES_R"], "error = (2, SUITES_R)")
    check(v["G_X (CBOR)"] == "5820" + v["G_X"] and v["G_Y (CBOR)"] == "5820" + v["G_Y"],
          "G_X/G_Y data items")
    check(v["Input to calculate TH_2"] == v["G_Y (CBOR)"] + v["H(message_1) (CBOR)"],
          "TH_2 input = G_Y, H(message_1)")
    check(v["salt"] == v["TH_2"], "salt of PRK_2e is TH_2")
    check(v["context_2"] == v["C_R (CBOR)"] + v["ID_CRED_R"] + v["TH_2 (CBOR)"] + v["CRED_R"]
          + v["EAD_2"], "context_2 = C_R, ID_CRED_R, TH_2, CRED_R, EAD_2")
    check(v["Signature_or_MAC_2"] == v["MAC_2"], "method 3: Signature_or_MAC_2 = MAC_2")
    check(v["message_2"] == "582b" + v["G_Y"] + v["CIPHERTEXT_2"], "message_2 = bstr(G_Y|CT_2)")
    plain, stream = bytes.fromhex(v["PLAINTEXT_2"]), bytes.fromhex(v["KEYSTREAM_2"])
    check(bytes(a ^ b for a, b in zip(plain, stream)).hex() == v["CIPHERTEXT_2"],
          "CIPHERTEXT_2 = PLAINTEXT_2 xor KEYSTREAM_2")
    check(v["Input to calculate TH_3"] == v["TH_2 (CBOR)"] + v["PLAINTEXT_2"] + v["CRED_R"],
          "TH_3 input = TH_2, PLAINTEXT_2, CRED_R")
    check(v["context_3"] == v["ID_CRED_I"] + v["TH_3 (CBOR)"] + v["CRED_I"] + v["EAD_3"],
          "context_3 = ID_CRED_I, TH_3, CRED_I, EAD_3")
    check(v["message_3"] == "52" + v["CIPHERTEXT_3"], "message_3 = bstr(CIPHERTEXT_3)")
    check(v["Input to calculate TH_4"] == v["TH_3 (CBOR)"] + v["PLAINTEXT_3"] + v["CRED_I"],
          "TH_4 input = TH_3, PLAINTEXT_3, CRED_I")
    check(v["message_4"] == "48" + v["CIPHERTEXT_4"], "message_4 = bstr(CIPHERTEXT_4)")
    check(v["Client's OSCORE Sender ID"] == v["C_R"] and v["Server's OSCORE Sender ID"] == v["C_I"],
          "OSCORE Sender IDs are C_R (client) and C_I (server)")


# rampart edhoc trace --input: input key -> trace-2 vector name.
INPUT_KEYS = {
    "SUITES_I": "SUITES_I", "SK_I": "SK_I", "SK_R": "SK_R", "X": "X", "Y": "Y",
    "C_I": "C_I", "C_R": "C_R", "CRED_I": "CRED_I", "CRED_R": "CRED_R",
    "ID_CRED_I": "ID_CRED_I", "ID_CRED_R": "ID_CRED_R",
    # optional: the first message_1 (rejected with ERR_CODE 2), the Responder's suites, and
    # the KeyUpdate context
    "SUITES_I (first time)": "SUITES_I (first time)", "X (first time)": "X (first time)",
    "C_I (first time)": "C_I (first time)", "SUITES_R": "SUITES_R",
    "KeyUpdate context": "context for KeyUpdate",
}


def trace_inputs(vectors):
    inputs = {
        "_comment": "RFC 9529 trace 2 inputs, generated from Tests/Vectors/rfc9529-trace2.json "
                    "by Tests/Interop/extract_trace.py. Keys after ID_CRED_R are optional.",
        "method": int(vectors["METHOD"], 16),
    }
    inputs.update({key: vectors[name] for key, name in INPUT_KEYS.items()})
    return inputs


def render(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--traces", type=pathlib.Path, default=DEFAULT_TRACES,
                        help="draft-ietf-lake-traces.md (default: %(default)s)")
    parser.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--input-output", type=pathlib.Path, default=DEFAULT_INPUT_OUTPUT,
                        help="where the trace's inputs go (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the stored file instead of writing it")
    args = parser.parse_args()
    try:
        vectors = extract(args.traces.read_text(encoding="utf-8"))
        consistency_checks(vectors)
    except TraceError as error:
        print(f"extract_trace: {error}", file=sys.stderr)
        return 1
    files = [(args.output, render({"_source": SOURCE, **vectors})),
             (args.input_output, render(trace_inputs(vectors)))]
    status = 0
    for path, rendered in files:
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != rendered:
                print(f"extract_trace: {path} differs from the trace", file=sys.stderr)
                status = 1
            else:
                print(f"extract_trace: {path} matches")
        else:
            path.write_text(rendered, encoding="utf-8")
            print(f"extract_trace: wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
