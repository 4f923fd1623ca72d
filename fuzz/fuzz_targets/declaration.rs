//! Target: `candor_model::manifest::Declaration::from_toml`, the reader of `candor.toml`
//! (TOML syntax, the declaration schema, the claim rules), on arbitrary UTF-8 text.
//!
//! Invariants: it never panics, and a declaration it accepts makes a Statement the way
//! `candor manifest statement` does without panicking (`to_statement_with`). With a
//! subject (its own, or a fixed one when it names none) that Statement breaks no rule,
//! and the round trip `crates/candor-model/tests/it/roundtrip.rs` promises for the
//! examples holds for every accepted declaration: canonical JSON → Statement →
//! declaration → TOML → declaration loses nothing.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use candor_model::digest::{DigestAlgorithm, DigestSet};
use candor_model::manifest::{Declaration, ManifestPredicate};
use candor_model::{Statement, Subject};
use libfuzzer_sys::fuzz_target;

/// A valid subject, for declarations that name none.
fn fixed_subject() -> Subject {
    Subject {
        name: "pkg:generic/fuzz@1.0.0".to_owned(),
        digest: DigestSet::single(DigestAlgorithm::Sha256, &"ab".repeat(32))
            .expect("a valid sha256"),
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(declaration) = Declaration::from_toml(text, "fuzz") else {
        return;
    };
    let _ = declaration.to_statement_with(vec![]);

    let mut expected = declaration.clone();
    if expected.subject.is_empty() {
        expected.subject.push(fixed_subject());
    }
    let statement = expected.to_statement_with(vec![]);
    let violations = statement.violations();
    assert!(
        violations.is_empty(),
        "an accepted declaration makes an invalid Statement: {violations:?}"
    );
    let canonical = statement.to_canonical_json();
    let parsed = Statement::<ManifestPredicate>::from_json(&canonical, "fuzz (statement)")
        .unwrap_or_else(|e| {
            panic!(
                "the Statement of an accepted declaration is refused:\n{e}\n---\n{}",
                String::from_utf8_lossy(&canonical)
            )
        });
    assert_eq!(parsed, statement, "canonical JSON changed the Statement");
    assert_eq!(Declaration::from_statement(&parsed), expected);

    let toml = expected.to_toml();
    let reparsed = Declaration::from_toml(&toml, "fuzz (to_toml)").unwrap_or_else(|e| {
        panic!("to_toml wrote a declaration that is refused:\n{e}\n---\n{toml}")
    });
    assert_eq!(
        reparsed, expected,
        "to_toml changed the declaration:\n{toml}"
    );
});
