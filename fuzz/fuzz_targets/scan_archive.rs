//! Target: `candor_scan::archive::scan_bytes`, the scanner's archive readers (tar,
//! gzip, zip, archives inside archives, damaged ones, bombs) and the scan of every entry
//! they hand on, on arbitrary bytes; when the bytes are not an archive, the scan of a
//! plain file (`Scanner::scan`). The first input byte names the file: `x.tgz`, `x.tar`,
//! `x.zip` or `x.js` (a plain name: only magic bytes make it an archive); the rest is its
//! content.
//!
//! The limits are the defaults scaled down (entries of 4 MiB, 16 MiB in all, the ratio
//! judged from 64 KiB on, 1000 entries; ratio 200:1 and two levels of nesting as
//! shipped), so that an input stays milliseconds while every limit is still reached.
//!
//! Invariants: it never panics, hangs or blows memory; bytes with an archive's magic are
//! read as one; the report keeps within the limits (no file larger than an entry may be,
//! all files together within the total, no more files than entries allowed); every
//! indicator names a file of the report, under the archive's name, and its evidence
//! (offset + length) lies within that file's bytes; for a plain file, within the input.
//! A `duplicate-entry` indicator names instead the later entry of a path (its value),
//! `<archive>!<path> (occurrence k)` with k ≥ 2, its evidence empty (offset 0, length 0):
//! the entry as a whole, which the report lists as a file or as skipped, or, an archive,
//! opened (its entries named under it; none when it is empty).

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]
// libfuzzer: -max_len=262144

use std::collections::HashMap;
use std::sync::OnceLock;

use candor_scan::archive::scan_bytes;
use candor_scan::{ArchiveLimits, Indicator, Kind, ScanOptions, Scanner};
use libfuzzer_sys::fuzz_target;

/// The scanner with the built-in rules, as `candor scan` builds it; made once.
fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        Scanner::new(
            candor_scan::rules::detectors(&[]).expect("the built-in rules load"),
            ScanOptions::default(),
        )
    })
}

/// The default limits, scaled down (see the module documentation).
fn limits() -> ArchiveLimits {
    ArchiveLimits {
        max_entry_size: 4 << 20,
        max_total_size: 16 << 20,
        ratio_floor: 64 << 10,
        max_entries: 1000,
        ..ArchiveLimits::default()
    }
}

/// The names the first byte chooses from.
const NAMES: [&str; 4] = ["x.tgz", "x.tar", "x.zip", "x.js"];

/// Whether `bytes` carry an archive's magic: gzip, zip (or an empty zip), ustar.
fn has_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b, 0x08])
        || bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.get(257..262) == Some(b"ustar")
}

/// All of `indicator`'s evidence lies within `size` bytes, in offset order, its last
/// offset too, and it counts at least the occurrences it has evidence of.
fn assert_within(indicator: &Indicator, size: u64) {
    for evidence in indicator.samples() {
        let end = evidence.offset.checked_add(evidence.length);
        assert!(
            end.is_some_and(|end| end <= size),
            "evidence {}+{} outside the {size} bytes of {}: {indicator:?}",
            evidence.offset,
            evidence.length,
            evidence.file
        );
        assert!(evidence.offset <= indicator.last_offset, "{indicator:?}");
    }
    let offsets: Vec<u64> = indicator.samples().map(|e| e.offset).collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{indicator:?}");
    assert!(indicator.last_offset < size.max(1), "{indicator:?}");
    assert!(
        indicator.occurrences >= offsets.len() as u64,
        "{indicator:?}"
    );
}

/// A `duplicate-entry` indicator names a later occurrence of its path, with empty
/// evidence.
fn assert_duplicate(indicator: &Indicator) {
    let evidence = &indicator.evidence;
    let occurrence = evidence
        .file
        .strip_suffix(')')
        .and_then(|f| f.rsplit_once(" (occurrence "))
        .and_then(|(path, k)| Some((path, k.parse::<u32>().ok()?)));
    let entry = format!("!{}", indicator.value);
    assert!(
        occurrence.is_some_and(|(path, k)| k >= 2 && path.ends_with(&entry)),
        "a duplicate that is not a later occurrence of its path: {indicator:?}"
    );
    assert_eq!((evidence.offset, evidence.length), (0, 0), "{indicator:?}");
}

fuzz_target!(|input: &[u8]| {
    let Some((&choice, bytes)) = input.split_first() else {
        return;
    };
    let name = NAMES[usize::from(choice) % NAMES.len()];
    let limits = limits();
    let Some(report) = scan_bytes(scanner(), name, bytes, &limits) else {
        assert!(
            !has_magic(bytes),
            "bytes with an archive's magic not read as an archive"
        );
        for indicator in scanner().scan(name, None, 0, bytes).indicators {
            assert_eq!(indicator.evidence.file, name);
            assert_within(&indicator, bytes.len() as u64);
        }
        return;
    };
    // The largest file of each name. A later entry of a path is named apart
    // (`a.js (occurrence 2)`), but an entry may be named so itself.
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    let mut total: u64 = 0;
    for file in &report.files {
        assert!(
            file.size <= limits.max_entry_size,
            "{} is {} bytes, past the entry limit",
            file.path,
            file.size
        );
        total += file.size;
        let size = sizes.entry(file.path.as_str()).or_default();
        *size = (*size).max(file.size);
    }
    assert!(
        total <= limits.max_total_size,
        "{total} bytes of files, past the total limit"
    );
    assert!(
        report.files.len() as u64 <= limits.max_entries,
        "{} files, past the entry limit",
        report.files.len()
    );
    let prefix = format!("{name}!");
    for indicator in &report.indicators {
        let file = indicator.evidence.file.as_str();
        assert!(
            file.starts_with(&prefix),
            "an indicator outside the archive: {indicator:?}"
        );
        if indicator.kind == Kind::DuplicateEntry {
            assert_duplicate(indicator);
            continue;
        }
        let size = sizes
            .get(file)
            .unwrap_or_else(|| panic!("an indicator in a file not reported: {indicator:?}"));
        assert_within(indicator, *size);
    }
});
