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
        /// Distinct trusted keys whose signatures verified.
        verified: Vec<KeyId>,
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
    verified: &[KeyId],
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

/// Parse an envelope from untrusted bytes (rule 1). `file` names it in errors.
pub fn parse_envelope(bytes: &[u8], file: &str) -> Result<Envelope, VerifyError> {
    if bytes.len() as u64 > MAX_ENVELOPE_BYTES {
        return Err(VerifyError::File(FileError::TooLarge {
            path: file.into(),
            what: "a DSSE envelope",
            size: bytes.len() as u64,
            limit: MAX_ENVELOPE_BYTES,
        }));
    }
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
            verified: signers,
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

/// A candor Statement whose envelope verified.
#[derive(Debug, Clone)]
pub struct VerifiedStatement {
    /// The Statement (parsed from the verified payload bytes, nothing else).
    pub statement: AnyStatement,
    /// Distinct trusted keys that signed it.
    pub signers: Vec<KeyId>,
    /// Signatures that did not count.
    pub ignored: Vec<IgnoredSignature>,
    /// sha256 of the envelope bytes, as audits and responses refer to it.
    pub envelope_digest: DigestSet,
}

/// Verify envelope bytes all the way to a candor Statement (rules 1 to 4, without the
/// artifact; see [`check_subject`]).
pub fn verify_statement(
    bytes: &[u8],
    file: &str,
    trusted: &TrustedKeys,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    let envelope = parse_envelope(bytes, file)?;
    let verified = verify_signatures(&envelope, file, trusted, threshold)?;
    if verified.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(VerifyError::PayloadType {
            file: file.to_owned(),
            found: verified.payload_type,
        });
    }
    let statement = AnyStatement::from_json(&verified.payload, &format!("{file} (payload)"))
        .map_err(VerifyError::Statement)?;
    Ok(VerifiedStatement {
        statement,
        signers: verified.signers,
        ignored: verified.ignored,
        envelope_digest: artifact::sha256_of(bytes),
    })
}

/// [`verify_statement`] on a file, refused by size before it is read.
pub fn verify_statement_file(
    path: &Path,
    trusted: &TrustedKeys,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    let bytes = file::read_capped(path, MAX_ENVELOPE_BYTES, "a DSSE envelope")?;
    verify_statement(&bytes, &path.display().to_string(), trusted, threshold)
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
