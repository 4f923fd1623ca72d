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

/// The manifest an audit examined (or, for a release that has none, the release).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExaminedManifest {
    /// Digest of the manifest's DSSE envelope file, exactly as published; absent when the
    /// release has no manifest (the findings are then against no declaration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope_digest: Option<DigestSet>,
    /// The tool the manifest is for.
    pub tool: ToolName,
    /// The release the manifest is for.
    pub version: Version,
    /// Whether the auditor checked the manifest's signature against its vendor's signers
    /// (`false`: drafted against a manifest whose signer the auditor could not check).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signature_verified: bool,
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

impl Severity {
    /// Every severity, least first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The name used in documents (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = crate::ids::InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                crate::ids::InvalidValue::new(format!(
                    "unknown severity {s:?}, expected info, low, medium, high or critical"
                ))
            })
    }
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
    /// The claim examined (required for confirmed, and for contradicted unless it
    /// contradicts the completeness assertion; absent for undeclared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimId>,
    /// The finding contradicts the manifest's assertion that its category is declared
    /// exhaustively (a `contradicted` finding without a claim).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contradicts_completeness: bool,
    /// One-line summary.
    pub summary: String,
    /// The values found (a list of domains decoded from one blob is one finding with
    /// every domain here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
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
    /// What the auditor examined and what not, in the auditor's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
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
        if self
            .manifest
            .envelope_digest
            .as_ref()
            .is_some_and(|d| d.sha256().is_none())
        {
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
            if finding.contradicts_completeness
                && (finding.status != FindingStatus::Contradicted || finding.claim.is_some())
            {
                out.push(Violation::new(
                    path.key("contradicts_completeness"),
                    "only a contradicted finding without a claim contradicts the completeness assertion",
                ));
            }
            match (finding.status, &finding.claim) {
                (FindingStatus::Contradicted, None) if finding.contradicts_completeness => {}
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

/// The manifest an audit draft examined, as the draft records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftManifest {
    /// The manifest envelope file the draft was made from (signing reads it again to
    /// check the audit's subjects against the manifest's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Digest of the manifest envelope (absent: the release has no manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope_digest: Option<DigestSet>,
    /// The tool.
    pub tool: ToolName,
    /// The release.
    pub version: Version,
    /// Whether the manifest's signature was checked.
    #[serde(default)]
    pub signature_verified: bool,
}

impl DraftManifest {
    /// What the audit Statement records.
    pub fn examined(&self) -> ExaminedManifest {
        ExaminedManifest {
            envelope_digest: self.envelope_digest.clone(),
            tool: self.tool.clone(),
            version: self.version.clone(),
            signature_verified: self.signature_verified,
        }
    }
}

/// An audit being written: what `candor audit draft` makes and the auditor edits (TOML),
/// and `candor audit sign` turns into a signed audit Statement. The audit's predicate
/// fields, with the artifacts as `[[subject]]` and the findings as `[[finding]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditDraft {
    /// Who audits.
    pub auditor: AuditorInfo,
    /// What the auditor examined and what not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The manifest examined.
    pub manifest: DraftManifest,
    /// How.
    pub method: AuditMethod,
    /// The artifacts audited (at least one).
    #[serde(rename = "subject")]
    pub subjects: Vec<crate::statement::Subject>,
    /// What was found.
    #[serde(default, rename = "finding")]
    pub findings: Vec<Finding>,
}

impl AuditDraft {
    /// The audit Statement of this draft, dated `date`.
    pub fn to_statement(&self, date: Timestamp) -> Statement<AuditPredicate> {
        Statement {
            subject: self.subjects.clone(),
            predicate: AuditPredicate {
                auditor: self.auditor.clone(),
                manifest: self.manifest.examined(),
                method: self.method.clone(),
                date,
                scope: self.scope.clone(),
                findings: self.findings.clone(),
            },
        }
    }

    /// Parse and validate a draft's TOML text (every rule of an audit Statement, located
    /// at line:column). `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, crate::DocumentErrors> {
        let draft: AuditDraft = crate::toml_doc::from_toml_str(text, file)?;
        let date = Timestamp::from_offset_date_time(time::OffsetDateTime::UNIX_EPOCH);
        let mut violations = Vec::new();
        for violation in draft.to_statement(date).violations() {
            // Statement paths to draft paths: `predicate.x` → `x`, `findings` →
            // `finding`, `subject` as is.
            let mut segments = violation.path.0.clone();
            if segments.first() == Some(&crate::location::PathSegment::Key("predicate".to_owned()))
            {
                segments.remove(0);
            }
            if let Some(first) = segments.first_mut()
                && *first == crate::location::PathSegment::Key("findings".to_owned())
            {
                *first = crate::location::PathSegment::Key("finding".to_owned());
            }
            violations.push(Violation::new(
                crate::location::FieldPath(segments),
                violation.message,
            ));
        }
        if violations.is_empty() {
            Ok(draft)
        } else {
            Err(crate::toml_doc::locate_violations(text, file, violations))
        }
    }

    /// The draft as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}
