//! candor-verify's integration tests: the policy's rules as a truth table (`rules.rs`),
//! built from documents made in memory (no store, no signatures).

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

mod rules;
