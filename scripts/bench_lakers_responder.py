#!/usr/bin/env python3
"""lakers-python's EDHOC Responder throughput, for `rampart bench gateway` (lakers_ratio).

    .venv/bin/python3 scripts/bench_lakers_responder.py [--handshakes N]

Runs N full handshakes (method 3, suite 2, RFC 9529 trace 2's credentials from
Tests/Interop/trace2-input.json, fresh ephemerals) with a lakers Initiator and a lakers
Responder in one process, and times only the Responder's calls (process_message_1,
prepare_message_2, parse_message_3, the credential check, verify_message_3) with
time.thread_time (CPU time of this thread). Prints one JSON object:
{"handshakes", "responder_cpu_seconds", "responder_handshakes_per_s", "full_handshake_ms"}.
"""
import argparse
import json
import pathlib
import sys
import time

import lakers
from lakers import CredentialTransfer, EdhocInitiator, EdhocResponder

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handshakes", type=int, default=500)
    args = parser.parse_args()
    keys = json.loads((ROOT / "Tests/Interop/trace2-input.json").read_text())
    sk_i, cred_i = bytes.fromhex(keys["SK_I"]), bytes.fromhex(keys["CRED_I"])
    sk_r, cred_r = bytes.fromhex(keys["SK_R"]), bytes.fromhex(keys["CRED_R"])

    responder_cpu = 0.0
    start = time.perf_counter()
    for _ in range(args.handshakes):
        initiator = EdhocInitiator()
        message_1 = initiator.prepare_message_1(c_i=None, ead_1=[])

        t = time.thread_time()
        responder = EdhocResponder(sk_r, cred_r)
        responder.process_message_1(message_1)
        message_2 = responder.prepare_message_2(CredentialTransfer.ByReference, None, [])
        responder_cpu += time.thread_time() - t

        _, id_cred_r, _ = initiator.parse_message_2(message_2)
        initiator.verify_message_2(sk_i, cred_i, lakers.credential_check_or_fetch(id_cred_r, cred_r))
        message_3, _ = initiator.prepare_message_3(CredentialTransfer.ByReference, [])
        initiator.completed_without_message_4()

        t = time.thread_time()
        id_cred_i, _ = responder.parse_message_3(message_3)
        responder.verify_message_3(lakers.credential_check_or_fetch(id_cred_i, cred_i))
        responder.completed_without_message_4()
        responder_cpu += time.thread_time() - t
    elapsed = time.perf_counter() - start
    json.dump({"handshakes": args.handshakes, "responder_cpu_seconds": responder_cpu,
               "responder_handshakes_per_s": args.handshakes / responder_cpu,
               "full_handshake_ms": elapsed * 1000 / args.handshakes}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
