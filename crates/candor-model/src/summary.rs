//! The verification summary: a signed verdict of `candor verify`, after SLSA's
//! Verification Summary Attestation (VSA v1, `https://slsa.dev/verification_summary/v1`).
//!
//! One verifier (a central machine, a CI job) checks an installed release against the
//! enterprise's policy and signs what it decided, so that others who trust that verifier
//! need not redo it. The predicate is the VSA's, field for field, so SLSA tooling can read
//! it; candor's own verdict (PASS / WARN / FAIL, the tool, the reasons) travels in an
//! extension field named by a URI, as the VSA's parsing rules allow.
//!
//! ```json
//! { "verifier": { "id": "https://candor.dev/verifier", "version": { "candor": "0.1.0" } },
//!   "timeVerified": "2026-11-29T10:00:00Z",
//!   "resourceUri": "pkg:npm/%40acme/agent@1.4.1",
//!   "policy": { "uri": "file:///etc/candor/policy.toml", "digest": { "sha256": "…" } },
//!   "inputAttestations": [{ "uri": "candor-store:sha256:…", "digest": { "sha256": "…" } }],
//!   "verificationResult": "PASSED",
//!   "verifiedLevels": ["CANDOR_BEHAVIOUR_PASS"],
//!   "https://candor.dev/verdict/v1": { "verdict": "pass", "tool": "agent", … } }
//! ```
//!
//! Unlike candor's own predicates, unknown fields are ignored here: the VSA's parsing
//! rules say consumers MUST ignore them, and extension fields are how producers add to it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::digest::DigestSet;
use crate::error::Violation;
use crate::ids::Timestamp;
use crate::location::FieldPath;
use crate::statement::{AnyStatement, Predicate, Statement};

/// The URI of candor's extension field in a verification summary.
pub const VERDICT_EXTENSION: &str = "https://candor.dev/verdict/v1";

/// The verifier id candor writes.
pub const CANDOR_VERIFIER_ID: &str = "https://candor.dev/verifier";

/// Who verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verifier {
    /// URI of the verifier's identity.
    pub id: String,
    /// Versions of the verifier's components (`{"candor": "0.1.0"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
}

/// A resource by URI and digest (in-toto's `ResourceDescriptor`, the fields used here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Resource {
    /// Where it can be found.
    pub uri: String,
    /// Its digests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<DigestSet>,
}

/// The VSA's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum VerificationResult {
    /// The artifact met the policy.
    #[serde(rename = "PASSED")]
    Passed,
    /// It did not.
    #[serde(rename = "FAILED")]
    Failed,
}

/// candor's verdict on one installed release.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every rule passed.
    Pass,
    /// Rules the policy sets to warn were broken; nothing failed.
    Warn,
    /// A rule failed.
    Fail,
}

impl Verdict {
    /// `PASS`, `WARN`, `FAIL`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        }
    }

    /// The VSA level candor writes for this verdict.
    pub fn level(self) -> &'static str {
        match self {
            Verdict::Pass => "CANDOR_BEHAVIOUR_PASS",
            Verdict::Warn => "CANDOR_BEHAVIOUR_WARN",
            Verdict::Fail => "FAILED",
        }
    }
}

/// candor's extension of the VSA: what was decided and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictDetail {
    /// PASS, WARN or FAIL.
    pub verdict: Verdict,
    /// The tool, as its manifest names it (absent when no manifest identified it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// The release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The policy's version.
    pub policy_version: u64,
    /// Every rule that warned or failed, one line each (`min-audits: 1 of 2 …`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// The predicate of a verification summary Statement: SLSA VSA v1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VerificationSummary {
    /// Who verified.
    pub verifier: Verifier,
    /// When.
    #[serde(rename = "timeVerified")]
    pub time_verified: Timestamp,
    /// The artifact verified, by URI (a package URL where one is known).
    #[serde(rename = "resourceUri")]
    pub resource_uri: String,
    /// The policy it was verified against.
    pub policy: Resource,
    /// Every attestation the verdict used.
    #[serde(
        rename = "inputAttestations",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub input_attestations: Vec<Resource>,
    /// PASSED or FAILED.
    #[serde(rename = "verificationResult")]
    pub verification_result: VerificationResult,
    /// The levels verified (`FAILED` when the result is FAILED).
    #[serde(rename = "verifiedLevels")]
    pub verified_levels: Vec<String>,
    /// The SLSA version the summary follows.
    #[serde(
        rename = "slsaVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub slsa_version: Option<String>,
    /// candor's verdict, when candor wrote the summary.
    #[serde(
        rename = "https://candor.dev/verdict/v1",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub candor: Option<VerdictDetail>,
}

impl Predicate for VerificationSummary {
    const PREDICATE_TYPE: &'static str = "https://slsa.dev/verification_summary/v1";
    const NAME: &'static str = "verification summary";

    fn validate(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        if self.verifier.id.trim().is_empty() {
            out.push(Violation::new(
                at.key("verifier").key("id"),
                "empty verifier id; expected the URI of the verifier",
            ));
        }
        if self.resource_uri.trim().is_empty() {
            out.push(Violation::new(
                at.key("resourceUri"),
                "empty resourceUri; expected the URI of the artifact verified",
            ));
        }
        if self.policy.uri.trim().is_empty() {
            out.push(Violation::new(
                at.key("policy").key("uri"),
                "empty policy uri; expected where the policy is",
            ));
        }
        for (i, input) in self.input_attestations.iter().enumerate() {
            if input.digest.is_none() {
                out.push(Violation::new(
                    at.key("inputAttestations").index(i).key("digest"),
                    "no digest; expected the digest of every input attestation",
                ));
            }
        }
        if self.verified_levels.is_empty() {
            out.push(Violation::new(
                at.key("verifiedLevels"),
                "no verified levels; expected at least one (FAILED when the result is FAILED)",
            ));
        }
        let failed_level = self.verified_levels.iter().any(|l| l == "FAILED");
        if (self.verification_result == VerificationResult::Failed) != failed_level {
            out.push(Violation::new(
                at.key("verifiedLevels"),
                "verifiedLevels and verificationResult disagree; expected FAILED exactly when the result is FAILED",
            ));
        }
        if let Some(detail) = &self.candor {
            let passed = self.verification_result == VerificationResult::Passed;
            if passed == (detail.verdict == Verdict::Fail) {
                out.push(Violation::new(
                    at.key(VERDICT_EXTENSION).key("verdict"),
                    format!(
                        "verdict {} but verificationResult {}; expected FAILED exactly for FAIL",
                        detail.verdict.label(),
                        if passed { "PASSED" } else { "FAILED" }
                    ),
                ));
            }
        }
    }

    #[allow(clippy::result_large_err)]
    fn extract(any: AnyStatement) -> Result<Statement<Self>, AnyStatement> {
        match any {
            AnyStatement::Summary(statement) => Ok(statement),
            other => Err(other),
        }
    }
}
