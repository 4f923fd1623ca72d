//! Why a document did not verify: [`VerifyError`], one variant per failed check.

use std::fmt::Write as _;
use std::num::NonZeroUsize;

use candor_model::digest::{DigestAlgorithm, DigestMatch, DigestSet};
use candor_model::signer::CertificateIdentity;
use candor_model::{DocumentError, DocumentErrors, IN_TOTO_PAYLOAD_TYPE, Subject};

use super::SignedBy;
use super::envelope::IgnoredSignature;
use crate::dsse::MAX_SIGNATURES;
use crate::file::FileError;

/// Why an envelope did not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The envelope file could not be read, or is too large.
    #[error(transparent)]
    File(#[from] FileError),
    /// The envelope is not well-formed DSSE JSON.
    #[error("malformed envelope: {0}")]
    Envelope(#[source] DocumentError),
    /// A base64 field does not decode.
    #[error("{file}: malformed envelope: {field} is not valid base64: {reason}")]
    Base64 {
        /// The envelope.
        file: String,
        /// Which field (`payload`, `signatures[1].sig`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The envelope has no signatures.
    #[error("{file}: the envelope has no signatures")]
    NoSignatures {
        /// The envelope.
        file: String,
    },
    /// Too many signatures to consider.
    #[error("{file}: the envelope has {count} signatures; at most {MAX_SIGNATURES} are accepted")]
    TooManySignatures {
        /// The envelope.
        file: String,
        /// How many it has.
        count: usize,
    },
    /// Not enough distinct trusted keys signed.
    #[error("{file}: {}", threshold_message(*threshold, verified, ignored, *trusted_signers, trusted_keys))]
    ThresholdNotMet {
        /// The envelope.
        file: String,
        /// Distinct trusted keys required.
        threshold: NonZeroUsize,
        /// Distinct trusted signers whose signatures verified.
        verified: Vec<SignedBy>,
        /// Signatures in the envelope.
        signatures: usize,
        /// Trusted signers tried.
        trusted_signers: usize,
        /// The ids of the trusted keys tried (for the message).
        trusted_keys: Vec<String>,
        /// Why each other signature did not count.
        ignored: Vec<IgnoredSignature>,
    },
    /// Signed by trusted keys, but the payload is not an in-toto Statement.
    #[error("{file}: payloadType is {found:?}; expected {IN_TOTO_PAYLOAD_TYPE:?}")]
    PayloadType {
        /// The envelope.
        file: String,
        /// The payloadType found.
        found: String,
    },
    /// Signed by trusted keys, but the payload is not a valid candor Statement.
    #[error("payload is not a valid candor Statement:\n{0}")]
    Statement(#[source] DocumentErrors),
    /// A certificate bundle was given to a caller that trusts Sigstore identities but
    /// gave no trusted root to verify certificates against.
    #[error(
        "{file}: the Sigstore bundle carries a certificate, but no Sigstore trusted root was given to verify it against"
    )]
    NoTrustedRoot {
        /// The bundle.
        file: String,
    },
    /// A Sigstore bundle did not verify (the check that failed is named).
    #[error("{file}: Sigstore bundle rejected ({} check): {source}", source.check())]
    Sigstore {
        /// The bundle.
        file: String,
        /// Why.
        source: crate::sigstore::SigstoreError,
    },
    /// A Sigstore bundle verified, but no trusted identity matches its certificate.
    #[error(
        "{file}: signed by {identity}, which is none of the {trusted} trusted Sigstore identities"
    )]
    UntrustedIdentity {
        /// The bundle.
        file: String,
        /// Who the verified certificate says signed.
        identity: CertificateIdentity,
        /// Identities tried.
        trusted: usize,
    },
    /// A Sigstore bundle whose content is not a DSSE envelope (a plain message signature).
    #[error(
        "{file}: the Sigstore bundle holds a message signature, not a DSSE envelope; candor attestations are DSSE envelopes"
    )]
    NotAnAttestation {
        /// The bundle.
        file: String,
    },
    /// The artifact is not among the Statement's subjects.
    #[error("{}", subject_mismatch_message(artifact, actual, subjects))]
    SubjectMismatch {
        /// The artifact checked.
        artifact: String,
        /// Its digests.
        actual: DigestSet,
        /// The subjects the Statement names.
        subjects: Vec<Subject>,
    },
}

fn threshold_message(
    threshold: NonZeroUsize,
    verified: &[SignedBy],
    ignored: &[IgnoredSignature],
    trusted: usize,
    trusted_keys: &[String],
) -> String {
    /// Key ids shortened as the feed layout writes them.
    fn short(id: &str) -> &str {
        id.get(..16).unwrap_or(id)
    }
    if verified.is_empty() {
        let hints: Vec<&str> = ignored
            .iter()
            .map(|i| i.keyid.as_deref().map_or("no keyid", short))
            .collect();
        let keys: Vec<&str> = trusted_keys.iter().map(|id| short(id)).collect();
        format!(
            "no signature by a trusted key: {} signature(s) (keyid {}), none made by the {trusted} trusted signer(s){}",
            ignored.len(),
            hints.join(", "),
            if keys.is_empty() {
                String::new()
            } else {
                format!(" (key {})", keys.join(", "))
            }
        )
    } else {
        format!(
            "signed by {} distinct trusted key(s) but {threshold} are required",
            verified.len()
        )
    }
}

fn subject_mismatch_message(artifact: &str, actual: &DigestSet, subjects: &[Subject]) -> String {
    let mut out = format!(
        "subject does not match the artifact: {artifact} has sha256 {} but the Statement names:",
        actual.sha256().unwrap_or("?")
    );
    for subject in subjects {
        let _ = write!(
            out,
            "\n  {} sha256 {}",
            subject.name,
            subject.digest.sha256().unwrap_or("(none)")
        );
        // The sha256 shown may agree while another accepted digest does not (B9): say which.
        if let DigestMatch::Differs(algorithm) = subject.digest.matches(actual)
            && algorithm != DigestAlgorithm::Sha256
        {
            let _ = write!(
                out,
                " ({algorithm} differs: the subject has {}, the artifact {})",
                subject.digest.get(algorithm).unwrap_or("?"),
                actual.get(algorithm).unwrap_or("?")
            );
        }
    }
    out
}

impl VerifyError {
    /// A stable, kebab-case name of the failure, for JSON output and scripts
    /// (`threshold-not-met`, `subject-mismatch`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            VerifyError::File(FileError::Io(_) | FileError::Exists { .. }) => "unreadable",
            VerifyError::File(FileError::TooLarge { .. } | FileError::StdinTooLarge { .. }) => {
                "too-large"
            }
            VerifyError::Envelope(_) => "malformed-envelope",
            VerifyError::Base64 { .. } => "malformed-base64",
            VerifyError::NoSignatures { .. } => "no-signatures",
            VerifyError::TooManySignatures { .. } => "too-many-signatures",
            VerifyError::ThresholdNotMet { .. } => "threshold-not-met",
            VerifyError::NoTrustedRoot { .. } => "no-trusted-root",
            VerifyError::PayloadType { .. } => "payload-type",
            VerifyError::Statement(_) => "invalid-statement",
            VerifyError::Sigstore { .. } => "sigstore",
            VerifyError::UntrustedIdentity { .. } => "untrusted-identity",
            VerifyError::NotAnAttestation { .. } => "not-an-attestation",
            VerifyError::SubjectMismatch { .. } => "subject-mismatch",
        }
    }

    /// The check that failed, as [`super::Check::what`] names checks.
    pub fn check(&self) -> &'static str {
        match self {
            VerifyError::File(_)
            | VerifyError::Envelope(_)
            | VerifyError::Base64 { .. }
            | VerifyError::NoSignatures { .. }
            | VerifyError::TooManySignatures { .. }
            | VerifyError::NotAnAttestation { .. } => "document",
            VerifyError::ThresholdNotMet { .. } => "threshold",
            VerifyError::NoTrustedRoot { .. } => "trusted root",
            VerifyError::PayloadType { .. } => "payload type",
            VerifyError::Statement(_) => "statement",
            VerifyError::Sigstore { source, .. } => source.check(),
            VerifyError::UntrustedIdentity { .. } => "identity",
            VerifyError::SubjectMismatch { .. } => "subject",
        }
    }

    /// Whether the failure is the caller's input rather than the document's fault: the
    /// file could not be read at all, or the caller gave no trusted root for a
    /// certificate bundle. Everything else is a rejection of the document.
    pub fn is_input_error(&self) -> bool {
        match self {
            VerifyError::File(FileError::Io(_) | FileError::Exists { .. })
            | VerifyError::NoTrustedRoot { .. } => true,
            VerifyError::File(FileError::TooLarge { .. } | FileError::StdinTooLarge { .. })
            | VerifyError::Envelope(_)
            | VerifyError::Base64 { .. }
            | VerifyError::NoSignatures { .. }
            | VerifyError::TooManySignatures { .. }
            | VerifyError::ThresholdNotMet { .. }
            | VerifyError::PayloadType { .. }
            | VerifyError::Statement(_)
            | VerifyError::Sigstore { .. }
            | VerifyError::UntrustedIdentity { .. }
            | VerifyError::NotAnAttestation { .. }
            | VerifyError::SubjectMismatch { .. } => false,
        }
    }

    /// The signatures that did not count, where the failure is about signatures.
    pub fn ignored_signatures(&self) -> &[IgnoredSignature] {
        match self {
            VerifyError::ThresholdNotMet { ignored, .. } => ignored,
            _ => &[],
        }
    }

    /// The located document errors behind the failure, if it is about a document's text.
    pub fn document_errors(&self) -> Vec<&DocumentError> {
        match self {
            VerifyError::Statement(errors) => errors.iter().collect(),
            VerifyError::Envelope(error) => vec![error],
            _ => Vec::new(),
        }
    }
}
