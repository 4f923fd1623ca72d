//! `candor audit show`: audits and vendor responses for a person (or as JSON): findings
//! by severity with their evidence and decoding chains, each vendor answer beside the
//! finding it answers, and what does not hold together (a manifest or audit that is
//! referred to but not among the files, a response not signed by the manifest's signer).

use std::path::PathBuf;

use candor_model::audit::{Evidence, FindingStatus, Severity};
use candor_model::response::ResponseStatus;
use candor_model::{AnyStatement, Statement};
use candor_sign::file::FileError;
use candor_sign::keys::PublicKey;
use candor_sign::verify::{ClaimedSigner, TrustedKeys, TrustedSigners, VerifyError};
use schemars::JsonSchema;
use serde::Serialize;

/// What to show.
#[derive(Debug, Clone)]
pub struct ShowRequest {
    /// Audits, responses and the manifests they refer to (envelopes or bundles).
    pub files: Vec<PathBuf>,
    /// Public keys to check signatures with (a vendor's, an auditor's); without keys,
    /// signers are as the documents claim them.
    pub keys: Vec<PathBuf>,
}

/// Why the documents could not be shown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShowError {
    /// A file could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// A file is not a candor attestation.
    #[error("{} is not a candor attestation", file.display())]
    Document {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: Box<VerifyError>,
    },
    /// A key does not load.
    #[error("cannot load key {}", file.display())]
    Key {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: candor_sign::keys::KeyError,
    },
}

impl ShowError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            ShowError::File(error) => error.kind(),
            ShowError::Document { source, .. } => source.kind(),
            ShowError::Key { source, .. } => source.kind(),
        }
    }
}

/// Who signed a document, and how sure that is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Signers {
    /// The signers the document names (key ids, certificate identities): claims.
    pub claimed: Vec<String>,
    /// The given keys whose signature verified (key ids): facts.
    pub verified: Vec<String>,
}

/// A vendor's answer to one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Answer {
    /// The vendor.
    pub vendor: String,
    /// Its position.
    pub status: ResponseStatus,
    /// The release that fixes it.
    pub fixed_in: Option<String>,
    /// The vendor's words.
    pub statement: String,
    /// The response file.
    pub file: String,
}

/// One finding as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FindingView {
    /// Its id.
    pub id: String,
    /// Its status.
    pub status: FindingStatus,
    /// Its severity.
    pub severity: Severity,
    /// Its category.
    pub category: String,
    /// The claim it examines.
    pub claim: Option<String>,
    /// Whether it contradicts the completeness assertion.
    pub contradicts_completeness: bool,
    /// Its summary.
    pub summary: String,
    /// The values it covers.
    pub values: Vec<String>,
    /// What it rests on.
    pub evidence: Vec<Evidence>,
    /// The vendor's answers to it.
    pub answers: Vec<Answer>,
}

/// The manifest an audit examined, and whether it is among the files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ManifestReference {
    /// Its sha256 (absent: the release had no manifest).
    pub sha256: Option<String>,
    /// Whether a file given is that manifest.
    pub found: bool,
    /// Whether the auditor checked its signature.
    pub signature_verified_by_auditor: bool,
}

/// One audit as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AuditView {
    /// The file.
    pub file: String,
    /// Its sha256.
    pub sha256: String,
    /// The tool audited.
    pub tool: String,
    /// The release.
    pub version: String,
    /// The auditor.
    pub auditor: String,
    /// The auditor's organisation.
    pub organization: String,
    /// When.
    pub date: String,
    /// The scope the auditor states.
    pub scope: Option<String>,
    /// The manifest examined.
    pub manifest: ManifestReference,
    /// Who signed the audit.
    pub signers: Signers,
    /// The findings, most severe first.
    pub findings: Vec<FindingView>,
}

/// One response as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ResponseView {
    /// The file.
    pub file: String,
    /// Its sha256.
    pub sha256: String,
    /// The vendor.
    pub vendor: String,
    /// The audit answered (sha256).
    pub audit: String,
    /// Whether a file given is that audit.
    pub audit_found: bool,
    /// Who signed the response.
    pub signers: Signers,
    /// Whether the response is signed by the signer of the manifest the audit examined:
    /// `true`/`false` when both are among the files, `null` when that cannot be told.
    pub signed_by_manifest_signer: Option<bool>,
    /// How that was told: `verified` (a given key verified both) or `claimed` (the key
    /// ids the documents name).
    pub signer_check: Option<String>,
}

/// What `candor audit show` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShowReport {
    /// The audits.
    pub audits: Vec<AuditView>,
    /// The responses.
    pub responses: Vec<ResponseView>,
    /// What does not hold together.
    pub problems: Vec<String>,
}

struct Loaded {
    file: String,
    sha256: String,
    bytes: Vec<u8>,
    statement: AnyStatement,
    claimed: Vec<String>,
}

fn claimed_names(signers: &[ClaimedSigner]) -> Vec<String> {
    signers
        .iter()
        .map(|s| match s {
            ClaimedSigner::KeyId { keyid } => {
                keyid.clone().unwrap_or_else(|| "(no keyid)".to_owned())
            }
            ClaimedSigner::Certificate { identity } => identity.to_string(),
        })
        .collect()
}

/// The given keys that verify `bytes` (their ids).
fn verified_by(bytes: &[u8], file: &str, keys: &[PublicKey]) -> Vec<String> {
    keys.iter()
        .filter(|key| {
            let trusted = TrustedSigners::keys(TrustedKeys::new([(*key).clone()]));
            candor_sign::verify::verify_attestation(
                bytes,
                file,
                &trusted,
                std::num::NonZeroUsize::MIN,
            )
            .is_ok()
        })
        .map(|key| key.id().to_string())
        .collect()
}

/// Show the documents (see the module documentation).
pub fn show(request: &ShowRequest) -> Result<ShowReport, ShowError> {
    let keys = request
        .keys
        .iter()
        .map(|file| {
            PublicKey::from_file(file).map_err(|source| ShowError::Key {
                file: file.clone(),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut loaded = Vec::with_capacity(request.files.len());
    for path in &request.files {
        let bytes = candor_sign::file::read_capped(
            path,
            candor_sign::dsse::MAX_ENVELOPE_BYTES,
            "a DSSE envelope or Sigstore bundle",
        )?;
        let file = path.display().to_string();
        let inspected =
            candor_sign::verify::inspect_attestation(&bytes, &file).map_err(|source| {
                ShowError::Document {
                    file: path.clone(),
                    source: Box::new(source),
                }
            })?;
        loaded.push(Loaded {
            sha256: candor_sign::artifact::sha256_of(&bytes)
                .sha256()
                .unwrap_or_default()
                .to_owned(),
            claimed: claimed_names(&inspected.claimed_signers),
            statement: inspected.statement,
            bytes,
            file,
        });
    }
    let mut problems = Vec::new();
    let responses = loaded
        .iter()
        .filter_map(|document| response_view(document, &loaded, &keys, &mut problems))
        .collect();
    let mut audits = Vec::new();
    for document in &loaded {
        let AnyStatement::Audit(audit) = &document.statement else {
            continue;
        };
        audits.push(audit_view(document, audit, &loaded, &keys, &mut problems));
    }
    Ok(ShowReport {
        audits,
        responses,
        problems,
    })
}

/// A response as shown, or `None` for another kind of document.
fn response_view(
    document: &Loaded,
    loaded: &[Loaded],
    keys: &[PublicKey],
    problems: &mut Vec<String>,
) -> Option<ResponseView> {
    let AnyStatement::Response(response) = &document.statement else {
        return None;
    };
    let find = |sha256: &str| loaded.iter().find(|d| d.sha256 == sha256);
    let audit_sha = response
        .predicate
        .audit
        .envelope_digest
        .sha256()
        .unwrap_or_default()
        .to_owned();
    let audit = find(&audit_sha);
    if audit.is_none() {
        problems.push(format!(
            "{}: answers audit sha256 {audit_sha}, which is not among the files",
            document.file
        ));
    }
    let manifest = audit.and_then(|a| match &a.statement {
        AnyStatement::Audit(audit) => audit
            .predicate
            .manifest
            .envelope_digest
            .as_ref()
            .and_then(|d| d.sha256())
            .and_then(find),
        _ => None,
    });
    let signers = Signers {
        claimed: document.claimed.clone(),
        verified: verified_by(&document.bytes, &document.file, keys),
    };
    let (same, check) = match manifest {
        Some(manifest) if !keys.is_empty() => {
            let manifest_keys = verified_by(&manifest.bytes, &manifest.file, keys);
            if manifest_keys.is_empty() {
                (None, None)
            } else {
                (
                    Some(signers.verified.iter().any(|k| manifest_keys.contains(k))),
                    Some("verified".to_owned()),
                )
            }
        }
        Some(manifest) => (
            Some(
                document
                    .claimed
                    .iter()
                    .any(|c| manifest.claimed.contains(c)),
            ),
            Some("claimed".to_owned()),
        ),
        None => (None, None),
    };
    if same == Some(false) {
        problems.push(format!(
            "{}: the response is not signed by the signer of the manifest the audit examined ({})",
            document.file,
            check.as_deref().unwrap_or_default()
        ));
    }
    Some(ResponseView {
        file: document.file.clone(),
        sha256: document.sha256.clone(),
        vendor: response.predicate.vendor.clone(),
        audit: audit_sha,
        audit_found: audit.is_some(),
        signers,
        signed_by_manifest_signer: same,
        signer_check: check,
    })
}

fn audit_view(
    document: &Loaded,
    audit: &Statement<candor_model::audit::AuditPredicate>,
    loaded: &[Loaded],
    keys: &[PublicKey],
    problems: &mut Vec<String>,
) -> AuditView {
    let p = &audit.predicate;
    let manifest_sha = p
        .manifest
        .envelope_digest
        .as_ref()
        .and_then(|d| d.sha256())
        .map(str::to_owned);
    let found = manifest_sha.as_ref().is_some_and(|sha| {
        loaded
            .iter()
            .any(|d| &d.sha256 == sha && matches!(d.statement, AnyStatement::Manifest(_)))
    });
    if let (Some(sha), false) = (&manifest_sha, found) {
        problems.push(format!(
            "{}: examined manifest sha256 {sha}, which is not among the files (does it exist?)",
            document.file
        ));
    }
    let answers_to = |id: &str| -> Vec<Answer> {
        loaded
            .iter()
            .filter_map(|d| match &d.statement {
                AnyStatement::Response(r)
                    if r.predicate.audit.envelope_digest.sha256()
                        == Some(document.sha256.as_str()) =>
                {
                    Some((d, r))
                }
                _ => None,
            })
            .flat_map(|(d, r)| {
                r.predicate
                    .responses
                    .iter()
                    .filter(|a| a.finding.as_str() == id)
                    .map(|a| Answer {
                        vendor: r.predicate.vendor.clone(),
                        status: a.status,
                        fixed_in: a.fixed_in.as_ref().map(ToString::to_string),
                        statement: a.statement.clone(),
                        file: d.file.clone(),
                    })
            })
            .collect()
    };
    let mut findings: Vec<FindingView> = p
        .findings
        .iter()
        .map(|f| FindingView {
            id: f.id.to_string(),
            status: f.status,
            severity: f.severity,
            category: f.category.to_string(),
            claim: f.claim.as_ref().map(ToString::to_string),
            contradicts_completeness: f.contradicts_completeness,
            summary: f.summary.clone(),
            values: f.values.clone(),
            evidence: f.evidence.clone(),
            answers: answers_to(f.id.as_str()),
        })
        .collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    AuditView {
        file: document.file.clone(),
        sha256: document.sha256.clone(),
        tool: p.manifest.tool.to_string(),
        version: p.manifest.version.to_string(),
        auditor: p.auditor.name.clone(),
        organization: p.auditor.organization.clone(),
        date: p.date.to_string(),
        scope: p.scope.clone(),
        manifest: ManifestReference {
            sha256: manifest_sha,
            found,
            signature_verified_by_auditor: p.manifest.signature_verified,
        },
        signers: Signers {
            claimed: document.claimed.clone(),
            verified: verified_by(&document.bytes, &document.file, keys),
        },
        findings,
    }
}
