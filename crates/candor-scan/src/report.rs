//! What a scan reports: the files scanned, the indicators found in them, what was not
//! scanned and why, and which files were scanned less completely than their kind allows.

use serde::Serialize;

use crate::indicator::Indicator;

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
}

impl ScanReport {
    /// Total bytes scanned.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}
