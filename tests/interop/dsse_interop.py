#!/usr/bin/env python3
"""DSSE interop helper: sign and verify DSSE envelopes with securesystemslib.

This is an independent DSSE implementation to test candor against. All DSSE
work (PAE, base64, envelope JSON, signature checks) is done by securesystemslib's
public API; this script only loads keys and moves files around.

  dsse_interop.py verify ENVELOPE_JSON PUBLIC_KEY_PEM
  dsse_interop.py sign PAYLOAD_FILE PRIVATE_KEY_PEM OUT_ENVELOPE [--payload-type T]
  dsse_interop.py keygen PRIVATE_OUT PUBLIC_OUT

Exit codes: 0 success; 1 envelope rejected (bad signature, wrong key, keyid
mismatch, malformed JSON/base64/fields); 2 usage errors or unusable key files.

How securesystemslib 1.6.0 behaves (read from its source, checked by hand):

* Base64 (securesystemslib._internal.utils.b64enc / b64dec):
  - Emits standard alphabet (+ /) with '=' padding (base64.standard_b64encode),
    for both "payload" and "sig".
  - Decodes with base64.b64decode(validate=True) and, if that fails, again with
    the URL-safe alphabet (- _). So it accepts standard and URL-safe input,
    even one string mixing both alphabets (e.g. "aGk_Pz8+").
  - Padding is REQUIRED: unpadded input ("aGk") raises binascii.Error
    "Incorrect padding", in either alphabet. Excess padding ("aGk==") fails.
  - Whitespace/newlines are rejected ("Only base64 data is allowed").
  - Non-canonical trailing bits are accepted: "aGl=" and "aGk=" both decode to
    b"hi", so the base64 text is malleable while signature stays valid
    (signatures cover the decoded bytes, not the base64 text).
* PAE (Envelope.pae): b"DSSEv1 %d %b %d %b" % (len(type), type, len(payload),
  payload), with type UTF-8 encoded and lengths in bytes, decimal, no padding.
  This is exactly the DSSE v1 spec: "DSSEv1 <len(type)> <type> <len(body)> <body>".
* Keyids: Envelope.verify only tries a key on a signature whose "keyid" is
  string-equal (case-sensitive) to key.keyid; others are skipped without
  error, and SSlibKey.verify_signature checks it again. An envelope signed by
  the right key with an empty/other keyid therefore FAILS (upstream notes this
  is not DSSE-spec compliant, issue #416). A signature object without a
  "keyid" field makes Envelope.from_dict raise KeyError. Two signatures with
  the same keyid raise ValueError. securesystemslib's own default keyid is
  sha256 over canonical JSON of its key dict, NOT candor's scheme, so we always
  pass candor's keyid (sha256 of raw 32-byte public key, lowercase hex).
* Exceptions:
  - Envelope.from_dict: KeyError (missing payload/payloadType/signatures/
    keyid/sig), binascii.Error (a ValueError subclass; bad base64), ValueError
    (duplicate keyid). payloadType is not type-checked.
  - Envelope.verify: securesystemslib.exceptions.VerificationError when fewer
    than `threshold` keys verified ("Accepted signatures do not match
    threshold, Found: 0, Expected 1"); ValueError for threshold <= 0 or fewer
    keys than threshold. Per-signature failures (UnverifiedSignatureError and
    its subclass VerificationError) are swallowed inside verify.
  - CryptoSigner(...): KeyMismatchError (ValueError subclass) if the private
    key does not match the SSlibKey; ValueError for wrong key type.
"""

from __future__ import annotations

import argparse
import binascii
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import Error as SslibError
from securesystemslib.signer import CryptoSigner, SSlibKey

DEFAULT_PAYLOAD_TYPE = "application/vnd.in-toto+json"


class UsageError(Exception):
    """Unusable input (key files etc.): exit 2."""


def candor_keyid(public_key: Ed25519PublicKey) -> str:
    """Candor's keyid: lowercase hex SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()


def sslib_key(public_key: Ed25519PublicKey) -> SSlibKey:
    """SSlibKey (keytype/scheme "ed25519") carrying candor's keyid."""
    return SSlibKey.from_crypto(public_key, keyid=candor_keyid(public_key))


def load_public_key(path: str) -> Ed25519PublicKey:
    try:
        with open(path, "rb") as f:
            key = serialization.load_pem_public_key(f.read())
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot load public key {path}: {e}") from e
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path}: not an ed25519 public key ({type(key).__name__})")
    return key


def load_private_key(path: str) -> Ed25519PrivateKey:
    try:
        with open(path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise UsageError(f"cannot load private key {path}: {e}") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path}: not an ed25519 private key ({type(key).__name__})")
    return key


def cmd_verify(args: argparse.Namespace) -> int:
    key = sslib_key(load_public_key(args.public_key))
    keyids: list = []  # envelope's keyids, for a diagnostic on failure
    try:
        with open(args.envelope, "rb") as f:
            data = json.load(f)
        keyids = [s.get("keyid") for s in data.get("signatures", []) if isinstance(s, dict)]
        envelope = Envelope.from_dict(data)  # note: mutates `data`
        envelope.verify([key], threshold=1)
    except OSError as e:
        raise UsageError(f"cannot read envelope {args.envelope}: {e}") from e
    except (SslibError, KeyError, TypeError, AttributeError, ValueError) as e:
        # ValueError also covers json.JSONDecodeError and binascii.Error.
        kind = "bad base64" if isinstance(e, binascii.Error) else type(e).__name__
        print(f"verify failed: {kind}: {e}", file=sys.stderr)
        if keyids and key.keyid not in keyids:
            print(f"  (no signature has keyid {key.keyid}; envelope keyids: {keyids})",
                  file=sys.stderr)
        return 1
    sys.stdout.buffer.write(envelope.payload)  # exact bytes, no newline added
    sys.stdout.buffer.flush()
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    private_key = load_private_key(args.private_key)
    # CryptoSigner stamps signatures with public_key.keyid, i.e. candor's keyid.
    signer = CryptoSigner(private_key, sslib_key(private_key.public_key()))
    try:
        with open(args.payload, "rb") as f:
            payload = f.read()
    except OSError as e:
        raise UsageError(f"cannot read payload {args.payload}: {e}") from e
    envelope = Envelope(payload=payload, payload_type=args.payload_type, signatures={})
    envelope.sign(signer)  # signs envelope.pae(), adds signature keyed by keyid
    try:
        with open(args.out_envelope, "w", encoding="utf-8") as f:
            f.write(json.dumps(envelope.to_dict()))
    except OSError as e:
        raise UsageError(f"cannot write envelope {args.out_envelope}: {e}") from e
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(args.private_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem)
    with open(args.public_out, "wb") as f:
        f.write(public_pem)
    print(candor_keyid(private_key.public_key()))  # convenience: the keyid
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("verify", help="verify an envelope, print its payload")
    p.add_argument("envelope")
    p.add_argument("public_key")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("sign", help="sign a payload into a DSSE envelope")
    p.add_argument("payload")
    p.add_argument("private_key")
    p.add_argument("out_envelope")
    p.add_argument("--payload-type", default=DEFAULT_PAYLOAD_TYPE)
    p.set_defaults(func=cmd_sign)

    p = sub.add_parser("keygen", help="write an ed25519 PKCS#8 + SPKI PEM pair")
    p.add_argument("private_out")
    p.add_argument("public_out")
    p.set_defaults(func=cmd_keygen)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
