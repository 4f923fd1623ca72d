//! The vendor response: the vendor's signed answer to an audit's findings.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::digest::DigestSet;
use crate::error::Violation;
use crate::ids::{FindingId, Timestamp, ToolName, Version};
use crate::location::FieldPath;
use crate::statement::{AnyStatement, Predicate, Statement};

/// The audit a response answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnsweredAudit {
    /// Digest of the audit's DSSE envelope file, exactly as published.
    pub envelope_digest: DigestSet,
    /// The tool of the audited release (where the response is filed in a feed).
    pub tool: ToolName,
    /// The audited release.
    pub version: Version,
}

/// The vendor's position on one finding.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseStatus {
    /// Accepted as correct; no fix yet.
    Acknowledged,
    /// Rejected as wrong.
    Disputed,
    /// Fixed in a later release (`fixed_in`).
    Fixed,
    /// Accepted, and will not change.
    WontFix,
}

/// The answer to one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingResponse {
    /// The finding answered.
    pub finding: FindingId,
    /// The vendor's position.
    pub status: ResponseStatus,
    /// The release that fixes it (required exactly when `status` is `fixed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_in: Option<Version>,
    /// The vendor's words.
    pub statement: String,
}

/// The predicate of a vendor response Statement (v1). Its subjects are the artifacts
/// of the audited release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsePredicate {
    /// The vendor answering.
    pub vendor: String,
    /// The audit answered.
    pub audit: AnsweredAudit,
    /// When.
    pub date: Timestamp,
    /// One answer per finding answered (at least one).
    pub responses: Vec<FindingResponse>,
}

impl Predicate for ResponsePredicate {
    const PREDICATE_TYPE: &'static str = "https://candor.dev/attestation/response/v1";
    const NAME: &'static str = "vendor response";

    fn validate(&self, at: &FieldPath, out: &mut Vec<Violation>) {
        if self.vendor.trim().is_empty() {
            out.push(Violation::new(
                at.key("vendor"),
                "empty vendor; expected the vendor's name",
            ));
        }
        if self.audit.envelope_digest.sha256().is_none() {
            out.push(Violation::new(
                at.key("audit").key("envelope_digest"),
                "no sha256 digest; expected the sha256 of the audit envelope answered",
            ));
        }
        if self.responses.is_empty() {
            out.push(Violation::new(
                at.key("responses"),
                "no responses; expected an answer to at least one finding",
            ));
        }
        for (i, response) in self.responses.iter().enumerate() {
            let path = at.key("responses").index(i);
            if self.responses[..i]
                .iter()
                .any(|r| r.finding == response.finding)
            {
                out.push(Violation::new(
                    path.key("finding"),
                    format!(
                        "finding `{}` is answered twice; expected one answer per finding",
                        response.finding
                    ),
                ));
            }
            match (response.status, &response.fixed_in) {
                (ResponseStatus::Fixed, None) => out.push(Violation::new(
                    path.key("fixed_in"),
                    "status is fixed but no fixed_in; expected the version that fixes it",
                )),
                (status, Some(_)) if status != ResponseStatus::Fixed => out.push(Violation::new(
                    path.key("fixed_in"),
                    "fixed_in given but status is not fixed; expected fixed_in only with status fixed",
                )),
                _ => {}
            }
            if response.statement.trim().is_empty() {
                out.push(Violation::new(
                    path.key("statement"),
                    "empty statement; expected the vendor's answer",
                ));
            }
        }
    }

    #[allow(clippy::result_large_err)]
    fn extract(any: AnyStatement) -> Result<Statement<Self>, AnyStatement> {
        match any {
            AnyStatement::Response(statement) => Ok(statement),
            other => Err(other),
        }
    }
}
