//! candor's signatures: ed25519 keys, DSSE envelopes, and verification of candor
//! Statements against the keys a caller trusts.
//!
//! ```
//! use std::num::NonZeroUsize;
//! use candor_sign::{dsse, keys::PrivateKey, verify};
//!
//! let key = PrivateKey::generate();
//! let envelope = dsse::sign("text/plain", b"hello", &[&key]);
//! let trusted = verify::TrustedKeys::new([key.public_key().clone()]);
//! let verified = verify::verify_signatures(&envelope, "hello.dsse.json", &trusted, NonZeroUsize::MIN)
//!     .unwrap();
//! assert_eq!(verified.payload, b"hello");
//! assert_eq!(verified.signers, [key.public_key().id().clone()]);
//!
//! // Another key's signature is no signature at all.
//! let stranger = verify::TrustedKeys::new([PrivateKey::generate().public_key().clone()]);
//! assert!(verify::verify_signatures(&envelope, "hello.dsse.json", &stranger, NonZeroUsize::MIN).is_err());
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod artifact;
pub mod dsse;
pub mod file;
pub mod keyless;
pub mod keys;
pub mod schema;
pub mod signing;
pub mod sigstore;
pub mod verify;
