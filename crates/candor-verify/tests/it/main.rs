//! candor-verify's integration tests: resolution against real file systems (links,
//! wrappers and package layouts made in temporary directories, by hand and by the real
//! package managers, `npm` and `pip` in a venv, where they are installed), the policy's
//! rules as a truth table (`rules.rs`, built from documents made in memory), and the trust
//! ledger over real stores (`ledger.rs`).

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

mod layout;
mod ledger;
mod resolve;
mod resolve_installers;
mod rules;
