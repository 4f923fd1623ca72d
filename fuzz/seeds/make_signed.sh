#!/usr/bin/env bash
# Regenerates the seeds signed with the key the fuzz targets trust
# (`PrivateKey::from_seed(&[7; 32])`, fuzz/src/lib.rs): each example Statement as a DSSE
# envelope (seeds/dsse_envelope/) and as a Sigstore bundle with a public-key hint
# (seeds/sigstore_bundle/). Without them no mutated input could carry a valid signature,
# and the Statement parser behind the signature check would go unfuzzed.
# ed25519 signatures are deterministic: running this again rewrites the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The RFC 8410 PKCS#8 encoding of the 32-byte seed 0x07…07, as `candor key` writes it.
python3 - "$work/fuzz.key" <<'PY'
import base64, sys
der = bytes.fromhex("302e020100300506032b657004220420") + bytes([7] * 32)
pem = "-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PRIVATE KEY-----\n"
open(sys.argv[1], "w").write(pem)
PY
chmod 600 "$work/fuzz.key"

cargo build -q --locked -p candor-cli
candor="${CARGO_TARGET_DIR:-target}/debug/candor"
mkdir -p fuzz/seeds/dsse_envelope fuzz/seeds/sigstore_bundle
for kind in manifest audit response; do
  "$candor" sign --key "$work/fuzz.key" "examples/$kind.statement.json" \
    --out "fuzz/seeds/dsse_envelope/$kind.dsse.json"
  "$candor" sign --bundle --key "$work/fuzz.key" "examples/$kind.statement.json" \
    --out "fuzz/seeds/sigstore_bundle/$kind.sigstore.json"
done
ls -l fuzz/seeds/dsse_envelope fuzz/seeds/sigstore_bundle
