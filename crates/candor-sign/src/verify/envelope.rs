//! DSSE envelopes: strict parsing (rule 1) and signatures against trusted keys (rules 2
//! and 3 of the module documentation).

use std::fmt;
use std::num::NonZeroUsize;

use super::{SignedBy, TrustedKeys, VerifyError};
use crate::dsse::{self, Envelope, MAX_ENVELOPE_BYTES, MAX_SIGNATURES};
use crate::file::FileError;
use crate::keys::KeyId;

/// A signature that did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct IgnoredSignature {
    /// Its position in `signatures`.
    pub index: usize,
    /// Its keyid hint, as written.
    pub keyid: Option<String>,
    /// Why it did not count.
    pub reason: IgnoredReason,
}

/// Why a signature did not count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
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
pub(super) fn check_size(bytes: &[u8], file: &str, what: &'static str) -> Result<(), VerifyError> {
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
            trusted_signers: trusted.len(),
            trusted_keys: trusted.iter().map(|key| key.id().to_string()).collect(),
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
