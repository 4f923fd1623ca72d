//! What a scan reports: the files scanned, the indicators found in them, what was not
//! scanned and why, which files were scanned less completely than their kind allows, and
//! the files with more distinct indicators than a scan keeps.

use candor_model::claims::ClaimCategory;
use serde::Serialize;

use crate::indicator::{Indicator, Kind};
use crate::role::{InstallScript, Package, Role};

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
    /// What it is for ([`crate::role`]).
    pub role: Role,
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
    /// Scripts a package manager runs on install, from the package manifests scanned.
    pub install_scripts: Vec<InstallScript>,
    /// Files whose indicators are not in `indicators` (documentation and declarations,
    /// unless the scan was asked to include them), with how many each had.
    pub set_aside: Vec<SetAside>,
    /// The package manifests met, applied to the files' roles at the end of the scan.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) packages: Vec<Package>,
}

/// A file whose indicators the report sets aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SetAside {
    /// The file.
    pub path: String,
    /// Its role.
    pub role: Role,
    /// Its indicators: distinct values, and their occurrences.
    pub indicators: usize,
    /// Occurrences of those values.
    pub occurrences: u64,
}

impl ScanReport {
    /// Total bytes scanned.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Record a file scanned, with its role from its name and content; a package manifest
    /// is kept to settle the roles of its package's files at the end ([`Self::finish`]).
    pub(crate) fn add_file(&mut self, path: &str, bytes: &[u8]) {
        if let Some(package) = crate::role::package(path, bytes) {
            self.packages.push(package);
        }
        self.files.push(ScannedFile {
            path: path.to_owned(),
            size: bytes.len() as u64,
            role: crate::role::of(path, bytes),
        });
    }

    /// Settle what the whole scan tells: the roles the package manifests give, and the
    /// install scripts.
    pub(crate) fn finish(&mut self) {
        let packages = std::mem::take(&mut self.packages);
        self.install_scripts = crate::role::apply_packages(&packages, &mut self.files);
    }

    /// Move the plain-text indicators of documentation and declaration files out of
    /// `indicators`, counting them per file in `set_aside`. What hides in such a file —
    /// anything found by decoding, and obfuscation (an encoded blob, a duplicate entry,
    /// invisible characters) — stays: a README that carries an encoded domain list is
    /// not documentation, whatever its name.
    pub fn set_aside_docs(&mut self) {
        let roles: std::collections::HashMap<&str, Role> = self
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.role))
            .collect();
        let mut aside: std::collections::BTreeMap<String, SetAside> =
            std::collections::BTreeMap::new();
        let mut kept = Vec::with_capacity(self.indicators.len());
        for indicator in std::mem::take(&mut self.indicators) {
            let role = roles
                .get(indicator.evidence.file.as_str())
                .copied()
                .unwrap_or_default();
            let hidden = !indicator.evidence.chain.is_empty()
                || indicator.category == ClaimCategory::Obfuscation;
            if role.is_set_aside() && !hidden {
                let entry = aside
                    .entry(indicator.evidence.file.clone())
                    .or_insert_with(|| SetAside {
                        path: indicator.evidence.file.clone(),
                        role,
                        indicators: 0,
                        occurrences: 0,
                    });
                entry.indicators += 1;
                entry.occurrences += indicator.occurrences;
            } else {
                kept.push(indicator);
            }
        }
        self.indicators = kept;
        self.set_aside = aside.into_values().collect();
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
