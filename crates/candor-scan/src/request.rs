//! `candor scan` as one call: read the user's rules, build the scanner, scan each input,
//! and either report every input or diff the two releases.

use std::path::PathBuf;
use std::time::Instant;

use candor_model::audit::Severity;
use candor_model::claims::ClaimCategory;
use candor_model::pattern::Pattern;

use crate::diff::diff;
use crate::engine::{ScanOptions, Scanner};
use crate::indicator::Indicator;
use crate::input::{ScanError, scan_path};
use crate::report::ScanReport;
use crate::rules::{RulesError, detectors};
use crate::schema::{DiffOutput, ScanOutput};

/// The largest rules file read: 1 MiB.
const MAX_RULES_FILE_BYTES: u64 = 1024 * 1024;

/// What to scan.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// The inputs: files, directories, archives (with `diff`: exactly the old and the new
    /// release).
    pub paths: Vec<PathBuf>,
    /// Rules files of the user's (TOML).
    pub rules: Vec<PathBuf>,
    /// How many decodings deep to look.
    pub max_depth: usize,
    /// Compare two releases instead of reporting each input.
    pub diff: bool,
    /// Keep the indicators of documentation and declaration files in the report (by
    /// default they are set aside, [`ScanReport::set_aside`]).
    pub include_docs: bool,
    /// Which indicators to report.
    pub filter: ScanFilter,
}

/// Which indicators a report keeps (every one by default). Files are still read whole:
/// what is filtered out is not reported, and a diff compares what is left.
#[derive(Debug, Clone, Default)]
pub struct ScanFilter {
    /// Only these categories (all when empty).
    pub categories: Vec<ClaimCategory>,
    /// Not in files matching one of these patterns ([`candor_model::pattern`]), tried
    /// against the file's full name (`x.tgz!package/CHANGELOG.md`), its path inside the
    /// innermost archive (`package/CHANGELOG.md`) and its base name (`CHANGELOG.md`).
    pub exclude: Vec<Pattern>,
    /// Only at least this severity ([`crate::Indicator::severity`]).
    pub min_severity: Option<Severity>,
}

impl ScanFilter {
    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.exclude.is_empty() && self.min_severity.is_none()
    }

    /// Whether `file` is excluded.
    pub fn excludes_file(&self, file: &str) -> bool {
        let inner = file.rsplit('!').next().unwrap_or(file);
        let base = inner.rsplit('/').next().unwrap_or(inner);
        self.exclude
            .iter()
            .any(|p| p.matches(file) || p.matches(inner) || p.matches(base))
    }

    /// Whether the report keeps `indicator`.
    pub fn keeps(&self, indicator: &Indicator) -> bool {
        (self.categories.is_empty() || self.categories.contains(&indicator.category))
            && self
                .min_severity
                .is_none_or(|min| indicator.severity() >= min)
            && !self.excludes_file(&indicator.evidence.file)
    }
}

/// What a scan produced.
#[derive(Debug, Clone)]
pub enum ScanOutcome {
    /// One report per input.
    Reports(ScanOutput),
    /// What changed between two releases.
    Diff(Box<DiffOutput>),
}

/// Why a scan could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanRequestError {
    /// `diff` needs exactly two inputs.
    #[error("--diff compares two releases but {given} path(s) were given")]
    DiffNeedsTwo {
        /// How many were given.
        given: usize,
    },
    /// A rules file cannot be read.
    #[error("cannot read rules file {}", path.display())]
    ReadRules {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A rules file is invalid.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// An input cannot be scanned at all.
    #[error("cannot scan {}", path.display())]
    Scan {
        /// The input.
        path: PathBuf,
        /// Why.
        #[source]
        source: ScanError,
    },
}

impl ScanRequestError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            ScanRequestError::DiffNeedsTwo { .. } => "diff-needs-two",
            ScanRequestError::ReadRules { .. } => "unreadable-rules",
            ScanRequestError::Rules(_) => "invalid-rules",
            ScanRequestError::Scan { source, .. } => source.kind(),
        }
    }
}

/// Progress of a scan, input by input, for a caller that shows it.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Input `index` (`path`) is being scanned.
    Scanning {
        /// Its position among the inputs.
        index: usize,
        /// The input.
        path: &'a std::path::Path,
    },
    /// Input `index` is done.
    Scanned {
        /// Its position among the inputs.
        index: usize,
    },
}

/// Run a scan (see the module documentation); `progress` hears of each input.
pub fn scan(
    request: &ScanRequest,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<ScanOutcome, ScanRequestError> {
    if request.diff && request.paths.len() != 2 {
        return Err(ScanRequestError::DiffNeedsTwo {
            given: request.paths.len(),
        });
    }
    let mut rules = Vec::with_capacity(request.rules.len());
    for path in &request.rules {
        let read = || -> std::io::Result<String> {
            let bytes = candor_read_capped(path)?;
            String::from_utf8(bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        };
        let text = read().map_err(|source| ScanRequestError::ReadRules {
            path: path.clone(),
            source,
        })?;
        rules.push((text, path.display().to_string()));
    }
    let scanner = Scanner::new(
        detectors(&rules)?,
        ScanOptions {
            max_depth: request.max_depth,
            ..ScanOptions::default()
        },
    );
    let started = Instant::now();
    let mut reports: Vec<ScanReport> = Vec::with_capacity(request.paths.len());
    for (index, path) in request.paths.iter().enumerate() {
        progress(Progress::Scanning { index, path });
        let report = scan_path(&scanner, path).map_err(|source| ScanRequestError::Scan {
            path: path.clone(),
            source,
        })?;
        progress(Progress::Scanned { index });
        let mut report = report;
        if !request.include_docs {
            report.set_aside_docs();
        }
        if !request.filter.is_empty() {
            report.indicators.retain(|i| request.filter.keeps(i));
        }
        reports.push(report);
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(if request.diff {
        ScanOutcome::Diff(Box::new(DiffOutput {
            diff: diff(&reports[0], &reports[1]),
            seconds,
        }))
    } else {
        ScanOutcome::Reports(ScanOutput {
            reports,
            manifest: None,
            seconds,
        })
    })
}

/// A rules file, at most [`MAX_RULES_FILE_BYTES`].
fn candor_read_capped(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    fs_err::File::open(path)?
        .take(MAX_RULES_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_RULES_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("more than {MAX_RULES_FILE_BYTES} bytes; a rules file is small"),
        ));
    }
    Ok(bytes)
}
