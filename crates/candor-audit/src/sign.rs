//! `candor audit sign`: a draft, checked again, signed into an audit Statement whose
//! subjects are the audited artifacts and which names the manifest by its digest.

use std::path::{Path, PathBuf};

use candor_model::audit::AuditDraft;
use candor_model::digest::DigestMatch;
use candor_model::ids::Timestamp;
use candor_model::{AnyStatement, DocumentErrors, MAX_TOML_DOCUMENT_BYTES};
use candor_sign::file::{FileError, read_capped};
use candor_sign::signing::{Destination, SignError, SignWith, SignedDocument, sign_statement};

/// What to sign.
#[derive(Debug)]
pub struct SignAuditRequest {
    /// The draft (TOML).
    pub draft: PathBuf,
    /// The manifest the draft examined, when not the file the draft records.
    pub manifest: Option<PathBuf>,
    /// How to sign.
    pub with: SignWith,
    /// Where the signed audit goes.
    pub out: Destination,
}

/// Why an audit could not be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignAuditError {
    /// A file could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// The draft is not valid (every error, located).
    #[error("{file} is not a valid audit draft:\n{errors}")]
    Draft {
        /// The draft.
        file: String,
        /// Every error.
        errors: DocumentErrors,
    },
    /// The draft names a manifest but no manifest file was found to check it against.
    #[error("the draft examined manifest sha256 {digest} but names no manifest file")]
    NoManifestFile {
        /// The manifest's sha256.
        digest: String,
    },
    /// The manifest file is not the one the draft examined.
    #[error("{}: sha256 {actual}, but the draft examined manifest sha256 {expected}", file.display())]
    OtherManifest {
        /// The file.
        file: PathBuf,
        /// What the draft records.
        expected: String,
        /// What the file is.
        actual: String,
    },
    /// The manifest file cannot be read as a manifest.
    #[error("{}: not a candor behaviour manifest", file.display())]
    NotAManifest {
        /// The file.
        file: PathBuf,
    },
    /// A subject of the audit is not a subject of the manifest.
    #[error(
        "the audit's subject {name} (sha256 {sha256}) is not a subject of the manifest it examined; an audit is of the manifest's artifacts"
    )]
    SubjectMismatch {
        /// The subject's name.
        name: String,
        /// Its sha256.
        sha256: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

impl SignAuditError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            SignAuditError::File(error) => error.kind(),
            SignAuditError::Draft { .. } => "invalid-draft",
            SignAuditError::NoManifestFile { .. } => "no-manifest-file",
            SignAuditError::OtherManifest { .. } => "other-manifest",
            SignAuditError::NotAManifest { .. } => "not-a-manifest",
            SignAuditError::SubjectMismatch { .. } => "subject-mismatch",
            SignAuditError::Sign(error) => error.kind(),
        }
    }

    /// Whether the draft was refused for what it says (exit 1), not for unusable input.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            SignAuditError::SubjectMismatch { .. } | SignAuditError::OtherManifest { .. }
        )
    }
}

/// Read and validate a draft.
pub fn read_draft(path: &Path) -> Result<AuditDraft, SignAuditError> {
    let bytes = read_capped(path, MAX_TOML_DOCUMENT_BYTES as u64, "an audit draft")?;
    let file = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| SignAuditError::Draft {
        file: file.clone(),
        errors: DocumentErrors::one(candor_model::DocumentError::whole(
            &file,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )),
    })?;
    AuditDraft::from_toml(&text, &file).map_err(|errors| SignAuditError::Draft { file, errors })
}

/// Every subject of the draft must be a subject of the manifest it examined.
fn check_manifest(
    draft: &AuditDraft,
    draft_path: &Path,
    manifest: Option<&Path>,
) -> Result<(), SignAuditError> {
    let Some(expected) = draft
        .manifest
        .envelope_digest
        .as_ref()
        .and_then(|d| d.sha256())
    else {
        return Ok(());
    };
    let file = match (manifest, &draft.manifest.file) {
        (Some(file), _) => file.to_owned(),
        // A relative path in the draft is relative to the draft.
        (None, Some(file)) => {
            let path = PathBuf::from(file);
            if path.is_absolute() || path.exists() {
                path
            } else {
                draft_path.parent().unwrap_or(Path::new(".")).join(path)
            }
        }
        (None, None) => {
            return Err(SignAuditError::NoManifestFile {
                digest: expected.to_owned(),
            });
        }
    };
    let bytes = read_capped(
        &file,
        candor_sign::dsse::MAX_ENVELOPE_BYTES,
        "a DSSE envelope or Sigstore bundle",
    )?;
    let actual = candor_sign::artifact::sha256_of(&bytes);
    let actual = actual.sha256().unwrap_or_default();
    if actual != expected {
        return Err(SignAuditError::OtherManifest {
            file,
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        });
    }
    let inspected = candor_sign::verify::inspect_attestation(&bytes, &file.display().to_string())
        .map_err(|_| SignAuditError::NotAManifest { file: file.clone() })?;
    let AnyStatement::Manifest(manifest) = inspected.statement else {
        return Err(SignAuditError::NotAManifest { file });
    };
    for subject in &draft.subjects {
        if !manifest
            .subject
            .iter()
            .any(|m| m.digest.matches(&subject.digest) == DigestMatch::Matches)
        {
            return Err(SignAuditError::SubjectMismatch {
                name: subject.name.clone(),
                sha256: subject.digest.sha256().unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(())
}

/// Check the draft and sign it (dated now).
pub fn sign_audit(request: &SignAuditRequest) -> Result<SignedDocument, SignAuditError> {
    let draft = read_draft(&request.draft)?;
    check_manifest(&draft, &request.draft, request.manifest.as_deref())?;
    let statement = draft.to_statement(Timestamp::from_offset_date_time(
        time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    ));
    let signed = sign_statement(AnyStatement::Audit(statement), &request.with)?;
    if let Destination::File(path) = &request.out {
        candor_sign::file::write_atomic(
            path,
            signed.text.as_bytes(),
            candor_sign::file::FileMode::Public,
        )?;
    }
    Ok(signed)
}
