"""Build a small TUF repository that serves one target, trusted_root.json, with
python-tuf's Metadata API (the reference implementation), for candor's
`sigstore update-root` test.

    python3 make_tuf_repo.py OUT_DIR TARGET_FILE [--expired] [--version N] [--keys DIR]

Layout (consistent snapshots, as Sigstore's repositories): 1.root.json,
timestamp.json, N.snapshot.json, N.targets.json, targets/<sha256>.trusted_root.json.
--keys keeps the role keys in DIR so a second run can publish version N+1 signed by
the same root; --expired makes timestamp, snapshot and targets already expired.
"""

import argparse
import datetime
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    MetaFile,
    Metadata,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

ROLES = ["root", "timestamp", "snapshot", "targets"]


def role_key(keys_dir, role):
    path = os.path.join(keys_dir, role + ".pem")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return serialization.load_pem_private_key(f.read(), password=None)
    key = Ed25519PrivateKey.generate()
    with open(path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return key


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("target")
    parser.add_argument("--expired", action="store_true")
    parser.add_argument("--version", type=int, default=1)
    parser.add_argument("--keys")
    args = parser.parse_args()

    os.makedirs(os.path.join(args.out, "targets"), exist_ok=True)
    keys_dir = args.keys or os.path.join(args.out, "..", "keys")
    os.makedirs(keys_dir, exist_ok=True)
    signers = {role: CryptoSigner(role_key(keys_dir, role)) for role in ROLES}

    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    expires = now + datetime.timedelta(days=-1 if args.expired else 30)
    serializer = JSONSerializer(compact=False)

    def write(signed, name):
        metadata = Metadata(signed)
        metadata.sign(signers[signed.type])
        metadata.to_file(os.path.join(args.out, name), serializer)

    root = Root(expires=now + datetime.timedelta(days=365))
    for role, signer in signers.items():
        root.add_key(signer.public_key, role)
    write(root, "1.root.json")

    with open(args.target, "rb") as f:
        data = f.read()
    target = TargetFile.from_data("trusted_root.json", data, ["sha256"])
    with open(
        os.path.join(args.out, "targets", target.hashes["sha256"] + ".trusted_root.json"),
        "wb",
    ) as f:
        f.write(data)
    targets = Targets(version=args.version, expires=expires)
    targets.targets["trusted_root.json"] = target
    write(targets, f"{args.version}.targets.json")

    snapshot = Snapshot(version=args.version, expires=expires)
    snapshot.meta["targets.json"] = MetaFile(version=args.version)
    write(snapshot, f"{args.version}.snapshot.json")

    timestamp = Timestamp(version=args.version, expires=expires)
    timestamp.snapshot_meta = MetaFile(version=args.version)
    write(timestamp, "timestamp.json")


if __name__ == "__main__":
    main()
