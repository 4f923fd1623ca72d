//! What the fuzz targets share: the one key they trust, and checks on what verified.
//!
//! The seeds under `seeds/dsse_envelope/` and `seeds/sigstore_bundle/` are signed with
//! [`trusted_key`] (`seeds/make_signed.sh` writes them), so mutations that keep a valid
//! signature reach the Statement parser behind the signature check.

use std::sync::OnceLock;

use candor_model::{AnyStatement, IN_TOTO_PAYLOAD_TYPE};
use candor_sign::dsse::{self, Envelope};
use candor_sign::keys::PrivateKey;
use candor_sign::verify::{SignedBy, VerifiedStatement};

/// The seed of the key the targets trust (`PrivateKey::from_seed`).
pub const TRUSTED_SEED: [u8; 32] = [7; 32];

/// The key the targets trust, made once.
pub fn trusted_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::from_seed(&TRUSTED_SEED))
}

/// The invariant of an envelope that verified: [`trusted_key`] is its one signer, one of
/// its signatures is that key's over PAE(payloadType, payload), the payload is an in-toto
/// Statement, and the Statement reported is exactly the one the signed payload holds.
///
/// # Panics
///
/// When the invariant does not hold: the fuzzer reports it as a crash.
pub fn assert_signed_by_trusted_key(envelope: &Envelope, verified: &VerifiedStatement) {
    let key = trusted_key().public_key();
    assert_eq!(
        verified.signers,
        [SignedBy::Key(key.id().clone())],
        "verified, but not by exactly the trusted key"
    );
    assert_eq!(envelope.payload_type, IN_TOTO_PAYLOAD_TYPE);
    let payload = dsse::decode_base64(&envelope.payload)
        .unwrap_or_else(|e| panic!("verified, but the payload is not base64: {e}"));
    let message = dsse::pae(&envelope.payload_type, &payload);
    let signed = envelope.signatures.iter().any(|signature| {
        dsse::decode_base64(&signature.sig).is_ok_and(|sig| key.verify(&message, &sig))
    });
    assert!(signed, "verified, but no signature by the trusted key");
    let statement = AnyStatement::from_json(&payload, "fuzz (payload)")
        .unwrap_or_else(|e| panic!("verified, but the signed payload is refused: {e}"));
    assert_eq!(
        statement, verified.statement,
        "the Statement reported is not the one signed"
    );
}
