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

use std::fmt;
use std::num::NonZeroUsize;

use candor_model::digest::{DigestMatch, DigestSet};
use candor_model::signer::CertificateIdentity;
use candor_model::{AnyStatement, IN_TOTO_PAYLOAD_TYPE, Subject};

use crate::artifact;
use crate::dsse::MAX_ENVELOPE_BYTES;
use crate::file::Input;
use crate::keys::KeyId;

mod bundle;
mod check;
mod envelope;
mod error;
mod inspect;
mod trust;

pub use check::{Check, CheckOutcome};
pub use envelope::{
    IgnoredReason, IgnoredSignature, VerifiedEnvelope, parse_envelope, verify_signatures,
};
pub use error::VerifyError;
pub use inspect::{AttestationForm, ClaimedSigner, Inspected, inspect_attestation};
pub use trust::{TrustError, TrustedKeys, TrustedSigners};

/// Who signed a verified attestation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SignedBy {
    /// A trusted ed25519 key (serialized as its key id).
    Key(KeyId),
    /// A trusted Sigstore identity, as the verified certificate states it.
    Sigstore(CertificateIdentity),
}

impl fmt::Display for SignedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignedBy::Key(id) => write!(f, "{id}"),
            SignedBy::Sigstore(identity) => write!(f, "{identity}"),
        }
    }
}

impl PartialEq<KeyId> for SignedBy {
    fn eq(&self, other: &KeyId) -> bool {
        matches!(self, SignedBy::Key(id) if id == other)
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

/// The one field [`verify_attestation`] looks at to tell a bundle from an envelope.
#[derive(serde::Deserialize)]
struct Probe {
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
}

/// The media types of Sigstore bundles start with this.
const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// Whether a `mediaType` names a Sigstore bundle.
fn is_bundle_media_type(media_type: &str) -> bool {
    media_type.starts_with(BUNDLE_MEDIA_TYPE_PREFIX)
}

/// Verify a DSSE envelope or a Sigstore bundle holding one, all the way to a candor
/// Statement (see the module documentation): the one verification path. Each document
/// is parsed exactly once by its form's strict parser.
pub fn verify_attestation(
    bytes: &[u8],
    file: &str,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    verify_attestation_recorded(bytes, file, signers, threshold, &mut Vec::new())
}

/// [`verify_attestation`], recording in `checks` each check as it is made: what passed,
/// each signature that did not count, and, on failure, the check that failed last.
pub fn verify_attestation_recorded(
    bytes: &[u8],
    file: &str,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
    checks: &mut Vec<Check>,
) -> Result<VerifiedStatement, VerifyError> {
    let result = attestation_checks(bytes, file, signers, threshold, checks);
    if let Err(error) = &result {
        if let VerifyError::ThresholdNotMet {
            verified, ignored, ..
        } = error
        {
            signature_checks(verified, ignored, checks);
        }
        checks.push(Check::failed(error.check(), error.to_string()));
    }
    result
}

/// A check per distinct trusted signer and per signature that did not count.
fn signature_checks(signers: &[SignedBy], ignored: &[IgnoredSignature], checks: &mut Vec<Check>) {
    for signer in signers {
        checks.push(Check::passed(
            "signature",
            match signer {
                SignedBy::Key(id) => {
                    format!("by trusted key {id}, over PAE(payloadType, payload)")
                }
                SignedBy::Sigstore(identity) => format!("by trusted identity {identity}"),
            },
        ));
    }
    for signature in ignored {
        checks.push(Check::skipped(
            "signature",
            format!(
                "signature {} (keyid {}) not counted: {}",
                signature.index,
                signature.keyid.as_deref().unwrap_or("none"),
                signature.reason
            ),
        ));
    }
}

fn attestation_checks(
    bytes: &[u8],
    file: &str,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
    checks: &mut Vec<Check>,
) -> Result<VerifiedStatement, VerifyError> {
    envelope::check_size(bytes, file, "a DSSE envelope or Sigstore bundle")?;
    // Which form it is, by a lenient look at `mediaType` only: each form's own parser
    // then reads the document strictly, once (anything malformed goes to the envelope
    // parser, whose errors name the place).
    let is_bundle = serde_json::from_slice::<Probe>(bytes)
        .ok()
        .and_then(|p| p.media_type)
        .is_some_and(|m| is_bundle_media_type(&m));
    let signed = if is_bundle {
        let text = candor_model::json::check_text(bytes, file).map_err(VerifyError::Envelope)?;
        bundle::verify_bundle_signers(text, file, signers, threshold, checks)?
    } else {
        let envelope = parse_envelope(bytes, file)?;
        checks.push(Check::passed(
            "document",
            format!(
                "{file}: a DSSE envelope, {} bytes, {} signature(s)",
                bytes.len(),
                envelope.signatures.len()
            ),
        ));
        let verified = verify_signatures(&envelope, file, signers.trusted_keys(), threshold)?;
        bundle::SignedPayload {
            payload_type: verified.payload_type,
            payload: verified.payload,
            signers: verified.signers.into_iter().map(SignedBy::Key).collect(),
            ignored: verified.ignored,
        }
    };
    signature_checks(&signed.signers, &signed.ignored, checks);
    checks.push(Check::passed(
        "threshold",
        format!(
            "{} distinct trusted signer(s) of the {} given; {threshold} required",
            signed.signers.len(),
            signers.len()
        ),
    ));
    if signed.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(VerifyError::PayloadType {
            file: file.to_owned(),
            found: signed.payload_type,
        });
    }
    checks.push(Check::passed("payload type", IN_TOTO_PAYLOAD_TYPE));
    let statement = AnyStatement::from_json(&signed.payload, &format!("{file} (payload)"))
        .map_err(VerifyError::Statement)?;
    checks.push(Check::passed(
        "statement",
        format!(
            "a valid {} ({}), {} subject(s)",
            statement.kind_name(),
            statement.predicate_type(),
            statement.subjects().len()
        ),
    ));
    Ok(VerifiedStatement {
        statement,
        signers: signed.signers,
        ignored: signed.ignored,
        envelope_digest: artifact::sha256_of(bytes),
    })
}

/// [`verify_attestation`] on a file (refused by size before it is read) or on standard
/// input (refused once more than the limit came).
pub fn verify_attestation_from(
    input: &Input,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    let bytes = input.read_capped(MAX_ENVELOPE_BYTES, "a DSSE envelope or Sigstore bundle")?;
    verify_attestation(&bytes, &input.to_string(), signers, threshold)
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
    use crate::artifact;
    use crate::dsse;
    use crate::keys::PrivateKey;

    fn statement_bytes() -> Vec<u8> {
        let declaration =
            candor_model::manifest::Declaration::from_toml(candor_test::AGENT_TOML, "t.toml")
                .unwrap();
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
        let trusted = TrustedSigners::keys(TrustedKeys::new([key.public_key().clone()]));
        let original =
            verify_attestation(&envelope, "e.json", &trusted, NonZeroUsize::MIN).unwrap();
        let mut rng = candor_test::Rng::new(0x00C0_FFEE);
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
            if let Ok(result) = verify_attestation(&bytes, "e.json", &trusted, NonZeroUsize::MIN) {
                // Only mutations outside the signed content (whitespace, keyid) may pass.
                assert_eq!(result.statement, original.statement);
                verified += 1;
            }
        }
        // Most mutations must be caught; a handful (whitespace, keyid hints) may pass.
        assert!(verified < 400, "{verified} of 4000 mutations verified");
    }
}
