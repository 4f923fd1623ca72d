//! What a scan reports: the files scanned, the indicators found in them, and what was
//! not scanned and why.

use serde::Serialize;

use crate::indicator::Indicator;

/// Something inside the input that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Skipped {
    /// The entry.
    pub path: String,
    /// Why.
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
}

impl ScanReport {
    /// Total bytes scanned.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}
