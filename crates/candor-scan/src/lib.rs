//! candor's static behaviour scanner: bytes in, behaviour indicators out.
//!
//! No signing and no network: the scanner reads files, directories and archives and
//! reports what a tool looks like it does — endpoints, environment variables, paths,
//! processes, locale and time-zone conditions, telemetry SDKs, invisible or look-alike
//! characters in string literals, and encoded blobs — including what hides under
//! base64, hex, escapes and single-byte XOR.
//!
//! The crate root holds what a caller needs: a [`Scanner`] (built from
//! [`rules::detectors`] and [`ScanOptions`]), [`scan_path`] for files, directories and
//! archives, the [`ScanReport`] of [`Indicator`]s with their evidence, and [`diff()`] for
//! two releases. [`sarif`] and [`schema`] render reports for tools. The other public
//! modules expose the scanner's parts one at a time, for benchmarks and fuzzing:
//! [`archive::scan_bytes`], [`callsite::getenv_arguments`], the finders of [`decode`],
//! [`xor::XorSearcher`], [`detect::Detectors::detect`], [`native::sections`].

#![deny(missing_docs)]

pub mod archive;
pub mod callsite;
pub mod decode;
pub mod detect;
mod diff;
mod engine;
mod indicator;
mod input;
pub mod native;
mod report;
pub mod rules;
pub mod sarif;
pub mod schema;
pub mod xor;

pub use archive::ArchiveLimits;
pub use diff::{Change, ScanDiff, diff};
pub use engine::{ScanOptions, Scanner};
pub use indicator::{Evidence, Indicator, Kind};
pub use input::{ScanError, scan_path, scan_path_with};
pub use report::{ScanReport, ScannedFile, Skipped};
