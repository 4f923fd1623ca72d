//! What changed between two releases: indicators added and removed, by normalized value.

use std::collections::BTreeMap;

use candor_model::claims::ClaimCategory;
use serde::Serialize;

use crate::indicator::{Indicator, Kind};
use crate::report::{Capped, ScanReport};

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
    /// Files of `old` with more distinct indicators than a scan keeps: the values past
    /// the cap were not compared.
    pub old_capped: Vec<Capped>,
    /// Files of `new` with more distinct indicators than a scan keeps.
    pub new_capped: Vec<Capped>,
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

/// Compare two scans by (category, kind, value).
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
        old_capped: old.capped.clone(),
        new_capped: new.capped.clone(),
    }
}
