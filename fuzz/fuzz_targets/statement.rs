//! Target: `candor_model::AnyStatement::from_json`, the strict reader of in-toto
//! Statements for every candor predicate type (manifest, audit, response), on arbitrary
//! bytes.
//!
//! Invariants: it never panics, and a Statement it accepts survives the canonical
//! encoding, the bytes that get signed: `to_canonical_json()` is accepted again, as an
//! equal Statement, and re-encodes to the same bytes.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use candor_model::AnyStatement;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(statement) = AnyStatement::from_json(bytes, "fuzz") else {
        return;
    };
    let canonical = statement.to_canonical_json();
    let again = AnyStatement::from_json(&canonical, "fuzz (canonical)").unwrap_or_else(|e| {
        panic!(
            "the canonical encoding of an accepted Statement is refused:\n{e}\n---\n{}",
            String::from_utf8_lossy(&canonical)
        )
    });
    assert_eq!(
        again, statement,
        "the canonical encoding changed the Statement"
    );
    assert_eq!(
        again.to_canonical_json(),
        canonical,
        "the canonical encoding is not a fixed point"
    );
});
