//! Native executables (ELF, PE, Mach-O including universal binaries): the section of
//! every hit, and the environment variable names a binary that reads its environment
//! carries as C strings.
//!
//! The scan itself stays format-blind ([`Scanner::scan`] reads every byte, headers and
//! all); this module adds what only the format knows, after the fact:
//! - the section each indicator's offset falls in ([`sections`], [`section_at`]);
//! - `env_names` finds names like `ACME_BASE_URL` in a binary that calls `getenv` (or
//!   `secure_getenv`, `GetEnvironmentVariable`, Go's `os.Getenv` …): in a compiled
//!   program the name passed to `getenv` is a bare C string in a data section, with no
//!   `getenv("` around it for the text detectors to anchor on.
//!
//! In an x86-64 ELF file, [`crate::callsite`] then reads the `getenv` call sites: names
//! passed to `getenv` there are reported as `env-var`, the other names as
//! `env-candidate`.
//!
//! `scan_native` does the scan and these additions; for any other file it is exactly
//! [`Scanner::scan`].

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use candor_model::claims::ClaimCategory;
use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
use object::{FileKind, Object as _, ObjectSection as _, SectionKind};

use crate::engine::{Scanner, excerpt};
use crate::indicator::{Indicator, Kind};
use crate::report::FileScan;
use crate::tally::{Place, Tally};

/// A section of a native executable that occupies bytes of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its name: `.rodata` (ELF), `.rdata` (PE), `__TEXT,__cstring` (Mach-O, segment and
    /// section); in a universal binary prefixed with the architecture
    /// (`aarch64:__TEXT,__cstring`).
    pub name: String,
    /// Where its bytes are in the file (for a universal binary, in the whole file, not
    /// in the architecture's slice).
    pub file_range: Range<u64>,
    /// Whether it holds program data (read-only or writable constants, C strings):
    /// where string literals and initialised arrays live, as opposed to code, symbol
    /// tables, relocations, notes or debug information.
    pub data: bool,
}

/// The sections of `bytes` if it is an ELF, PE or Mach-O file (a universal Mach-O
/// gives the sections of every architecture it contains), sorted by file offset.
/// `None` for anything else, or for a file too damaged to list its sections.
pub fn sections(bytes: &[u8]) -> Option<Vec<Section>> {
    let mut out = match FileKind::parse(bytes).ok()? {
        FileKind::Elf32
        | FileKind::Elf64
        | FileKind::MachO32
        | FileKind::MachO64
        | FileKind::Pe32
        | FileKind::Pe64 => {
            let mut out = Vec::new();
            single(bytes, 0, None, &mut out).ok()?;
            out
        }
        // Also the magic of Java class files: an arch that does not parse is left out,
        // and a "universal binary" none of whose arches parse is not one.
        FileKind::MachOFat32 => fat(bytes, MachOFatFile32::parse(bytes).ok()?.arches())?,
        FileKind::MachOFat64 => fat(bytes, MachOFatFile64::parse(bytes).ok()?.arches())?,
        _ => return None,
    };
    out.sort_by_key(|s| (s.file_range.start, s.file_range.end));
    Some(out)
}

fn fat<A: FatArch>(bytes: &[u8], arches: &[A]) -> Option<Vec<Section>> {
    let mut out = Vec::new();
    let mut parsed = false;
    for arch in arches {
        let Ok(data) = arch.data(bytes) else {
            continue;
        };
        let (offset, _) = arch.file_range();
        let prefix = format!("{:?}", arch.architecture()).to_ascii_lowercase();
        parsed |= single(data, offset, Some(&prefix), &mut out).is_ok();
    }
    parsed.then_some(out)
}

/// The sections of one (thin) executable that starts at `base` in the file.
fn single(
    bytes: &[u8],
    base: u64,
    prefix: Option<&str>,
    out: &mut Vec<Section>,
) -> object::Result<()> {
    let file = object::File::parse(bytes)?;
    for section in file.sections() {
        let Some((offset, size)) = section.file_range() else {
            continue;
        };
        if size == 0 {
            continue;
        }
        let name = section.name().unwrap_or("?");
        let name = match section.segment_name() {
            Ok(Some(segment)) if file.format() == object::BinaryFormat::MachO => {
                format!("{segment},{name}")
            }
            _ => name.to_owned(),
        };
        let name = match prefix {
            Some(prefix) => format!("{prefix}:{name}"),
            None => name,
        };
        let start = base.saturating_add(offset);
        out.push(Section {
            name,
            file_range: start..start.saturating_add(size),
            data: matches!(
                section.kind(),
                SectionKind::Data
                    | SectionKind::ReadOnlyData
                    | SectionKind::ReadOnlyDataWithRel
                    | SectionKind::ReadOnlyString
            ),
        });
    }
    Ok(())
}

/// The name of the section holding file offset `offset`: the smallest one if sections
/// overlap, `None` for headers, padding and anything past the last section.
pub fn section_at(sections: &[Section], offset: u64) -> Option<&str> {
    sections
        .iter()
        .filter(|s| s.file_range.contains(&offset))
        .min_by_key(|s| s.file_range.end - s.file_range.start)
        .map(|s| s.name.as_str())
}

/// Set the section of all the evidence of every indicator that has none yet, from
/// `sections`.
fn annotate_sections(sections: &[Section], indicators: &mut [Indicator]) {
    for indicator in indicators {
        let evidence = std::iter::once(&mut indicator.evidence).chain(&mut indicator.more_evidence);
        for evidence in evidence.filter(|e| e.section.is_none()) {
            evidence.section = section_at(sections, evidence.offset).map(str::to_owned);
        }
    }
}

/// APIs that read the environment, as they stand in a binary: imported or defined symbol
/// names (`getenv`, Mach-O's `_getenv`, PE's `GetEnvironmentVariableW`), Go function
/// names (`os.Getenv`, `syscall.Getenv`, `os.LookupEnv`).
const ENV_APIS: &[&str] = &[
    "getenv",
    "GetEnvironmentVariable",
    "_dupenv_s",
    "Getenv",
    "LookupEnv",
];

static ENV_API_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .build(ENV_APIS)
        .unwrap_or_else(|e| unreachable!("built-in patterns are valid: {e}"))
});

/// Environment variable names in a native executable `bytes` whose `sections` are
/// given, with their byte ranges in the file.
///
/// Only in a binary that reads its environment: one that names an environment API
/// (`getenv`, `secure_getenv`, `GetEnvironmentVariable`, `os.Getenv` …) anywhere in
/// its bytes — symbol tables, import tables and Go's function tables are all strings in
/// the file. The import sits in `.dynstr` or `.idata` while the names passed to it sit in
/// `.rodata`, so "near the call" means: in a data section of the same binary. A name is a
/// whole C string (NUL on both sides) of printable ASCII shaped like an environment
/// variable, `^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`, 4 to 64 bytes long.
fn env_names(bytes: &[u8], sections: &[Section]) -> Vec<(String, Range<usize>)> {
    if !ENV_API_FINDER.is_match(bytes) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for section in sections.iter().filter(|s| s.data) {
        let (Ok(start), Ok(end)) = (
            usize::try_from(section.file_range.start),
            usize::try_from(section.file_range.end),
        ) else {
            continue;
        };
        let Some(data) = bytes.get(start..end.min(bytes.len())) else {
            continue;
        };
        let mut at = 0;
        for nul in memchr::memchr_iter(0, data) {
            let string = &data[at..nul];
            // A whole C string: the section start or a NUL before it.
            if is_env_name_shape(string) {
                let name = String::from_utf8_lossy(string).into_owned();
                out.push((name, start + at..start + nul));
            }
            at = nul + 1;
        }
    }
    out
}

/// Lengths of a C string taken for a candidate environment variable name (one no call
/// site proves is read).
const ENV_NAME_SHAPE_LEN: std::ops::RangeInclusive<usize> = 4..=64;

/// Longest name a proven `getenv` argument may have.
const MAX_ENV_NAME_LEN: usize = 128;

/// `^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`, of [`ENV_NAME_SHAPE_LEN`] bytes.
fn is_env_name_shape(s: &[u8]) -> bool {
    ENV_NAME_SHAPE_LEN.contains(&s.len())
        && s[0].is_ascii_uppercase()
        && s.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        && s.contains(&b'_')
        && !s.ends_with(b"_")
        && !s.windows(2).any(|w| w == b"__")
}

/// Locale and time-zone variables: reading them is a conditional (as in the text
/// detectors, which report `$LC_ALL` beside the env read).
fn is_locale_variable(name: &str) -> bool {
    name.starts_with("LC_") || matches!(name, "LANGUAGE" | "LANG" | "TZ")
}

/// A name `getenv` may be given: letters, digits and `_`, not starting with a digit.
fn is_env_name(name: &str) -> bool {
    (1..=MAX_ENV_NAME_LEN).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// [`Scanner::scan`] of a whole file's `bytes`, plus, for a native executable, the
/// section of every indicator and the environment variable names: kind env-var for the
/// names a `getenv` call site passes (x86-64 ELF, [`crate::callsite`]), env-candidate for
/// the other names of `env_names` (category env; plain chain, evidence at the C string).
pub(crate) fn scan_native(scanner: &Scanner, file: &str, bytes: &[u8]) -> FileScan {
    let mut tally = Tally::new(file);
    scanner.scan_into(&mut tally, None, 0, bytes);
    let Some(sections) = sections(bytes) else {
        return tally.finish();
    };
    // Names passed to getenv at a call site in the code are reads; the other
    // env-shaped names of a binary that reads its environment are candidates.
    let proven = crate::callsite::getenv_arguments(bytes).unwrap_or_default();
    let mut names: Vec<(String, Range<usize>, bool)> = env_names(bytes, &sections)
        .into_iter()
        .map(|(name, range)| {
            let read = proven.contains(&(range.start as u64));
            (name, range, read)
        })
        .collect();
    // Proven names that are not env-shaped enough for the candidate rule (`HOME`, `TZ`).
    for &offset in &proven {
        let Ok(start) = usize::try_from(offset) else {
            continue;
        };
        if names.iter().any(|(_, range, _)| range.start == start) {
            continue;
        }
        let tail = &bytes[start..];
        let len = memchr::memchr(0, tail).unwrap_or(tail.len());
        let name = String::from_utf8_lossy(&tail[..len]).into_owned();
        if is_env_name(&name) {
            names.push((name, start..start + len, true));
        }
    }
    for (name, range, read) in names {
        let place = Place {
            chain: &[],
            offset: range.start as u64,
            length: (range.end - range.start) as u64,
            section: None,
        };
        let excerpt = || excerpt(bytes, range.start, range.end);
        // A repeat of an occurrence already tallied (the same value at the same
        // offset) counts once.
        if read && is_locale_variable(&name) {
            tally.add(
                ClaimCategory::Conditional,
                Kind::LocaleApi,
                format!("${name}"),
                &place,
                excerpt,
            );
        }
        if !tally.has_plain_at(ClaimCategory::Env, Kind::EnvVar, &name, place.offset) {
            let kind = if read {
                Kind::EnvVar
            } else {
                Kind::EnvCandidate
            };
            tally.add(ClaimCategory::Env, kind, name, &place, excerpt);
        }
    }
    let mut scan = tally.finish();
    annotate_sections(&sections, &mut scan.indicators);
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(name: &str, range: Range<u64>, data: bool) -> Section {
        Section {
            name: name.to_owned(),
            file_range: range,
            data,
        }
    }

    #[test]
    fn env_name_shape() {
        for good in [
            "ACME_BASE_URL",
            "LC_ALL",
            "HTTP_PROXY",
            "X_12",
            "AWS_S3_BUCKET2",
        ] {
            assert!(is_env_name_shape(good.as_bytes()), "{good}");
        }
        for bad in [
            "PATH",
            "HOME",
            "acme_url",
            "_ACME_URL",
            "ACME_",
            "ACME__URL",
            "1_ABC",
            "ACME-URL",
            "AB C_D",
            "A_B",
            "X_1",
        ] {
            assert!(!is_env_name_shape(bad.as_bytes()), "{bad}");
        }
        assert!(!is_env_name_shape(
            format!("A_{}", "B".repeat(63)).as_bytes()
        ));
    }

    #[test]
    fn not_native_means_no_sections() {
        assert_eq!(sections(b""), None);
        assert_eq!(
            sections(b"#!/bin/sh\necho hello world, nothing native here\n"),
            None
        );
        // A Java class file shares the universal binary magic.
        let mut class = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52];
        class.extend_from_slice(&[0; 64]);
        assert_eq!(sections(&class), None);
    }

    #[test]
    fn the_smallest_section_holding_an_offset() {
        let sections = [
            section(".data", 100..200, true),
            section(".inner", 150..160, true),
            section(".rodata", 200..300, true),
        ];
        assert_eq!(section_at(&sections, 99), None);
        assert_eq!(section_at(&sections, 100), Some(".data"));
        assert_eq!(section_at(&sections, 155), Some(".inner"));
        assert_eq!(section_at(&sections, 200), Some(".rodata"));
        assert_eq!(section_at(&sections, 300), None);
    }

    #[test]
    fn env_names_only_in_data_sections_of_a_binary_that_reads_its_environment() {
        let mut bytes = b"\0getenv\0".to_vec();
        let data_start = bytes.len() as u64;
        bytes.extend_from_slice(b"ACME_BASE_URL\0not_a_name\0HTTP_PROXY\0LC_ALL");
        let code_start = bytes.len() as u64;
        bytes.extend_from_slice(b"\0CODE_NAME_X\0");
        let sections = [
            section(".dynstr", 0..data_start, false),
            section(".rodata", data_start..code_start, true),
            section(".text", code_start..bytes.len() as u64, false),
        ];
        let names: Vec<String> = env_names(&bytes, &sections)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        // LC_ALL runs to the end of its section without a NUL: not a whole C string.
        assert_eq!(names, ["ACME_BASE_URL", "HTTP_PROXY"]);
        let (_, range) = &env_names(&bytes, &sections)[0];
        assert_eq!(&bytes[range.clone()], b"ACME_BASE_URL");

        let without_api: Vec<u8> = bytes
            .iter()
            .map(|b| if *b == b'g' { b'x' } else { *b })
            .collect();
        assert!(env_names(&without_api, &sections).is_empty());
    }
}
