//! Verifying envelopes against the caller's trusted keys.
//!
//! The rules, in order:
//!
//! 1. The envelope is read strictly: at most [`MAX_ENVELOPE_BYTES`], UTF-8 JSON without
//!    duplicate keys or unknown fields, at least one and at most [`MAX_SIGNATURES`]
//!    signatures, every base64 field well-formed (see [`crate::dsse`]). Anything else is
//!    a malformed envelope and is rejected whole.
//! 2. Every signature is tried against every trusted key. The `keyid` is a hint only and
//!    never decides anything: a signature whose keyid names a trusted key but which that
//!    key did not make is just a signature by nobody we trust.
//! 3. Signatures that no trusted key made are **ignored**, not fatal: an envelope carrying
//!    a valid signature by a trusted key plus a garbage or foreign signature verifies
//!    exactly as it would without the extra one (DSSE's multi-signature model; the
//!    ignored ones are reported). The envelope verifies when at least `threshold`
//!    **distinct** trusted keys signed it; one key signing twice counts once.
//! 4. Only then is `payloadType` checked, then the payload parsed as a candor Statement,
//!    then (if asked) the artifact's digests matched against the subjects.
//!
//! [`verify_attestation`] is the one way in: it takes the bytes of a DSSE envelope **or**
//! of a Sigstore bundle holding one, and [`TrustedSigners`] (ed25519 keys and Sigstore
//! identities). A bundle whose verification material is a public-key hint (as
//! `candor sign --bundle` writes) is checked as its envelope, by the rules above; a
//! bundle with a Fulcio certificate is verified offline against the trusted root (see
//! [`crate::sigstore`]) and counts as one signer when its certificate's issuer and
//! subject match a trusted identity. Rule 4 is the same for both.

use std::fmt::{self, Write as _};
use std::num::NonZeroUsize;
use std::path::Path;

use candor_model::digest::{DigestAlgorithm, DigestMatch, DigestSet};
use candor_model::{AnyStatement, DocumentError, DocumentErrors, IN_TOTO_PAYLOAD_TYPE, Subject};

use crate::artifact;
use crate::dsse::{self, Envelope, MAX_ENVELOPE_BYTES, MAX_SIGNATURES};
use crate::file::{self, FileError};
use crate::keys::{KeyId, PublicKey};

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
    #[error("{file}: {}", threshold_message(*threshold, verified, *signatures, *trusted_keys))]
    ThresholdNotMet {
        /// The envelope.
        file: String,
        /// Distinct trusted keys required.
        threshold: NonZeroUsize,
        /// Distinct trusted signers whose signatures verified.
        verified: Vec<SignedBy>,
        /// Signatures in the envelope.
        signatures: usize,
        /// Trusted keys tried.
        trusted_keys: usize,
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
        "{file}: signed by {subject} (issuer {issuer}), which is none of the {trusted} trusted Sigstore identities"
    )]
    UntrustedIdentity {
        /// The bundle.
        file: String,
        /// The certificate's subject.
        subject: String,
        /// The certificate's issuer.
        issuer: String,
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
    signatures: usize,
    trusted: usize,
) -> String {
    if verified.is_empty() {
        format!(
            "no signature by a trusted key: {signatures} signature(s), none made by any of the {trusted} trusted key(s)"
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
        if let DigestMatch::Differs(algorithm) = subject.digest.matches(actual) {
            if algorithm != DigestAlgorithm::Sha256 {
                let _ = write!(
                    out,
                    " ({algorithm} differs: the subject has {}, the artifact {})",
                    subject.digest.get(algorithm).unwrap_or("?"),
                    actual.get(algorithm).unwrap_or("?")
                );
            }
        }
    }
    out
}

/// A signature that did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IgnoredSignature {
    /// Its position in `signatures`.
    pub index: usize,
    /// Its keyid hint, as written.
    pub keyid: Option<String>,
    /// Why it did not count.
    pub reason: IgnoredReason,
}

/// Why a signature did not count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum IgnoredReason {
    /// No trusted key made it (wrong key, other payload, garbage).
    NotByATrustedKey,
    /// Its keyid names a trusted key, but it does not verify with that key (another
    /// key made it, or it was made over other bytes than PAE(payloadType, payload)).
    KeyIdMismatch {
        /// The trusted key the hint named.
        named: KeyId,
    },
    /// A trusted key that already counted made it again.
    RepeatedSigner {
        /// The key.
        key: KeyId,
    },
}

impl fmt::Display for IgnoredReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnoredReason::NotByATrustedKey => f.write_str("not made by any trusted key"),
            IgnoredReason::KeyIdMismatch { named } => write!(
                f,
                "keyid names trusted key {} but this signature does not verify with that key",
                named.short()
            ),
            IgnoredReason::RepeatedSigner { key } => {
                write!(f, "key {} already counted; a key counts once", key.short())
            }
        }
    }
}

/// The keys a caller trusts, each counted once however often it was given.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<PublicKey>,
}

impl TrustedKeys {
    /// A set from keys; duplicates (same curve point, any encoding) collapse.
    pub fn new(keys: impl IntoIterator<Item = PublicKey>) -> Self {
        let mut set = Self::default();
        for key in keys {
            if !set.keys.contains(&key) {
                set.keys.push(key);
            }
        }
        set
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }
}

/// A DSSE envelope whose signatures verified.
#[derive(Debug, Clone)]
pub struct VerifiedEnvelope {
    /// The payloadType (signed).
    pub payload_type: String,
    /// The payload bytes (signed).
    pub payload: Vec<u8>,
    /// Distinct trusted keys that signed it, in signature order.
    pub signers: Vec<KeyId>,
    /// Signatures that did not count.
    pub ignored: Vec<IgnoredSignature>,
}

/// Bytes already in memory are held to the same cap as files (E4).
fn check_size(bytes: &[u8], file: &str, what: &'static str) -> Result<(), VerifyError> {
    if bytes.len() as u64 > MAX_ENVELOPE_BYTES {
        return Err(VerifyError::File(FileError::TooLarge {
            path: file.into(),
            what,
            size: bytes.len() as u64,
            limit: MAX_ENVELOPE_BYTES,
        }));
    }
    Ok(())
}

/// Parse an envelope from untrusted bytes (rule 1). `file` names it in errors.
pub fn parse_envelope(bytes: &[u8], file: &str) -> Result<Envelope, VerifyError> {
    check_size(bytes, file, "a DSSE envelope")?;
    let envelope: Envelope =
        candor_model::json::from_slice_strict(bytes, file).map_err(VerifyError::Envelope)?;
    if envelope.signatures.is_empty() {
        return Err(VerifyError::NoSignatures {
            file: file.to_owned(),
        });
    }
    if envelope.signatures.len() > MAX_SIGNATURES {
        return Err(VerifyError::TooManySignatures {
            file: file.to_owned(),
            count: envelope.signatures.len(),
        });
    }
    Ok(envelope)
}

/// Check an envelope's signatures (rules 2 and 3). Does not look at the payload.
pub fn verify_signatures(
    envelope: &Envelope,
    file: &str,
    trusted: &TrustedKeys,
    threshold: NonZeroUsize,
) -> Result<VerifiedEnvelope, VerifyError> {
    let base64_error = |field: String, reason: String| VerifyError::Base64 {
        file: file.to_owned(),
        field,
        reason,
    };
    let payload = dsse::decode_base64(&envelope.payload)
        .map_err(|r| base64_error("payload".to_owned(), r))?;
    let signatures = envelope
        .signatures
        .iter()
        .enumerate()
        .map(|(i, s)| {
            dsse::decode_base64(&s.sig).map_err(|r| base64_error(format!("signatures[{i}].sig"), r))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let message = dsse::pae(&envelope.payload_type, &payload);

    let mut signers: Vec<KeyId> = Vec::new();
    let mut ignored = Vec::new();
    for (index, (signature, raw)) in envelope.signatures.iter().zip(&signatures).enumerate() {
        let made_by = trusted.iter().find(|key| key.verify(&message, raw));
        let reason = match made_by {
            Some(key) if signers.contains(key.id()) => IgnoredReason::RepeatedSigner {
                key: key.id().clone(),
            },
            Some(key) => {
                signers.push(key.id().clone());
                continue;
            }
            None => match trusted
                .iter()
                .find(|key| signature.keyid.as_deref() == Some(key.id().as_str()))
            {
                Some(named) => IgnoredReason::KeyIdMismatch {
                    named: named.id().clone(),
                },
                None => IgnoredReason::NotByATrustedKey,
            },
        };
        ignored.push(IgnoredSignature {
            index,
            keyid: signature.keyid.clone(),
            reason,
        });
    }
    if signers.len() < threshold.get() {
        return Err(VerifyError::ThresholdNotMet {
            file: file.to_owned(),
            threshold,
            verified: signers.into_iter().map(SignedBy::Key).collect(),
            signatures: envelope.signatures.len(),
            trusted_keys: trusted.len(),
            ignored,
        });
    }
    Ok(VerifiedEnvelope {
        payload_type: envelope.payload_type.clone(),
        payload,
        signers,
        ignored,
    })
}

/// Who signed a verified attestation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum SignedBy {
    /// A trusted ed25519 key (serialized as its key id).
    Key(KeyId),
    /// A trusted Sigstore identity, as the verified certificate states it.
    Sigstore {
        /// The certificate's OIDC issuer.
        issuer: String,
        /// The certificate's subject (email or URI).
        subject: String,
    },
}

impl fmt::Display for SignedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignedBy::Key(id) => write!(f, "{id}"),
            SignedBy::Sigstore { issuer, subject } => write!(f, "{subject} (issuer {issuer})"),
        }
    }
}

impl PartialEq<KeyId> for SignedBy {
    fn eq(&self, other: &KeyId) -> bool {
        matches!(self, SignedBy::Key(id) if id == other)
    }
}

/// A Sigstore identity trusted to sign: the OIDC issuer, exactly, and a subject pattern.
#[derive(Debug, Clone)]
pub struct SigstoreIdentity {
    /// The OIDC issuer URL.
    pub issuer: String,
    /// The certificate subject (email or URI), anchored wildcard pattern.
    pub subject: candor_model::pattern::Pattern,
}

/// Everyone a caller trusts to sign: ed25519 keys and Sigstore identities, with the
/// trusted root that Sigstore certificates must chain to.
#[derive(Debug, Clone, Default)]
pub struct TrustedSigners {
    /// Trusted ed25519 keys.
    pub keys: TrustedKeys,
    /// Trusted Sigstore identities.
    pub identities: Vec<SigstoreIdentity>,
    /// The Sigstore trusted root (needed only when `identities` is not empty).
    pub trusted_root: Option<sigstore_verify::trust_root::TrustedRoot>,
}

impl TrustedSigners {
    /// Only these keys.
    pub fn keys(keys: TrustedKeys) -> Self {
        Self {
            keys,
            ..Self::default()
        }
    }

    /// The signers a trust policy lists (a tool's vendor signers, an auditor's), each
    /// written as `{ key = "ed25519:…" }` or `{ issuer = "…", subject = "<pattern>" }`,
    /// with the trusted root Sigstore identities are verified against. `at` names the
    /// list in errors (`policy.toml: tool[agent].signers`).
    pub fn from_policy(
        signers: &[candor_model::policy::Signer],
        trusted_root: Option<sigstore_verify::trust_root::TrustedRoot>,
        at: &str,
    ) -> Result<Self, crate::keys::KeyError> {
        use candor_model::policy::SignerIdentity;
        let mut keys = Vec::new();
        let mut identities = Vec::new();
        for (i, signer) in signers.iter().enumerate() {
            match signer.identity() {
                Some(SignerIdentity::Ed25519Key(text)) => {
                    keys.push(PublicKey::from_text(&text, &format!("{at}[{i}].key"))?);
                }
                Some(SignerIdentity::Sigstore { issuer, subject }) => {
                    identities.push(SigstoreIdentity { issuer, subject });
                }
                // A policy that loaded has no malformed signers; one built by hand may.
                None => {
                    return Err(crate::keys::KeyError::NotAPublicKey {
                        source_name: format!("{at}[{i}]"),
                        reason: "expected exactly `key`, or `issuer` with `subject`".to_owned(),
                    });
                }
            }
        }
        Ok(Self {
            keys: TrustedKeys::new(keys),
            identities,
            trusted_root,
        })
    }

    /// Distinct signers that could count towards a threshold.
    pub fn len(&self) -> usize {
        self.keys.len() + self.identities.len()
    }

    /// Whether nobody is trusted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A candor Statement whose envelope verified.
#[derive(Debug, Clone)]
pub struct VerifiedStatement {
    /// The Statement (parsed from the verified payload bytes, nothing else).
    pub statement: AnyStatement,
    /// Distinct trusted signers that signed it.
    pub signers: Vec<SignedBy>,
    /// Signatures that did not count.
    pub ignored: Vec<IgnoredSignature>,
    /// sha256 of the envelope (or bundle) bytes, as audits and responses refer to it.
    pub envelope_digest: DigestSet,
}

/// Verify envelope bytes all the way to a candor Statement (rules 1 to 4, without the
/// artifact; see [`check_subject`]): [`verify_attestation`] with keys only.
pub fn verify_statement(
    bytes: &[u8],
    file: &str,
    trusted: &TrustedKeys,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    verify_attestation(
        bytes,
        file,
        &TrustedSigners::keys(trusted.clone()),
        threshold,
    )
}

/// The one field [`verify_attestation`] looks at to tell a bundle from an envelope.
#[derive(serde::Deserialize)]
struct Probe {
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
}

/// The media types of Sigstore bundles start with this.
const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// Verify a DSSE envelope or a Sigstore bundle holding one, all the way to a candor
/// Statement (see the module documentation): the one verification path.
pub fn verify_attestation(
    bytes: &[u8],
    file: &str,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    check_size(bytes, file, "a DSSE envelope or Sigstore bundle")?;
    // Which form it is, by a lenient look at `mediaType` only: each form's own parser
    // then reads the document strictly, once (anything malformed goes to the envelope
    // parser, whose errors name the place).
    let is_bundle = serde_json::from_slice::<Probe>(bytes)
        .ok()
        .and_then(|p| p.media_type)
        .is_some_and(|m| m.starts_with(BUNDLE_MEDIA_TYPE_PREFIX));
    let (payload_type, payload, signed_by, ignored) = if is_bundle {
        let text = candor_model::json::check_text(bytes, file).map_err(VerifyError::Envelope)?;
        verify_bundle_signers(text, file, signers, threshold)?
    } else {
        let envelope = parse_envelope(bytes, file)?;
        let verified = verify_signatures(&envelope, file, &signers.keys, threshold)?;
        (
            verified.payload_type,
            verified.payload,
            verified.signers.into_iter().map(SignedBy::Key).collect(),
            verified.ignored,
        )
    };
    if payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(VerifyError::PayloadType {
            file: file.to_owned(),
            found: payload_type,
        });
    }
    let statement = AnyStatement::from_json(&payload, &format!("{file} (payload)"))
        .map_err(VerifyError::Statement)?;
    Ok(VerifiedStatement {
        statement,
        signers: signed_by,
        ignored,
        envelope_digest: artifact::sha256_of(bytes),
    })
}

type SignedPayload = (String, Vec<u8>, Vec<SignedBy>, Vec<IgnoredSignature>);

/// The signature layer of a bundle: its envelope against the keys (public-key hint), or
/// the whole bundle against the trusted root and identities (certificate).
fn verify_bundle_signers(
    text: &str,
    file: &str,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
) -> Result<SignedPayload, VerifyError> {
    let sigstore_error = |source| VerifyError::Sigstore {
        file: file.to_owned(),
        source,
    };
    // `text` passed check_text in verify_attestation.
    let bundle = crate::sigstore::bundle_from_checked(text, file).map_err(sigstore_error)?;
    let sigstore_verify::types::SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return Err(VerifyError::NotAnAttestation {
            file: file.to_owned(),
        });
    };
    let key_hint = bundle.signing_certificate().is_none();
    if key_hint {
        // The envelope inside, as written, by the same rules as a bare one.
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| VerifyError::Envelope(DocumentError::whole(file, e.to_string())))?;
        let inner = serde_json::to_vec(
            value
                .get("dsseEnvelope")
                .unwrap_or(&serde_json::Value::Null),
        )
        .unwrap_or_default();
        let envelope = parse_envelope(&inner, &format!("{file} (dsseEnvelope)"))?;
        let verified = verify_signatures(&envelope, file, &signers.keys, threshold)?;
        return Ok((
            verified.payload_type,
            verified.payload,
            verified.signers.into_iter().map(SignedBy::Key).collect(),
            verified.ignored,
        ));
    }
    let payload = envelope.payload.as_bytes().to_vec();
    let Some(root) = &signers.trusted_root else {
        return Err(VerifyError::ThresholdNotMet {
            file: file.to_owned(),
            threshold,
            verified: Vec::new(),
            signatures: 1,
            trusted_keys: signers.len(),
            ignored: Vec::new(),
        });
    };
    // The Statement's first sha256 subject binds the bundle's log entry to the payload;
    // the installed artifact is matched against the subjects afterwards (check_subject).
    let subject_digest = first_sha256_subject(&payload).ok_or_else(|| {
        VerifyError::Statement(DocumentErrors::one(DocumentError::whole(
            &format!("{file} (payload)"),
            "no subject with a sha256 digest; expected at least one",
        )))
    })?;
    // Cryptography against the trusted root first, whoever signed; then who it was.
    let verified = crate::sigstore::verify_bundle(
        &bundle,
        crate::sigstore::ArtifactRef::Sha256(subject_digest),
        &crate::sigstore::BundleSigner::AnyCertificate,
        root,
    )
    .map_err(sigstore_error)?;
    let subject = verified.subject.clone().unwrap_or_default();
    let issuer = verified.issuer.clone().unwrap_or_default();
    let trusted = signers
        .identities
        .iter()
        .any(|identity| identity.issuer == issuer && identity.subject.matches(&subject));
    if !trusted {
        return Err(VerifyError::UntrustedIdentity {
            file: file.to_owned(),
            subject,
            issuer,
            trusted: signers.identities.len(),
        });
    }
    let signed_by = vec![SignedBy::Sigstore { issuer, subject }];
    if signed_by.len() < threshold.get() {
        return Err(VerifyError::ThresholdNotMet {
            file: file.to_owned(),
            threshold,
            verified: signed_by,
            signatures: 1,
            trusted_keys: signers.len(),
            ignored: Vec::new(),
        });
    }
    Ok((
        envelope.payload_type.clone(),
        payload,
        signed_by,
        Vec::new(),
    ))
}

/// The sha256 digest of the first subject of an in-toto Statement that has one.
fn first_sha256_subject(payload: &[u8]) -> Option<[u8; 32]> {
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    value
        .get("subject")?
        .as_array()?
        .iter()
        .find_map(|subject| {
            crate::sigstore::sha256_from_hex(subject.get("digest")?.get("sha256")?.as_str()?)
        })
}

/// [`verify_attestation`] on a file, refused by size before it is read.
pub fn verify_statement_file(
    path: &Path,
    trusted: &TrustedKeys,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    verify_attestation_file(path, &TrustedSigners::keys(trusted.clone()), threshold)
}

/// [`verify_attestation`] on a file, refused by size before it is read.
pub fn verify_attestation_file(
    path: &Path,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    let bytes = file::read_capped(
        path,
        MAX_ENVELOPE_BYTES,
        "a DSSE envelope or Sigstore bundle",
    )?;
    verify_attestation(&bytes, &path.display().to_string(), signers, threshold)
}

/// The subject of `statement` that names the artifact with digests `actual`.
///
/// A subject matches when it shares an accepted algorithm (sha256, sha512) with the
/// artifact and agrees on every accepted algorithm it shares.
pub fn check_subject<'a>(
    statement: &'a AnyStatement,
    artifact_name: &str,
    actual: &DigestSet,
) -> Result<&'a Subject, VerifyError> {
    statement
        .subjects()
        .iter()
        .find(|s| s.digest.matches(actual) == DigestMatch::Matches)
        .ok_or_else(|| VerifyError::SubjectMismatch {
            artifact: artifact_name.to_owned(),
            actual: actual.clone(),
            subjects: statement.subjects().to_vec(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PrivateKey;

    /// A tiny deterministic generator (xorshift64*), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap()
        }
    }

    fn statement_bytes() -> Vec<u8> {
        let toml = r#"
            [tool]
            name = "agent"
            version = "1.0.0"
            [vendor]
            name = "Acme"
            [source]
            repository = "https://example.org/agent"
            [completeness]
            exhaustive = ["network"]
            [[claims.network]]
            id = "network.api"
            endpoint = "https://api.example.org"
            purpose = "the API"
        "#;
        let declaration = candor_model::manifest::Declaration::from_toml(toml, "t.toml").unwrap();
        let subject = Subject {
            name: "pkg:generic/agent@1.0.0".to_owned(),
            digest: artifact::digest_bytes(b"agent"),
        };
        declaration
            .to_statement_with(vec![subject])
            .to_canonical_json()
    }

    /// Byte flips, insertions, deletions and truncations of a valid envelope (and of its
    /// decoded payload, re-signed or not) never panic, and never verify unless the
    /// mutation left the signed content unchanged.
    #[test]
    fn mutated_envelopes_never_panic_and_never_verify_altered_content() {
        let key = PrivateKey::from_seed(&[7; 32]);
        let payload = statement_bytes();
        let envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, &payload, &[&key])
            .to_json()
            .into_bytes();
        let trusted = TrustedKeys::new([key.public_key().clone()]);
        let original = verify_statement(&envelope, "e.json", &trusted, NonZeroUsize::MIN).unwrap();
        let mut rng = Rng(0x00C0_FFEE);
        let mut verified = 0;
        for _ in 0..4000 {
            let mut bytes = envelope.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] ^= 1 << rng.below(8),
                    1 => bytes.insert(at, u8::try_from(rng.below(256)).unwrap()),
                    2 => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            if let Ok(result) = verify_statement(&bytes, "e.json", &trusted, NonZeroUsize::MIN) {
                // Only mutations outside the signed content (whitespace, keyid) may pass.
                assert_eq!(result.statement, original.statement);
                verified += 1;
            }
        }
        // Most mutations must be caught; a handful (whitespace, keyid hints) may pass.
        assert!(verified < 400, "{verified} of 4000 mutations verified");
    }
}
