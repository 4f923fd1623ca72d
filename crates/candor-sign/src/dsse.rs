//! DSSE envelopes (github.com/secure-systems-lab/dsse, `envelope.md`, `protocol.md`).
//!
//! A signature covers the pre-authentication encoding
//! `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, where LEN is the
//! byte length in ASCII decimal. `payload` and `sig` are base64.
//!
//! **Base64, as read here**: the standard alphabet (RFC 4648 §4) or the URL-safe one
//! (§5), each with or without `=` padding. Refused: both alphabets mixed in one field,
//! whitespace or line breaks, wrong padding, and non-canonical encodings (stray bits in
//! the last character), so that exactly one text stands for each byte string.
//! **Written**: standard alphabet with padding, as securesystemslib and Sigstore do.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};
use serde::{Deserialize, Serialize};

use crate::keys::{KeyId, PrivateKey};

/// The largest envelope candor reads: 16 MiB (the model's JSON document limit).
pub const MAX_ENVELOPE_BYTES: u64 = candor_model::json::MAX_JSON_DOCUMENT_BYTES as u64;

/// The most signatures one envelope may carry. Real envelopes carry one or two.
pub const MAX_SIGNATURES: usize = 64;

/// A DSSE envelope as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// base64 of the payload bytes.
    pub payload: String,
    /// How to interpret the payload (`application/vnd.in-toto+json`).
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Signatures over `PAE(payloadType, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// An unauthenticated hint naming the key; never used to decide trust.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
    /// base64 of the signature bytes.
    pub sig: String,
}

/// Something that can sign DSSE PAE bytes: an ed25519 key today, a Sigstore identity later.
pub trait Signer {
    /// The key id to put in the signature's `keyid` hint.
    fn key_id(&self) -> KeyId;
    /// The signature of `message`.
    fn sign_message(&self, message: &[u8]) -> Vec<u8>;
}

impl Signer for PrivateKey {
    fn key_id(&self) -> KeyId {
        self.public_key().id().clone()
    }
    fn sign_message(&self, message: &[u8]) -> Vec<u8> {
        self.sign(message).to_vec()
    }
}

/// The DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// An envelope over `payload`, signed by each of `signers`.
pub fn sign(payload_type: &str, payload: &[u8], signers: &[&dyn Signer]) -> Envelope {
    let message = pae(payload_type, payload);
    Envelope {
        payload: STANDARD.encode(payload),
        payload_type: payload_type.to_owned(),
        signatures: signers
            .iter()
            .map(|signer| EnvelopeSignature {
                keyid: Some(signer.key_id().to_string()),
                sig: STANDARD.encode(signer.sign_message(&message)),
            })
            .collect(),
    }
}

impl Envelope {
    /// Indented JSON with a trailing newline: the form candor writes to files.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

const INDIFFERENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_ANY_PADDING: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::STANDARD, INDIFFERENT);
const URL_SAFE_ANY_PADDING: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, INDIFFERENT);

/// Decode one base64 field by the rules in the module documentation.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let url_safe = text.contains(['-', '_']);
    let standard = text.contains(['+', '/']);
    if url_safe && standard {
        return Err("mixes the standard (+ /) and URL-safe (- _) base64 alphabets".to_owned());
    }
    let engine = if url_safe {
        &URL_SAFE_ANY_PADDING
    } else {
        &STANDARD_ANY_PADDING
    };
    let bytes = engine.decode(text).map_err(|e| e.to_string())?;
    // The engine also accepts partial padding ("YQ=" for "YQ=="): padding is either
    // complete or absent.
    if text.ends_with('=') && !text.len().is_multiple_of(4) {
        return Err(
            "wrong `=` padding; expected none, or enough to make the length a multiple of 4"
                .to_owned(),
        );
    }
    Ok(bytes)
}

/// Standard padded base64 (for tests and callers that build envelopes by hand).
pub fn encode_base64(bytes: &[u8]) -> String {
    general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_spec_example() {
        // protocol.md: PAE("http://example.com/HelloWorld", "hello world")
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn pae_lengths_are_bytes_not_characters() {
        assert_eq!(
            pae("é", "ü".as_bytes()),
            "DSSEv1 2 é 2 ü".as_bytes().to_vec()
        );
    }

    #[test]
    fn base64_variants() {
        let bytes = [0xfb_u8, 0xff, 0xfe];
        // Accepted: both alphabets, padded or not.
        assert_eq!(decode_base64("+//+").unwrap(), bytes);
        assert_eq!(decode_base64("-__-").unwrap(), bytes);
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("aGk").unwrap(), b"hi");
        assert_eq!(decode_base64("").unwrap(), b"");
        // Refused: mixed alphabets, whitespace, bad padding, non-canonical trailing bits.
        assert!(decode_base64("+_").unwrap_err().contains("mixes"));
        assert!(decode_base64("aG k=").is_err());
        assert!(decode_base64("aGk=\n").is_err());
        assert!(decode_base64("aGk==").is_err());
        assert!(
            decode_base64("aGl=").is_err(),
            "non-canonical encoding of \"hi\" accepted"
        );
        assert!(decode_base64("a").is_err());
        assert!(
            decode_base64("YQ=")
                .unwrap_err()
                .contains("wrong `=` padding")
        );
    }
}
