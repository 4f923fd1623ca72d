//! One signed document as a feed holds it: its bytes, what it is about, who claims to
//! have signed it, and the path its content gives it.

use candor_model::feed::{DocumentKind, FeedPath};
use candor_model::ids::{ToolName, Version};
use candor_model::{AnyStatement, Subject};
use candor_sign::verify::{AttestationForm, ClaimedSigner, inspect_attestation};
use sha2::{Digest as _, Sha256};

use crate::error::FeedError;

/// A document read from a file or a feed, parsed but not verified.
#[derive(Debug, Clone)]
pub struct FeedDocument {
    /// Its bytes, exactly as published.
    pub bytes: Vec<u8>,
    /// sha256 of the bytes, lowercase hex.
    pub sha256: String,
    /// Envelope or bundle.
    pub form: AttestationForm,
    /// The Statement it carries.
    pub statement: AnyStatement,
    /// Who it claims signed it (unverified).
    pub claimed_signers: Vec<ClaimedSigner>,
    /// Where it belongs in a feed.
    pub path: FeedPath,
}

impl FeedDocument {
    /// Read `bytes` (named `file` in errors): an envelope or bundle holding a valid candor
    /// Statement, whose first signature names its signer.
    pub fn parse(bytes: Vec<u8>, file: &str) -> Result<Self, FeedError> {
        let inspected =
            inspect_attestation(&bytes, file).map_err(|source| FeedError::Document {
                file: file.to_owned(),
                source: Box::new(source),
            })?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let (kind, tool, version) =
            release_of(&inspected.statement).ok_or_else(|| FeedError::Unnameable {
                file: file.to_owned(),
                reason: "it is a verification summary; feeds hold manifests, audits and \
                         vendor responses"
                    .to_owned(),
            })?;
        let signer =
            signer_id(inspected.claimed_signers.first()).ok_or_else(|| FeedError::Unnameable {
                file: file.to_owned(),
                reason: "its first signature carries no keyid; a feed names documents by \
                         their signer (candor writes the keyid of every signature)"
                    .to_owned(),
            })?;
        let path = FeedPath::new(tool, version, kind, &signer, &sha256).map_err(|e| {
            FeedError::Unnameable {
                file: file.to_owned(),
                reason: e.message,
            }
        })?;
        Ok(Self {
            bytes,
            sha256,
            form: inspected.form,
            statement: inspected.statement,
            claimed_signers: inspected.claimed_signers,
            path,
        })
    }

    /// The kind of document.
    pub fn kind(&self) -> DocumentKind {
        self.path.kind
    }

    /// The Statement's subjects.
    pub fn subjects(&self) -> &[Subject] {
        self.statement.subjects()
    }

    /// For a manifest, the sha256 of the manifest envelope it supersedes.
    pub fn supersedes(&self) -> Option<&str> {
        match &self.statement {
            AnyStatement::Manifest(s) => s.predicate.supersedes.as_ref().and_then(|d| d.sha256()),
            _ => None,
        }
    }

    /// The sha256 of the envelope this document refers to: the manifest an audit
    /// examined, the audit a response answers.
    pub fn refers_to(&self) -> Option<&str> {
        match &self.statement {
            AnyStatement::Manifest(_) | AnyStatement::Summary(_) => None,
            AnyStatement::Audit(s) => s
                .predicate
                .manifest
                .envelope_digest
                .as_ref()
                .and_then(|d| d.sha256()),
            AnyStatement::Response(s) => s.predicate.audit.envelope_digest.sha256(),
        }
    }
}

/// The kind of a Statement and the release it is filed under: a manifest's own tool and
/// version, the audited release of an audit or of the audit a response answers. `None`
/// for a verification summary: feeds hold what vendors and auditors publish, not
/// verdicts.
pub fn release_of(statement: &AnyStatement) -> Option<(DocumentKind, ToolName, Version)> {
    Some(match statement {
        AnyStatement::Summary(_) => return None,
        AnyStatement::Manifest(s) => (
            DocumentKind::Manifest,
            s.predicate.tool.name.clone(),
            s.predicate.tool.version.clone(),
        ),
        AnyStatement::Audit(s) => (
            DocumentKind::Audit,
            s.predicate.manifest.tool.clone(),
            s.predicate.manifest.version.clone(),
        ),
        AnyStatement::Response(s) => (
            DocumentKind::Response,
            s.predicate.audit.tool.clone(),
            s.predicate.audit.version.clone(),
        ),
    })
}

/// The hex id a feed names a signer by: a key id hint that is already lowercase hex of at
/// least 16 digits as it is (candor's key ids are), another hint's sha256, the sha256 of
/// `<issuer>` LF `<subject>` for a certificate identity. `None` without a hint.
pub fn signer_id(signer: Option<&ClaimedSigner>) -> Option<String> {
    match signer? {
        ClaimedSigner::KeyId { keyid: Some(keyid) } => {
            let is_hex = keyid.len() >= candor_model::feed::PREFIX_HEX_DIGITS
                && keyid
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            Some(if is_hex {
                keyid.clone()
            } else {
                hex::encode(Sha256::digest(keyid.as_bytes()))
            })
        }
        ClaimedSigner::KeyId { keyid: None } => None,
        ClaimedSigner::Certificate { identity } => Some(hex::encode(Sha256::digest(
            format!("{}\n{}", identity.issuer, identity.subject).as_bytes(),
        ))),
    }
}
