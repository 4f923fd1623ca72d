//! The signature layer of a Sigstore bundle holding a DSSE envelope: the envelope
//! against trusted keys (a public-key hint, as `candor sign --bundle` writes), or the
//! whole bundle against the trusted root and then the trusted identities (a Fulcio
//! certificate).

use std::num::NonZeroUsize;

use candor_model::signer::CertificateIdentity;
use candor_model::{DocumentError, DocumentErrors};

use super::envelope::{IgnoredSignature, parse_envelope, verify_signatures};
use super::{Check, SignedBy, TrustedSigners, VerifyError};
use crate::sigstore::{self, ArtifactRef, BundleSigner};

/// What the signature layer of an envelope or a bundle established: the signed payload
/// and who signed it.
#[derive(Debug, Clone)]
pub(super) struct SignedPayload {
    /// The payloadType (signed).
    pub payload_type: String,
    /// The payload bytes (signed).
    pub payload: Vec<u8>,
    /// Distinct trusted signers, in signature order.
    pub signers: Vec<SignedBy>,
    /// Signatures that did not count.
    pub ignored: Vec<IgnoredSignature>,
}

/// Verify the signatures of a bundle whose text passed `candor_model::json::check_text`.
pub(super) fn verify_bundle_signers(
    text: &str,
    file: &str,
    signers: &TrustedSigners,
    threshold: NonZeroUsize,
    checks: &mut Vec<Check>,
) -> Result<SignedPayload, VerifyError> {
    let sigstore_error = |source| VerifyError::Sigstore {
        file: file.to_owned(),
        source,
    };
    let bundle = sigstore::bundle_from_checked(text, file).map_err(sigstore_error)?;
    let sigstore_verify::types::SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return Err(VerifyError::NotAnAttestation {
            file: file.to_owned(),
        });
    };
    if bundle.signing_certificate().is_none() {
        // A public-key hint: the envelope inside, exactly as written, by the same rules
        // as a bare one.
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| VerifyError::Envelope(DocumentError::whole(file, e.to_string())))?;
        let inner = serde_json::to_vec(
            value
                .get("dsseEnvelope")
                .unwrap_or(&serde_json::Value::Null),
        )
        .unwrap_or_default();
        let envelope = parse_envelope(&inner, &format!("{file} (dsseEnvelope)"))?;
        checks.push(Check::passed(
            "document",
            format!(
                "{file}: a Sigstore bundle with a public-key hint; its DSSE envelope has {} \
                 signature(s)",
                envelope.signatures.len()
            ),
        ));
        let verified = verify_signatures(&envelope, file, signers.trusted_keys(), threshold)?;
        return Ok(SignedPayload {
            payload_type: verified.payload_type,
            payload: verified.payload,
            signers: verified.signers.into_iter().map(SignedBy::Key).collect(),
            ignored: verified.ignored,
        });
    }
    checks.push(Check::passed(
        "document",
        format!("{file}: a Sigstore bundle with a signing certificate, holding a DSSE envelope"),
    ));
    let payload = envelope.payload.as_bytes().to_vec();
    let Some(root) = signers.trusted_root() else {
        return Err(VerifyError::NoTrustedRoot {
            file: file.to_owned(),
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
    let verified = sigstore::verify_bundle(
        &bundle,
        ArtifactRef::Sha256(subject_digest),
        &BundleSigner::AnyCertificate,
        root,
    )
    .map_err(sigstore_error)?;
    checks.extend(verified.checks.iter().cloned());
    let identity = CertificateIdentity {
        issuer: verified.issuer.clone().unwrap_or_default(),
        subject: verified.subject.clone().unwrap_or_default(),
    };
    if !signers.identities().iter().any(|i| i.matches(&identity)) {
        return Err(VerifyError::UntrustedIdentity {
            file: file.to_owned(),
            identity,
            trusted: signers.identities().len(),
        });
    }
    checks.push(Check::passed(
        "identity",
        format!("{identity} is a trusted identity"),
    ));
    // A bundle holds one signature: one signer at most, whatever the threshold asks.
    let signed_by = vec![SignedBy::Sigstore(identity)];
    if signed_by.len() < threshold.get() {
        return Err(VerifyError::ThresholdNotMet {
            file: file.to_owned(),
            threshold,
            verified: signed_by,
            signatures: 1,
            trusted_signers: signers.len(),
            trusted_keys: Vec::new(),
            ignored: Vec::new(),
        });
    }
    Ok(SignedPayload {
        payload_type: envelope.payload_type.clone(),
        payload,
        signers: signed_by,
        ignored: Vec::new(),
    })
}

/// The sha256 digest of the first subject of an in-toto Statement that has one.
fn first_sha256_subject(payload: &[u8]) -> Option<[u8; 32]> {
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    value
        .get("subject")?
        .as_array()?
        .iter()
        .find_map(|subject| {
            sigstore::sha256_from_hex(subject.get("digest")?.get("sha256")?.as_str()?)
        })
}
