//! What `candor ledger` reports: per vendor, tool and version, every document counted
//! with its trust label, the findings with the vendor's answers, equivocations,
//! downgrades and totals.

use std::path::PathBuf;

use candor_model::audit::{FindingStatus, Severity};
use candor_model::claims::ClaimCategory;
use candor_model::ids::Timestamp;
use candor_model::response::ResponseStatus;
use schemars::JsonSchema;
use serde::Serialize;

use crate::report::UntrustedDocument;

/// The trust ledger per vendor: per tool and version, the manifests published, the
/// auditors' findings and the vendor's answers, the fixing releases, equivocations and
/// coverage downgrades, with totals.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LedgerReport {
    /// Whether documents were verified, and against which policy.
    pub verification: Verification,
    /// The store read.
    pub store: PathBuf,
    /// The vendor asked for, as given.
    pub vendor: Option<String>,
    /// Documents in the store, counted or not.
    pub documents: usize,
    /// One ledger per vendor, by name.
    pub vendors: Vec<VendorLedger>,
    /// Tools with documents but no counted manifest to name their vendor (listed only
    /// when no vendor is asked for).
    pub unattributed: Vec<ToolLedger>,
}

/// How the documents of a ledger were judged.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Verification {
    /// Every document was verified against the policy's signers; only trusted ones are
    /// counted.
    Policy {
        /// The policy file.
        file: String,
        /// sha256 of its bytes.
        sha256: String,
        /// Its version.
        version: u64,
    },
    /// No policy was given: no signature was checked, and every document is counted
    /// as the store holds it.
    Unverified {
        /// The same, in a sentence for people.
        notice: String,
    },
}

/// Whether a document was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentTrust {
    /// Signed by signers the policy trusts for it.
    Trusted,
    /// Not signed by them (or not usable): listed, never counted.
    Untrusted,
    /// Not checked (no policy given).
    Unverified,
}

/// One vendor's ledger.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VendorLedger {
    /// The vendor, as its latest manifest names it.
    pub vendor: String,
    /// Its tools, by name.
    pub tools: Vec<ToolLedger>,
    /// The totals of all its tools.
    pub totals: Totals,
}

/// One tool's ledger.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolLedger {
    /// The tool.
    pub tool: String,
    /// Other vendor names its counted manifests give (a renamed or disputed vendor).
    pub other_vendor_names: Vec<String>,
    /// Every version with a counted document, oldest first.
    pub versions: Vec<VersionLedger>,
    /// Releases with two stories.
    pub equivocations: Vec<Equivocation>,
    /// Releases with weaker coverage than the release before.
    pub downgrades: Vec<Downgrade>,
    /// Documents about the tool that are not counted, and why.
    pub untrusted: Vec<UntrustedDocument>,
    /// Its totals.
    pub totals: Totals,
}

/// One version of a tool.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VersionLedger {
    /// The release.
    pub version: String,
    /// The manifests published for it, oldest first.
    pub manifests: Vec<ManifestEntry>,
    /// The manifest in force: the one no other supersedes, when there is exactly one.
    pub in_force: Option<String>,
    /// The audits of it, by date.
    pub audits: Vec<AuditEntry>,
}

/// A manifest.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ManifestEntry {
    /// sha256 of the envelope.
    pub sha256: String,
    /// Verified or not.
    pub trust: DocumentTrust,
    /// Its signers: verified ones with a policy, claimed ones without.
    pub signers: Vec<String>,
    /// The vendor it names.
    pub vendor: String,
    /// Its release date, if it gives one.
    pub release_date: Option<Timestamp>,
    /// When this store first saw it.
    pub first_seen: Timestamp,
    /// The feed it first came from.
    pub feed: Option<String>,
    /// The categories it asserts are declared exhaustively.
    pub exhaustive: Vec<ClaimCategory>,
    /// The manifest it supersedes (sha256), if any.
    pub supersedes: Option<String>,
    /// The counted manifest that supersedes it, if any.
    pub superseded_by: Option<String>,
}

/// An audit.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AuditEntry {
    /// sha256 of the envelope.
    pub sha256: String,
    /// Verified or not.
    pub trust: DocumentTrust,
    /// The auditor (a person or team), as the audit names them.
    pub auditor: String,
    /// The organisation: as the policy names it when verified, else as the audit does.
    pub organization: String,
    /// The auditor's id in the policy, when verified.
    pub auditor_id: Option<String>,
    /// When the audit was completed.
    pub date: Timestamp,
    /// When this store first saw it.
    pub first_seen: Timestamp,
    /// The manifest it examined (sha256 of the envelope); `None` for a release audited
    /// without one.
    pub manifest: Option<String>,
    /// What it found, in the audit's order.
    pub findings: Vec<FindingEntry>,
}

/// A finding, with the vendor's answers.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindingEntry {
    /// Its id in the audit.
    pub id: String,
    /// `confirmed`, `contradicted`, `undeclared`, `inconclusive`.
    pub status: FindingStatus,
    /// How much it matters.
    pub severity: Severity,
    /// The behaviour's category.
    pub category: ClaimCategory,
    /// The claim it examined.
    pub claim: Option<String>,
    /// What it says.
    pub summary: String,
    /// The audit's date.
    pub date: Timestamp,
    /// Whether it is against the vendor (`undeclared` or `contradicted`): these are the
    /// findings the totals count, and that want an answer.
    pub against: bool,
    /// The vendor's answers from counted responses, oldest first.
    pub answers: Vec<AnswerEntry>,
    /// The version the vendor's latest `fixed` answer names.
    pub fixed_in: Option<FixedIn>,
}

/// The vendor's answer to a finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnswerEntry {
    /// `acknowledged`, `disputed`, `fixed`, `wont-fix`.
    pub status: ResponseStatus,
    /// The fixing release, for `fixed`.
    pub fixed_in: Option<String>,
    /// The vendor's words.
    pub statement: String,
    /// sha256 of the response envelope.
    pub response: String,
    /// Verified or not.
    pub trust: DocumentTrust,
    /// The response's date.
    pub date: Timestamp,
    /// Whole days from the audit's date to the response's.
    pub days: i64,
}

/// The release a finding was fixed in, as the vendor says.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FixedIn {
    /// The version.
    pub version: String,
    /// Whether a counted manifest of that version is in the store.
    pub manifest: bool,
    /// Whether a counted audit of that version is in the store.
    pub audited: bool,
}

/// A release for which the vendor signed more than one story.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Equivocation {
    /// The release.
    pub version: String,
    /// The manifests (sha256 of the envelopes).
    pub manifests: Vec<String>,
    /// What shows it.
    pub found_by: Vec<EquivocationSource>,
    /// When the store recorded it, if it did.
    pub recorded: Option<Timestamp>,
    /// `trusted` when every manifest is, `untrusted` when one is not (listed, not
    /// counted), `unverified` without a policy.
    pub trust: DocumentTrust,
    /// What happened, in a sentence.
    pub detail: String,
}

/// What shows an equivocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EquivocationSource {
    /// Counted manifests of one release, none superseding the others (or superseding
    /// each other in a cycle).
    Manifests,
    /// The store's `equivocation` event, recorded when the second manifest arrived.
    StoreEvent,
}

/// A release with weaker coverage than the release before it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Downgrade {
    /// The earlier release (the last one with a manifest).
    pub from: String,
    /// The weaker release.
    pub to: String,
    /// How it is weaker.
    pub kind: DowngradeKind,
    /// For `fewer-exhaustive`, the categories no longer asserted exhaustive.
    pub dropped: Vec<ClaimCategory>,
}

/// How a release's coverage is weaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DowngradeKind {
    /// Fewer categories asserted exhaustive.
    FewerExhaustive,
    /// No counted manifest, where the earlier release had one.
    NoManifest,
}

/// Counts over a tool or a vendor.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Totals {
    /// Counted manifests.
    pub manifests: usize,
    /// Counted audits.
    pub audits: usize,
    /// Findings against the vendor (`undeclared`, `contradicted`).
    pub findings: usize,
    /// Those by severity.
    pub by_severity: BySeverity,
    /// `confirmed` findings (claims an auditor checked).
    pub confirmed: usize,
    /// `inconclusive` findings.
    pub inconclusive: usize,
    /// Findings against the vendor with at least one answer.
    pub answered: usize,
    /// Findings against the vendor without an answer.
    pub open: usize,
    /// Findings against the vendor answered `fixed`.
    pub fixed: usize,
    /// Median of the days to the first answer, over answered findings.
    pub median_response_days: Option<f64>,
    /// The longest of them.
    pub max_response_days: Option<i64>,
    /// Equivocations counted (trusted or unverified).
    pub equivocations: usize,
    /// Coverage downgrades.
    pub downgrades: usize,
    /// Documents not counted.
    pub untrusted: usize,
}

/// Findings by severity.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema)]
pub struct BySeverity {
    /// Critical.
    pub critical: usize,
    /// High.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// Info.
    pub info: usize,
}

impl BySeverity {
    /// Count one finding of `severity`.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// Each non-zero count with its severity, most severe first.
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

/// What the report says when no policy is given.
pub const UNVERIFIED_NOTICE: &str = "no policy given: no signature was checked, and every \
     document in the store is counted as it claims to be; pass --policy to count only \
     documents by the signers it trusts";
