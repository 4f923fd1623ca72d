//! Integration tests of candor-model: documents as people write them, the committed
//! examples and schemas, and the round trips between TOML, Statements and canonical JSON.
//!
//! One test binary (`tests/it/`), one module per document kind.

// clippy.toml allows `unwrap` in tests, but clippy counts only `#[test]` functions as
// tests, not the helpers they call; an unwrap failing in a helper fails its test all the
// same.
#![allow(clippy::unwrap_used)]

mod declaration;
mod evidence;
mod policy;
mod roundtrip;
mod schemas;
mod statement;

use std::path::PathBuf;

use candor_model::Subject;
use candor_model::digest::{DigestAlgorithm, DigestSet};

/// A path inside the repository (`examples/candor.toml`).
pub(crate) fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// The text of `examples/<name>`.
pub(crate) fn example(name: &str) -> String {
    fs_err::read_to_string(repo_path(&format!("examples/{name}"))).unwrap()
}

/// The sha256 the example Statements name for `agent` 1.4.0's npm tarball.
pub(crate) const EXAMPLE_SHA256: &str =
    "670e0ac29cc0c1bd340f8866c2cf99869ede1cb628d3b644741d41ae1098a895";

/// The artifact of the example release: `examples/manifest.statement.json`'s subject.
pub(crate) fn example_subject() -> Subject {
    Subject {
        name: "pkg:npm/%40acme/agent@1.4.0".to_owned(),
        digest: DigestSet::single(DigestAlgorithm::Sha256, EXAMPLE_SHA256).unwrap(),
    }
}
