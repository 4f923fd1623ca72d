//! Target: `candor_sign::verify::parse_envelope`, the strict DSSE envelope reader, and for
//! every envelope it accepts the whole verification path, `verify_attestation` (base64,
//! PAE, ed25519 against one trusted key, payloadType, the Statement), on arbitrary bytes.
//!
//! Invariants: neither panics, and whatever verifies carries a signature by the trusted
//! key over its payload, which holds exactly the Statement reported
//! (`candor_fuzz::assert_signed_by_trusted_key`).

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use std::num::NonZeroUsize;
use std::sync::OnceLock;

use candor_fuzz::{assert_signed_by_trusted_key, trusted_key};
use candor_sign::verify::{TrustedKeys, TrustedSigners, parse_envelope, verify_attestation};
use libfuzzer_sys::fuzz_target;

/// Only the fuzz key, made once.
fn signers() -> &'static TrustedSigners {
    static SIGNERS: OnceLock<TrustedSigners> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        TrustedSigners::keys(TrustedKeys::new([trusted_key().public_key().clone()]))
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(envelope) = parse_envelope(bytes, "fuzz") else {
        return;
    };
    if let Ok(verified) = verify_attestation(bytes, "fuzz", signers(), NonZeroUsize::MIN) {
        assert_signed_by_trusted_key(&envelope, &verified);
    }
});
