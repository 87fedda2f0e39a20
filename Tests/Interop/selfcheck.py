#!/usr/bin/env python3
"""Checks the interop helpers before Rampart's tests rely on them:

1. lakers_peer.py initiator <-> lakers_peer.py responder over the line protocol, without and
   with message_4 (the latter with non-critical EAD items in all four messages and a
   KeyUpdate): both result lines must agree, and their exporter outputs must equal what
   edhoc_reference.py derives from the PRK_out they report.
2. edhoc_reference.py's Initiator against lakers_peer.py responder, and lakers_peer.py
   initiator against edhoc_reference.py's Responder (random ephemeral keys): both ends must
   reach the same PRK_out and OSCORE Master Secret/Salt. This also shows the reference agrees
   with lakers, not only with RFC 9529.
3. Failures end in an "error:" line and exit status 1: an ID_CRED_I whose kid the responder
   does not trust, and a critical EAD item.

    .venv/bin/python3 Tests/Interop/selfcheck.py [--keys Tests/Interop/trace2-input.json]

Exits 0 if every check passed; prints one line per check.
"""
import argparse
import json
import pathlib
import select
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.asymmetric import ec

HERE = pathlib.Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE))
import edhoc_reference as reference  # noqa: E402

PEER = HERE / "lakers_peer.py"
LINE_TIMEOUT_S = 30
SUITES_I_2 = bytes([2])
EAD = {"EAD_1": "0541aa", "EAD_2": "07", "EAD_3": "0a42bbcc", "EAD_4": "0b"}  # non-critical
CRITICAL_EAD_1 = "2441aa"  # label -5: critical


class Peer:
    """lakers_peer.py in a subprocess, spoken to one line at a time."""

    def __init__(self, role, keys_path, *options):
        self.role = role
        self.process = subprocess.Popen(
            [sys.executable, str(PEER), role, "--keys", str(keys_path), *options],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def send(self, message):
        self.process.stdin.write(message.hex() + "\n")
        self.process.stdin.flush()

    def receive_line(self):
        ready, _, _ = select.select([self.process.stdout], [], [], LINE_TIMEOUT_S)
        if not ready:
            raise AssertionError(f"{self.role}: no line within {LINE_TIMEOUT_S} s")
        line = self.process.stdout.readline().strip()
        if line.startswith("error:"):
            raise PeerFailed(line)
        return line

    def receive(self):
        return bytes.fromhex(self.receive_line())

    def result(self):
        result = json.loads(self.receive_line())
        if self.process.wait(timeout=LINE_TIMEOUT_S) != 0:
            raise AssertionError(f"{self.role} exited with {self.process.returncode}")
        return result

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class PeerFailed(Exception):
    pass


def exporter_from(prk_out):
    """What EDHOC_Exporter gives for OSCORE (RFC 9528 §4.2.1, Appendix A.1), per the reference."""
    prk_exporter = reference.edhoc_kdf(prk_out, reference.LABEL_PRK_EXPORTER, b"", reference.HASH_LENGTH)
    return {
        "oscore_master_secret": reference.edhoc_kdf(
            prk_exporter, reference.EXPORTER_LABEL_MASTER_SECRET, b"", reference.OSCORE_KEY_LENGTH).hex(),
        "oscore_master_salt": reference.edhoc_kdf(
            prk_exporter, reference.EXPORTER_LABEL_MASTER_SALT, b"", reference.OSCORE_SALT_LENGTH).hex(),
    }


def expect_equal(what, a, b):
    if a != b:
        raise AssertionError(f"{what}: {a} != {b}")


def lakers_pair(keys_path, keys, message_4):
    options = ["--message-4"] if message_4 else []
    initiator, responder = Peer("initiator", keys_path, *options), Peer("responder", keys_path, *options)
    try:
        responder.send(initiator.receive())       # message_1
        initiator.send(responder.receive())       # message_2
        responder.send(initiator.receive())       # message_3
        if message_4:
            initiator.send(responder.receive())   # message_4
        mine, theirs = initiator.result(), responder.result()
    finally:
        initiator.close()
        responder.close()
    def shared(result):  # each side reports the EAD items it received, so those differ
        return {k: v for k, v in result.items() if not k.startswith("ead_")}
    expect_equal("result lines", shared(mine), shared(theirs))
    for name, value in exporter_from(bytes.fromhex(mine["prk_out"])).items():
        expect_equal(f"{name} (lakers vs reference exporter)", mine[name], value)
    if "KeyUpdate context" in keys:
        updated = reference.edhoc_kdf(bytes.fromhex(mine["prk_out"]), reference.LABEL_KEY_UPDATE,
                                      bytes.fromhex(keys["KeyUpdate context"]), reference.HASH_LENGTH)
        expect_equal("PRK_out after KeyUpdate", mine["prk_out_after_key_update"], updated.hex())
        for name, value in exporter_from(updated).items():
            expect_equal(f"{name} after KeyUpdate", mine[f"{name}_after_key_update"], value)
    for name in ("EAD_1", "EAD_3"):
        if name in keys:
            expect_equal(f"{name} received", theirs.get(name.lower()), keys[name])
    for name in ("EAD_2", "EAD_4") if message_4 else ("EAD_2",):
        if name in keys:
            expect_equal(f"{name} received", mine.get(name.lower()), keys[name])
    return mine


def fresh_p256_scalar():
    return ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big")


def reference_inputs(keys):
    inputs = reference.parse_inputs(
        {k: v for k, v in keys.items() if not k.startswith("EAD") and k != "KeyUpdate context"
         and "first time" not in k and k != "SUITES_R"}, "keys")
    inputs["X"], inputs["Y"], inputs["SUITES_I"] = fresh_p256_scalar(), fresh_p256_scalar(), SUITES_I_2
    return inputs


def reference_initiator_with_lakers_responder(keys_path, keys):
    inputs = reference_inputs(keys)
    initiator = reference.Initiator(inputs, reference.Trace(), SUITES_I_2, inputs["X"], inputs["C_I"])
    responder = Peer("responder", keys_path, "--message-4")
    try:
        responder.send(initiator.message_1())
        initiator.process_message_2(responder.receive())
        responder.send(initiator.message_3())
        initiator.process_message_4(responder.receive())
        theirs = responder.result()
    finally:
        responder.close()
    expect_equal("PRK_out", initiator.prk_out.hex(), theirs["prk_out"])
    for name, value in exporter_from(initiator.prk_out).items():
        expect_equal(name, value, theirs[name])


def lakers_initiator_with_reference_responder(keys_path, keys):
    inputs = reference_inputs(keys)
    responder = reference.Responder(inputs, reference.Trace(), [2])
    initiator = Peer("initiator", keys_path, "--message-4")
    try:
        error = responder.process_message_1(initiator.receive())
        if error is not None:
            raise AssertionError(f"reference responder rejected lakers' message_1: {error.hex()}")
        initiator.send(responder.message_2())
        responder.process_message_3(initiator.receive())
        initiator.send(responder.message_4())
        theirs = initiator.result()
    finally:
        initiator.close()
    expect_equal("PRK_out", responder.prk_out.hex(), theirs["prk_out"])
    for name, value in exporter_from(responder.prk_out).items():
        expect_equal(name, value, theirs[name])


def expect_failure(check, keys_path, keys):
    try:
        check(keys_path, keys)
    except PeerFailed as failure:
        return str(failure)
    raise AssertionError("the handshake succeeded")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=pathlib.Path, default=HERE / "trace2-input.json")
    args = parser.parse_args()
    keys = json.loads(args.keys.read_text(encoding="utf-8"))
    plain = {k: v for k, v in keys.items() if not k.startswith("EAD") and k != "KeyUpdate context"}
    with tempfile.TemporaryDirectory() as directory:
        def keys_file(name, content):
            path = pathlib.Path(directory) / name
            path.write_text(json.dumps(content), encoding="utf-8")
            return path

        plain_path = keys_file("plain.json", plain)
        rich = {**plain, **EAD, "KeyUpdate context": keys.get("KeyUpdate context", "00" * 16)}
        rich_path = keys_file("rich.json", rich)
        # The responder trusts a CRED_I with another kid (0x2c) than the initiator's ID_CRED_I.
        other_kid = {**plain, "CRED_I": plain["CRED_I"].replace("02412b", "02412c", 1)}
        if other_kid["CRED_I"] == plain["CRED_I"]:
            raise SystemExit("selfcheck: cannot make a CRED_I with another kid from these keys")
        critical = {**plain, "EAD_1": CRITICAL_EAD_1}

        def unknown_kid(_path, _keys):
            initiator = Peer("initiator", plain_path)
            responder = Peer("responder", keys_file("other-kid.json", other_kid))
            try:
                responder.send(initiator.receive())
                initiator.send(responder.receive())
                responder.send(initiator.receive())
                responder.result()
            finally:
                initiator.close()
                responder.close()

        def critical_ead(_path, _keys):
            initiator = Peer("initiator", keys_file("critical.json", critical))
            responder = Peer("responder", plain_path)
            try:
                responder.send(initiator.receive())
                responder.receive()
            finally:
                initiator.close()
                responder.close()

        checks = [
            ("lakers initiator <-> lakers responder, no message_4",
             lambda: lakers_pair(plain_path, plain, message_4=False)),
            ("lakers initiator <-> lakers responder, message_4, EAD_1..4, KeyUpdate",
             lambda: lakers_pair(rich_path, rich, message_4=True)),
            ("reference initiator -> lakers responder",
             lambda: reference_initiator_with_lakers_responder(plain_path, plain)),
            ("lakers initiator -> reference responder",
             lambda: lakers_initiator_with_reference_responder(plain_path, plain)),
            ("unknown kid is refused", lambda: expect_failure(unknown_kid, None, None)),
            ("critical EAD item is refused", lambda: expect_failure(critical_ead, None, None)),
        ]
        failed = 0
        for name, check in checks:
            try:
                detail = check()
                print(f"ok    {name}" + (f"  ({detail})" if isinstance(detail, str) else ""))
            except (AssertionError, PeerFailed, reference.EdhocError) as error:
                failed += 1
                print(f"FAIL  {name}: {error}")
    print(f"selfcheck: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
