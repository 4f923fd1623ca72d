//! candor's vendor side: the `candor.toml` declaration, and the manifest Statement that
//! binds it to a release's artifacts by digest.
//!
//! - [`declaration`]: write the commented template, read and validate a declaration
//!   (`candor manifest init`, `candor manifest validate`);
//! - [`statement`]: digest the artifacts and build the unsigned Statement
//!   (`candor manifest statement`); signing is `candor_sign::signing`.
//!
//! ```
//! use candor_release::statement::{ArtifactSpec, StatementRequest, make_statement};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let declaration = dir.path().join("candor.toml");
//! fs_err::write(&declaration, candor_release::declaration::TEMPLATE).unwrap();
//! let artifact = dir.path().join("agent.js");
//! fs_err::write(&artifact, "console.log('agent')\n").unwrap();
//! let made = make_statement(&StatementRequest {
//!     declaration: declaration.into(),
//!     artifacts: vec![ArtifactSpec::parse(&artifact.display().to_string()).unwrap()],
//!     supersedes: None,
//! })
//! .unwrap();
//! assert_eq!(made.statement.subject.len(), 1);
//! assert!(made.statement.subject[0].name.starts_with("pkg:generic/agent.js@"));
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod declaration;
pub mod generate;
pub mod git;
pub mod schema;
pub mod statement;

/// A URL without its user name and password, for messages.
pub(crate) fn location_without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) if !user.contains('/') => format!("{scheme}://***@{host}"),
            _ => url.to_owned(),
        },
        None => url.to_owned(),
    }
}
