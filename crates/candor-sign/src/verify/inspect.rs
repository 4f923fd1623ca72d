//! Reading an attestation without checking any signature: what a feed stores and
//! indexes before any policy exists to judge it. Nothing read here is trusted; the
//! signers are what the document *claims* (a key id hint, a certificate's identity), for
//! naming and indexing only. [`super::verify_attestation`] decides trust.

use candor_model::signer::CertificateIdentity;
use candor_model::{AnyStatement, DocumentError, IN_TOTO_PAYLOAD_TYPE};
use sigstore_verify::types::{SignatureContent, VerificationMaterialContent};

use super::envelope::{check_size, parse_envelope};
use super::{Probe, VerifyError, is_bundle_media_type};
use crate::dsse;

/// What form an attestation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationForm {
    /// A bare DSSE envelope.
    Envelope,
    /// A Sigstore bundle with a public-key hint holding a DSSE envelope.
    KeyBundle,
    /// A Sigstore bundle with a Fulcio certificate holding a DSSE envelope.
    CertificateBundle,
}

impl AttestationForm {
    /// The name used in reports and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            AttestationForm::Envelope => "envelope",
            AttestationForm::KeyBundle => "key-bundle",
            AttestationForm::CertificateBundle => "certificate-bundle",
        }
    }
}

/// Who a document says signed it: unverified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ClaimedSigner {
    /// A signature's `keyid` (or a bundle's public-key hint), as written; absent when
    /// the signature has none.
    KeyId {
        /// The hint.
        keyid: Option<String>,
    },
    /// The identity a bundle's certificate states.
    Certificate {
        /// The certificate's issuer and subject.
        identity: CertificateIdentity,
    },
}

/// An attestation read, not verified.
#[derive(Debug, Clone)]
pub struct Inspected {
    /// The Statement it carries (valid by every document rule; its signature unchecked).
    pub statement: AnyStatement,
    /// Its form.
    pub form: AttestationForm,
    /// Who it claims signed it, one per signature, in order.
    pub claimed_signers: Vec<ClaimedSigner>,
}

/// Read `bytes` as an envelope or a bundle holding one, strictly, and the candor
/// Statement inside, without checking signatures. `file` names it in errors.
pub fn inspect_attestation(bytes: &[u8], file: &str) -> Result<Inspected, VerifyError> {
    check_size(bytes, file, "a DSSE envelope or Sigstore bundle")?;
    let is_bundle = serde_json::from_slice::<Probe>(bytes)
        .ok()
        .and_then(|p| p.media_type)
        .is_some_and(|m| is_bundle_media_type(&m));
    let (form, payload_type, payload, claimed_signers) = if is_bundle {
        let text = candor_model::json::check_text(bytes, file).map_err(VerifyError::Envelope)?;
        let bundle = crate::sigstore::bundle_from_checked(text, file).map_err(|source| {
            VerifyError::Sigstore {
                file: file.to_owned(),
                source,
            }
        })?;
        let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
            return Err(VerifyError::NotAnAttestation {
                file: file.to_owned(),
            });
        };
        let (form, signer) = if let VerificationMaterialContent::PublicKey(key) =
            &bundle.verification_material.content
        {
            (
                AttestationForm::KeyBundle,
                ClaimedSigner::KeyId {
                    keyid: Some(key.hint.clone()).filter(|h| !h.is_empty()),
                },
            )
        } else {
            let certificate = bundle.signing_certificate().ok_or_else(|| {
                VerifyError::Envelope(DocumentError::whole(
                    file,
                    "the bundle carries no signing certificate and no public-key hint",
                ))
            })?;
            let info = sigstore_verify::crypto::x509::parse_certificate_info(certificate).map_err(
                |e| {
                    VerifyError::Envelope(DocumentError::whole(
                        file,
                        format!("the bundle's signing certificate does not parse: {e}"),
                    ))
                },
            )?;
            (
                AttestationForm::CertificateBundle,
                ClaimedSigner::Certificate {
                    identity: CertificateIdentity {
                        issuer: info.issuer.unwrap_or_default(),
                        subject: info
                            .identity
                            .map(|s| s.as_str().to_owned())
                            .unwrap_or_default(),
                    },
                },
            )
        };
        (
            form,
            envelope.payload_type.clone(),
            envelope.payload.as_bytes().to_vec(),
            vec![signer],
        )
    } else {
        let envelope = parse_envelope(bytes, file)?;
        let payload =
            dsse::decode_base64(&envelope.payload).map_err(|reason| VerifyError::Base64 {
                file: file.to_owned(),
                field: "payload".to_owned(),
                reason,
            })?;
        let signers = envelope
            .signatures
            .iter()
            .map(|s| ClaimedSigner::KeyId {
                keyid: s.keyid.clone().filter(|k| !k.is_empty()),
            })
            .collect();
        (
            AttestationForm::Envelope,
            envelope.payload_type,
            payload,
            signers,
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
    Ok(Inspected {
        statement,
        form,
        claimed_signers,
    })
}
