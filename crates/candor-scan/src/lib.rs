//! candor's static behaviour scanner: bytes in, behaviour indicators out.
//!
//! No signing and no network: the scanner reads files, directories and archives and
//! reports what a tool looks like it does — endpoints, environment variables, paths,
//! processes, locale and time-zone conditions, telemetry SDKs, invisible or look-alike
//! characters in string literals, and encoded blobs — including what hides under
//! base64, hex, escapes and single-byte XOR.

#![deny(missing_docs)]

pub mod archive;
pub mod callsite;
pub mod decode;
pub mod detect;
pub mod diff;
pub mod engine;
pub mod indicator;
pub mod input;
pub mod native;
mod report;
pub mod rules;
pub mod sarif;
pub mod schema;
pub mod xor;

pub use report::{ScanReport, ScannedFile, Skipped};
