//! candor's enterprise side: verifying what is installed against signed attestations.
//!
//! Each use case is one function that takes a request naming its inputs and returns a
//! typed report (serializable, with a JSON Schema in `schemas/`), or an error when the
//! inputs themselves are unusable:
//!
//! - [`envelope::verify_envelope`]: one DSSE envelope or Sigstore bundle against trusted
//!   keys and identities, and optionally an installed artifact (`candor verify-envelope`);
//! - [`bundle::verify_bundle`]: a Sigstore bundle over any artifact, the conformance
//!   suite's client protocol (`candor sigstore verify-bundle`);
//! - [`resolve::resolve`]: what `candor verify TARGET` verifies: a file, a directory or a
//!   command name resolved through links and shims to the artifact that runs, its package
//!   and any link leading out of it ([`resolve::find_installed`] for `--all`).
//! - [`ledger::ledger`]: the trust ledger per vendor from the local store, with or
//!   without a policy to verify its documents against (`candor ledger`).
//!
//! A report is either *verified* or *rejected*: a rejection is a result, not an error.
//!
//! ```
//! use std::num::NonZeroUsize;
//! use candor_verify::envelope::{EnvelopeReport, EnvelopeRequest, verify_envelope};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let key = candor_sign::keys::PrivateKey::from_seed(&[7; 32]);
//! let public = dir.path().join("vendor.pub");
//! fs_err::write(&public, key.public_key().to_pem()).unwrap();
//! // Not an envelope at all: a rejection, with the reason.
//! let envelope = dir.path().join("manifest.dsse.json");
//! fs_err::write(&envelope, "{}").unwrap();
//! let report = verify_envelope(&EnvelopeRequest {
//!     envelope: envelope.clone().into(),
//!     keys: vec![public],
//!     identities: Vec::new(),
//!     trusted_root: None,
//!     instance: candor_sign::sigstore::Instance::Production,
//!     artifact: None,
//!     threshold: NonZeroUsize::MIN,
//! })
//! .unwrap();
//! let EnvelopeReport::Rejected(rejected) = report else { panic!("accepted {{}}") };
//! assert_eq!(rejected.error.kind, "malformed-envelope");
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod attest;
pub mod bundle;
pub mod digest;
pub mod endpoint;
pub mod envelope;
pub mod error;
pub mod gather;
pub mod ledger;
pub mod policy;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod run;
pub mod sarif;
pub mod schema;
