//! Builders for the adversarial tests: a valid manifest Statement, deterministic keys,
//! envelopes signed properly and envelopes crafted by hand.

use std::num::NonZeroUsize;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use candor_model::digest::DigestSet;
use candor_model::manifest::Declaration;
use candor_model::{IN_TOTO_PAYLOAD_TYPE, Subject};
use candor_sign::artifact;
use candor_sign::dsse::{self, Envelope, EnvelopeSignature};
use candor_sign::keys::PrivateKey;
use candor_sign::verify::{
    TrustedKeys, TrustedSigners, VerifiedStatement, VerifyError, verify_attestation,
    verify_attestation_from,
};

/// The name every envelope goes by in error messages.
pub const FILE: &str = "release.dsse.json";

/// The artifact the manifest is about.
pub const ARTIFACT: &[u8] = b"#!/bin/sh\necho 'acme agent 1.4.0'\n";

/// The subject name of [`ARTIFACT`].
pub const SUBJECT_NAME: &str = "pkg:generic/agent-linux-x64@1.4.0";

pub fn one() -> NonZeroUsize {
    NonZeroUsize::MIN
}

pub fn two() -> NonZeroUsize {
    NonZeroUsize::new(2).expect("2 is not 0")
}

/// The digests (sha256 + sha512) of [`ARTIFACT`].
pub fn artifact_digests() -> DigestSet {
    artifact::digest_bytes(ARTIFACT)
}

/// A valid manifest Statement about [`ARTIFACT`], in its canonical (signed) encoding.
pub fn statement_json() -> Vec<u8> {
    statement_with_subjects(vec![Subject {
        name: SUBJECT_NAME.to_owned(),
        digest: artifact_digests(),
    }])
}

/// A valid manifest Statement with the given subjects, canonical encoding.
pub fn statement_with_subjects(subjects: Vec<Subject>) -> Vec<u8> {
    Declaration::from_toml(candor_test::AGENT_TOML, "candor.toml")
        .expect("the fixture manifest is valid")
        .to_statement_with(subjects)
        .to_canonical_json()
}

/// [`statement_json`] as a JSON value, to be bent into invalid shapes.
pub fn statement_value() -> serde_json::Value {
    serde_json::from_slice(&statement_json()).expect("canonical JSON parses")
}

/// A deterministic key: the same seed gives the same key in every run, so base64
/// texts of signatures are reproducible.
pub fn key(seed: u8) -> PrivateKey {
    PrivateKey::from_seed(&[seed; 32])
}

/// The trusted set of the public halves of `keys`.
pub fn trust(keys: &[&PrivateKey]) -> TrustedKeys {
    TrustedKeys::new(keys.iter().map(|k| k.public_key().clone()))
}

/// An in-toto envelope over `payload`, signed properly (over PAE) by each key.
pub fn sign(payload: &[u8], keys: &[&PrivateKey]) -> Envelope {
    sign_typed(IN_TOTO_PAYLOAD_TYPE, payload, keys)
}

/// An envelope of any payloadType, signed properly by each key.
pub fn sign_typed(payload_type: &str, payload: &[u8], keys: &[&PrivateKey]) -> Envelope {
    let signers: Vec<&dyn dsse::Signer> = keys.iter().map(|k| *k as &dyn dsse::Signer).collect();
    dsse::sign(payload_type, payload, &signers)
}

/// A signature entry made by `key` over `message` (whatever the caller decided to sign).
pub fn signature(key: &PrivateKey, message: &[u8], keyid: Option<String>) -> EnvelopeSignature {
    EnvelopeSignature {
        keyid,
        sig: dsse::encode_base64(&key.sign(message)),
    }
}

/// A proper PAE signature entry by `key` for `payload` of the in-toto type.
pub fn pae_signature(key: &PrivateKey, payload: &[u8], keyid: Option<String>) -> EnvelopeSignature {
    signature(key, &dsse::pae(IN_TOTO_PAYLOAD_TYPE, payload), keyid)
}

/// An envelope assembled field by field.
pub fn envelope(
    payload_type: &str,
    payload: &[u8],
    signatures: Vec<EnvelopeSignature>,
) -> Envelope {
    Envelope {
        payload: dsse::encode_base64(payload),
        payload_type: payload_type.to_owned(),
        signatures,
    }
}

/// The bytes of an envelope as candor writes it.
pub fn bytes(envelope: &Envelope) -> Vec<u8> {
    envelope.to_json().into_bytes()
}

/// Standard base64 re-encoded with the URL-safe alphabet, padded or not.
pub fn to_url_safe(standard: &str, padded: bool) -> String {
    let raw = dsse::decode_base64(standard).expect("valid base64");
    if padded {
        URL_SAFE.encode(raw)
    } else {
        URL_SAFE_NO_PAD.encode(raw)
    }
}

/// The keyid hint candor writes for `key`, as the `keyid` field holds it.
#[allow(clippy::unnecessary_wraps)] // shaped like `EnvelopeSignature::keyid`
pub fn keyid(key: &PrivateKey) -> Option<String> {
    Some(key.public_key().id().to_string())
}

/// 64 bytes that are no signature: valid base64, a plausible length, random content.
pub fn garbage_signature() -> EnvelopeSignature {
    let mut bytes = [0u8; 64];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    EnvelopeSignature {
        keyid: None,
        sig: dsse::encode_base64(&bytes),
    }
}

/// Envelope bytes carrying `payload`, validly signed by `key` (the one trusted key of
/// [`trusted`]) as an in-toto Statement.
pub fn signed(payload: &[u8]) -> Vec<u8> {
    bytes(&sign(payload, &[&key(1)]))
}

/// The trust set that [`signed`] envelopes verify against.
pub fn trusted() -> TrustedKeys {
    trust(&[&key(1)])
}

/// Lowercase hex SHA-256, computed independently of candor.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// [`verify_attestation`] against trusted keys only: what most tests here exercise.
pub fn verify(
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

/// [`verify_attestation_from`] a file, against trusted keys only.
pub fn verify_file(
    path: &std::path::Path,
    trusted: &TrustedKeys,
    threshold: NonZeroUsize,
) -> Result<VerifiedStatement, VerifyError> {
    verify_attestation_from(
        &path.into(),
        &TrustedSigners::keys(trusted.clone()),
        threshold,
    )
}
