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
//! archives, the [`ScanReport`] of [`Indicator`]s with their evidence (one per value,
//! file and decoding chain, its occurrences counted and the first [`MAX_SAMPLE`]
//! sampled; a file past [`MAX_DISTINCT_PER_FILE`] distinct values is [`Capped`]), and
//! [`diff()`] for two releases. [`sarif`] and [`schema`] render reports for tools. What a
//! report carries out of a scanned file (values, excerpts, entry and section names) is
//! [`printable`]: controls and bidirectional overrides are escaped. The other public
//! modules expose the scanner's parts one at a time, for benchmarks and fuzzing:
//! [`archive::scan_bytes`], [`callsite::getenv_arguments`], the finders of [`decode`],
//! [`xor::XorSearcher`], [`detect::Detectors::detect`], [`native::sections`].
//!
//! ```
//! use candor_scan::{Kind, ScanOptions, Scanner};
//!
//! // The built-in lists (time zones, telemetry SDKs), no rules files of the user's.
//! let scanner = Scanner::new(candor_scan::rules::detectors(&[])?, ScanOptions::default());
//!
//! // A release as a directory, with the file the scanner should read.
//! let release = tempfile::tempdir()?;
//! fs_err::write(
//!     release.path().join("cli.js"),
//!     r#"const res = await fetch("https://api.example.com/v1/chat", {
//!   headers: { authorization: `Bearer ${process.env.ACME_TOKEN}` },
//! });
//! const beacon = atob("aHR0cHM6Ly90ZWxlbWV0cnkuZXhhbXBsZS5uZXQvdjEvZXZlbnRz");"#,
//! )?;
//! let report = candor_scan::scan_path(&scanner, release.path())?;
//!
//! let found: Vec<(Kind, &str, String)> = report
//!     .indicators
//!     .iter()
//!     .map(|i| (i.kind, i.value.as_str(), i.chain_text()))
//!     .collect();
//! assert!(found.contains(&(Kind::Url, "https://api.example.com/v1/chat", "plain".into())));
//! assert!(found.contains(&(Kind::Domain, "api.example.com", "plain".into())));
//! assert!(found.contains(&(Kind::EnvVar, "ACME_TOKEN", "plain".into())));
//! // What the base64 literal hides, with the decoding that revealed it.
//! assert!(found.contains(&(Kind::Domain, "telemetry.example.net", "base64".into())));
//!
//! // Every indicator carries its evidence: the file, where, and the text around it.
//! let env = report.indicators.iter().find(|i| i.kind == Kind::EnvVar).ok_or("no env read")?;
//! assert_eq!(env.evidence.file, "cli.js");
//! assert!(env.evidence.excerpt.contains("process.env.ACME_TOKEN"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod archive;
pub mod callsite;
pub mod coverage;
pub mod decode;
pub mod detect;
mod diff;
mod engine;
mod indicator;
mod input;
pub mod lines;
pub mod native;
pub mod printable;
mod report;
mod request;
pub mod role;
pub mod rules;
pub mod sarif;
pub mod schema;
mod tally;
pub mod xor;

pub use archive::ArchiveLimits;
pub use candor_model::evidence::StaticEvidence;
pub use diff::{Change, ScanDiff, diff};
pub use engine::{ScanOptions, Scanner};
pub use indicator::{Indicator, Kind, MAX_EXTRA_SAMPLES_PER_FILE, MAX_SAMPLE};
pub use input::{ScanError, scan_path, scan_path_with};
pub use report::{Capped, Degraded, Dropped, FileScan, ScanReport, ScannedFile, SetAside, Skipped};
pub use request::{Progress, ScanFilter, ScanOutcome, ScanRequest, ScanRequestError, scan};
pub use role::{InstallScript, Role};
pub use tally::{MAX_DISTINCT_PER_FILE, MAX_PLAIN_PER_FILE};
