//! Target: `candor_model::policy::TrustPolicy::from_toml`, the reader of an enterprise's
//! `policy.toml` (TOML syntax, the policy schema, signer and rule checks), on arbitrary
//! UTF-8 text.
//!
//! Invariants: it never panics, and an accepted policy written back as TOML (as
//! `crates/candor-model/tests/it/roundtrip.rs` does for the example) is accepted again as
//! an equal policy.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use candor_model::policy::TrustPolicy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(policy) = TrustPolicy::from_toml(text, "fuzz") else {
        return;
    };
    let toml = toml::to_string_pretty(&policy)
        .unwrap_or_else(|e| panic!("an accepted policy does not serialize: {e}"));
    let again = TrustPolicy::from_toml(&toml, "fuzz (written)")
        .unwrap_or_else(|e| panic!("a written policy is refused:\n{e}\n---\n{toml}"));
    assert_eq!(again, policy, "writing changed the policy:\n{toml}");
});
