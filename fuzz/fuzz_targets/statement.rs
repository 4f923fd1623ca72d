//! Target: `candor_model::AnyStatement::from_json`, the strict reader of in-toto
//! Statements for every predicate type candor reads (behaviour manifest, audit, vendor
//! response, and the SLSA verification summary `candor verify --sign` writes), on
//! arbitrary bytes.
//!
//! Invariants: it never panics, and a Statement it accepts survives the canonical
//! encoding, the bytes that get signed: `to_canonical_json()` is accepted again, as an
//! equal Statement, and re-encodes to the same bytes; the typed reader of its predicate
//! (`Statement::<P>::from_json`, what a caller expecting one kind uses) reads those bytes
//! as the same Statement. A verification summary ignores unknown fields (the VSA's
//! parsing rules), so for it "equal" is after the first reading dropped them.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]

use std::fmt::Debug;

use candor_model::audit::AuditPredicate;
use candor_model::manifest::ManifestPredicate;
use candor_model::response::ResponsePredicate;
use candor_model::statement::Predicate;
use candor_model::summary::VerificationSummary;
use candor_model::{AnyStatement, Statement};
use libfuzzer_sys::fuzz_target;

/// The typed reader of `P` reads `canonical` as `expected`.
fn typed_reads_the_same<P>(canonical: &[u8], expected: &Statement<P>)
where
    P: Predicate + Debug + PartialEq,
{
    let typed = Statement::<P>::from_json(canonical, "fuzz (typed)").unwrap_or_else(|e| {
        panic!(
            "the {} reader refuses what AnyStatement read as one:\n{e}\n---\n{}",
            P::NAME,
            String::from_utf8_lossy(canonical)
        )
    });
    assert_eq!(
        &typed,
        expected,
        "the {} reader reads another Statement",
        P::NAME
    );
}

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
    match &statement {
        AnyStatement::Manifest(s) => typed_reads_the_same::<ManifestPredicate>(&canonical, s),
        AnyStatement::Audit(s) => typed_reads_the_same::<AuditPredicate>(&canonical, s),
        AnyStatement::Response(s) => typed_reads_the_same::<ResponsePredicate>(&canonical, s),
        AnyStatement::Summary(s) => typed_reads_the_same::<VerificationSummary>(&canonical, s),
    }
});
