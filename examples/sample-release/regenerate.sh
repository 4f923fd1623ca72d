#!/usr/bin/env bash
# Rebuild the sample feed in attestations/ with fresh throwaway keys: the vendor's
# manifests of hello-cli 1.0.0 and 1.0.1, the sample auditor's audit of each (1.0.0's
# reports its hidden logic as undeclared), the vendor's `fixed` response to the first,
# and the sample trust policy that trusts both keys.
#
# The private keys live only in a temporary directory and are deleted on exit: the
# repository ships the public keys (examples/keys/) and the signed documents, never a
# private key. Run from anywhere; uses the workspace's candor binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cargo build -q -p candor-cli
candor=$root/target/debug/candor
sample=examples/sample-release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$candor" key generate --out "$work/vendor.key" >/dev/null
"$candor" key generate --out "$work/auditor.key" >/dev/null
mkdir -p examples/keys
cp "$work/vendor.key.pub" examples/keys/sample-vendor.pub
cp "$work/auditor.key.pub" examples/keys/sample-auditor.pub

# The repository's attestations/ is a feed: candor publish files each document at
# <tool>/<version>/<kind>.<signer-key-id-16>.<envelope-sha256-16>.dsse.json and keeps
# attestations/index.json.
rm -rf attestations/hello-cli attestations/index.json
mkdir -p attestations

for version in 1.0.0 1.0.1; do
  "$candor" manifest statement "$sample/candor-$version.toml" \
    --artifact "$sample/hello-cli-$version.js" --out "$work/statement-$version.json" >/dev/null 2>&1
  "$candor" sign --key "$work/vendor.key" "$work/statement-$version.json" \
    --out "$work/manifest-$version.dsse.json" >/dev/null
  "$candor" publish "$work/manifest-$version.dsse.json" --to attestations >/dev/null
  "$candor" audit draft --manifest "$work/manifest-$version.dsse.json" \
    --key examples/keys/sample-vendor.pub --artifact "$sample/hello-cli-$version.js" \
    --auditor "Mira Keller" --organization "Security Lab GmbH" \
    --scope "Static analysis of the published hello-cli-$version.js with candor scan." \
    --out "$work/draft-$version.toml" >/dev/null
  "$candor" audit sign --key "$work/auditor.key" "$work/draft-$version.toml" \
    --out "$work/audit-$version.dsse.json" >/dev/null
  "$candor" publish "$work/audit-$version.dsse.json" --to attestations >/dev/null
done

"$candor" respond --key "$work/vendor.key" --audit "$work/audit-1.0.0.dsse.json" \
  --vendor "Example Vendor" --status fixed --fixed-in 1.0.1 \
  --statement "The region-dependent rewriting is removed in 1.0.1." \
  --out "$work/response-1.0.0.dsse.json" >/dev/null
"$candor" publish "$work/response-1.0.0.dsse.json" --to attestations >/dev/null

vendor_key=$("$candor" key public --encoding ed25519 examples/keys/sample-vendor.pub)
auditor_key=$("$candor" key public --encoding ed25519 examples/keys/sample-auditor.pub)
# The policy's version only grows (a store refuses an older one, and other content at a
# version it has seen): the time of regeneration.
policy_version=$(date -u +%Y%m%d%H%M)
cat > "$sample/policy.toml" <<EOF
# The sample trust policy of candor's quick start (written by regenerate.sh): trust
# Example Vendor's key for hello-cli and Security Lab GmbH's key for audits; require a
# manifest and one audit; an auditor's undeclared or contradicted finding fails.

version = $policy_version

[rules]
require_manifest = true
min_audits = 1
deny_categories = ["output-marking"]
on_undeclared = "fail"
on_contradicted = "fail"
on_downgrade = "fail"

[[auditor]]
id = "seclab"
organization = "Security Lab GmbH"
signers = [{ key = "$auditor_key" }]

[[tool]]
name = "hello-cli"
signers = [{ key = "$vendor_key" }]
EOF
"$candor" policy check "$sample/policy.toml" >/dev/null
echo "regenerated attestations/ and $sample/policy.toml"
