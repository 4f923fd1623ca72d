//! candor-verify's integration tests: one binary, a module per use case.

#![allow(clippy::unwrap_used)]

mod ledger;
