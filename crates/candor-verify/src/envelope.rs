//! `candor verify-envelope`: one DSSE envelope (or a Sigstore bundle holding one) against
//! the keys and identities the caller trusts and, optionally, an installed artifact.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use candor_model::AnyStatement;
use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_model::error::LocatedError;
use candor_model::signer::IdentityMatcher;
use candor_sign::dsse::MAX_ENVELOPE_BYTES;
use candor_sign::file::{FileError, Input};
use candor_sign::sigstore::{self, Instance};
use candor_sign::verify::{
    self, Check, CheckOutcome, IgnoredSignature, SignedBy, TrustError, TrustedSigners, VerifyError,
};
use schemars::JsonSchema;
use serde::Serialize;

/// What to verify, against whom.
#[derive(Debug, Clone)]
pub struct EnvelopeRequest {
    /// The DSSE envelope, or a Sigstore bundle holding one: a file or standard input.
    pub envelope: Input,
    /// Trusted public keys (PEM or `ed25519:` text files).
    pub keys: Vec<PathBuf>,
    /// Trusted Sigstore identities.
    pub identities: Vec<IdentityMatcher>,
    /// The Sigstore trusted root for certificate bundles (default: the embedded root of
    /// `instance`); read only when `identities` is not empty.
    pub trusted_root: Option<PathBuf>,
    /// Whose embedded trusted root to use when no file is given.
    pub instance: Instance,
    /// The installed artifact the Statement must name, by digest: a file, or
    /// `sha256:<64 hex>` when no file has that name.
    pub artifact: Option<PathBuf>,
    /// Distinct trusted signers that must have signed.
    pub threshold: NonZeroUsize,
}

/// Why a verification could not be attempted: the inputs are unusable (exit 2), as
/// opposed to a document that was examined and rejected ([`EnvelopeReport::Rejected`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The trusted signers cannot be assembled.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// The threshold is more than the distinct trusted signers given.
    #[error(
        "--threshold {threshold} can never be met: only {signers} distinct trusted signer(s) given"
    )]
    UnmeetableThreshold {
        /// Required.
        threshold: NonZeroUsize,
        /// Distinct trusted signers given.
        signers: usize,
    },
    /// The artifact cannot be read.
    #[error("cannot digest artifact {}", path.display())]
    Artifact {
        /// The artifact.
        path: PathBuf,
        /// Why.
        #[source]
        source: FileError,
    },
    /// The envelope cannot be read at all (missing, unreadable).
    #[error(transparent)]
    Envelope(VerifyError),
}

impl EnvelopeError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            EnvelopeError::Trust(error) => error.kind(),
            EnvelopeError::UnmeetableThreshold { .. } => "unmeetable-threshold",
            EnvelopeError::Artifact { .. } => "unreadable-artifact",
            EnvelopeError::Envelope(error) => error.kind(),
        }
    }
}

/// The envelope examined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EnvelopeFile {
    /// Its path, as given.
    pub file: String,
    /// Its sha256 (when it was read and verified), as audits and responses refer to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<DigestSet>,
}

/// The installed artifact checked against the Statement's subjects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ArtifactMatch {
    /// Its path, as given.
    pub file: String,
    /// Its digests (sha256, sha512).
    pub digest: DigestSet,
    /// The subject that names it.
    pub subject: Option<String>,
}

/// An envelope that verified.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verified {
    /// Always `true`.
    #[schemars(schema_with = "candor_model::schema::always_true")]
    pub verified: bool,
    /// The envelope.
    pub envelope: EnvelopeFile,
    /// The Statement's predicate type.
    pub predicate_type: String,
    /// The predicate's short name (`behaviour manifest`, `audit`, `vendor response`).
    pub kind: String,
    /// Distinct trusted signers that signed.
    pub signers: Vec<SignedBy>,
    /// Distinct trusted signers that were required.
    pub threshold: NonZeroUsize,
    /// Distinct trusted signers given (not printed in JSON).
    #[serde(skip)]
    pub trusted_signers: usize,
    /// Signatures that did not count, and why.
    pub ignored_signatures: Vec<IgnoredSignature>,
    /// The artifact, when one was given.
    pub artifact: Option<ArtifactMatch>,
    /// The verified Statement.
    pub statement: AnyStatement,
    /// Every check made, in order (what `-v` prints; not in JSON).
    #[serde(skip)]
    #[schemars(skip)]
    pub checks: Vec<Check>,
}

/// Why an envelope was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Rejection {
    /// The failed check, kebab-case (`threshold-not-met`, `subject-mismatch`, …).
    pub kind: String,
    /// What is wrong.
    pub message: String,
    /// The located errors of the envelope or its Statement, where the fault is in their
    /// text.
    pub errors: Vec<LocatedError>,
    /// What to do about it, where something can be done (a Rekor v2 bundle checked
    /// against the embedded trusted root: pass `--trusted-root`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// An envelope that was examined and rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Rejected {
    /// Always `false`.
    #[schemars(schema_with = "candor_model::schema::always_false")]
    pub verified: bool,
    /// The envelope.
    pub envelope: EnvelopeFile,
    /// Why.
    pub error: Rejection,
    /// Signatures that did not count, and why.
    pub ignored_signatures: Vec<IgnoredSignature>,
    /// Every check made, in order, the failed one last (what `-v` prints; not in JSON).
    #[serde(skip)]
    #[schemars(skip)]
    pub checks: Vec<Check>,
}

/// The outcome of `candor verify-envelope` (what `--format json` prints).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvelopeReport {
    /// It verified.
    Verified(Box<Verified>),
    /// It was rejected.
    Rejected(Rejected),
}

impl EnvelopeReport {
    /// Whether it verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, EnvelopeReport::Verified(_))
    }
}

fn rejected(
    envelope: &str,
    error: &VerifyError,
    checks: Vec<Check>,
    hint: Option<String>,
) -> EnvelopeReport {
    EnvelopeReport::Rejected(Rejected {
        verified: false,
        envelope: EnvelopeFile {
            file: envelope.to_owned(),
            digest: None,
        },
        error: Rejection {
            kind: error.kind().to_owned(),
            message: error.to_string(),
            errors: error
                .document_errors()
                .into_iter()
                .map(LocatedError::from)
                .collect(),
            hint,
        },
        ignored_signatures: error.ignored_signatures().to_vec(),
        checks,
    })
}

/// The artifact (name and digests), if one was given, matched against the Statement's
/// subjects, the check recorded.
fn artifact_match(
    statement: &AnyStatement,
    artifact: Option<(String, DigestSet)>,
    checks: &mut Vec<Check>,
) -> Result<Option<ArtifactMatch>, VerifyError> {
    let Some((name, digest)) = artifact else {
        checks.push(Check::skipped(
            "subject",
            "no artifact given: no file was checked against the Statement's subjects",
        ));
        return Ok(None);
    };
    match verify::check_subject(statement, &name, &digest) {
        Ok(subject) => {
            checks.push(Check::passed(
                "subject",
                format!(
                    "artifact {name} (sha256 {}) is subject {}",
                    digest.sha256().unwrap_or_default(),
                    subject.name
                ),
            ));
            Ok(Some(ArtifactMatch {
                subject: Some(subject.name.clone()),
                file: name,
                digest,
            }))
        }
        Err(error) => {
            checks.push(Check::failed(error.check(), error.to_string()));
            Err(error)
        }
    }
}

/// The digests of the artifact: its file's, or, for `sha256:<64 hex>` when no file has
/// that name, that digest (as `sigstore verify-bundle` takes it).
fn artifact_digest(path: &std::path::Path) -> Result<DigestSet, EnvelopeError> {
    let given = path
        .to_str()
        .and_then(|text| text.strip_prefix("sha256:"))
        .filter(|hex| hex.len() == 64 && !path.exists())
        .and_then(|hex| DigestSet::single(DigestAlgorithm::Sha256, &hex.to_ascii_lowercase()).ok());
    match given {
        Some(digest) => Ok(digest),
        None => {
            candor_sign::artifact::digest_file(path).map_err(|source| EnvelopeError::Artifact {
                path: path.to_owned(),
                source,
            })
        }
    }
}

/// The signers `request` trusts.
fn trusted_signers(request: &EnvelopeRequest) -> Result<TrustedSigners, EnvelopeError> {
    Ok(TrustedSigners::from_files(
        &request.keys,
        request.identities.clone(),
        request.trusted_root.as_deref(),
        request.instance,
    )?)
}

/// Verify one envelope or bundle (see the crate documentation).
pub fn verify_envelope(request: &EnvelopeRequest) -> Result<EnvelopeReport, EnvelopeError> {
    let trusted = trusted_signers(request)?;
    if request.threshold.get() > trusted.len() {
        return Err(EnvelopeError::UnmeetableThreshold {
            threshold: request.threshold,
            signers: trusted.len(),
        });
    }
    let artifact = match &request.artifact {
        Some(path) => Some((path.display().to_string(), artifact_digest(path)?)),
        None => None,
    };
    let envelope_name = request.envelope.to_string();
    let mut checks = Vec::new();
    let mut hint = None;
    let verified = request
        .envelope
        .read_capped(MAX_ENVELOPE_BYTES, "a DSSE envelope or Sigstore bundle")
        .map_err(VerifyError::from)
        .and_then(|bytes| {
            verify::verify_attestation_recorded(
                &bytes,
                &envelope_name,
                &trusted,
                request.threshold,
                &mut checks,
            )
            .inspect_err(|error| {
                if let VerifyError::Sigstore { source, .. } = error
                    && request.trusted_root.is_none()
                    && let Ok(bundle) = sigstore::parse_bundle(&bytes, &envelope_name)
                {
                    hint = sigstore::rekor_v2_hint(&bundle, source.check());
                }
            })
        });
    let verified = match verified {
        Ok(verified) => verified,
        Err(error) if error.is_input_error() => return Err(EnvelopeError::Envelope(error)),
        Err(error) => {
            if checks
                .last()
                .is_none_or(|c| c.outcome != CheckOutcome::Failed)
            {
                // Refused before any check (too large to read).
                checks.push(Check::failed(error.check(), error.to_string()));
            }
            return Ok(rejected(&envelope_name, &error, checks, hint));
        }
    };
    let artifact = match artifact_match(&verified.statement, artifact, &mut checks) {
        Ok(artifact) => artifact,
        Err(error) => return Ok(rejected(&envelope_name, &error, checks, None)),
    };
    Ok(EnvelopeReport::Verified(Box::new(Verified {
        verified: true,
        envelope: EnvelopeFile {
            file: envelope_name,
            digest: Some(verified.envelope_digest),
        },
        predicate_type: verified.statement.predicate_type().to_owned(),
        kind: verified.statement.kind_name().to_owned(),
        signers: verified.signers,
        threshold: request.threshold,
        trusted_signers: trusted.len(),
        ignored_signatures: verified.ignored,
        artifact,
        statement: verified.statement,
        checks,
    })))
}
