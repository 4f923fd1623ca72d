//! candor-feed against real components: feed directories and git repositories made in a
//! temporary directory, the `SQLite` store, and (in `https.rs`, `git_http.rs`) servers on
//! 127.0.0.1.

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

mod directory;
mod git;
mod git_http;
mod https;
mod parallel_reads;
mod store;
mod support;
