//! The indicators of one file, aggregated per value as the scan finds them.
//!
//! The scan reports every occurrence of a value (a URL listed ten thousand times in a
//! bundle is found ten thousand times); the tally keeps one entry per (category, kind,
//! value, decoding chain) with the count of occurrences, the last offset and the
//! evidence of the first [`MAX_SAMPLE`] occurrences, so memory grows with the distinct
//! values of a file, not with its occurrences. The excerpt of an occurrence is only
//! built when the occurrence is sampled.
//!
//! Distinct values are capped per file: [`MAX_DISTINCT_PER_FILE`], of which at most
//! [`MAX_PLAIN_PER_FILE`] found in plain text, so that a file padded with plain values
//! cannot push what hides under an encoding out of the report (the decoded values are
//! found after the plain ones of the same bytes). Past the cap a new value is counted
//! by kind and not kept, and the file is reported as [`Capped`]; the values already kept
//! go on being counted.
//!
//! Occurrences are distinct offsets: the scan finds the occurrences of one entry in
//! offset order (plain hits block by block, each block's hits sorted; the encoded runs
//! of a file in order, and every value decoded out of one run at that run's offset), so
//! an occurrence at the offset of the entry's last one is the same occurrence found
//! twice (two detectors, or a value twice in one decoded run) and counts once. An
//! occurrence that arrives out of order (the names a native executable's sections add
//! after the text scan) is a repeat when its offset is sampled or the last one.

use std::borrow::Cow;
use std::collections::hash_map::Entry as MapEntry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher as _, RandomState};
use std::ops::Range;

use candor_model::claims::ClaimCategory;
use candor_model::evidence::StaticEvidence;

use crate::indicator::{Indicator, Kind, MAX_EXTRA_SAMPLES_PER_FILE, MAX_SAMPLE};
use crate::report::{Capped, Dropped, FileScan};

/// Most distinct indicators a file keeps (see [`Capped`]): 17 times the most found in any real artifact
/// measured (5,730 in the 99 MB `bun` executable; 2,068 in all of
/// `@anthropic-ai/claude-code` 1.0.102), and small enough that a file made of nothing but
/// distinct values costs tens of megabytes, not gigabytes (about 250 bytes each with
/// one occurrence's evidence; see also [`MAX_EXTRA_SAMPLES_PER_FILE`]).
pub const MAX_DISTINCT_PER_FILE: usize = 100_000;

/// Most of [`MAX_DISTINCT_PER_FILE`] that plain-text values may take: the rest (at least
/// 10,000) is left to what is decoded out of encoded runs.
pub const MAX_PLAIN_PER_FILE: usize = 90_000;

/// Index of the empty (plain-text) chain in [`Tally::chains`].
const PLAIN: usize = 0;

/// (category, kind, chain index, value): one indicator.
type Key = (ClaimCategory, Kind, usize, String);

/// Where an occurrence is, apart from its file and its excerpt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    /// The decodings that revealed it, outermost first.
    pub(crate) chain: &'a [String],
    /// Offset in the file of the hit, or of the outermost encoded run hiding it.
    pub(crate) offset: u64,
    /// Length of that hit or run.
    pub(crate) length: u64,
    /// The executable section, where known.
    pub(crate) section: Option<&'a str>,
}

/// One sampled occurrence: its evidence less the file and chain its entry has.
#[derive(Debug)]
struct Sample {
    offset: u64,
    length: u64,
    section: Option<String>,
    excerpt: String,
}

#[derive(Debug)]
struct Entry {
    occurrences: u64,
    last_offset: u64,
    /// The first occurrences, in offset order; never empty.
    samples: Vec<Sample>,
}

/// The indicators of one file, as they are found (see the module documentation).
#[derive(Debug)]
pub(crate) struct Tally<'f> {
    file: &'f str,
    /// Every chain met, the empty one at [`PLAIN`].
    chains: Vec<Vec<String>>,
    chain_index: HashMap<Vec<String>, usize>,
    entries: HashMap<Key, Entry>,
    plain: usize,
    /// Evidence kept beyond each entry's first.
    extra_samples: usize,
    /// Occurrences of values not kept, by kind.
    dropped: BTreeMap<Kind, u64>,
    /// The offset of the last value not kept, and the values not kept at that offset
    /// (hashed): an occurrence found twice counts once there too.
    dropped_at: Option<u64>,
    dropped_here: HashSet<u64>,
    hasher: RandomState,
    /// When set, occurrences at offsets outside it are ignored (a window of a file read
    /// in windows reports only what starts in it).
    only: Option<Range<u64>>,
}

impl<'f> Tally<'f> {
    /// An empty tally for `file`.
    pub(crate) fn new(file: &'f str) -> Self {
        Self {
            file,
            chains: vec![Vec::new()],
            chain_index: HashMap::from([(Vec::new(), PLAIN)]),
            entries: HashMap::new(),
            plain: 0,
            extra_samples: 0,
            dropped: BTreeMap::new(),
            dropped_at: None,
            dropped_here: HashSet::new(),
            hasher: RandomState::new(),
            only: None,
        }
    }

    /// From now on, tally only occurrences at offsets in `range`.
    pub(crate) fn only(&mut self, range: Range<u64>) {
        self.only = Some(range);
    }

    fn chain_index(&mut self, chain: &[String]) -> usize {
        if chain.is_empty() {
            return PLAIN;
        }
        if let Some(&index) = self.chain_index.get(chain) {
            return index;
        }
        let index = self.chains.len();
        self.chains.push(chain.to_vec());
        self.chain_index.insert(chain.to_vec(), index);
        index
    }

    /// One occurrence of `value`; `excerpt` is called only if its evidence is kept.
    pub(crate) fn add(
        &mut self,
        category: ClaimCategory,
        kind: Kind,
        value: String,
        place: &Place<'_>,
        excerpt: impl FnOnce() -> String,
    ) {
        if self
            .only
            .as_ref()
            .is_some_and(|r| !r.contains(&place.offset))
        {
            return;
        }
        // A value out of a file (a command, a rule's match) prints as it is.
        let value = match crate::printable::printable(&value) {
            Cow::Borrowed(_) => value,
            Cow::Owned(escaped) => escaped,
        };
        let chain = self.chain_index(place.chain);
        let full = self.entries.len() >= MAX_DISTINCT_PER_FILE
            || (chain == PLAIN && self.plain >= MAX_PLAIN_PER_FILE);
        let sample = |excerpt: String| Sample {
            offset: place.offset,
            length: place.length,
            section: place.section.map(str::to_owned),
            excerpt,
        };
        match self.entries.entry((category, kind, chain, value)) {
            MapEntry::Occupied(occupied) => {
                let entry = occupied.into_mut();
                let offset = place.offset;
                let repeat = offset == entry.last_offset
                    || (offset < entry.last_offset
                        && entry.samples.iter().any(|s| s.offset == offset));
                if repeat {
                    return;
                }
                entry.occurrences += 1;
                entry.last_offset = entry.last_offset.max(offset);
                let at = entry.samples.partition_point(|s| s.offset < offset);
                if entry.samples.len() < MAX_SAMPLE
                    && self.extra_samples < MAX_EXTRA_SAMPLES_PER_FILE
                {
                    self.extra_samples += 1;
                    entry.samples.insert(at, sample(excerpt()));
                } else if at < entry.samples.len() {
                    // Out of order, and earlier than a sampled occurrence: the sample
                    // stays the first ones.
                    entry.samples.insert(at, sample(excerpt()));
                    entry.samples.pop();
                }
            }
            MapEntry::Vacant(vacant) if full => {
                if self.dropped_at != Some(place.offset) {
                    self.dropped_at = Some(place.offset);
                    self.dropped_here.clear();
                }
                if self.dropped_here.insert(self.hasher.hash_one(vacant.key())) {
                    *self.dropped.entry(kind).or_default() += 1;
                }
            }
            MapEntry::Vacant(vacant) => {
                if chain == PLAIN {
                    self.plain += 1;
                }
                vacant.insert(Entry {
                    occurrences: 1,
                    last_offset: place.offset,
                    samples: vec![sample(excerpt())],
                });
            }
        }
    }

    /// Whether `value` was found in plain text at `offset` (sampled, or the last
    /// occurrence).
    pub(crate) fn has_plain_at(
        &self,
        category: ClaimCategory,
        kind: Kind,
        value: &str,
        offset: u64,
    ) -> bool {
        self.entries
            .get(&(category, kind, PLAIN, value.to_owned()))
            .is_some_and(|e| {
                e.last_offset == offset || e.samples.iter().any(|s| s.offset == offset)
            })
    }

    /// The indicators, in report order, and the note if values were left out.
    pub(crate) fn finish(self) -> FileScan {
        let Tally {
            file,
            chains,
            entries,
            dropped,
            ..
        } = self;
        let kept = entries.len();
        let mut indicators: Vec<Indicator> = Vec::with_capacity(kept);
        indicators.extend(entries.into_iter().filter_map(
            |((category, kind, chain, value), entry)| {
                let chain = chains.get(chain).cloned().unwrap_or_default();
                let mut evidence = entry.samples.into_iter().map(|s| StaticEvidence {
                    file: file.to_owned(),
                    section: s.section,
                    offset: s.offset,
                    length: s.length,
                    chain: chain.clone(),
                    line: None,
                    column: None,
                    excerpt: s.excerpt,
                });
                Some(Indicator {
                    category,
                    kind,
                    value,
                    evidence: evidence.next()?,
                    occurrences: entry.occurrences,
                    last_offset: entry.last_offset,
                    more_evidence: evidence.collect(),
                })
            },
        ));
        crate::indicator::sort_for_report(&mut indicators);
        let capped = (!dropped.is_empty()).then(|| Capped {
            file: file.to_owned(),
            kept,
            dropped: dropped
                .into_iter()
                .map(|(kind, occurrences)| Dropped { kind, occurrences })
                .collect(),
        });
        FileScan { indicators, capped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(chain: &[String], offset: u64) -> Place<'_> {
        Place {
            chain,
            offset,
            length: 3,
            section: None,
        }
    }

    fn add(tally: &mut Tally<'_>, kind: Kind, value: &str, chain: &[String], offset: u64) {
        tally.add(
            ClaimCategory::Network,
            kind,
            value.to_owned(),
            &place(chain, offset),
            || format!("at {offset}"),
        );
    }

    /// The JSON schemas describe the limits in words (`Indicator`, `Capped`).
    #[test]
    fn the_limits_are_the_documented_ones() {
        assert_eq!(MAX_SAMPLE, 8);
        assert_eq!(MAX_DISTINCT_PER_FILE, 100_000);
        assert_eq!(MAX_PLAIN_PER_FILE, 90_000);
    }

    #[test]
    fn occurrences_of_one_value_are_one_indicator_with_a_bounded_sample() {
        let mut tally = Tally::new("cli.js");
        for offset in (0..100).map(|i| 10 + i * 7) {
            add(&mut tally, Kind::Domain, "a.example", &[], offset);
            // Found twice at one place (two detectors): one occurrence.
            add(&mut tally, Kind::Domain, "a.example", &[], offset);
        }
        add(&mut tally, Kind::Domain, "b.example", &[], 5);
        let scan = tally.finish();
        assert_eq!(scan.capped, None);
        let values: Vec<&str> = scan.indicators.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(
            values,
            ["b.example", "a.example"],
            "report order: first offset"
        );
        let a = &scan.indicators[1];
        assert_eq!(a.occurrences, 100);
        assert_eq!(a.evidence.offset, 10);
        assert_eq!(a.last_offset, 10 + 99 * 7);
        assert_eq!(a.more_evidence.len(), MAX_SAMPLE - 1);
        let offsets: Vec<u64> = a.samples().map(|e| e.offset).collect();
        assert_eq!(offsets, [10, 17, 24, 31, 38, 45, 52, 59]);
        assert!(
            a.samples()
                .all(|e| e.file == "cli.js" && e.chain.is_empty())
        );
        assert_eq!(a.more_evidence[0].excerpt, "at 17");
        assert_eq!(a.unsampled(), 100 - MAX_SAMPLE as u64);
        let b = &scan.indicators[0];
        assert_eq!(
            (b.occurrences, b.last_offset, b.more_evidence.len()),
            (1, 5, 0)
        );
    }

    #[test]
    fn a_value_under_another_chain_is_another_indicator() {
        let xor = vec!["base64".to_owned(), "xor(0x5b)".to_owned()];
        let mut tally = Tally::new("cli.js");
        add(&mut tally, Kind::Domain, "a.example", &[], 100);
        add(&mut tally, Kind::Domain, "a.example", &xor, 40);
        // Two values decoded out of one run share its offset; one of them twice.
        add(&mut tally, Kind::Domain, "a.example", &xor, 400);
        add(&mut tally, Kind::Domain, "a.example", &xor, 400);
        let scan = tally.finish();
        let found: Vec<(String, u64, u64)> = scan
            .indicators
            .iter()
            .map(|i| (i.chain_text(), i.evidence.offset, i.occurrences))
            .collect();
        assert_eq!(
            found,
            [
                ("base64 → xor(0x5b)".to_owned(), 40, 2),
                ("plain".to_owned(), 100, 1)
            ]
        );
    }

    #[test]
    fn occurrences_out_of_order_keep_the_first_ones_sampled() {
        let mut tally = Tally::new("f");
        for offset in [50, 60, 70, 80, 90, 100, 110, 120, 130] {
            add(&mut tally, Kind::EnvVar, "HOME", &[], offset);
        }
        // Late arrivals: one earlier than every sample, one already sampled.
        add(&mut tally, Kind::EnvVar, "HOME", &[], 5);
        add(&mut tally, Kind::EnvVar, "HOME", &[], 60);
        assert!(tally.has_plain_at(ClaimCategory::Network, Kind::EnvVar, "HOME", 130));
        assert!(tally.has_plain_at(ClaimCategory::Network, Kind::EnvVar, "HOME", 5));
        assert!(!tally.has_plain_at(ClaimCategory::Network, Kind::EnvVar, "HOME", 6));
        let scan = tally.finish();
        let home = &scan.indicators[0];
        assert_eq!(home.occurrences, 10);
        assert_eq!((home.evidence.offset, home.last_offset), (5, 130));
        let offsets: Vec<u64> = home.samples().map(|e| e.offset).collect();
        assert_eq!(offsets, [5, 50, 60, 70, 80, 90, 100, 110]);
    }

    #[test]
    fn past_the_cap_new_values_are_counted_by_kind_and_kept_values_still_counted() {
        let b64 = vec!["base64".to_owned()];
        let mut tally = Tally::new("dense.txt");
        for i in 0..MAX_PLAIN_PER_FILE + 5 {
            add(
                &mut tally,
                Kind::Url,
                &format!("https://{i}.example/"),
                &[],
                i as u64,
            );
        }
        // Found at one place twice: dropped once.
        add(&mut tally, Kind::Domain, "late.example", &[], 1 << 30);
        add(&mut tally, Kind::Domain, "late.example", &[], 1 << 30);
        // A value kept before the cap is still counted.
        add(&mut tally, Kind::Url, "https://0.example/", &[], 1 << 31);
        // The decoded share is not taken by plain values.
        for i in 0..MAX_DISTINCT_PER_FILE - MAX_PLAIN_PER_FILE + 3 {
            add(
                &mut tally,
                Kind::Domain,
                &format!("{i}.hidden"),
                &b64,
                i as u64,
            );
        }
        let scan = tally.finish();
        assert_eq!(scan.indicators.len(), MAX_DISTINCT_PER_FILE);
        let capped = scan.capped.expect("the file is capped");
        assert_eq!(capped.file, "dense.txt");
        assert_eq!(capped.kept, MAX_DISTINCT_PER_FILE);
        assert_eq!(
            capped.dropped,
            [
                Dropped {
                    kind: Kind::Url,
                    occurrences: 5
                },
                Dropped {
                    kind: Kind::Domain,
                    occurrences: 4
                }
            ]
        );
        assert_eq!(capped.dropped_occurrences(), 9);
        let first = scan
            .indicators
            .iter()
            .find(|i| i.value == "https://0.example/")
            .expect("kept");
        assert_eq!((first.occurrences, first.last_offset), (2, 1 << 31));
        let hidden = scan
            .indicators
            .iter()
            .filter(|i| !i.evidence.chain.is_empty())
            .count();
        assert_eq!(hidden, MAX_DISTINCT_PER_FILE - MAX_PLAIN_PER_FILE);
    }

    #[test]
    fn extra_evidence_is_bounded_per_file() {
        let mut tally = Tally::new("f");
        let values = MAX_EXTRA_SAMPLES_PER_FILE / (MAX_SAMPLE - 1) + 10;
        for round in 0..MAX_SAMPLE as u64 {
            for v in 0..values {
                let offset = round * 10_000_000 + v as u64;
                add(&mut tally, Kind::Path, &format!("/p/{v}"), &[], offset);
            }
        }
        let scan = tally.finish();
        let extra: usize = scan.indicators.iter().map(|i| i.more_evidence.len()).sum();
        assert_eq!(extra, MAX_EXTRA_SAMPLES_PER_FILE);
        assert!(
            scan.indicators
                .iter()
                .all(|i| i.occurrences == MAX_SAMPLE as u64)
        );
    }
}
