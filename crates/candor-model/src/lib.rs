//! candor's documents: behaviour manifests, audits, vendor responses, trust policies and
//! verification summaries.
//!
//! This crate is the pure data model: types, strict parsing, validation and the one
//! canonical encoding of what gets signed. It does no I/O; callers hand it text and a
//! name for that text (usually the file path), and every error names that file, the
//! place in it (TOML line:column or JSON path) and what was expected.
//!
//! ```
//! use candor_model::manifest::Declaration;
//!
//! let text = r#"
//! [tool]
//! name = "agent"
//! version = "1.4.0"
//!
//! [vendor]
//! name = "Acme Inc."
//!
//! [source]
//! repository = "https://github.com/acme/agent"
//!
//! [completeness]
//! exhaustive = ["network"]
//!
//! [[claims.network]]
//! id = "network.api"
//! endpoint = "https://api.acme.example/v1"
//! purpose = "Sends the prompt to the model"
//! "#;
//! let declaration = Declaration::from_toml(text, "candor.toml").unwrap();
//! assert_eq!(declaration.claims.network[0].id.as_str(), "network.api");
//!
//! let err = Declaration::from_toml(&text.replace("network.api", "net.api"), "candor.toml")
//!     .unwrap_err();
//! assert!(err.to_string().starts_with("candor.toml:16:6: invalid claim id \"net.api\""));
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod claims;
pub mod digest;
pub mod error;
pub mod evidence;
pub mod feed;
pub mod ids;
pub mod json;
pub mod location;
pub mod manifest;
pub mod pattern;
pub mod policy;
pub mod response;
pub mod schema;
pub mod severity;
pub mod signer;
pub mod statement;
pub mod suggest;
pub mod summary;
mod toml_doc;

pub use error::{DocumentError, DocumentErrors, Violation};
pub use statement::{AnyStatement, IN_TOTO_PAYLOAD_TYPE, STATEMENT_TYPE_V1, Statement, Subject};
pub use toml_doc::MAX_TOML_DOCUMENT_BYTES;
