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
//! A program runs without its section headers (the loader reads only the program
//! headers), so a hostile binary may strip them or point them past the end of the file
//! to blind tools that rely on them. When an ELF, PE or Mach-O file's sections cannot be
//! listed, its analysis is **degraded**, never silently dropped: the names are searched
//! in the loadable segments its program headers list (ELF) or in the whole file, call
//! sites are read through the dynamic segment ([`crate::callsite`]), and the report's
//! [`crate::ScanReport::degraded`] names the file and why.
//!
//! `scan_native` does the scan and these additions; for any other file it is exactly
//! [`Scanner::scan`].

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use candor_model::claims::ClaimCategory;
use object::elf::{FileHeader32, FileHeader64, PT_LOAD};
use object::read::elf::{FileHeader, ProgramHeader as _};
use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
use object::{Endianness, FileKind, Object as _, ObjectSection as _, SectionKind};

use crate::engine::{Scanner, excerpt};
use crate::indicator::{Indicator, Kind};
use crate::report::{Degraded, ScanReport};
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
        // A section name is the file's to choose: it prints escaped.
        let name = crate::printable::printable(&name).into_owned();
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

/// Environment variable names in a native executable `bytes`, searched in the file
/// ranges `data` (its data sections), with their byte ranges in the file.
///
/// Only in a binary that reads its environment: one that names an environment API
/// (`getenv`, `secure_getenv`, `GetEnvironmentVariable`, `os.Getenv` …) anywhere in
/// its bytes — symbol tables, import tables and Go's function tables are all strings in
/// the file. The import sits in `.dynstr` or `.idata` while the names passed to it sit in
/// `.rodata`, so "near the call" means: in a data section of the same binary. A name is a
/// whole C string (NUL on both sides) of printable ASCII shaped like an environment
/// variable, `^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`, 4 to 64 bytes long.
fn env_names(bytes: &[u8], data: &[Range<u64>]) -> Vec<(String, Range<usize>)> {
    if !ENV_API_FINDER.is_match(bytes) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for range in data {
        let (Ok(start), Ok(end)) = (usize::try_from(range.start), usize::try_from(range.end))
        else {
            continue;
        };
        let Some(data) = bytes.get(start..end.min(bytes.len())) else {
            continue;
        };
        // Every name has a `_`: look around each one for the whole C string holding it
        // (from the region's start or a NUL, to a NUL). Underscores are rare in binary
        // data, unlike the NULs that end every C string, so this reads far fewer places
        // than splitting the region at every NUL would; `next` skips the rest of a string
        // once judged, so each is judged once.
        let mut next = 0;
        for underscore in memchr::memchr_iter(b'_', data) {
            if underscore < next {
                continue;
            }
            let Some(to) = memchr::memchr(0, &data[underscore..]).map(|n| underscore + n) else {
                break; // no NUL ends a string past here
            };
            next = to + 1;
            // Names are short: a NUL (or the region's start) must be near.
            let window = underscore.saturating_sub(*ENV_NAME_SHAPE_LEN.end());
            let from = match memchr::memrchr(0, &data[window..underscore]) {
                Some(nul) => window + nul + 1,
                None if window == 0 => 0,
                None => continue,
            };
            let string = &data[from..to];
            if is_env_name_shape(string) {
                let name = String::from_utf8_lossy(string).into_owned();
                out.push((name, start + from..start + to));
            }
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

/// What of a native executable the name search reads, and what could not be read
/// through its sections.
#[derive(Debug)]
struct Layout {
    /// The sections, of every part of the file that lists them.
    sections: Vec<Section>,
    /// Where environment variable names are searched: the data sections, and for a part
    /// whose sections cannot be used, the ranges searched instead.
    data: Vec<Range<u64>>,
    /// Why parts of the file could not be read through their sections, and what was
    /// searched instead; empty when nothing was degraded.
    problems: Vec<String>,
    /// Whether the file is an x86-64 ELF file, whose getenv call sites are read.
    x86_64_elf: bool,
}

/// The layout of `bytes` if it is a native executable (ELF, PE, Mach-O, universal
/// Mach-O), `None` for anything else.
fn layout(bytes: &[u8]) -> Option<Layout> {
    let kind = FileKind::parse(bytes).ok()?;
    if matches!(kind, FileKind::MachOFat32 | FileKind::MachOFat64) {
        return fat_layout(bytes, kind);
    }
    let format = match kind {
        FileKind::Elf32 | FileKind::Elf64 => "ELF",
        FileKind::Pe32 | FileKind::Pe64 => "PE",
        FileKind::MachO32 | FileKind::MachO64 => "Mach-O",
        _ => return None,
    };
    let x86_64_elf = kind == FileKind::Elf64
        && elf_header::<FileHeader64<Endianness>>(bytes)
            .is_some_and(|(h, e)| h.e_machine(e) == object::elf::EM_X86_64);
    let listed = sections(bytes);
    if let Some(sections) = listed.as_ref().filter(|s| !s.is_empty()) {
        return Some(Layout {
            data: data_ranges(sections),
            sections: sections.clone(),
            problems: Vec::new(),
            x86_64_elf,
        });
    }
    // The section table is missing or does not parse: say why, and search what the
    // loader maps (ELF program headers), or the whole file.
    let problem = match kind {
        FileKind::Elf32 => elf_section_problem::<FileHeader32<Endianness>>(bytes),
        FileKind::Elf64 => elf_section_problem::<FileHeader64<Endianness>>(bytes),
        _ => None,
    }
    .unwrap_or_else(|| match (&listed, object::File::parse(bytes)) {
        (Some(_), _) => "it lists no sections with bytes in the file".to_owned(),
        (None, Err(e)) => format!("its {format} headers do not parse ({e})"),
        (None, Ok(_)) => "its sections cannot be listed".to_owned(),
    });
    let loads = match kind {
        FileKind::Elf32 => elf_loads::<FileHeader32<Endianness>>(bytes),
        FileKind::Elf64 => elf_loads::<FileHeader64<Endianness>>(bytes),
        _ => None,
    };
    let (data, instead) = if let Some(loads) = loads {
        let instead = format!(
            "environment variable names were searched in the {} loadable segment(s) its \
             program headers list instead",
            loads.len()
        );
        (loads, instead)
    } else {
        let whole = 0..bytes.len() as u64;
        (
            vec![whole],
            "environment variable names were searched in the whole file instead".to_owned(),
        )
    };
    Some(Layout {
        sections: Vec::new(),
        data,
        problems: vec![format!("{problem}; {instead}")],
        x86_64_elf,
    })
}

/// The layout of a universal binary: the sections of every architecture that parses,
/// and the whole slice of one that does not. `None` if none parses (Java class files
/// share the magic).
fn fat_layout(bytes: &[u8], kind: FileKind) -> Option<Layout> {
    let arches: Vec<(u64, u64, String, Option<&[u8]>)> = match kind {
        FileKind::MachOFat32 => fat_arches(bytes, MachOFatFile32::parse(bytes).ok()?.arches()),
        FileKind::MachOFat64 => fat_arches(bytes, MachOFatFile64::parse(bytes).ok()?.arches()),
        _ => return None,
    };
    let mut layout = Layout {
        sections: Vec::new(),
        data: Vec::new(),
        problems: Vec::new(),
        x86_64_elf: false,
    };
    let mut parsed = false;
    for (offset, size, prefix, data) in arches {
        let mut sections = Vec::new();
        let result = data.map(|d| single(d, offset, Some(&prefix), &mut sections));
        if let Some(Ok(())) = result {
            parsed = true;
            layout.data.extend(data_ranges(&sections));
            layout.sections.extend(sections);
            continue;
        }
        let why = match result {
            Some(Err(e)) => format!("does not parse ({e})"),
            _ => "lies outside the file".to_owned(),
        };
        let end = offset.saturating_add(size).min(bytes.len() as u64);
        if offset < end {
            layout.data.push(offset..end);
        }
        layout.problems.push(format!(
            "its {prefix} slice (bytes {offset}..{end}) {why}; environment variable names were \
             searched in that slice's bytes instead"
        ));
    }
    layout
        .sections
        .sort_by_key(|s| (s.file_range.start, s.file_range.end));
    parsed.then_some(layout)
}

/// Each architecture of a universal binary: its file offset and size, its name, its
/// bytes if they are inside the file.
fn fat_arches<'a, A: FatArch>(
    bytes: &'a [u8],
    arches: &[A],
) -> Vec<(u64, u64, String, Option<&'a [u8]>)> {
    arches
        .iter()
        .map(|arch| {
            let (offset, size) = arch.file_range();
            let prefix = format!("{:?}", arch.architecture()).to_ascii_lowercase();
            (offset, size, prefix, arch.data(bytes).ok())
        })
        .collect()
}

/// The file ranges of the data sections.
fn data_ranges(sections: &[Section]) -> Vec<Range<u64>> {
    sections
        .iter()
        .filter(|s| s.data)
        .map(|s| s.file_range.clone())
        .collect()
}

fn elf_header<Elf: FileHeader<Endian = Endianness>>(bytes: &[u8]) -> Option<(&Elf, Endianness)> {
    let header = Elf::parse(bytes).ok()?;
    Some((header, header.endian().ok()?))
}

/// What is wrong with an ELF file's section header table, in terms of its header fields:
/// missing, starting or running past the end of the file. `None` if it is none of these
/// (the table is there, something in it does not parse).
fn elf_section_problem<Elf: FileHeader<Endian = Endianness>>(bytes: &[u8]) -> Option<String> {
    let (header, endian) = elf_header::<Elf>(bytes)?;
    let shoff: u64 = header.e_shoff(endian).into();
    let shnum = header.e_shnum(endian);
    let entsize = header.e_shentsize(endian);
    let len = bytes.len();
    if shoff == 0 {
        return Some("it has no section header table (e_shoff is 0)".to_owned());
    }
    if shoff >= len as u64 {
        return Some(format!(
            "its section header table starts past the end of the file (e_shoff {shoff:#x}; the \
             file is {len} bytes)"
        ));
    }
    let end = u64::from(shnum)
        .checked_mul(u64::from(entsize))
        .and_then(|n| n.checked_add(shoff));
    if end.is_none_or(|end| end > len as u64) {
        return Some(format!(
            "its section header table runs past the end of the file ({shnum} headers \
             (e_shnum) of {entsize} bytes from e_shoff {shoff:#x}; the file is {len} bytes)"
        ));
    }
    None
}

/// The file ranges of an ELF file's loadable (`PT_LOAD`) segments, cut at the end of the
/// file; `None` if the program headers do not parse or list none.
fn elf_loads<Elf: FileHeader<Endian = Endianness>>(bytes: &[u8]) -> Option<Vec<Range<u64>>> {
    let (header, endian) = elf_header::<Elf>(bytes)?;
    let len = bytes.len() as u64;
    let loads: Vec<Range<u64>> = header
        .program_headers(endian, bytes)
        .ok()?
        .iter()
        .filter(|p| p.p_type(endian) == PT_LOAD)
        .filter_map(|p| {
            let (offset, size) = p.file_range(endian);
            let end = offset.checked_add(size)?.min(len);
            (offset < end).then_some(offset..end)
        })
        .collect();
    (!loads.is_empty()).then_some(loads)
}

/// [`Scanner::scan`] of a whole file's `bytes`, plus, for a native executable, the
/// section of every indicator and the environment variable names: kind env-var for the
/// names a `getenv` call site passes (x86-64 ELF, [`crate::callsite`]), env-candidate for
/// the other names of `env_names` (category env; plain chain, evidence at the C string).
/// The indicators (tallied per value, [`crate::tally`]; with lines and columns in a text
/// file, [`crate::lines`]) go to `report`, and a note to [`ScanReport::degraded`] when
/// the file's sections could not be used.
pub(crate) fn scan_native(scanner: &Scanner, file: &str, bytes: &[u8], report: &mut ScanReport) {
    let mut tally = Tally::new(file);
    scanner.scan_into(&mut tally, None, 0, bytes);
    let Some(layout) = layout(bytes) else {
        let mut scan = tally.finish();
        if crate::lines::is_text(bytes) {
            crate::lines::locate(bytes, &mut scan.indicators);
        }
        scan.add_to(report);
        return;
    };
    let calls_read = add_env_names(bytes, &layout.data, &mut tally);
    let mut scan = tally.finish();
    annotate_sections(&layout.sections, &mut scan.indicators);
    scan.add_to(report);
    if !layout.problems.is_empty() {
        let calls = match (layout.x86_64_elf, calls_read) {
            (false, _) => "",
            (true, true) => {
                "; getenv call sites were read through the program headers' dynamic segment"
            }
            (true, false) => "; no getenv call site could be read, so every name is a candidate",
        };
        report.degraded.push(Degraded {
            path: file.to_owned(),
            reason: format!(
                "native analysis without sections: {}{calls}",
                layout.problems.join("; ")
            ),
        });
    }
}

/// Add the environment variable names found in the `data` ranges of `bytes` to `tally`
/// (see [`scan_native`]). Returns whether getenv call sites were read.
fn add_env_names(bytes: &[u8], data: &[Range<u64>], tally: &mut Tally<'_>) -> bool {
    // Names passed to getenv at a call site in the code are reads; the other
    // env-shaped names of a binary that reads its environment are candidates.
    let proven = crate::callsite::getenv_arguments(bytes);
    let calls_read = proven.is_some();
    let proven = proven.unwrap_or_default();
    let mut names: Vec<(String, Range<usize>, bool)> = env_names(bytes, data)
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
    // Ranges searched may overlap (segments): each string once.
    names.sort_by_key(|(_, range, _)| (range.start, range.end));
    names.dedup_by_key(|(_, range, _)| range.start);
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
    calls_read
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
        let data = data_ranges(&sections);
        let names: Vec<String> = env_names(&bytes, &data)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        // LC_ALL runs to the end of its section without a NUL: not a whole C string.
        assert_eq!(names, ["ACME_BASE_URL", "HTTP_PROXY"]);
        let (_, range) = &env_names(&bytes, &data)[0];
        assert_eq!(&bytes[range.clone()], b"ACME_BASE_URL");

        let without_api: Vec<u8> = bytes
            .iter()
            .map(|b| if *b == b'g' { b'x' } else { *b })
            .collect();
        assert!(env_names(&without_api, &data).is_empty());
    }

    /// What `env_names` finds, the plain way: split each range at every NUL and judge
    /// every string.
    fn env_names_at_every_nul(bytes: &[u8], data: &[Range<u64>]) -> Vec<(String, Range<usize>)> {
        let mut out = Vec::new();
        for range in data {
            let (start, end) = (
                usize::try_from(range.start).unwrap(),
                usize::try_from(range.end).unwrap(),
            );
            let region = &bytes[start..end];
            let mut at = 0;
            for nul in memchr::memchr_iter(0, region) {
                if is_env_name_shape(&region[at..nul]) {
                    let name = String::from_utf8_lossy(&region[at..nul]).into_owned();
                    out.push((name, start + at..start + nul));
                }
                at = nul + 1;
            }
        }
        out
    }

    /// The underscore-led search finds exactly what splitting at every NUL finds, on
    /// bytes dense with NULs, underscores, names, near-names and over-long names, in
    /// ranges that start and end anywhere.
    #[test]
    fn env_names_finds_what_splitting_at_every_nul_finds() {
        let pieces: [&[u8]; 12] = [
            b"\0",
            b"_",
            b"ACME_BASE_URL",
            b"A_B",
            b"HTTP_PROXY",
            b"lower_case",
            b"X__Y",
            b"TRAILING_",
            b"\x01\x5f\xff",
            b"getenv",
            b"LONG_NAME_PART_THAT_GOES_ON_AND_ON_",
            b"Z9",
        ];
        let mut rng = candor_test::Rng::new(15);
        let mut found = 0;
        for round in 0..200 {
            let mut bytes = b"getenv\0".to_vec();
            while bytes.len() < 2000 {
                let piece = pieces[usize::try_from(rng.next_u64() % 12).unwrap()];
                bytes.extend_from_slice(piece);
            }
            let len = bytes.len() as u64;
            let a = rng.next_u64() % len;
            let b = rng.next_u64() % len;
            let data = [0..len, a.min(b)..a.max(b), 3..17];
            let names = env_names(&bytes, &data);
            assert_eq!(
                names,
                env_names_at_every_nul(&bytes, &data),
                "round {round}"
            );
            found += names.len();
        }
        assert!(found > 100, "{found}");
    }
}
