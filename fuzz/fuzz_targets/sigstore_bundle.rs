//! Target: `candor_sign::sigstore::parse_bundle`, the Sigstore bundle reader (strict JSON,
//! then bundle v0.1–v0.3), and for every bundle it accepts `verify_attestation` against
//! the embedded production trusted root, on arbitrary bytes. No Sigstore identity is
//! trusted, so a certificate bundle runs every offline check (chain, SCT, inclusion
//! proof, checkpoint, timestamps) and is then refused; the fuzz key is trusted, so a
//! public-key-hint bundle signed with it reaches the Statement parser.
//!
//! Invariants: neither panics, and whatever verifies was signed by the trusted key (the
//! envelope inside the bundle, `candor_fuzz::assert_signed_by_trusted_key`).

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use std::num::NonZeroUsize;
use std::sync::OnceLock;

use candor_fuzz::{assert_signed_by_trusted_key, trusted_key};
use candor_sign::sigstore::{Instance, parse_bundle, trusted_root};
use candor_sign::verify::{TrustedKeys, TrustedSigners, parse_envelope, verify_attestation};
use libfuzzer_sys::fuzz_target;

/// The fuzz key, no identities, the production trusted root; made once.
fn signers() -> &'static TrustedSigners {
    static SIGNERS: OnceLock<TrustedSigners> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        TrustedSigners::new(
            TrustedKeys::new([trusted_key().public_key().clone()]),
            Vec::new(),
            Some(
                trusted_root(None, Instance::Production).expect("the embedded trusted root loads"),
            ),
            "fuzz",
        )
        .expect("keys and a root, no identities")
    })
}

fuzz_target!(|bytes: &[u8]| {
    if parse_bundle(bytes, "fuzz").is_err() {
        return;
    }
    let Ok(verified) = verify_attestation(bytes, "fuzz", signers(), NonZeroUsize::MIN) else {
        return;
    };
    // Only the key can have signed: the envelope inside is what it signed.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).expect("a verified bundle is JSON");
    let inner = serde_json::to_vec(&value["dsseEnvelope"]).expect("re-encoding JSON");
    let envelope = parse_envelope(&inner, "fuzz (dsseEnvelope)")
        .unwrap_or_else(|e| panic!("verified, but the envelope inside is refused: {e}"));
    assert_signed_by_trusted_key(&envelope, &verified);
});
