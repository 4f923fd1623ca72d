//! Target: `candor_scan::callsite::getenv_arguments`, which parses an x86-64 ELF file
//! (headers, sections, dynamic symbols and relocations, PLT stubs) and reads its machine
//! code for the strings passed to `getenv`, on arbitrary bytes; and
//! `candor_scan::native::sections` / `section_at`, the section table of any ELF, PE or
//! Mach-O file (universal binaries included), on the same bytes. Seeded with small
//! executables of the system (copied at run time by seed_corpora.py, never committed).
//!
//! Invariants: nothing panics, hangs or blows memory; every offset `getenv_arguments`
//! returns lies within the file and starts what it documents: a NUL-terminated string
//! of 1 to 255 printable ASCII characters (so valid UTF-8), the name passed to `getenv`;
//! `section_at` names a section that holds the offset.

#![no_main]
// fuzz_target! expands to libfuzzer-sys's own std::fs::File::create (its
// RUST_LIBFUZZER_DEBUG_PATH output), which the repository's clippy.toml bans for candor's I/O.
#![allow(clippy::disallowed_methods)]
// libfuzzer: -max_len=262144

use candor_scan::callsite::getenv_arguments;
use candor_scan::native::{section_at, sections};
use libfuzzer_sys::fuzz_target;

/// Longest string `getenv_arguments` takes for an argument, NUL excluded.
const MAX_NAME_LEN: usize = 255;

fuzz_target!(|bytes: &[u8]| {
    if let Some(offsets) = getenv_arguments(bytes) {
        for offset in offsets {
            let start = usize::try_from(offset).expect("an offset in memory");
            assert!(start < bytes.len(), "offset {start} past the file");
            let tail = &bytes[start..];
            let len = tail
                .iter()
                .position(|&b| b == 0)
                .unwrap_or_else(|| panic!("no NUL after the name at {start}"));
            assert!(
                (1..=MAX_NAME_LEN).contains(&len),
                "a name of {len} bytes at {start}"
            );
            let name = std::str::from_utf8(&tail[..len]).expect("a name in UTF-8");
            assert!(
                name.bytes().all(|b| b.is_ascii_graphic()),
                "not printable ASCII: {name:?}"
            );
        }
    }
    if let Some(sections) = sections(bytes) {
        for probe in [
            0,
            bytes.len() as u64 / 2,
            bytes.len().saturating_sub(1) as u64,
        ] {
            if let Some(name) = section_at(&sections, probe) {
                assert!(
                    sections
                        .iter()
                        .any(|s| s.name == name && s.file_range.contains(&probe)),
                    "section_at({probe}) named {name}, which does not hold it"
                );
            }
        }
    }
});
