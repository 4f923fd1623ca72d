#!/usr/bin/env bash
# Rebuild the signed sample manifest with a fresh throwaway key.
#
# The private key lives only in a temporary directory and is deleted on exit: the
# repository ships the public key (examples/keys/sample-vendor.pub) and the envelope,
# never a private key. Run from anywhere; uses the workspace's candor binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cargo build -q -p candor-cli
candor=$root/target/debug/candor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$candor" key generate --out "$work/sample-vendor.key" >/dev/null
mkdir -p examples/keys
cp "$work/sample-vendor.key.pub" examples/keys/sample-vendor.pub
"$candor" manifest statement examples/sample-release/candor.toml \
  --artifact examples/sample-release/hello-cli-1.0.0.js --out "$work/statement.json"
"$candor" sign --key "$work/sample-vendor.key" "$work/statement.json" --out "$work/envelope.json" >/dev/null

# Feed layout: attestations/<tool>/<version>/<kind>.<signer-key-id>.<sha256-prefix>.dsse.json,
# with the first 16 hex digits of the signer's key id and of the artifact's sha256.
key_id=$("$candor" key public examples/keys/sample-vendor.pub --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_id"][:16])')
artifact_sha=$(sha256sum examples/sample-release/hello-cli-1.0.0.js | cut -c1-16)
dir=attestations/hello-cli/1.0.0
rm -rf "$dir"
mkdir -p "$dir"
cp "$work/envelope.json" "$dir/manifest.$key_id.$artifact_sha.dsse.json"
echo "wrote $dir/manifest.$key_id.$artifact_sha.dsse.json"
