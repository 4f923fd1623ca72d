//! What `candor verify` reports: per target, what it resolved to, the digests read, the
//! documents found and whether each was trusted, every rule's outcome, and every fact
//! labelled by where it comes from.

use std::path::PathBuf;

use candor_model::audit::{Evidence, FindingStatus, Severity};
use candor_model::claims::ClaimCategory;
use candor_model::ids::Timestamp;
pub use candor_model::summary::Verdict;
use schemars::JsonSchema;
use serde::Serialize;

use crate::resolve::Resolved;

/// The report of one `candor verify` run.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerifyReport {
    /// The worst verdict among the targets (`fail` when any failed).
    pub verdict: Verdict,
    /// When the verification ran (the time rules such as maximum age are judged at).
    pub time: Timestamp,
    /// The policy applied.
    pub policy: PolicyUsed,
    /// The store the documents came from.
    pub store: PathBuf,
    /// The feeds synced first (`--feed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synced: Vec<candor_feed::sync::SyncReport>,
    /// One verdict per target.
    pub targets: Vec<TargetVerdict>,
    /// Signed verification summaries written (`--attest`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestations: Vec<WrittenSummary>,
}

/// The policy a verification applied.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PolicyUsed {
    /// The file.
    pub file: String,
    /// sha256 of its bytes.
    pub sha256: String,
    /// Its version.
    pub version: u64,
    /// What the store knew of it: `new` (first seen now; `previous` names the highest
    /// version seen before) or `known`.
    pub seen: PolicySeenState,
    /// The highest version this store had seen before, when this one is new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<u64>,
}

/// Whether the store had seen the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySeenState {
    /// First seen by this verification, now remembered.
    New,
    /// Seen before with this content.
    Known,
}

/// A verification summary written by `--attest`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WrittenSummary {
    /// The target it is about.
    pub target: String,
    /// The file written.
    pub file: PathBuf,
    /// sha256 of the envelope written.
    pub sha256: String,
}

/// The verdict on one target.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TargetVerdict {
    /// The target as given.
    pub target: String,
    /// PASS, WARN or FAIL.
    pub verdict: Verdict,
    /// How the target was resolved to what runs.
    pub resolved: Resolved,
    /// The files digested.
    pub artifacts: Vec<ArtifactRead>,
    /// The tool, as a trusted manifest (or trusted audit) names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// The release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The vendor, as the trusted manifest names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Every rule applied and its outcome, failures first.
    pub reasons: Vec<Reason>,
    /// What is known of the release's behaviour, each fact labelled by its source.
    pub facts: Vec<Fact>,
    /// The documents found for the artifacts, trusted or not.
    pub documents: Documents,
    /// The release that fixes this one's findings, as the vendor's responses name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Upgrade>,
}

/// One file digested.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ArtifactRead {
    /// The file (canonical path).
    pub path: PathBuf,
    /// sha256 of the bytes read, from one open file.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether the digest came from the cache (path, device, inode, size, mtime and ctime
    /// unchanged since it was computed).
    pub cached: bool,
    /// The file changed while it was read (its size, times or inode moved): the digest is
    /// of what was read, and the verdict fails.
    pub changed_while_read: bool,
    /// Whether a document in the store names this digest as a subject.
    pub known: bool,
    /// The subject name the manifest in force gives it (a package URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// A rule of the policy and what it decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Reason {
    /// The rule (`manifest-required`, `min-audits`, `undeclared`, …).
    pub rule: Rule,
    /// What it decided.
    pub outcome: Outcome,
    /// Why, in one sentence.
    pub message: String,
    /// Where the fact it rests on comes from, when it rests on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// The rules `candor verify` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The target resolved to what runs without leaving its package.
    Resolution,
    /// The bytes digested did not change while they were read.
    Integrity,
    /// The tool is in the policy.
    ToolTrusted,
    /// A manifest from the tool's trusted signers exists for the digest.
    ManifestRequired,
    /// No two valid manifests from the vendor for one digest or one release.
    Equivocation,
    /// The manifest is not older than `max_age_days`.
    MaxAge,
    /// Audits from at least `min_audits` distinct organisations.
    MinAudits,
    /// No claimed or observed behaviour in a denied category.
    DenyCategories,
    /// Network and telemetry endpoints inside `allowed_endpoints`.
    AllowedEndpoints,
    /// `undeclared` findings (`on_undeclared`).
    Undeclared,
    /// `contradicted` findings (`on_contradicted`).
    Contradicted,
    /// No weaker coverage than the previous release (`on_downgrade`).
    Downgrade,
}

impl Rule {
    /// The rule's kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Resolution => "resolution",
            Rule::Integrity => "integrity",
            Rule::ToolTrusted => "tool-trusted",
            Rule::ManifestRequired => "manifest-required",
            Rule::Equivocation => "equivocation",
            Rule::MaxAge => "max-age",
            Rule::MinAudits => "min-audits",
            Rule::DenyCategories => "deny-categories",
            Rule::AllowedEndpoints => "allowed-endpoints",
            Rule::Undeclared => "undeclared",
            Rule::Contradicted => "contradicted",
            Rule::Downgrade => "downgrade",
        }
    }
}

/// What a rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Met.
    Pass,
    /// Broken, and the policy says warn.
    Warn,
    /// Broken.
    Fail,
}

impl Outcome {
    /// The verdict of a target whose worst outcome this is.
    pub fn verdict(self) -> Verdict {
        match self {
            Outcome::Pass => Verdict::Pass,
            Outcome::Warn => Verdict::Warn,
            Outcome::Fail => Verdict::Fail,
        }
    }
}

/// Where a fact comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// The vendor's signed manifest says so.
    Claimed {
        /// sha256 of the manifest envelope.
        manifest: String,
    },
    /// A trusted auditor's signed audit observed it.
    ObservedByAuditor {
        /// The auditor's id in the policy.
        auditor: String,
        /// The auditor's organisation, as the policy names it.
        organization: String,
        /// sha256 of the audit envelope.
        audit: String,
    },
    /// This machine observed it (`--scan`).
    ObservedHere {
        /// How (`static scan`).
        method: String,
    },
}

impl Source {
    /// `claimed`, `observed by Security Lab GmbH (seclab)`, `observed here (static scan)`.
    pub fn label(&self) -> String {
        match self {
            Source::Claimed { .. } => "claimed".to_owned(),
            Source::ObservedByAuditor {
                auditor,
                organization,
                ..
            } => format!("observed by {organization} ({auditor})"),
            Source::ObservedHere { method } => format!("observed here ({method})"),
        }
    }
}

/// One thing known about the release's behaviour.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Fact {
    /// Where it comes from.
    pub source: Source,
    /// The behaviour's category.
    pub category: ClaimCategory,
    /// For a claim, its id; for a finding, the id of the claim it examined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// For an auditor's finding: its id in the audit, status and severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingRef>,
    /// What it says, in one line.
    pub summary: String,
    /// The values (endpoints, variables, domains …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// What it rests on (auditor's evidence, or this machine's scan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// The vendor's answers to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
}

/// An auditor's finding, as a fact refers to it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindingRef {
    /// Its id in the audit.
    pub id: String,
    /// Its status.
    pub status: FindingStatus,
    /// Its severity.
    pub severity: Severity,
}

/// The vendor's answer to a finding, from a trusted response.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Answer {
    /// `acknowledged`, `disputed`, `fixed`, `wont-fix`.
    pub status: candor_model::response::ResponseStatus,
    /// The fixing release, for `fixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_in: Option<String>,
    /// The vendor's words.
    pub statement: String,
    /// sha256 of the response envelope.
    pub response: String,
    /// When.
    pub date: Timestamp,
}

/// The release to upgrade to.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Upgrade {
    /// The version the vendor says fixes the findings.
    pub version: String,
    /// The findings it fixes (`F-004`, …).
    pub fixes: Vec<String>,
}

/// The documents found for a target's digests.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Documents {
    /// Manifests from the tool's trusted signers.
    pub manifests: Vec<UsedDocument>,
    /// Audits from trusted auditors.
    pub audits: Vec<UsedAudit>,
    /// Responses from the vendor's trusted signers.
    pub responses: Vec<UsedDocument>,
    /// Documents found and not used: untrusted signers, other tools, bad signatures.
    /// Listed, never used.
    pub untrusted: Vec<UntrustedDocument>,
}

/// A trusted document the verdict used.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UsedDocument {
    /// sha256 of the envelope.
    pub sha256: String,
    /// The tool and release it is filed under.
    pub tool: String,
    /// The release.
    pub version: String,
    /// The trusted signers that signed it.
    pub signers: Vec<String>,
    /// The feed it first came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
    /// Its path in a feed.
    pub path: String,
    /// Why it is listed but does not decide (superseded, for another release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A trusted auditor's audit.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UsedAudit {
    /// sha256 of the envelope.
    pub sha256: String,
    /// The auditor's id in the policy.
    pub auditor: String,
    /// The organisation, as the policy names it.
    pub organization: String,
    /// When the audit was completed.
    pub date: Timestamp,
    /// Whether it counts toward `min_audits`.
    pub counted: bool,
    /// Why it does not count, when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_counted: Option<String>,
    /// The trusted signers that signed it.
    pub signers: Vec<String>,
    /// Its path in a feed.
    pub path: String,
}

/// A document found and not used.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UntrustedDocument {
    /// sha256 of the envelope.
    pub sha256: String,
    /// `manifest`, `audit`, `response`.
    pub kind: String,
    /// The tool and release it claims.
    pub tool: String,
    /// The release.
    pub version: String,
    /// The signer it names (unverified).
    pub claimed_signer: String,
    /// Why it is not used.
    pub reason: String,
}
