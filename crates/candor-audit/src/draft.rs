//! `candor audit draft`: an editable audit of a release against its manifest, from a
//! static scan of the release's artifacts.
//!
//! The manifest's signature is checked against the vendor signers the auditor gives (or,
//! with `untrusted`, only read, and recorded as unchecked); the artifacts must be its
//! subjects. The scan's indicators are matched with the claims
//! ([`candor_scan::coverage`]), and each claim and each group of uncovered indicators
//! becomes one finding:
//!
//! - `confirmed`: the scan supports the claim;
//! - `inconclusive`: the scan shows nothing of the claim (static analysis cannot decide;
//!   the auditor edits it), or a manifest exception let findings through (review its
//!   reason);
//! - `undeclared`: indicators no claim covers, grouped (one blob's decoded values are one
//!   finding);
//! - `contradicted`: a category the manifest asserts is declared exhaustively has
//!   undeclared findings.
//!
//! Severities start from `candor_model::severity` (`data/severity.toml`). The draft
//! records the method (static scan, candor's version, the rules' digest) and the
//! auditor's scope.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use candor_model::audit::{
    AuditDraft, AuditMethod, AuditorInfo, DraftManifest, Evidence, Finding, FindingStatus,
    MethodKind,
};
use candor_model::claims::{ClaimCategory, Claims};
use candor_model::digest::DigestMatch;
use candor_model::ids::{FindingId, ToolName, Version};
use candor_model::manifest::{GateException, ManifestPredicate};
use candor_model::{AnyStatement, Statement, Subject};
use candor_scan::coverage::cover;
use candor_scan::{Capped, Indicator, ScanOptions, Scanner};
use candor_sign::file::FileError;
use candor_sign::verify::{TrustedSigners, VerifyError};

/// Places of evidence kept per finding.
const EVIDENCE_PER_FINDING: usize = 5;

/// Which manifest the draft is against, and how far it is trusted.
#[derive(Debug, Clone)]
pub enum ManifestSource {
    /// A manifest whose signature is checked against these signers.
    Verified {
        /// The envelope or bundle.
        file: PathBuf,
        /// The vendor's signers.
        signers: TrustedSigners,
        /// Distinct signers required.
        threshold: NonZeroUsize,
    },
    /// A manifest read without checking its signature (recorded as such).
    Untrusted {
        /// The envelope or bundle.
        file: PathBuf,
    },
    /// A release with no manifest: every finding is against no declaration.
    None {
        /// The tool.
        tool: ToolName,
        /// The release.
        version: Version,
    },
}

/// What to draft.
#[derive(Debug, Clone)]
pub struct DraftRequest {
    /// The manifest.
    pub manifest: ManifestSource,
    /// The release's artifacts (each must be a subject of the manifest).
    pub artifacts: Vec<PathBuf>,
    /// The previous release's artifacts: undeclared findings new since then are marked.
    pub previous_artifacts: Vec<PathBuf>,
    /// Who audits, where known (else the draft has placeholders to fill in).
    pub auditor: Option<AuditorInfo>,
    /// The auditor's scope.
    pub scope: Option<String>,
}

/// Why a draft could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DraftError {
    /// The manifest could not be read or did not verify.
    #[error("manifest {}", file.display())]
    Manifest {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: Box<VerifyError>,
    },
    /// The document given as the manifest is another kind of document.
    #[error("{}: a {kind}, not a behaviour manifest", file.display())]
    NotAManifest {
        /// The file.
        file: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// An artifact is not one of the manifest's subjects.
    #[error("{} (sha256 {sha256}) is not a subject of the manifest, which names: {subjects}", artifact.display())]
    NotASubject {
        /// The artifact.
        artifact: PathBuf,
        /// Its sha256.
        sha256: String,
        /// The manifest's subjects.
        subjects: String,
    },
    /// An artifact could not be read.
    #[error("cannot read artifact {}", path.display())]
    Artifact {
        /// The artifact.
        path: PathBuf,
        /// Why.
        #[source]
        source: FileError,
    },
    /// An artifact could not be scanned.
    #[error("cannot scan {}", path.display())]
    Scan {
        /// The artifact.
        path: PathBuf,
        /// Why.
        #[source]
        source: candor_scan::ScanError,
    },
    /// No artifact was given.
    #[error("no artifacts: an audit is of the artifacts users install")]
    NoArtifacts,
    /// A match against a manifest was asked for with none.
    #[error("no manifest to match the indicators with")]
    NoManifest,
}

impl DraftError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            DraftError::Manifest { source, .. } => source.kind(),
            DraftError::NotAManifest { .. } => "not-a-manifest",
            DraftError::NotASubject { .. } => "not-a-subject",
            DraftError::Artifact { .. } => "unreadable-artifact",
            DraftError::Scan { .. } => "unscannable-artifact",
            DraftError::NoArtifacts => "no-artifacts",
            DraftError::NoManifest => "no-manifest",
        }
    }

    /// Whether the manifest was examined and rejected (exit 1) rather than unusable input.
    pub fn is_rejection(&self) -> bool {
        match self {
            DraftError::Manifest { source, .. } => !source.is_input_error(),
            DraftError::NotASubject { .. } => true,
            DraftError::NotAManifest { .. }
            | DraftError::Artifact { .. }
            | DraftError::Scan { .. }
            | DraftError::NoArtifacts
            | DraftError::NoManifest => false,
        }
    }
}

/// A draft, and how many findings of each status it has.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// The draft.
    pub draft: AuditDraft,
    /// Its TOML, with a header saying what to do with it.
    pub text: String,
}

/// The manifest a draft is against.
struct ManifestFacts {
    file: Option<String>,
    envelope_digest: Option<candor_model::digest::DigestSet>,
    verified: bool,
    statement: Option<Statement<ManifestPredicate>>,
    tool: ToolName,
    version: Version,
}

fn read_manifest(source: &ManifestSource) -> Result<ManifestFacts, DraftError> {
    let (file, statement, digest, verified) = match source {
        ManifestSource::None { tool, version } => {
            return Ok(ManifestFacts {
                file: None,
                envelope_digest: None,
                verified: false,
                statement: None,
                tool: tool.clone(),
                version: version.clone(),
            });
        }
        ManifestSource::Verified {
            file,
            signers,
            threshold,
        } => {
            let verified = candor_sign::verify::verify_attestation_from(
                &file.as_path().into(),
                signers,
                *threshold,
            )
            .map_err(|source| DraftError::Manifest {
                file: file.clone(),
                source: Box::new(source),
            })?;
            (file, verified.statement, verified.envelope_digest, true)
        }
        ManifestSource::Untrusted { file } => {
            let bytes = candor_sign::file::read_capped(
                file,
                candor_sign::dsse::MAX_ENVELOPE_BYTES,
                "a DSSE envelope or Sigstore bundle",
            )
            .map_err(|e| DraftError::Manifest {
                file: file.clone(),
                source: Box::new(VerifyError::File(e)),
            })?;
            let inspected =
                candor_sign::verify::inspect_attestation(&bytes, &file.display().to_string())
                    .map_err(|source| DraftError::Manifest {
                        file: file.clone(),
                        source: Box::new(source),
                    })?;
            (
                file,
                inspected.statement,
                candor_sign::artifact::sha256_of(&bytes),
                false,
            )
        }
    };
    let AnyStatement::Manifest(statement) = statement else {
        return Err(DraftError::NotAManifest {
            file: file.clone(),
            kind: statement.kind_name(),
        });
    };
    Ok(ManifestFacts {
        file: Some(file.display().to_string()),
        envelope_digest: Some(digest),
        verified,
        tool: statement.predicate.tool.name.clone(),
        version: statement.predicate.tool.version.clone(),
        statement: Some(statement),
    })
}

/// The subjects of the artifacts, each checked against the manifest's.
fn subjects(
    artifacts: &[PathBuf],
    manifest: Option<&Statement<ManifestPredicate>>,
    version: &Version,
) -> Result<Vec<Subject>, DraftError> {
    let paths: Vec<&std::path::Path> = artifacts.iter().map(PathBuf::as_path).collect();
    let mut subjects = Vec::with_capacity(artifacts.len());
    for (path, digest) in artifacts
        .iter()
        .zip(candor_sign::artifact::digest_files(&paths))
    {
        let digest = digest.map_err(|source| DraftError::Artifact {
            path: path.clone(),
            source,
        })?;
        let name = if let Some(manifest) = manifest {
            manifest_subject_name(manifest, path, &digest)?
        } else {
            let file_name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("artifact");
            candor_model::ids::Purl::generic(file_name, version.as_str()).map_or_else(
                |_| format!("pkg:generic/artifact@{version}"),
                |p| p.to_string(),
            )
        };
        subjects.push(Subject { name, digest });
    }
    Ok(subjects)
}

/// The name of the manifest's subject with `digest`, or why the artifact is refused.
fn manifest_subject_name(
    manifest: &Statement<ManifestPredicate>,
    path: &std::path::Path,
    digest: &candor_model::digest::DigestSet,
) -> Result<String, DraftError> {
    manifest
        .subject
        .iter()
        .find(|s| s.digest.matches(digest) == DigestMatch::Matches)
        .map(|s| s.name.clone())
        .ok_or_else(|| DraftError::NotASubject {
            artifact: path.to_owned(),
            sha256: digest.sha256().unwrap_or_default().to_owned(),
            subjects: manifest
                .subject
                .iter()
                .map(|s| format!("{} (sha256 {})", s.name, s.digest.sha256().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// What the scans did not read (`skipped`), read in a degraded way (`degraded`), as
/// `path: reason`, and the files with more distinct indicators than a scan keeps.
#[derive(Debug, Default)]
struct Unread {
    skipped: Vec<String>,
    degraded: Vec<String>,
    capped: Vec<Capped>,
}

fn scan(scanner: &Scanner, paths: &[PathBuf]) -> Result<(Vec<Indicator>, Unread), DraftError> {
    let mut indicators = Vec::new();
    let mut unread = Unread::default();
    for path in paths {
        let report = candor_scan::scan_path(scanner, path).map_err(|source| DraftError::Scan {
            path: path.clone(),
            source,
        })?;
        indicators.extend(report.indicators);
        unread.skipped.extend(
            report
                .skipped
                .into_iter()
                .map(|s| format!("{}: {}", s.path, s.reason)),
        );
        unread.degraded.extend(
            report
                .degraded
                .into_iter()
                .map(|d| format!("{}: {}", d.path, d.reason)),
        );
        unread.capped.extend(report.capped);
    }
    Ok((indicators, unread))
}

/// One inconclusive finding for what the scan did not read, one for what it read in a
/// degraded way, one for the files past the cap of distinct indicators: static analysis
/// says nothing of that content, and the auditor must.
fn unread_findings(unread: &Unread, out: &mut Vec<Draft>) {
    let capped: Vec<String> = unread.capped.iter().map(Capped::summary).collect();
    for (entries, what) in [
        (
            &unread.skipped,
            "not scanned (links, devices, entries over the archive limits, trailing data …); what they do is unknown to this draft: review them by hand",
        ),
        (
            &unread.degraded,
            "scanned in a degraded way (native analysis without section headers, a file that changed while read …): check what the scan may have missed",
        ),
        (
            &capped,
            "so dense with indicators that the scan kept only the first distinct values (the rest were counted by kind, not listed): review the rest by hand",
        ),
    ] {
        if entries.is_empty() {
            continue;
        }
        let mut draft = Draft::new(
            FindingStatus::Inconclusive,
            ClaimCategory::Obfuscation,
            if entries.len() == 1 {
                format!("1 entry of the artifacts was {what}.")
            } else {
                format!("{} entries of the artifacts were {what}.", entries.len())
            },
        );
        draft.values.clone_from(entries);
        out.push(draft);
    }
}

pub use candor_model::severity::default_severity;

/// Distinct places of `members`, the first few, as audit evidence
/// ([`candor_scan::coverage::places`]).
fn evidence(indicators: &[Indicator], members: &[usize]) -> Vec<Evidence> {
    candor_scan::coverage::places(indicators, members)
        .into_iter()
        .take(EVIDENCE_PER_FINDING)
        .cloned()
        .map(Evidence::Static)
        .collect()
}

/// One line on a claim, for its finding's summary.
fn claim_text(claims: &Claims, id: &candor_model::ids::ClaimId) -> String {
    let json = toml_value(claims);
    json.get(id.category().as_str())
        .and_then(|list| list.as_array())
        .and_then(|list| {
            list.iter()
                .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(id.as_str()))
        })
        .and_then(|c| {
            [
                "endpoint",
                "variable",
                "path",
                "command",
                "condition",
                "technique",
                "encoding",
                "identifier",
                "description",
            ]
            .iter()
            .find_map(|field| c.get(*field).and_then(|v| v.as_str()).map(str::to_owned))
        })
        .unwrap_or_default()
}

fn toml_value<T: serde::Serialize>(value: &T) -> toml::Value {
    toml::Value::try_from(value).unwrap_or(toml::Value::Table(toml::Table::new()))
}

/// What the findings are made from.
struct Inputs<'a> {
    indicators: &'a [Indicator],
    claims: &'a Claims,
    exhaustive: &'a [ClaimCategory],
    exceptions: &'a [GateException],
    coverage: &'a candor_scan::coverage::Coverage,
    before: Option<&'a BTreeSet<String>>,
    has_manifest: bool,
    unread: &'a Unread,
}

/// A finding before it is numbered.
struct Draft {
    status: FindingStatus,
    category: ClaimCategory,
    claim: Option<candor_model::ids::ClaimId>,
    contradicts_completeness: bool,
    summary: String,
    values: Vec<String>,
    evidence: Vec<Evidence>,
}

impl Draft {
    fn new(status: FindingStatus, category: ClaimCategory, summary: String) -> Self {
        Self {
            status,
            category,
            claim: None,
            contradicts_completeness: false,
            summary,
            values: Vec::new(),
            evidence: Vec::new(),
        }
    }
}

/// One finding per claim: confirmed when the scan supports it, else inconclusive.
fn claim_findings(inputs: &Inputs<'_>, out: &mut Vec<Draft>) {
    for support in &inputs.coverage.claims {
        let category = support.claim.category();
        let text = claim_text(inputs.claims, &support.claim);
        let mut draft = if support.indicators.is_empty() {
            Draft::new(
                FindingStatus::Inconclusive,
                category,
                format!(
                    "The scan shows nothing of this claim ({text}); static analysis cannot confirm it."
                ),
            )
        } else {
            let mut draft = Draft::new(
                FindingStatus::Confirmed,
                category,
                format!("The artifacts show what the claim declares ({text})."),
            );
            let values: BTreeSet<String> = support
                .indicators
                .iter()
                .map(|&i| inputs.indicators[i].value.clone())
                .collect();
            draft.values = values.into_iter().collect();
            draft.evidence = evidence(inputs.indicators, &support.indicators);
            draft
        };
        draft.claim = Some(support.claim.clone());
        out.push(draft);
    }
}

/// One finding per group of undeclared behaviour, then one contradiction per category
/// asserted exhaustive that has any.
fn undeclared_findings(inputs: &Inputs<'_>, out: &mut Vec<Draft>) {
    let mut by_category: std::collections::BTreeMap<ClaimCategory, Vec<String>> =
        std::collections::BTreeMap::new();
    for group in &inputs.coverage.uncovered {
        let new = inputs
            .before
            .is_some_and(|before| group.values.iter().any(|v| !before.contains(v)));
        let declaration = if inputs.has_manifest {
            "no claim of the manifest declares it"
        } else {
            "the release has no manifest"
        };
        let mut draft = Draft::new(
            FindingStatus::Undeclared,
            group.category,
            format!(
                "Undeclared {}: {}; {declaration}{}.",
                group.category,
                group.summary(),
                if new {
                    " (new since the previous release)"
                } else {
                    ""
                }
            ),
        );
        draft.values.clone_from(&group.values);
        draft.evidence = evidence(inputs.indicators, &group.members);
        by_category
            .entry(group.category)
            .or_default()
            .push(group.summary());
        out.push(draft);
    }
    for &category in inputs.exhaustive {
        if let Some(groups) = by_category.get(&category) {
            let mut draft = Draft::new(
                FindingStatus::Contradicted,
                category,
                format!(
                    "The manifest asserts `{category}` is declared exhaustively, but {} undeclared finding(s) of it: {}.",
                    groups.len(),
                    groups.join("; ")
                ),
            );
            draft.contradicts_completeness = true;
            out.push(draft);
        }
    }
}

/// One inconclusive finding per manifest exception that let indicators through.
fn exception_findings(inputs: &Inputs<'_>, out: &mut Vec<Draft>) {
    for (exception, covered) in inputs.exceptions.iter().zip(&inputs.coverage.excepted) {
        let Some(&first) = covered.first() else {
            continue;
        };
        let mut draft = Draft::new(
            FindingStatus::Inconclusive,
            inputs.indicators[first].category,
            format!(
                "The manifest's exception for {} {} lets {} indicator(s) through (\"{}\"); review the reason.",
                exception.kind,
                exception.value,
                covered.len(),
                exception.reason
            ),
        );
        let values: BTreeSet<String> = covered
            .iter()
            .map(|&i| inputs.indicators[i].value.clone())
            .collect();
        draft.values = values.into_iter().collect();
        draft.evidence = evidence(inputs.indicators, covered);
        out.push(draft);
    }
}

/// The findings (see the module documentation), numbered in order.
fn findings(inputs: &Inputs<'_>) -> Vec<Finding> {
    let mut drafts = Vec::new();
    claim_findings(inputs, &mut drafts);
    undeclared_findings(inputs, &mut drafts);
    exception_findings(inputs, &mut drafts);
    unread_findings(inputs.unread, &mut drafts);
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| Finding {
            id: FindingId::try_from(format!("F-{:03}", i + 1))
                .unwrap_or_else(|e| unreachable!("F-<n> is a finding id: {e}")),
            severity: default_severity(d.status, d.category),
            status: d.status,
            category: d.category,
            claim: d.claim,
            contradicts_completeness: d.contradicts_completeness,
            summary: d.summary,
            values: d.values,
            evidence: d.evidence,
        })
        .collect()
}

/// Make a draft (see the module documentation).
pub fn draft(request: &DraftRequest) -> Result<Drafted, DraftError> {
    if request.artifacts.is_empty() {
        return Err(DraftError::NoArtifacts);
    }
    let manifest = read_manifest(&request.manifest)?;
    let subjects = subjects(
        &request.artifacts,
        manifest.statement.as_ref(),
        &manifest.version,
    )?;
    let scanner = Scanner::new(
        candor_scan::rules::detectors(&[]).map_err(|e| DraftError::Scan {
            path: PathBuf::from("(built-in rules)"),
            source: candor_scan::ScanError::Io(std::io::Error::other(e.to_string())),
        })?,
        ScanOptions::default(),
    );
    let (indicators, unread) = scan(&scanner, &request.artifacts)?;
    let before: Option<BTreeSet<String>> = if request.previous_artifacts.is_empty() {
        None
    } else {
        Some(
            scan(&scanner, &request.previous_artifacts)?
                .0
                .into_iter()
                .map(|i| i.value)
                .collect(),
        )
    };
    let empty = Claims::default();
    let (claims, exhaustive, exceptions): (&Claims, Vec<ClaimCategory>, &[GateException]) =
        match &manifest.statement {
            Some(statement) => (
                &statement.predicate.claims,
                statement.predicate.completeness.exhaustive.clone(),
                &statement.predicate.exceptions,
            ),
            None => (&empty, Vec::new(), &[]),
        };
    let coverage = cover(&indicators, claims, exceptions);
    let findings = findings(&Inputs {
        indicators: &indicators,
        claims,
        exhaustive: &exhaustive,
        exceptions,
        coverage: &coverage,
        before: before.as_ref(),
        has_manifest: manifest.statement.is_some(),
        unread: &unread,
    });
    let draft = AuditDraft {
        auditor: request.auditor.clone().unwrap_or(AuditorInfo {
            name: String::new(),
            organization: String::new(),
            contact: None,
        }),
        scope: request.scope.clone(),
        manifest: DraftManifest {
            file: manifest.file,
            envelope_digest: manifest.envelope_digest,
            tool: manifest.tool,
            version: manifest.version,
            signature_verified: manifest.verified,
        },
        method: AuditMethod {
            kinds: vec![MethodKind::Static],
            tools: vec![format!("candor scan {}", env!("CARGO_PKG_VERSION"))],
            description: Some(format!(
                "Static scan of the artifacts (every decoder, XOR under every key), rules {}; findings grouped by site and by decoded blob.{}",
                candor_scan::rules::builtin_digest(),
                capped_text(&unread.capped)
            )),
        },
        subjects,
        findings,
    };
    let text = format!("{DRAFT_HEADER}{}", draft.to_toml());
    Ok(Drafted { draft, text })
}

/// What the method description says of files with more distinct indicators than a scan
/// keeps: their values past the cap were not examined.
fn capped_text(capped: &[Capped]) -> String {
    let mut text = String::new();
    for c in capped {
        text.push_str(" Scan incomplete: ");
        text.push_str(&c.summary());
        text.push('.');
    }
    text
}

/// What the manifest of `source` covers of `indicators` (`candor scan --manifest`): its
/// signature checked as for a draft ([`ManifestSource::Verified`]) or only read
/// ([`ManifestSource::Untrusted`]).
///
/// # Errors
/// The manifest cannot be read or verified, or is not a manifest; [`ManifestSource::None`]
/// is refused as [`DraftError::NoManifest`].
pub fn manifest_match(
    source: &ManifestSource,
    indicators: &[Indicator],
) -> Result<candor_scan::coverage::ManifestMatch, DraftError> {
    let facts = read_manifest(source)?;
    let Some(statement) = facts.statement else {
        return Err(DraftError::NoManifest);
    };
    let predicate = &statement.predicate;
    let mut matched =
        candor_scan::coverage::manifest_match(indicators, &predicate.claims, &predicate.exceptions);
    matched.manifest = facts.file.unwrap_or_default();
    matched.signature_checked = facts.verified;
    matched.tool = facts.tool.to_string();
    matched.version = facts.version.to_string();
    Ok(matched)
}

/// What heads every draft.
const DRAFT_HEADER: &str = "\
# An audit draft written by `candor audit draft`. Edit it, then sign it:
#
#   candor audit sign --key auditor.key draft.toml --out audit.dsse.json
#
# Fill in [auditor] (name and organisation: policies count audits per organisation) and,
# if you wish, `scope` (what you examined and what not). Each [[finding]] is one claim or
# one group of behaviour no claim declares: check its status (confirmed, contradicted,
# undeclared, inconclusive), severity and summary; keep the evidence you rely on. A
# finding's `values` lists everything it covers (a decoded domain list is one finding).
# `candor audit sign` checks every rule again and refuses a draft whose subjects are not
# the manifest's.

";

#[cfg(test)]
mod tests {

    use super::*;

    /// A release file padded with more distinct values than a scan keeps: the signed
    /// method description says what the scan could not see.
    #[test]
    fn a_capped_file_is_named_in_the_method() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cli.js");
        let text = candor_test::distinct_urls(candor_scan::MAX_PLAIN_PER_FILE / 2 + 10);
        fs_err::write(&path, text).unwrap();
        let drafted = draft(&DraftRequest {
            manifest: ManifestSource::None {
                tool: "agent".parse().unwrap(),
                version: "1.0.0".parse().unwrap(),
            },
            artifacts: vec![path],
            previous_artifacts: Vec::new(),
            auditor: None,
            scope: None,
        })
        .unwrap();
        let description = drafted.draft.method.description.unwrap();
        assert!(
            description
                .contains(" Scan incomplete: cli.js: more distinct indicators than a file keeps; "),
            "{description}"
        );
    }
}
