//! What a scan reports: the files scanned, the indicators found in them, what was not
//! scanned and why, which files were scanned less completely than their kind allows, and
//! the files with more distinct indicators than a scan keeps.

use serde::Serialize;

use crate::indicator::{Indicator, Kind};

/// Something inside the input that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Skipped {
    /// The entry, relative to the input root (`.` for the input itself when it is a
    /// directory); never empty.
    pub path: String,
    /// Why: what was found there, and why it was not read.
    pub reason: String,
}

/// A file that was scanned, but less completely than its kind allows: a native
/// executable whose section table cannot be used, a file that changed while it was read,
/// a file too large to read whole. Its indicators are in the report; what the reason
/// names was not done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Degraded {
    /// The file, as its indicators name it.
    pub path: String,
    /// What was wrong, and what the scan did instead.
    pub reason: String,
}

/// One file scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ScannedFile {
    /// Its path, relative to the input root.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The result of scanning one input.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct ScanReport {
    /// The input as given.
    pub input: String,
    /// Files scanned, in path order.
    pub files: Vec<ScannedFile>,
    /// Indicators, by file then offset.
    pub indicators: Vec<Indicator>,
    /// Entries not scanned.
    pub skipped: Vec<Skipped>,
    /// Files scanned less completely than their kind allows, and why.
    pub degraded: Vec<Degraded>,
    /// Files with more distinct indicators than a scan keeps, and what was left out.
    pub capped: Vec<Capped>,
}

impl ScanReport {
    /// Total bytes scanned.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// A file with more distinct indicators than a scan keeps (100,000, of which at most
/// 90,000 found in plain text): the values found first are reported, every later
/// occurrence of them still counted; occurrences of the values found after the cap are
/// counted here, by kind, and not reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Capped {
    /// The file.
    pub file: String,
    /// Distinct indicators kept for it.
    pub kept: usize,
    /// Occurrences of the values not kept, by kind, in kind order.
    pub dropped: Vec<Dropped>,
}

/// Occurrences of one kind left out of a capped file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Dropped {
    /// The kind.
    pub kind: Kind,
    /// Occurrences (a value found several times counts each time).
    pub occurrences: u64,
}

impl Capped {
    /// Occurrences left out, of every kind.
    pub fn dropped_occurrences(&self) -> u64 {
        self.dropped.iter().map(|d| d.occurrences).sum()
    }

    /// What was left out, for people: `cli.js: more distinct indicators than a file keeps;
    /// 100000 kept, 5000 occurrence(s) of further values not kept: url 4000, domain 1000`.
    pub fn summary(&self) -> String {
        let by_kind: Vec<String> = self
            .dropped
            .iter()
            .map(|d| format!("{} {}", d.kind, d.occurrences))
            .collect();
        format!(
            "{}: more distinct indicators than a file keeps; {} kept, {} occurrence(s) of \
             further values not kept: {}",
            self.file,
            self.kept,
            self.dropped_occurrences(),
            by_kind.join(", ")
        )
    }
}

/// What the scan of one file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileScan {
    /// Its indicators, in report order (by first offset).
    pub indicators: Vec<Indicator>,
    /// Set when it had more distinct indicators than a scan keeps.
    pub capped: Option<Capped>,
}

impl FileScan {
    /// Add to the report of the input the file is part of.
    pub(crate) fn add_to(self, report: &mut ScanReport) {
        // The first file's indicators are moved, not copied: one large file's are the
        // largest thing a scan holds.
        if report.indicators.is_empty() {
            report.indicators = self.indicators;
        } else {
            report.indicators.extend(self.indicators);
        }
        report.capped.extend(self.capped);
    }
}
