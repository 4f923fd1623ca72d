//! candor-release against real git repositories made in a temporary directory with the
//! git command line: tagged releases, annotated, lightweight and signed tags, declarations
//! changed between tags, built artifacts.

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

mod generate;
mod repo;
