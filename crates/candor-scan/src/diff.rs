//! What changed between two releases: indicators added and removed, by normalized value;
//! and what each release left unscanned, an entry newly skipped being a change too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use candor_model::claims::ClaimCategory;
use serde::Serialize;

use crate::indicator::{Indicator, Kind};
use crate::report::{Capped, ScanReport, Skipped};

/// One normalized indicator and its evidence on one side.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Change {
    /// Category.
    pub category: ClaimCategory,
    /// Kind.
    pub kind: Kind,
    /// Normalized value.
    pub value: String,
    /// Its indicators on the side where it exists: one per file and decoding chain, each
    /// with its occurrences.
    pub evidence: Vec<Indicator>,
}

/// Indicators present in only one of two scans.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScanDiff {
    /// The older input.
    pub old: String,
    /// The newer input.
    pub new: String,
    /// In `new` but not in `old`.
    pub added: Vec<Change>,
    /// In `old` but not in `new`.
    pub removed: Vec<Change>,
    /// Present in both (count of distinct values).
    pub unchanged: usize,
    /// What each release left unscanned, and what of it is new.
    pub skipped: SkippedChanges,
    /// Files of `old` with more distinct indicators than a scan keeps: the values past
    /// the cap were not compared.
    pub old_capped: Vec<Capped>,
    /// Files of `new` with more distinct indicators than a scan keeps.
    pub new_capped: Vec<Capped>,
}

/// The entries two scans did not read. Entries are compared by their path inside the
/// input (`agent-1.4.0.tgz!package/x.js` of the input `agent-1.4.0.tgz` is `package/x.js`,
/// as in `agent-1.3.0.tgz`) and their reason.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SkippedChanges {
    /// Skipped in `new` and not, for that reason, in `old`: a change, as an added
    /// indicator is (what the new release hides from the scan).
    pub added: Vec<Skipped>,
    /// Skipped in `old` and not, for that reason, in `new`.
    pub removed: Vec<Skipped>,
    /// Everything `old` left unscanned.
    pub old: Vec<Skipped>,
    /// Everything `new` left unscanned.
    pub new: Vec<Skipped>,
}

type Key = (ClaimCategory, Kind, String);

fn by_value(report: &ScanReport) -> BTreeMap<Key, Vec<Indicator>> {
    let mut map: BTreeMap<Key, Vec<Indicator>> = BTreeMap::new();
    for indicator in &report.indicators {
        map.entry((indicator.category, indicator.kind, indicator.value.clone()))
            .or_default()
            .push(indicator.clone());
    }
    map
}

/// The path of a skipped entry inside the input scanned: without the input's own file
/// name when the input is one file (an archive names its entries `<file>!<entry>`).
fn within_input<'a>(report: &ScanReport, path: &'a str) -> &'a str {
    Path::new(&report.input)
        .file_name()
        .and_then(|name| path.strip_prefix(name.to_string_lossy().as_ref()))
        .and_then(|rest| rest.strip_prefix('!'))
        .unwrap_or(path)
}

/// The entries of `from` skipped for a reason `other` has no entry at that path for.
fn skipped_only_in(from: &ScanReport, other: &ScanReport) -> Vec<Skipped> {
    let known: BTreeSet<(&str, &str)> = other
        .skipped
        .iter()
        .map(|s| (within_input(other, &s.path), s.reason.as_str()))
        .collect();
    from.skipped
        .iter()
        .filter(|s| !known.contains(&(within_input(from, &s.path), s.reason.as_str())))
        .cloned()
        .collect()
}

/// Compare two scans: indicators by (category, kind, value), skipped entries by path
/// inside the input and reason.
pub fn diff(old: &ScanReport, new: &ScanReport) -> ScanDiff {
    let old_map = by_value(old);
    let new_map = by_value(new);
    let changes = |from: &BTreeMap<Key, Vec<Indicator>>, other: &BTreeMap<Key, Vec<Indicator>>| {
        from.iter()
            .filter(|(key, _)| !other.contains_key(*key))
            .map(|((category, kind, value), evidence)| Change {
                category: *category,
                kind: *kind,
                value: value.clone(),
                evidence: evidence.clone(),
            })
            .collect::<Vec<_>>()
    };
    ScanDiff {
        old: old.input.clone(),
        new: new.input.clone(),
        added: changes(&new_map, &old_map),
        removed: changes(&old_map, &new_map),
        unchanged: new_map.keys().filter(|k| old_map.contains_key(*k)).count(),
        skipped: SkippedChanges {
            added: skipped_only_in(new, old),
            removed: skipped_only_in(old, new),
            old: old.skipped.clone(),
            new: new.skipped.clone(),
        },
        old_capped: old.capped.clone(),
        new_capped: new.capped.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(input: &str, skipped: &[(&str, &str)]) -> ScanReport {
        ScanReport {
            input: input.to_owned(),
            skipped: skipped
                .iter()
                .map(|(path, reason)| Skipped {
                    path: (*path).to_owned(),
                    reason: (*reason).to_owned(),
                })
                .collect(),
            ..ScanReport::default()
        }
    }

    #[test]
    fn skipped_entries_compare_by_path_inside_the_input_and_reason() {
        let old = report(
            "dist/agent-1.3.0.tgz",
            &[
                ("agent-1.3.0.tgz!package/link", "link entry"),
                ("agent-1.3.0.tgz!package/big.bin", "too large"),
            ],
        );
        let new = report(
            "dist/agent-1.4.0.tgz",
            &[
                ("agent-1.4.0.tgz!package/link", "link entry"),
                ("agent-1.4.0.tgz!package/big.bin", "compression ratio"),
                ("agent-1.4.0.tgz!../evil.js", "unsafe path"),
            ],
        );
        let changes = diff(&old, &new).skipped;
        let paths = |list: &[Skipped]| list.iter().map(|s| s.path.clone()).collect::<Vec<_>>();
        assert_eq!(
            paths(&changes.added),
            [
                "agent-1.4.0.tgz!package/big.bin",
                "agent-1.4.0.tgz!../evil.js"
            ]
        );
        assert_eq!(paths(&changes.removed), ["agent-1.3.0.tgz!package/big.bin"]);
        assert_eq!(changes.old, old.skipped);
        assert_eq!(changes.new, new.skipped);

        // Directories: paths are relative already.
        let old = report("old", &[("lib/link.js", "symbolic link (never followed)")]);
        let new = report("new", &[("lib/link.js", "symbolic link (never followed)")]);
        let changes = diff(&old, &new).skipped;
        assert!(changes.added.is_empty() && changes.removed.is_empty());
        // Nothing skipped on either side: nothing to say.
        let changes = diff(&report("a", &[]), &report("b", &[])).skipped;
        assert!(changes.added.is_empty() && changes.new.is_empty());
    }
}
