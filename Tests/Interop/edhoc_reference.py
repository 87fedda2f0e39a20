#!/usr/bin/env python3
"""An independent EDHOC (RFC 9528) reference for Rampart's tests: method 3 (static DH both
ways), cipher suites 2 (P-256) and 0 (X25519), both with AES-CCM-16-64-128, SHA-256 and an
8-byte MAC. Written from RFC 9528 alone, with pyca/cryptography and cbor2; it shares no code
with Rampart and none with any other EDHOC implementation.

    .venv/bin/python3 Tests/Interop/edhoc_reference.py INPUT.json [--check EXPECTED.json]

INPUT.json is the input of `rampart edhoc trace --input` (see Tests/Interop/README.md): keys
named as RFC 9529 names them, values lowercase hex. The script runs an Initiator and a
Responder against each other, each from its own inputs only, and prints one JSON object with
every intermediate value under RFC 9529's names. A value both roles compute (TH_2, PRK_out,
...) is recorded once and must come out equal from both, or the run fails.

With --check, the output is compared with EXPECTED.json (e.g. Tests/Vectors/rfc9529-trace2.json)
instead of printed: every key of EXPECTED.json (except "_..." keys) must be computed and equal.
Errors go to stderr as one line "error: ..." with exit status 1.
"""
import argparse
import hashlib
import hmac as std_hmac
import io
import json
import sys

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.exceptions import InvalidTag

# RFC 9528 §3.2: the only method this reference implements (static DH for both parties).
METHOD_STATIC_STATIC = 3

# RFC 9528 §3.6 and §10.2: AES-CCM-16-64-128 (COSE alg 10), SHA-256, EDHOC MAC length 8.
HASH_LENGTH = 32
AEAD_KEY_LENGTH = 16
AEAD_IV_LENGTH = 13
AEAD_TAG_LENGTH = 8
MAC_LENGTH = 8

# RFC 9528 Appendix A.1: OSCORE Master Secret/Salt via EDHOC_Exporter, default lengths.
EXPORTER_LABEL_MASTER_SECRET = 0
EXPORTER_LABEL_MASTER_SALT = 1
OSCORE_KEY_LENGTH = 16
OSCORE_SALT_LENGTH = 8

# RFC 9528 §4.1.2 (Figure 6) and Appendix H: EDHOC_KDF info labels.
LABEL_KEYSTREAM_2 = 0
LABEL_SALT_3E2M = 1
LABEL_MAC_2 = 2
LABEL_K_3 = 3
LABEL_IV_3 = 4
LABEL_SALT_4E3M = 5
LABEL_MAC_3 = 6
LABEL_PRK_OUT = 7
LABEL_K_4 = 8
LABEL_IV_4 = 9
LABEL_PRK_EXPORTER = 10
LABEL_KEY_UPDATE = 11

# RFC 5869 §2.3: HKDF-Expand produces at most 255 blocks (RFC 9528 Appendix G for longer
# PLAINTEXT_2 is not implemented).
HKDF_MAX_LENGTH = 255 * HASH_LENGTH

# RFC 9528 §6: error codes.
ERR_CODE_WRONG_SELECTED_SUITE = 2

# RFC 9528 §3.3.2: one-byte CBOR encodings of the integers -24..23.
ONE_BYTE_INTS = set(range(0x00, 0x18)) | set(range(0x20, 0x38))

# RFC 8392 / RFC 8747 / RFC 9052 labels inside a CCS.
CCS_CNF = 8
CNF_COSE_KEY = 1
COSE_KEY_KTY, COSE_KEY_KID, COSE_KEY_CRV, COSE_KEY_X, COSE_KEY_Y = 1, 2, -1, -2, -3
KTY_OKP, KTY_EC2 = 1, 2
CRV_P256, CRV_X25519 = 1, 4
# RFC 9528 §3.5.3: ID_CRED_x = { 4 : kid_x }.
HEADER_KID = 4


class EdhocError(Exception):
    """A check of RFC 9528 failed, or the input is unusable."""


# ---------------------------------------------------------------------------------------
# Cipher suites (RFC 9528 §3.6, §10.2) — only the key exchange differs between 0 and 2.

class P256:
    """Suite 2: ECDH on P-256 with compact representation (RFC 9528 Appendix C)."""
    name, kty, crv = "P-256", KTY_EC2, CRV_P256

    @staticmethod
    def private_key(raw):
        if len(raw) != 32:
            raise EdhocError(f"P-256 private key must be 32 bytes, got {len(raw)}")
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())

    @classmethod
    def public_key(cls, raw_private):
        """The 'x'-coordinate (RFC 9528 §3.7)."""
        return cls.private_key(raw_private).public_key().public_numbers().x.to_bytes(32, "big")

    @classmethod
    def y_coordinate(cls, raw_private):
        return cls.private_key(raw_private).public_key().public_numbers().y.to_bytes(32, "big")

    @classmethod
    def ecdh(cls, raw_private, peer_x):
        """RFC 9528 Appendix C: any y for x serves, as only the x of the product is used.
        from_encoded_point checks 0 <= x < p and that x lies on the curve (§9.2)."""
        if len(peer_x) != 32:
            raise EdhocError(f"P-256 public key must be 32 bytes, got {len(peer_x)}")
        try:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x02" + peer_x)
        except ValueError as error:
            raise EdhocError(f"invalid P-256 public key {peer_x.hex()}: {error}") from None
        return cls.private_key(raw_private).exchange(ec.ECDH(), peer)


class X25519:
    """Suite 0: X25519 (RFC 7748); public keys are 32-byte u-coordinates."""
    name, kty, crv = "X25519", KTY_OKP, CRV_X25519

    @staticmethod
    def private_key(raw):
        if len(raw) != 32:
            raise EdhocError(f"X25519 private key must be 32 bytes, got {len(raw)}")
        return x25519.X25519PrivateKey.from_private_bytes(raw)

    @classmethod
    def public_key(cls, raw_private):
        return cls.private_key(raw_private).public_key().public_bytes_raw()

    y_coordinate = None

    @classmethod
    def ecdh(cls, raw_private, peer_u):
        """RFC 9528 §9.2: an all-zero result (low-order point) must be rejected; OpenSSL
        refuses to return it, which raises ValueError here."""
        if len(peer_u) != 32:
            raise EdhocError(f"X25519 public key must be 32 bytes, got {len(peer_u)}")
        try:
            shared = cls.private_key(raw_private).exchange(
                x25519.X25519PublicKey.from_public_bytes(peer_u))
        except ValueError as error:
            raise EdhocError(f"X25519 with {peer_u.hex()} failed: {error}") from None
        if shared == bytes(32):
            raise EdhocError(f"X25519 with {peer_u.hex()} gave the all-zero value")
        return shared


SUITES = {2: P256, 0: X25519}


# ---------------------------------------------------------------------------------------
# EDHOC_Extract / EDHOC_Expand / EDHOC_KDF (RFC 9528 §4.1), HKDF from HMAC (RFC 5869).

def hmac_sha256(key, data):
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize()


def edhoc_extract(salt, ikm):
    """RFC 9528 §4.1.1: HKDF-Extract(salt, IKM) = HMAC-SHA-256(salt, IKM)."""
    return hmac_sha256(salt, ikm)


def edhoc_expand(prk, info, length):
    """RFC 9528 §4.1.2: HKDF-Expand(PRK, info, length) (RFC 5869 §2.3)."""
    if length > HKDF_MAX_LENGTH:
        raise EdhocError(f"EDHOC_Expand length {length} exceeds {HKDF_MAX_LENGTH}")
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac_sha256(prk, block + info + bytes([counter]))
        okm += block
        counter += 1
    return okm[:length]


def kdf_info(label, context, length):
    """info = ( info_label : int, context : bstr, length : uint ) as a CBOR sequence."""
    return cbor2.dumps(label) + cbor2.dumps(bytes(context)) + cbor2.dumps(length)


def edhoc_kdf(prk, label, context, length):
    return edhoc_expand(prk, kdf_info(label, context, length), length)


def sha256(data):
    return hashlib.sha256(data).digest()


def bstr(data):
    return cbor2.dumps(bytes(data))


def enc_structure(th):
    """RFC 9528 §5.3.2 / RFC 9052 §5.3: [ "Encrypt0", h'', TH_i ] (external_aad = TH_i)."""
    return cbor2.dumps(["Encrypt0", b"", bytes(th)])


# ---------------------------------------------------------------------------------------
# Byte-string identifiers (RFC 9528 §3.3.2) and compact ID_CRED (§3.5.3.2).

def encode_identifier(raw):
    """A byte string that is the one-byte CBOR encoding of an int in -24..23 is sent as that
    int (the same single byte); any other byte string as a CBOR bstr."""
    if len(raw) == 1 and raw[0] in ONE_BYTE_INTS:
        return bytes(raw)
    return bstr(raw)


def decode_identifier(item, what):
    """The inverse: an int becomes its one-byte encoding; a bstr that should have been sent as
    an int is a non-compact (invalid) encoding."""
    if isinstance(item, int) and not isinstance(item, bool):
        if not -24 <= item <= 23:
            raise EdhocError(f"{what}: integer {item} is outside -24..23")
        return cbor2.dumps(item)
    if isinstance(item, bytes):
        if len(item) == 1 and item[0] in ONE_BYTE_INTS:
            raise EdhocError(f"{what}: byte string {item.hex()} must be sent as an int")
        return item
    raise EdhocError(f"{what}: expected an int or a byte string, got {type(item).__name__}")


def kid_only(id_cred):
    """kid_x if ID_CRED_x = { 4 : kid_x } with a bstr kid, else None."""
    value = cbor2.loads(id_cred)
    if isinstance(value, dict) and list(value) == [HEADER_KID] and isinstance(value[HEADER_KID], bytes):
        return value[HEADER_KID]
    return None


def compact_id_cred(id_cred):
    """ID_CRED_x as it appears in PLAINTEXT_2/3: for { 4 : kid_x } the kid alone, in the
    identifier representation of §3.3.2; any other map unchanged."""
    kid = kid_only(id_cred)
    return encode_identifier(kid) if kid is not None else bytes(id_cred)


def expand_id_cred(item, what):
    """The receiver's inverse of compact_id_cred: returns the ID_CRED_x map (CBOR) used in
    context_2/3. A map holding only a 'kid' is rejected: it had to be sent compactly."""
    if isinstance(item, dict):
        encoded = cbor2.dumps(item)
        if kid_only(encoded) is not None:
            raise EdhocError(f"{what}: {{4: kid}} must be sent in compact form")
        return encoded
    kid = decode_identifier(item, what)
    return cbor2.dumps({HEADER_KID: kid})


# ---------------------------------------------------------------------------------------
# CBOR sequences, EAD (RFC 9528 §3.8), credentials (CCS, RFC 8392).

class Sequence:
    """Reads one CBOR data item at a time from a CBOR sequence."""

    def __init__(self, data, what):
        self.data, self.what = bytes(data), what
        self.stream = io.BytesIO(self.data)
        self.decoder = cbor2.CBORDecoder(self.stream)

    def next(self, name):
        if self.stream.tell() >= len(self.data):
            raise EdhocError(f"{self.what}: {name} is missing")
        start = self.stream.tell()
        try:
            item = self.decoder.decode()
        except Exception as error:  # cbor2 raises several types for malformed input
            raise EdhocError(f"{self.what}: {name} is not well-formed CBOR ({error})") from None
        raw = self.data[start:self.stream.tell()]
        if cbor2.dumps(item) != raw:
            raise EdhocError(f"{self.what}: {name} is not deterministically encoded ({raw.hex()})")
        return item

    def rest(self):
        return self.data[self.stream.tell():]


def check_ead(ead, what):
    """EAD_x = 1* ( ead_label : int, ? ead_value : bstr ). Items are passed through: this
    reference knows no EAD label and treats every item, critical or not, as understood."""
    sequence, items = Sequence(ead, what), []
    while sequence.stream.tell() < len(ead):
        items.append(sequence.next("EAD item"))
    index = 0
    while index < len(items):
        label = items[index]
        if not isinstance(label, int) or isinstance(label, bool):
            raise EdhocError(f"{what}: ead_label must be an int, got {label!r}")
        index += 1
        if index < len(items) and isinstance(items[index], bytes):
            index += 1  # ead_value
    return bytes(ead)


def credential_key(cred, suite, what):
    """The public authentication key ('x') and kid of a CCS whose cnf holds a COSE_Key."""
    try:
        claims = cbor2.loads(cred)
        key = claims[CCS_CNF][CNF_COSE_KEY]
    except Exception:
        raise EdhocError(f"{what} is not a CCS with a cnf COSE_Key") from None
    if key.get(COSE_KEY_KTY) != suite.kty or key.get(COSE_KEY_CRV) != suite.crv:
        raise EdhocError(f"{what}: COSE_Key kty/crv {key.get(COSE_KEY_KTY)}/"
                         f"{key.get(COSE_KEY_CRV)} do not fit {suite.name}")
    return key[COSE_KEY_X], key.get(COSE_KEY_KID)


def decode_suites(suites_i):
    value = cbor2.loads(suites_i)
    if isinstance(value, int):
        return [value]
    if isinstance(value, list) and len(value) >= 2 and all(isinstance(s, int) for s in value):
        return value
    raise EdhocError(f"SUITES_I {suites_i.hex()} is neither an int nor an array of >= 2 ints")


# ---------------------------------------------------------------------------------------
# The trace: one value per RFC 9529 name, equal whichever role computed it.

class Trace:
    def __init__(self):
        self.values = {}

    def __setitem__(self, name, value):
        value = bytes(value).hex()
        if name in self.values and self.values[name] != value:
            raise EdhocError(f"Initiator and Responder disagree on {name}: "
                             f"{self.values[name]} vs {value}")
        self.values[name] = value


def record_kdf(trace, name, prk, label, context, length):
    trace[f"info for {name}"] = kdf_info(label, context, length)
    value = edhoc_kdf(prk, label, context, length)
    trace[name] = value
    return value


# ---------------------------------------------------------------------------------------
# The Initiator (RFC 9528 §5.2.1, §5.3.3, §5.4.2, §5.5.3).

class Initiator:
    def __init__(self, inputs, trace, suites_i, x, c_i, first_time=False):
        self.trace, self.suffix = trace, " (first time)" if first_time else ""
        self.suites_i, self.x, self.c_i = suites_i, x, c_i
        self.suite = SUITES.get(decode_suites(suites_i)[-1])
        if first_time and self.suite is None:
            # The first message_1 is only sent and rejected. RFC 9529 trace 2 selects suite 6
            # (X25519) in it but shows G_X as the P-256 public key of X; do the same.
            self.suite = P256
        self.sk_i, self.cred_i, self.id_cred_i = inputs["SK_I"], inputs["CRED_I"], inputs["ID_CRED_I"]
        self.cred_r_store = inputs["CRED_R"]  # the credential the application trusts
        self.ead_1, self.ead_3 = inputs.get("EAD_1", b""), inputs.get("EAD_3", b"")

    def message_1(self):
        t, s = self.trace, self.suffix
        if self.suite is None:
            raise EdhocError(f"the reference cannot run suite {decode_suites(self.suites_i)[-1]}")
        g_x = self.suite.public_key(self.x)
        t["METHOD" + s] = cbor2.dumps(METHOD_STATIC_STATIC)
        t["SUITES_I" + s] = self.suites_i
        t["X" + s] = self.x
        t["G_X" + s] = g_x
        if self.suite.y_coordinate and not s:  # RFC 9529 shows no y for the first G_X
            t["Initiator's ephemeral public key, one 'y'-coordinate"] = self.suite.y_coordinate(self.x)
        t["G_X (CBOR)" + s] = bstr(g_x)
        t["C_I" + s] = self.c_i
        t["C_I (CBOR)" + s] = encode_identifier(self.c_i)
        t["EAD_1" + s] = check_ead(self.ead_1, "EAD_1")
        message_1 = (cbor2.dumps(METHOD_STATIC_STATIC) + self.suites_i + bstr(g_x)
                     + encode_identifier(self.c_i) + self.ead_1)
        t["message_1" + s] = message_1
        self.h_message_1 = sha256(message_1)
        return message_1

    def process_message_2(self, message_2):
        t, suite = self.trace, self.suite
        outer = Sequence(message_2, "message_2")
        g_y_ciphertext_2 = outer.next("G_Y_CIPHERTEXT_2")
        if not isinstance(g_y_ciphertext_2, bytes) or outer.rest():
            raise EdhocError("message_2 must be exactly one bstr G_Y_CIPHERTEXT_2")
        g_y, ciphertext_2 = g_y_ciphertext_2[:32], g_y_ciphertext_2[32:]
        if len(g_y) != 32 or not ciphertext_2:
            raise EdhocError("message_2 is too short for G_Y and CIPHERTEXT_2")
        th_2 = sha256(bstr(g_y) + bstr(self.h_message_1))
        g_xy = suite.ecdh(self.x, g_y)
        prk_2e = edhoc_extract(th_2, g_xy)
        t["G_Y"], t["CIPHERTEXT_2"], t["TH_2"], t["G_XY"], t["PRK_2e"] = (
            g_y, ciphertext_2, th_2, g_xy, prk_2e)
        keystream_2 = record_kdf(t, "KEYSTREAM_2", prk_2e, LABEL_KEYSTREAM_2, th_2,
                                 len(ciphertext_2))
        plaintext_2 = bytes(a ^ b for a, b in zip(ciphertext_2, keystream_2))
        t["PLAINTEXT_2"] = plaintext_2
        items = Sequence(plaintext_2, "PLAINTEXT_2")
        c_r = decode_identifier(items.next("C_R"), "C_R")
        id_cred_r = expand_id_cred(items.next("ID_CRED_R"), "ID_CRED_R")
        mac_2 = items.next("Signature_or_MAC_2")
        if not isinstance(mac_2, bytes) or len(mac_2) != MAC_LENGTH:
            raise EdhocError(f"Signature_or_MAC_2 must be a {MAC_LENGTH}-byte bstr")
        ead_2 = check_ead(items.rest(), "EAD_2")
        # Credential lookup by kid (RFC 9528 §3.5.3): the trusted CRED_R must carry that kid.
        g_r, kid_r = credential_key(self.cred_r_store, suite, "CRED_R")
        if kid_only(id_cred_r) is not None and kid_only(id_cred_r) != kid_r:
            raise EdhocError(f"unknown credential: ID_CRED_R kid {kid_only(id_cred_r).hex()}")
        cred_r = self.cred_r_store
        t["C_R"], t["ID_CRED_R"], t["EAD_2"], t["G_R"] = c_r, id_cred_r, ead_2, g_r
        salt_3e2m = record_kdf(t, "SALT_3e2m", prk_2e, LABEL_SALT_3E2M, th_2, HASH_LENGTH)
        g_rx = suite.ecdh(self.x, g_r)
        prk_3e2m = edhoc_extract(salt_3e2m, g_rx)
        t["G_RX"], t["PRK_3e2m"] = g_rx, prk_3e2m
        context_2 = encode_identifier(c_r) + id_cred_r + bstr(th_2) + cred_r + ead_2
        t["context_2"] = context_2
        expected = edhoc_kdf(prk_3e2m, LABEL_MAC_2, context_2, MAC_LENGTH)
        if not std_hmac.compare_digest(expected, mac_2):
            raise EdhocError("MAC_2 does not verify")
        t["MAC_2"] = mac_2
        self.g_y, self.c_r, self.th_2, self.prk_3e2m, self.plaintext_2, self.cred_r = (
            g_y, c_r, th_2, prk_3e2m, plaintext_2, cred_r)

    def message_3(self):
        t, suite = self.trace, self.suite
        th_3_input = bstr(self.th_2) + self.plaintext_2 + self.cred_r
        th_3 = sha256(th_3_input)
        t["Input to calculate TH_3"], t["TH_3"], t["TH_3 (CBOR)"] = th_3_input, th_3, bstr(th_3)
        g_i = suite.public_key(self.sk_i)
        t["SK_I"], t["G_I"] = self.sk_i, g_i
        t["Initiator's public authentication key, 'x'-coordinate"] = g_i
        if suite.y_coordinate:
            t["Initiator's public authentication key, 'y'-coordinate"] = suite.y_coordinate(self.sk_i)
        cred_x, _ = credential_key(self.cred_i, suite, "CRED_I")
        if cred_x != g_i:
            raise EdhocError("CRED_I does not hold the public key of SK_I")
        salt_4e3m = record_kdf(t, "SALT_4e3m", self.prk_3e2m, LABEL_SALT_4E3M, th_3, HASH_LENGTH)
        g_iy = suite.ecdh(self.sk_i, self.g_y)
        t["G_IY"] = g_iy
        prk_4e3m = edhoc_extract(salt_4e3m, g_iy)
        t["PRK_4e3m"] = prk_4e3m
        t["ID_CRED_I"], t["CRED_I"], t["EAD_3"] = self.id_cred_i, self.cred_i, check_ead(self.ead_3, "EAD_3")
        context_3 = self.id_cred_i + bstr(th_3) + self.cred_i + self.ead_3
        t["context_3"], t["context_3 (CBOR)"] = context_3, bstr(context_3)
        mac_3 = record_kdf(t, "MAC_3", prk_4e3m, LABEL_MAC_3, context_3, MAC_LENGTH)
        t["MAC_3 (CBOR)"] = bstr(mac_3)
        t["Signature_or_MAC_3"], t["Signature_or_MAC_3 (CBOR)"] = mac_3, bstr(mac_3)
        plaintext_3 = compact_id_cred(self.id_cred_i) + bstr(mac_3) + self.ead_3
        t["PLAINTEXT_3"] = plaintext_3
        a_3 = enc_structure(th_3)
        t["A_3"] = a_3
        k_3 = record_kdf(t, "K_3", self.prk_3e2m, LABEL_K_3, th_3, AEAD_KEY_LENGTH)
        iv_3 = record_kdf(t, "IV_3", self.prk_3e2m, LABEL_IV_3, th_3, AEAD_IV_LENGTH)
        ciphertext_3 = AESCCM(k_3, tag_length=AEAD_TAG_LENGTH).encrypt(iv_3, plaintext_3, a_3)
        t["CIPHERTEXT_3"] = ciphertext_3
        message_3 = bstr(ciphertext_3)
        t["message_3"] = message_3
        th_4_input = bstr(th_3) + plaintext_3 + self.cred_i
        self.th_4 = sha256(th_4_input)
        t["Input to calculate TH_4"], t["TH_4"], t["TH_4 (CBOR)"] = th_4_input, self.th_4, bstr(self.th_4)
        self.prk_4e3m = prk_4e3m
        self.prk_out = record_kdf(t, "PRK_out", prk_4e3m, LABEL_PRK_OUT, self.th_4, HASH_LENGTH)
        return message_3

    def process_message_4(self, message_4):
        outer = Sequence(message_4, "message_4")
        ciphertext_4 = outer.next("CIPHERTEXT_4")
        if not isinstance(ciphertext_4, bytes) or outer.rest():
            raise EdhocError("message_4 must be exactly one bstr CIPHERTEXT_4")
        self.trace["CIPHERTEXT_4"] = ciphertext_4
        k_4 = record_kdf(self.trace, "K_4", self.prk_4e3m, LABEL_K_4, self.th_4, AEAD_KEY_LENGTH)
        iv_4 = record_kdf(self.trace, "IV_4", self.prk_4e3m, LABEL_IV_4, self.th_4, AEAD_IV_LENGTH)
        try:
            plaintext_4 = AESCCM(k_4, tag_length=AEAD_TAG_LENGTH).decrypt(
                iv_4, ciphertext_4, enc_structure(self.th_4))
        except InvalidTag:
            raise EdhocError("message_4 does not verify") from None
        self.trace["PLAINTEXT_4"] = plaintext_4
        self.trace["EAD_4"] = check_ead(plaintext_4, "EAD_4")


# ---------------------------------------------------------------------------------------
# The Responder (RFC 9528 §5.2.3, §5.3.2, §5.4.3, §5.5.2).

class Responder:
    def __init__(self, inputs, trace, supported_suites):
        self.trace, self.supported = trace, supported_suites
        self.y, self.c_r = inputs["Y"], inputs["C_R"]
        self.sk_r, self.cred_r, self.id_cred_r = inputs["SK_R"], inputs["CRED_R"], inputs["ID_CRED_R"]
        self.cred_i_store = inputs["CRED_I"]
        self.ead_2, self.ead_4 = inputs.get("EAD_2", b""), inputs.get("EAD_4", b"")

    def suites_r(self):
        """RFC 9528 §6.3: a single suite as an int, several as an array."""
        return cbor2.dumps(self.supported[0] if len(self.supported) == 1 else self.supported)

    def process_message_1(self, message_1):
        """Returns None if message_1 is accepted, else the error message to send."""
        items = Sequence(message_1, "message_1")
        method = items.next("METHOD")
        if method != METHOD_STATIC_STATIC:
            raise EdhocError(f"METHOD {method!r} is not 3")
        suites_i = decode_suites(cbor2.dumps(items.next("SUITES_I")))
        # RFC 9528 §5.2.3 / §6.3: the selected (last) suite must be supported, and no suite
        # the Initiator prefers to it.
        selected = suites_i[-1]
        if selected not in self.supported or any(s in self.supported for s in suites_i[:-1]):
            preferred = [s for s in suites_i if s in self.supported][:1]
            error = cbor2.dumps(ERR_CODE_WRONG_SELECTED_SUITE) + (
                cbor2.dumps(preferred[0]) if preferred else self.suites_r())
            return error
        self.suite = SUITES[selected]
        g_x = items.next("G_X")
        if not isinstance(g_x, bytes) or len(g_x) != 32:
            raise EdhocError("G_X must be a 32-byte bstr")
        self.c_i = decode_identifier(items.next("C_I"), "C_I")
        self.ead_1 = check_ead(items.rest(), "EAD_1")
        self.g_x, self.h_message_1 = g_x, sha256(message_1)
        t = self.trace
        t["METHOD"], t["G_X"], t["C_I"], t["EAD_1"] = cbor2.dumps(method), g_x, self.c_i, self.ead_1
        return None

    def message_2(self):
        t, suite = self.trace, self.suite
        g_y = suite.public_key(self.y)
        t["Y"], t["G_Y"] = self.y, g_y
        if suite.y_coordinate:
            t["Responder's ephemeral public key, one 'y'-coordinate"] = suite.y_coordinate(self.y)
        t["G_Y (CBOR)"] = bstr(g_y)
        t["C_R"], t["C_R (CBOR)"] = self.c_r, encode_identifier(self.c_r)
        t["H(message_1)"], t["H(message_1) (CBOR)"] = self.h_message_1, bstr(self.h_message_1)
        th_2_input = bstr(g_y) + bstr(self.h_message_1)
        th_2 = sha256(th_2_input)
        t["Input to calculate TH_2"], t["TH_2"], t["TH_2 (CBOR)"] = th_2_input, th_2, bstr(th_2)
        g_xy = suite.ecdh(self.y, self.g_x)
        t["G_XY"], t["salt"] = g_xy, th_2
        prk_2e = edhoc_extract(th_2, g_xy)
        t["PRK_2e"] = prk_2e
        g_r = suite.public_key(self.sk_r)
        t["SK_R"], t["G_R"] = self.sk_r, g_r
        t["Responder's public authentication key, 'x'-coordinate"] = g_r
        if suite.y_coordinate:
            t["Responder's public authentication key, 'y'-coordinate"] = suite.y_coordinate(self.sk_r)
        cred_x, _ = credential_key(self.cred_r, suite, "CRED_R")
        if cred_x != g_r:
            raise EdhocError("CRED_R does not hold the public key of SK_R")
        salt_3e2m = record_kdf(t, "SALT_3e2m", prk_2e, LABEL_SALT_3E2M, th_2, HASH_LENGTH)
        g_rx = suite.ecdh(self.sk_r, self.g_x)
        t["G_RX"] = g_rx
        prk_3e2m = edhoc_extract(salt_3e2m, g_rx)
        t["PRK_3e2m"] = prk_3e2m
        t["ID_CRED_R"], t["CRED_R"], t["EAD_2"] = self.id_cred_r, self.cred_r, check_ead(self.ead_2, "EAD_2")
        context_2 = encode_identifier(self.c_r) + self.id_cred_r + bstr(th_2) + self.cred_r + self.ead_2
        t["context_2"], t["context_2 (CBOR)"] = context_2, bstr(context_2)
        mac_2 = record_kdf(t, "MAC_2", prk_3e2m, LABEL_MAC_2, context_2, MAC_LENGTH)
        t["MAC_2 (CBOR)"] = bstr(mac_2)
        t["Signature_or_MAC_2"], t["Signature_or_MAC_2 (CBOR)"] = mac_2, bstr(mac_2)
        plaintext_2 = (encode_identifier(self.c_r) + compact_id_cred(self.id_cred_r)
                       + bstr(mac_2) + self.ead_2)
        t["PLAINTEXT_2"] = plaintext_2
        keystream_2 = record_kdf(t, "KEYSTREAM_2", prk_2e, LABEL_KEYSTREAM_2, th_2, len(plaintext_2))
        ciphertext_2 = bytes(a ^ b for a, b in zip(plaintext_2, keystream_2))
        t["CIPHERTEXT_2"] = ciphertext_2
        message_2 = bstr(g_y + ciphertext_2)
        t["message_2"] = message_2
        self.th_2, self.prk_3e2m, self.plaintext_2 = th_2, prk_3e2m, plaintext_2
        return message_2

    def process_message_3(self, message_3):
        t, suite = self.trace, self.suite
        outer = Sequence(message_3, "message_3")
        ciphertext_3 = outer.next("CIPHERTEXT_3")
        if not isinstance(ciphertext_3, bytes) or outer.rest():
            raise EdhocError("message_3 must be exactly one bstr CIPHERTEXT_3")
        th_3 = sha256(bstr(self.th_2) + self.plaintext_2 + self.cred_r)
        t["CIPHERTEXT_3"], t["TH_3"] = ciphertext_3, th_3
        k_3 = record_kdf(t, "K_3", self.prk_3e2m, LABEL_K_3, th_3, AEAD_KEY_LENGTH)
        iv_3 = record_kdf(t, "IV_3", self.prk_3e2m, LABEL_IV_3, th_3, AEAD_IV_LENGTH)
        try:
            plaintext_3 = AESCCM(k_3, tag_length=AEAD_TAG_LENGTH).decrypt(
                iv_3, ciphertext_3, enc_structure(th_3))
        except InvalidTag:
            raise EdhocError("message_3 does not verify") from None
        items = Sequence(plaintext_3, "PLAINTEXT_3")
        id_cred_i = expand_id_cred(items.next("ID_CRED_I"), "ID_CRED_I")
        mac_3 = items.next("Signature_or_MAC_3")
        if not isinstance(mac_3, bytes) or len(mac_3) != MAC_LENGTH:
            raise EdhocError(f"Signature_or_MAC_3 must be a {MAC_LENGTH}-byte bstr")
        ead_3 = check_ead(items.rest(), "EAD_3")
        g_i, kid_i = credential_key(self.cred_i_store, suite, "CRED_I")
        if kid_only(id_cred_i) is not None and kid_only(id_cred_i) != kid_i:
            raise EdhocError(f"unknown credential: ID_CRED_I kid {kid_only(id_cred_i).hex()}")
        cred_i = self.cred_i_store
        t["PLAINTEXT_3"], t["ID_CRED_I"], t["EAD_3"], t["G_I"] = plaintext_3, id_cred_i, ead_3, g_i
        salt_4e3m = record_kdf(t, "SALT_4e3m", self.prk_3e2m, LABEL_SALT_4E3M, th_3, HASH_LENGTH)
        g_iy = suite.ecdh(self.y, g_i)
        prk_4e3m = edhoc_extract(salt_4e3m, g_iy)
        t["G_IY"], t["PRK_4e3m"] = g_iy, prk_4e3m
        context_3 = id_cred_i + bstr(th_3) + cred_i + ead_3
        t["context_3"] = context_3
        if not std_hmac.compare_digest(edhoc_kdf(prk_4e3m, LABEL_MAC_3, context_3, MAC_LENGTH), mac_3):
            raise EdhocError("MAC_3 does not verify")
        t["MAC_3"] = mac_3
        self.th_4 = sha256(bstr(th_3) + plaintext_3 + cred_i)
        t["TH_4"] = self.th_4
        self.prk_4e3m = prk_4e3m
        self.prk_out = record_kdf(t, "PRK_out", prk_4e3m, LABEL_PRK_OUT, self.th_4, HASH_LENGTH)

    def message_4(self):
        t = self.trace
        t["EAD_4"] = check_ead(self.ead_4, "EAD_4")
        plaintext_4 = self.ead_4
        t["PLAINTEXT_4"] = plaintext_4
        a_4 = enc_structure(self.th_4)
        t["A_4"] = a_4
        k_4 = record_kdf(t, "K_4", self.prk_4e3m, LABEL_K_4, self.th_4, AEAD_KEY_LENGTH)
        iv_4 = record_kdf(t, "IV_4", self.prk_4e3m, LABEL_IV_4, self.th_4, AEAD_IV_LENGTH)
        ciphertext_4 = AESCCM(k_4, tag_length=AEAD_TAG_LENGTH).encrypt(iv_4, plaintext_4, a_4)
        t["CIPHERTEXT_4"] = ciphertext_4
        message_4 = bstr(ciphertext_4)
        t["message_4"] = message_4
        return message_4


# ---------------------------------------------------------------------------------------
# EDHOC_Exporter (§4.2.1), OSCORE (Appendix A.1), EDHOC_KeyUpdate (Appendix H).

def exporter_values(trace, prk_out, suffix=""):
    prk_exporter = edhoc_kdf(prk_out, LABEL_PRK_EXPORTER, b"", HASH_LENGTH)
    if not suffix:
        trace["info for PRK_exporter"] = kdf_info(LABEL_PRK_EXPORTER, b"", HASH_LENGTH)
        trace["info for OSCORE Master Secret"] = kdf_info(EXPORTER_LABEL_MASTER_SECRET, b"", OSCORE_KEY_LENGTH)
        trace["info for OSCORE Master Salt"] = kdf_info(EXPORTER_LABEL_MASTER_SALT, b"", OSCORE_SALT_LENGTH)
    trace["PRK_exporter" + suffix] = prk_exporter
    trace["OSCORE Master Secret" + suffix] = edhoc_kdf(
        prk_exporter, EXPORTER_LABEL_MASTER_SECRET, b"", OSCORE_KEY_LENGTH)
    trace["OSCORE Master Salt" + suffix] = edhoc_kdf(
        prk_exporter, EXPORTER_LABEL_MASTER_SALT, b"", OSCORE_SALT_LENGTH)


def key_update(trace, prk_out, context):
    trace["context for KeyUpdate"] = context
    trace["context for KeyUpdate (CBOR)"] = bstr(context)
    new_prk_out = edhoc_kdf(prk_out, LABEL_KEY_UPDATE, context, HASH_LENGTH)
    trace["PRK_out after KeyUpdate"] = new_prk_out
    exporter_values(trace, new_prk_out, " after KeyUpdate")


# ---------------------------------------------------------------------------------------
# Input, the run, output.

HEX_INPUTS = ["SUITES_I", "SK_I", "SK_R", "X", "Y", "C_I", "C_R", "CRED_I", "CRED_R",
              "ID_CRED_I", "ID_CRED_R"]
OPTIONAL_HEX_INPUTS = ["EAD_1", "EAD_2", "EAD_3", "EAD_4", "KeyUpdate context",
                       "context for KeyUpdate", "SUITES_R", "SUITES_I (first time)",
                       "X (first time)", "C_I (first time)"]


def read_inputs(path):
    with open(path, encoding="utf-8") as file:
        return parse_inputs(json.load(file), path)


def parse_inputs(raw, path):
    """Checks an input object and turns its hex strings into bytes; path names it in errors."""
    if raw.get("method") != METHOD_STATIC_STATIC:
        raise EdhocError(f"{path}: \"method\" must be 3, got {raw.get('method')!r}")
    inputs = {}
    for name in HEX_INPUTS + OPTIONAL_HEX_INPUTS:
        if name not in raw:
            if name in HEX_INPUTS:
                raise EdhocError(f"{path}: \"{name}\" is missing")
            continue
        try:
            inputs[name] = bytes.fromhex(raw[name])
        except (TypeError, ValueError):
            raise EdhocError(f"{path}: \"{name}\" is not a hex string") from None
    unknown = set(raw) - set(HEX_INPUTS) - set(OPTIONAL_HEX_INPUTS) - {"method"}
    unknown = {name for name in unknown if not name.startswith("_")}
    if unknown:
        raise EdhocError(f"{path}: unknown keys {sorted(unknown)}")
    return inputs


def run(inputs):
    trace = Trace()
    supported = ([s for s in decode_suites(inputs["SUITES_R"])] if "SUITES_R" in inputs
                 else sorted(SUITES))
    if "SUITES_I (first time)" in inputs:
        # RFC 9529 trace 2: a first message_1 whose suite the Responder rejects (ERR_CODE 2).
        first = Initiator(inputs, trace, inputs["SUITES_I (first time)"],
                          inputs["X (first time)"], inputs["C_I (first time)"], first_time=True)
        error = Responder(inputs, Trace(), supported).process_message_1(first.message_1())
        if error is None:
            raise EdhocError("the Responder accepted the first message_1")
        items = Sequence(error, "error")
        if items.next("ERR_CODE") != ERR_CODE_WRONG_SELECTED_SUITE:
            raise EdhocError("the error is not ERR_CODE 2")
        trace["SUITES_R"] = items.rest()
        trace["error"] = error

    initiator = Initiator(inputs, trace, inputs["SUITES_I"], inputs["X"], inputs["C_I"])
    responder = Responder(inputs, trace, supported)
    message_1 = initiator.message_1()
    error = responder.process_message_1(message_1)
    if error is not None:
        raise EdhocError(f"the Responder rejected message_1 with error {error.hex()}")
    initiator.process_message_2(responder.message_2())
    responder.process_message_3(initiator.message_3())
    initiator.process_message_4(responder.message_4())

    exporter_values(trace, initiator.prk_out)
    exporter_values(trace, responder.prk_out)
    # RFC 9528 Appendix A.1 (Figure 12): the client (Initiator) sends with C_R, the server
    # (Responder) with C_I.
    trace["Client's OSCORE Sender ID"] = initiator.c_r
    trace["Server's OSCORE Sender ID"] = responder.c_i
    context = inputs.get("KeyUpdate context", inputs.get("context for KeyUpdate"))
    if context is not None:
        key_update(trace, initiator.prk_out, context)
        key_update(trace, responder.prk_out, context)
    return trace.values


def check(values, expected_path):
    with open(expected_path, encoding="utf-8") as file:
        expected = {k: v for k, v in json.load(file).items() if not k.startswith("_")}
    wrong = [name for name in expected if name in values and values[name] != expected[name]]
    missing = [name for name in expected if name not in values]
    for name in wrong:
        print(f"mismatch {name}: computed {values[name]}, expected {expected[name]}", file=sys.stderr)
    for name in missing:
        print(f"not computed: {name}", file=sys.stderr)
    extra = sorted(set(values) - set(expected))
    print(f"check: {len(expected) - len(wrong) - len(missing)} of {len(expected)} values equal"
          f"{'; also computed, not in the file: ' + ', '.join(extra) if extra else ''}")
    return not wrong and not missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="input JSON (format of `rampart edhoc trace --input`)")
    parser.add_argument("--check", metavar="FILE",
                        help="compare with FILE instead of printing; every key of FILE must match")
    args = parser.parse_args()
    try:
        values = run(read_inputs(args.input))
    except (EdhocError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.check:
        return 0 if check(values, args.check) else 1
    print(json.dumps(values, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
