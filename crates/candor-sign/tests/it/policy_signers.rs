//! A trust policy's signer lists become the signers of the one verification path.

use std::str::FromStr as _;

use candor_model::ids::ToolName;
use candor_model::policy::TrustPolicy;
use candor_sign::sigstore::{Instance, trusted_root};
use candor_sign::verify::{SignedBy, TrustedSigners, VerifyError, verify_attestation};

use crate::support::{FILE, bytes, key, one, sign, statement_json, two};

fn policy(vendor_key: &str) -> TrustPolicy {
    let text = format!(
        r#"version = 3

[[tool]]
name = "agent"
threshold = 2
signers = [
  {{ key = "{vendor_key}" }},
  {{ issuer = "https://token.actions.githubusercontent.com", subject = "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v*" }},
]
"#
    );
    TrustPolicy::from_toml(&text, "policy.toml").expect("the test policy is valid")
}

#[test]
fn policy_signers_verify_envelopes_through_the_one_path() {
    let vendor = key(1);
    let policy = policy(&vendor.public_key().to_ed25519_text());
    let tool = policy.tool(&ToolName::from_str("agent").unwrap()).unwrap();
    // Sigstore identities cannot be trusted without a root to verify certificates by.
    let err = TrustedSigners::from_policy(&tool.signers, None, "policy.toml: tool[agent].signers")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "policy.toml: tool[agent].signers: 1 Sigstore identity is trusted but no Sigstore \
         trusted root given to verify certificates against"
    );
    let root = trusted_root(None, Instance::Production).unwrap();
    let signers = TrustedSigners::from_policy(
        &tool.signers,
        Some(root),
        "policy.toml: tool[agent].signers",
    )
    .unwrap();
    assert_eq!(signers.trusted_keys().len(), 1);
    assert_eq!(signers.identities().len(), 1);
    assert!(
        signers.identities()[0].subject.matches(
            "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v1.4.0"
        )
    );
    // Signed by the vendor key: one signer, as the policy's key.
    let envelope = bytes(&sign(&statement_json(), &[&vendor]));
    let verified = verify_attestation(&envelope, FILE, &signers, one()).unwrap();
    assert_eq!(
        verified.signers,
        [SignedBy::Key(vendor.public_key().id().clone())]
    );
    // The policy's threshold of two cannot be met by one key signature.
    let err = verify_attestation(&envelope, FILE, &signers, two()).unwrap_err();
    assert!(matches!(err, VerifyError::ThresholdNotMet { .. }), "{err}");
    // Another key is nobody the policy trusts.
    let stranger = bytes(&sign(&statement_json(), &[&key(9)]));
    let err = verify_attestation(&stranger, FILE, &signers, one()).unwrap_err();
    assert!(
        err.to_string().contains("no signature by a trusted key"),
        "{err}"
    );
}
