//! The audit: an independent auditor's signed counter-attestation of a manifest.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::claims::ClaimCategory;
use crate::digest::DigestSet;
use crate::error::Violation;
use crate::evidence::StaticEvidence;
use crate::ids::{ClaimId, FindingId, Timestamp, ToolName, Version};
use crate::location::FieldPath;
use crate::statement::{AnyStatement, Predicate, Statement};

/// Who audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditorInfo {
    /// The auditor (a person or team).
    pub name: String,
    /// The organisation the auditor belongs to; policies count audits per distinct
    /// organisation, not per signature.
    pub organization: String,
    /// How to reach them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The manifest an audit examined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExaminedManifest {
    /// Digest of the manifest's DSSE envelope file, exactly as published.
    pub envelope_digest: DigestSet,
    /// The tool the manifest is for.
    pub tool: ToolName,
    /// The release the manifest is for.
    pub version: Version,
}

/// How the auditor worked.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MethodKind {
    /// Static analysis of the artifact (`candor scan`, disassembly).
    Static,
    /// Running the tool and observing it.
    Dynamic,
    /// Reading the source.
    SourceReview,
    /// Capturing its network traffic.
    NetworkCapture,
}

/// The audit's method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditMethod {
    /// The kinds of analysis done (at least one).
    pub kinds: Vec<MethodKind>,
    /// Tools used (`candor scan 0.1.0`, `strace`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// Anything else worth knowing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What a finding says about a claim.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    /// The claim matches what was observed.
    Confirmed,
    /// The claim is false.
    Contradicted,
    /// Behaviour no claim declares.
    Undeclared,
    /// Could not be decided.
    Inconclusive,
}

/// How much a finding matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// For the record.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

/// What a finding rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Evidence {
    /// Found in the artifact's bytes: the evidence `candor scan` reports for an indicator.
    Static(StaticEvidence),
    /// Observed by running the tool.
    Dynamic {
        /// The command run.
        command: String,
        /// Environment variables set for the run.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        environment: BTreeMap<String, String>,
        /// What was observed to differ.
        observed: String,
    },
}

/// One finding of an audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Id within this audit, so a vendor response can answer it.
    pub id: FindingId,
    /// What the finding says.
    pub status: FindingStatus,
    /// How much it matters.
    pub severity: Severity,
    /// The behaviour's category.
    pub category: ClaimCategory,
    /// The claim examined (required for confirmed and contradicted; absent for undeclared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimId>,
    /// One-line summary.
    pub summary: String,
    /// What it rests on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// The predicate of an audit Statement (v1). Its subjects are the artifacts audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPredicate {
    /// Who audited.
    pub auditor: AuditorInfo,
    /// The manifest examined.
    pub manifest: ExaminedManifest,
    /// How.
    pub method: AuditMethod,
    /// When the audit was completed.
    pub date: Timestamp,
    /// What was found.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

impl Predicate for AuditPredicate {
    const PREDICATE_TYPE: &'static str = "https://candor.dev/attestation/audit/v1";
    const NAME: &'static str = "audit";

    fn validate(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        for (path, value, what) in [
            (
                at.key("auditor").key("name"),
                &self.auditor.name,
                "auditor name",
            ),
            (
                at.key("auditor").key("organization"),
                &self.auditor.organization,
                "auditor organization",
            ),
        ] {
            if value.trim().is_empty() {
                out.push(Violation::new(
                    path,
                    format!("empty {what}; expected a name"),
                ));
            }
        }
        if self.manifest.envelope_digest.sha256().is_none() {
            out.push(Violation::new(
                at.key("manifest").key("envelope_digest"),
                "no sha256 digest; expected the sha256 of the manifest envelope examined",
            ));
        }
        if self.method.kinds.is_empty() {
            out.push(Violation::new(
                at.key("method").key("kinds"),
                "empty list; expected at least one of static, dynamic, source-review, network-capture",
            ));
        }
        for (i, finding) in self.findings.iter().enumerate() {
            let path = at.key("findings").index(i);
            if self.findings[..i].iter().any(|f| f.id == finding.id) {
                out.push(Violation::new(
                    path.key("id"),
                    format!(
                        "duplicate finding id `{}`; expected ids unique within the audit",
                        finding.id
                    ),
                ));
            }
            if finding.summary.trim().is_empty() {
                out.push(Violation::new(
                    path.key("summary"),
                    "empty summary; expected a description",
                ));
            }
            match (finding.status, &finding.claim) {
                (FindingStatus::Confirmed | FindingStatus::Contradicted, None) => {
                    out.push(Violation::new(
                        path.key("claim"),
                        format!(
                            "a {} finding names no claim; expected the id of the claim it examined",
                            serde_json::to_value(finding.status)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        ),
                    ));
                }
                (FindingStatus::Undeclared, Some(claim)) => out.push(Violation::new(
                    path.key("claim"),
                    format!("an undeclared finding names claim `{claim}`; expected no claim (undeclared behaviour has none)"),
                )),
                (_, Some(claim)) if claim.category() != finding.category => {
                    out.push(Violation::new(
                        path.key("claim"),
                        format!(
                            "claim `{claim}` is in category {} but the finding's category is {}; expected them to agree",
                            claim.category(),
                            finding.category
                        ),
                    ));
                }
                _ => {}
            }
        }
    }

    #[allow(clippy::result_large_err)]
    fn extract(any: AnyStatement) -> Result<Statement<Self>, AnyStatement> {
        match any {
            AnyStatement::Audit(statement) => Ok(statement),
            other => Err(other),
        }
    }
}
