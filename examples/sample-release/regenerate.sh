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

# The repository's attestations/ is a feed: candor publish files the envelope at
# <tool>/<version>/<kind>.<signer-key-id-16>.<envelope-sha256-16>.dsse.json and updates
# attestations/index.json.
rm -rf attestations/hello-cli/1.0.0
rm -f attestations/index.json
"$candor" publish "$work/envelope.json" --to attestations
