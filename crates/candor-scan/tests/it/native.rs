//! Native executables: a tiny C program compiled by the test with the system `cc`,
//! carrying DESIGN.md's pattern the way a compiled tool does — a plain telemetry URL, an
//! env read of a base-URL variable, a time-zone string, and a domain list stored
//! XOR-encoded (key 0x5b) as a byte array the program decodes at run time. Every hit must
//! name its section, and the diff against the release without the pattern must report
//! each planted element as added.
//!
//! Without `cc` the tests say so on stderr and pass, except on CI (`CI` set), where a
//! missing compiler is a failure: the fixture must really be built there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use candor_model::claims::ClaimCategory;
use candor_scan::native;
use candor_scan::{Indicator, Kind, scan_path};

use crate::support::scanner;

const URL: &str = "https://telemetry.acme.example/v1/collect";
const DOMAINS: &[&str] = &["jd.com", "taobao.com", "cn-shanghai.fcapp.run"];
const KEY: u8 = 0x5b;

/// The C source: the "previous release" (`planted == false`) has the telemetry URL and the
/// env read only; the next one adds the time-zone check and the XOR-encoded domain list.
fn program(planted: bool) -> String {
    let mut encoded: Vec<u8> = DOMAINS.join(",").bytes().map(|b| b ^ KEY).collect();
    // The terminating NUL is encoded too, as such programs do: decoding yields a C string.
    encoded.push(KEY);
    let array = encoded
        .iter()
        .map(|b| format!("0x{b:02x}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut c = String::from(
        "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n\
         const char *telemetry_url = \"https://telemetry.acme.example/v1/collect\";\n",
    );
    if planted {
        write!(
            c,
            "static const unsigned char domains[] = {{ {array} }};\n\
             /* volatile: the compiler must not fold the decoding into plain text */\n\
             static volatile unsigned char key = 0x{KEY:02x};\n"
        )
        .expect("writing to a String");
    }
    c.push_str("\nint main(void) {\n    const char *base = getenv(\"ACME_BASE_URL\");\n");
    if planted {
        c.push_str(
            "    const char *tz = getenv(\"TZ\");\n\
             char list[sizeof domains];\n\
             for (size_t i = 0; i < sizeof domains; i++) list[i] = (char)(domains[i] ^ key);\n\
             if (tz != NULL && strcmp(tz, \"Asia/Shanghai\") == 0 && base != NULL && strstr(list, base) != NULL) {\n\
                 puts(list);\n\
                 return 1;\n\
             }\n",
        );
    }
    c.push_str("    printf(\"%s\\n\", base != NULL ? base : telemetry_url);\n    return 0;\n}\n");
    c
}

/// Why the fixture could not be built.
enum NoCompiler {
    Missing(String),
}

/// Compile `source` with `cc -O1 <flags>` into `dir/name`.
fn compile_with(
    dir: &Path,
    name: &str,
    source: &str,
    flags: &[&str],
) -> Result<PathBuf, NoCompiler> {
    let src = dir.join(format!("{name}.c"));
    let out = dir.join(name);
    fs_err::write(&src, source).expect("writing the C source");
    let result = Command::new("cc")
        .arg("-O1")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output();
    match result {
        Ok(output) => {
            assert!(
                output.status.success(),
                "cc failed on {}:\n{}\n--- source ---\n{source}",
                src.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            Ok(out)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(NoCompiler::Missing(e.to_string()))
        }
        Err(e) => panic!("cannot run cc: {e}"),
    }
}

/// Compile, or decide to skip: `None` means skip (reason printed); on CI, panic instead.
macro_rules! compile_or_skip {
    ($dir:expr, $name:expr, $source:expr) => {
        compile_or_skip!($dir, $name, $source, &[])
    };
    ($dir:expr, $name:expr, $source:expr, $flags:expr) => {
        match compile_with($dir, $name, $source, $flags) {
            Ok(path) => path,
            Err(NoCompiler::Missing(why)) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "`cc` is required on CI to build the native fixture: {why}"
                );
                eprintln!("SKIPPED: `cc` not found ({why}); install a C compiler to build the native ELF fixture");
                return;
            }
        }
    };
}

fn find<'a>(indicators: &'a [Indicator], kind: Kind, value: &str) -> Vec<&'a Indicator> {
    indicators
        .iter()
        .filter(|i| i.kind == kind && i.value == value)
        .collect()
}

fn in_data_section(indicator: &Indicator) -> bool {
    matches!(
        indicator.evidence.section.as_deref(),
        Some(".rodata" | ".data")
    )
}

#[test]
fn elf_sections_are_listed_with_their_file_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let path = compile_or_skip!(dir.path(), "prog", &program(true));
    let bytes = fs_err::read(&path).unwrap();
    let sections = native::sections(&bytes).expect("an ELF file has sections");
    let named = |name: &str| sections.iter().find(|s| s.name == name);
    let rodata = named(".rodata").expect(".rodata");
    assert!(rodata.data);
    assert!(!named(".text").expect(".text").data);
    assert!(!named(".dynstr").expect(".dynstr").data);
    assert!(
        sections.iter().all(|s| s.name != ".bss"),
        "no file bytes: {sections:#?}"
    );
    assert!(
        sections
            .windows(2)
            .all(|w| w[0].file_range.start <= w[1].file_range.start)
    );

    let url_at = memchr::memmem::find(&bytes, URL.as_bytes()).unwrap() as u64;
    assert!(rodata.file_range.contains(&url_at));
    assert_eq!(native::section_at(&sections, url_at), Some(".rodata"));
    // The ELF header is in no section.
    assert_eq!(native::section_at(&sections, 0), None);
}

#[test]
fn a_compiled_program_shows_every_planted_element_with_its_section() {
    let dir = tempfile::tempdir().unwrap();
    let path = compile_or_skip!(dir.path(), "prog", &program(true));
    let report = scan_path(&scanner(), &path).unwrap();
    let all = &report.indicators;

    let urls = find(all, Kind::Url, URL);
    assert!(!urls.is_empty(), "{all:#?}");
    assert!(urls.iter().all(|i| in_data_section(i)), "{urls:#?}");

    let env = find(all, Kind::EnvVar, "ACME_BASE_URL");
    assert!(!env.is_empty(), "{all:#?}");
    assert!(
        env.iter()
            .all(|i| i.category == ClaimCategory::Env && i.chain_text() == "plain")
    );
    assert!(env.iter().all(|i| in_data_section(i)), "{env:#?}");

    let zones = find(all, Kind::TimeZone, "Asia/Shanghai");
    assert!(!zones.is_empty(), "{all:#?}");
    assert!(zones.iter().all(|i| in_data_section(i)), "{zones:#?}");

    // Every indicator of a native file carries a section, except hits in the headers.
    assert!(
        all.iter()
            .all(|i| i.evidence.section.is_some() || i.evidence.offset < 4096),
        "{all:#?}"
    );

    for domain in DOMAINS {
        let hits: Vec<&Indicator> = find(all, Kind::Domain, domain)
            .into_iter()
            .filter(|i| i.chain_text() == "xor(0x5b)")
            .collect();
        assert!(
            !hits.is_empty(),
            "{domain} under xor(0x5b) missing: {all:#?}"
        );
        assert!(hits.iter().all(|i| in_data_section(i)), "{hits:#?}");
    }
}

#[test]
fn the_diff_against_the_previous_release_reports_the_planted_elements() {
    let dir = tempfile::tempdir().unwrap();
    let old = compile_or_skip!(dir.path(), "acme-1.0.0", &program(false));
    let new = compile_or_skip!(dir.path(), "acme-1.0.1", &program(true));
    let scanner = scanner();
    let diff = candor_scan::diff(
        &scan_path(&scanner, &old).unwrap(),
        &scan_path(&scanner, &new).unwrap(),
    );
    let added: Vec<(Kind, &str, String, Option<&str>)> = diff
        .added
        .iter()
        .map(|c| {
            (
                c.kind,
                c.value.as_str(),
                c.evidence[0].chain_text(),
                c.evidence[0].evidence.section.as_deref(),
            )
        })
        .collect();
    let added_in_data = |kind: Kind, value: &str, chain: &str| {
        added.iter().any(|(k, v, c, s)| {
            *k == kind && *v == value && c == chain && matches!(s, Some(".rodata" | ".data"))
        })
    };
    assert!(
        added_in_data(Kind::TimeZone, "Asia/Shanghai", "plain"),
        "{added:#?}"
    );
    // In both releases: not a change.
    assert!(
        !added
            .iter()
            .any(|(_, v, _, _)| *v == URL || *v == "ACME_BASE_URL"),
        "{added:#?}"
    );
    assert!(diff.removed.is_empty(), "{:#?}", diff.removed);
    for domain in DOMAINS {
        assert!(
            added_in_data(Kind::Domain, domain, "xor(0x5b)"),
            "{domain} missing: {added:#?}"
        );
    }
}

#[test]
fn names_are_env_reads_only_in_a_binary_that_reads_its_environment() {
    let dir = tempfile::tempdir().unwrap();
    let source = "#include <stdio.h>\nint main(void) { puts(\"ACME_BASE_URL\"); return 0; }\n";
    let path = compile_or_skip!(dir.path(), "printer", source);
    let report = scan_path(&scanner(), &path).unwrap();
    assert!(
        find(&report.indicators, Kind::EnvVar, "ACME_BASE_URL").is_empty(),
        "{:#?}",
        report.indicators
    );
}

/// The getenv call sites of an x86-64 ELF tell reads from names that are only in the
/// data: env-var for the names passed to getenv (including short ones such as HOME),
/// env-candidate for env-shaped strings that are printed, and for a name read through a
/// wrapper (no call site proves it). The same under position-independent code, non-PIE
/// (`mov edi, imm32`) and -fno-plt (`call [rip+got]`).
#[test]
fn getenv_call_sites_separate_reads_from_candidates() {
    let source = r#"#include <stdio.h>
#include <stdlib.h>
static const char *const table[] = { "CURLOPT_TIMEOUT", "BAD_OBJECT_SHA1" };
__attribute__((noinline)) static const char *wrapped(const char *name) { return getenv(name); }
int main(int argc, char **argv) {
    const char *base = getenv("ACME_BASE_URL");
    const char *home = getenv("HOME");
    const char *via = wrapped("WRAPPED_NAME");
    printf("%s %s %s %s\n", table[argc % 2], base ? base : "", home ? home : "", via ? via : "");
    return argv[0] == 0;
}
"#;
    if !cfg!(target_arch = "x86_64") {
        eprintln!("SKIPPED: call-site analysis reads x86-64 code; this host compiles for another");
        return;
    }
    for (name, flags) in [
        ("pie", &[][..]),
        ("nopie", &["-no-pie", "-fno-pie"][..]),
        ("noplt", &["-fno-plt"][..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = compile_or_skip!(dir.path(), name, source, flags);
        let report = scan_path(&scanner(), &path).unwrap();
        let kinds = |value: &str| -> Vec<Kind> {
            report
                .indicators
                .iter()
                .filter(|i| i.value == value)
                .map(|i| i.kind)
                .collect()
        };
        assert_eq!(kinds("ACME_BASE_URL"), [Kind::EnvVar], "{name}");
        assert_eq!(kinds("HOME"), [Kind::EnvVar], "{name}");
        for printed in ["CURLOPT_TIMEOUT", "BAD_OBJECT_SHA1", "WRAPPED_NAME"] {
            assert_eq!(kinds(printed), [Kind::EnvCandidate], "{name}: {printed}");
        }
    }
}

/// Sets a field of the section header named `name` in a 64-bit little-endian ELF file:
/// `field` is the byte offset inside the header (0x10 `sh_addr`, 0x20 `sh_size`).
fn patch_section_header(elf: &mut [u8], name: &str, field: usize, value: u64) {
    let u16_at = |b: &[u8], at: usize| usize::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let u64_at = |b: &[u8], at: usize| {
        usize::try_from(u64::from_le_bytes(
            b[at..at + 8].try_into().expect("8 bytes"),
        ))
        .expect("an offset in memory")
    };
    let (shoff, shentsize, shnum, shstrndx) = (
        u64_at(elf, 0x28),
        u16_at(elf, 0x3a),
        u16_at(elf, 0x3c),
        u16_at(elf, 0x3e),
    );
    let names = u64_at(elf, shoff + shstrndx * shentsize + 0x18);
    for index in 0..shnum {
        let header = shoff + index * shentsize;
        let name_at = names
            + usize::try_from(u32::from_le_bytes(
                elf[header..header + 4].try_into().expect("4 bytes"),
            ))
            .expect("an offset in memory");
        let end = name_at
            + elf[name_at..]
                .iter()
                .position(|&b| b == 0)
                .expect("a NUL-terminated name");
        if &elf[name_at..end] == name.as_bytes() {
            elf[header + field..header + field + 8].copy_from_slice(&value.to_le_bytes());
            return;
        }
    }
    panic!("no section {name}");
}

/// Found by the `getenv_callsites` fuzz target: a section header whose address plus size
/// passes 2^64 (a `.interp` of size 2^64-1 before the strings, a `.plt` placed at the
/// top of the address space) made the call-site analysis overflow (a panic in debug
/// builds, wrapped arithmetic in release). Such sections are not read; the scan goes on.
#[test]
fn section_headers_past_the_address_space_do_not_overflow_the_call_site_analysis() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("SKIPPED: call-site analysis reads x86-64 code; this host compiles for another");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let source = "#include <stdlib.h>\nint main(void) { return getenv(\"ACME_BASE_URL\") != 0; }\n";
    let path = compile_or_skip!(dir.path(), "getenv", source);
    let original = fs_err::read(&path).unwrap();
    for (section, field, value) in [
        (".interp", 0x20, u64::MAX),
        (".plt", 0x10, u64::MAX - 8),
        (".text", 0x10, u64::MAX - 8),
    ] {
        let mut elf = original.clone();
        patch_section_header(&mut elf, section, field, value);
        // Whatever it finds, it finds it without overflowing.
        let _ = candor_scan::callsite::getenv_arguments(&elf);
        let hostile = dir
            .path()
            .join(format!("hostile{}", section.replace('.', "-")));
        fs_err::write(&hostile, &elf).unwrap();
        let report = scan_path(&scanner(), &hostile).unwrap();
        assert_eq!(report.files.len(), 1, "{section}");
    }
}

/// A universal (fat) binary: a big-endian header, one arch entry, the slice at 4096.
fn universal(slice: &[u8]) -> Vec<u8> {
    const CPU_TYPE_X86_64: u32 = 0x0100_0007;
    let mut fat = Vec::new();
    fat.extend_from_slice(&0xCAFE_BABE_u32.to_be_bytes());
    fat.extend_from_slice(&1u32.to_be_bytes());
    for field in [
        CPU_TYPE_X86_64,
        3,
        4096,
        u32::try_from(slice.len()).expect("a small test binary"),
        12,
    ] {
        fat.extend_from_slice(&field.to_be_bytes());
    }
    fat.resize(4096, 0);
    fat.extend_from_slice(slice);
    fat
}

#[test]
fn a_universal_binary_names_the_architecture_and_offsets_into_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = compile_or_skip!(dir.path(), "prog", &program(true));
    let thin = fs_err::read(&path).unwrap();
    let fat = universal(&thin);
    let thin_sections = native::sections(&thin).unwrap();
    let fat_sections = native::sections(&fat).expect("the slice parses");
    assert_eq!(fat_sections.len(), thin_sections.len());
    for (t, f) in thin_sections.iter().zip(&fat_sections) {
        assert_eq!(f.name, format!("x86_64:{}", t.name));
        assert_eq!(
            f.file_range,
            t.file_range.start + 4096..t.file_range.end + 4096
        );
    }
    let fat_path = dir.path().join("prog-universal");
    fs_err::write(&fat_path, &fat).unwrap();
    let report = scan_path(&scanner(), &fat_path).unwrap();
    let urls = find(&report.indicators, Kind::Url, URL);
    assert!(
        urls.iter()
            .any(|i| i.evidence.section.as_deref() == Some("x86_64:.rodata")),
        "{urls:#?}"
    );
    // Call sites are read in x86-64 ELF files only, not in a universal binary's slices:
    // here the name is a candidate.
    assert!(!find(&report.indicators, Kind::EnvCandidate, "ACME_BASE_URL").is_empty());
}

/// A program that reads `MY_SECRET_VAR` and prints it.
const SECRET_READER: &str = r#"#include <stdio.h>
#include <stdlib.h>
int main(void) {
    const char *secret = getenv("MY_SECRET_VAR");
    printf("%s\n", secret != NULL ? secret : "(unset)");
    return 0;
}
"#;

/// ELF64 header fields.
const E_SHOFF: usize = 0x28;
const E_SHNUM: usize = 0x3c;
const E_SHSTRNDX: usize = 0x3e;

/// Compile [`SECRET_READER`], `corrupt` its ELF header, check that the program still
/// runs and reads the variable (the loader never reads section headers), scan it, and
/// return the report. `None`: no compiler (skipped, said on stderr).
#[allow(clippy::print_stderr)]
fn corrupted_secret_reader(
    dir: &Path,
    name: &str,
    corrupt: impl FnOnce(&mut Vec<u8>),
) -> Option<(PathBuf, candor_scan::ScanReport)> {
    let path = match compile_with(dir, name, SECRET_READER, &[]) {
        Ok(path) => path,
        Err(NoCompiler::Missing(why)) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "`cc` is required on CI: {why}"
            );
            eprintln!("SKIPPED: `cc` not found ({why})");
            return None;
        }
    };
    let clean = scan_path(&scanner(), &path).expect("scan the clean program");
    assert!(clean.degraded.is_empty(), "{:#?}", clean.degraded);
    let mut elf = fs_err::read(&path).expect("read the program");
    corrupt(&mut elf);
    fs_err::write(&path, &elf).expect("write the corrupted program");
    let output = Command::new(&path)
        .env("MY_SECRET_VAR", "hunter2")
        .output()
        .expect("run the corrupted program");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "hunter2\n",
        "the corrupted program still runs and reads its variable"
    );
    let report = scan_path(&scanner(), &path).expect("scan the corrupted program");
    Some((path, report))
}

/// `MY_SECRET_VAR` is still reported — as an env read where the call site can be
/// proven (x86-64, through the dynamic segment), else as a candidate — and the report
/// says native analysis was degraded, with a reason starting `reason_start`.
#[track_caller]
fn assert_env_read_kept_and_degradation_reported(
    path: &Path,
    report: &candor_scan::ScanReport,
    reason_start: &str,
) {
    let kinds: Vec<Kind> = report
        .indicators
        .iter()
        .filter(|i| i.value == "MY_SECRET_VAR")
        .map(|i| i.kind)
        .collect();
    if cfg!(target_arch = "x86_64") {
        assert_eq!(kinds, [Kind::EnvVar], "{:#?}", report.indicators);
        let bytes = fs_err::read(path).expect("read the program");
        let at = memchr::memmem::find(&bytes, b"MY_SECRET_VAR\0").expect("the name") as u64;
        let proven = candor_scan::callsite::getenv_arguments(&bytes).expect("call sites read");
        assert!(proven.contains(&at), "{proven:?}");
    } else {
        assert!(
            matches!(kinds.as_slice(), [Kind::EnvVar | Kind::EnvCandidate]),
            "{:#?}",
            report.indicators
        );
    }
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.degraded.len(), 1, "{:#?}", report.degraded);
    let degraded = &report.degraded[0];
    assert_eq!(
        degraded.path,
        path.file_name()
            .expect("a file name")
            .to_string_lossy()
            .as_ref()
    );
    assert!(
        degraded
            .reason
            .starts_with(&format!("native analysis without sections: {reason_start}")),
        "{}",
        degraded.reason
    );
    assert!(
        degraded
            .reason
            .contains("environment variable names were searched in the"),
        "{}",
        degraded.reason
    );
    if cfg!(target_arch = "x86_64") {
        assert!(
            degraded.reason.ends_with(
                "getenv call sites were read through the program headers' dynamic segment"
            ),
            "{}",
            degraded.reason
        );
    }
}

/// Issue 15: `e_shoff` pointed past the end of the file. The program runs as before
/// (the loader reads program headers only), but the scan lost the getenv read entirely
/// and said nothing. Now the names are searched in the loadable segments, the call site
/// is read through the dynamic segment, and the report says why analysis was degraded.
#[test]
fn a_section_table_past_the_end_of_the_file_keeps_the_getenv_read_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut len = 0;
    let Some((path, report)) = corrupted_secret_reader(dir.path(), "shoff", |elf| {
        len = elf.len();
        let past = (elf.len() as u64 + 0x1000).to_le_bytes();
        elf[E_SHOFF..E_SHOFF + 8].copy_from_slice(&past);
    }) else {
        return;
    };
    assert_env_read_kept_and_degradation_reported(
        &path,
        &report,
        &format!(
            "its section header table starts past the end of the file (e_shoff {:#x}; the \
             file is {len} bytes)",
            len + 0x1000
        ),
    );
}

/// The same with `e_shnum` = 0xffff: the table runs 4 MiB past the end of the file.
#[test]
fn a_section_count_past_the_end_of_the_file_keeps_the_getenv_read_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let Some((path, report)) = corrupted_secret_reader(dir.path(), "shnum", |elf| {
        elf[E_SHNUM..E_SHNUM + 2].copy_from_slice(&0xffff_u16.to_le_bytes());
    }) else {
        return;
    };
    assert_env_read_kept_and_degradation_reported(
        &path,
        &report,
        "its section header table runs past the end of the file (65535 headers (e_shnum) of \
         64 bytes from e_shoff",
    );
}

/// Section headers removed altogether, as `sstrip` and packers leave a binary.
#[test]
fn removed_section_headers_keep_the_getenv_read_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let Some((path, report)) = corrupted_secret_reader(dir.path(), "sstripped", |elf| {
        elf[E_SHOFF..E_SHOFF + 8].fill(0);
        elf[E_SHNUM..E_SHNUM + 2].fill(0);
        elf[E_SHSTRNDX..E_SHSTRNDX + 2].fill(0);
    }) else {
        return;
    };
    assert_env_read_kept_and_degradation_reported(
        &path,
        &report,
        "it has no section header table (e_shoff is 0)",
    );
}

/// The program-header path reads offsets, sizes and counts an attacker controls (program
/// headers, the dynamic segment, relocation and symbol tables). Random corruption of a
/// real program whose section table is already gone never panics it (debug builds check
/// arithmetic overflow), and what it proves are C strings inside the file.
#[test]
fn corrupted_program_headers_and_dynamic_segments_never_panic_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let Some((path, _)) = corrupted_secret_reader(dir.path(), "fuzzed", |elf| {
        elf[E_SHOFF..E_SHOFF + 8].fill(0);
        elf[E_SHNUM..E_SHNUM + 2].fill(0);
    }) else {
        return;
    };
    let original = fs_err::read(&path).unwrap();
    let u64_at = |at: usize| u64::from_le_bytes(original[at..at + 8].try_into().unwrap());
    let (phoff, phnum) = (
        usize::try_from(u64_at(0x20)).unwrap(),
        usize::from(u16::from_le_bytes([original[0x38], original[0x39]])),
    );
    // Where the attacker's numbers are: the headers, and the dynamic segment.
    let headers = 0..phoff + phnum * 56;
    let mut targets = vec![headers];
    for index in 0..phnum {
        let header = phoff + index * 56;
        if u32::from_le_bytes(original[header..header + 4].try_into().unwrap()) == 2 {
            let offset = usize::try_from(u64_at(header + 8)).unwrap();
            let size = usize::try_from(u64_at(header + 32)).unwrap();
            targets.push(offset..offset + size);
        }
    }
    assert_eq!(targets.len(), 2, "a PT_DYNAMIC segment");
    let mut rng = crate::support::Rng::new(0x15);
    let scanner = scanner();
    let hostile = dir.path().join("hostile");
    for round in 0..400 {
        let mut elf = original.clone();
        for _ in 0..=rng.next_u64() % 8 {
            let range = &targets[usize::try_from(rng.next_u64() % 2).unwrap()];
            let at =
                range.start + usize::try_from(rng.next_u64()).unwrap() % (range.end - range.start);
            let value = rng.next_u64();
            // A byte, or a whole 8-byte field set to something extreme.
            if value.is_multiple_of(3) && at + 8 <= elf.len() {
                let extreme = [u64::MAX, 0, 1 << 63, u64::from(u32::MAX), value];
                elf[at..at + 8]
                    .copy_from_slice(&extreme[usize::try_from(value % 5).unwrap()].to_le_bytes());
            } else {
                elf[at] = value.to_le_bytes()[1];
            }
        }
        if let Some(offsets) = candor_scan::callsite::getenv_arguments(&elf) {
            for offset in offsets {
                let start = usize::try_from(offset).unwrap();
                assert!(start < elf.len(), "round {round}: offset {start}");
                assert!(elf[start..].contains(&0), "round {round}");
            }
        }
        fs_err::write(&hostile, &elf).unwrap();
        let report = scan_path(&scanner, &hostile).unwrap();
        assert_eq!(report.files.len(), 1, "round {round}");
    }
}

/// A universal binary whose second slice does not parse (here: not an executable at all,
/// but carrying a C string a program would pass to getenv). The slice that parses keeps
/// its sections; the other is searched whole for names, and the report says so.
#[test]
fn a_universal_binary_with_a_slice_that_does_not_parse_says_so() {
    const CPU_TYPE_X86_64: u32 = 0x0100_0007;
    const CPU_TYPE_ARM64: u32 = 0x0100_000c;
    let dir = tempfile::tempdir().unwrap();
    let path = compile_or_skip!(dir.path(), "prog", &program(true));
    let thin = fs_err::read(&path).unwrap();
    let garbage =
        b"\x01\x02\x03\x04 not an executable \0getenv\0ARM_ONLY_TOKEN\0 padding ..".repeat(4);
    let second = (4096 + thin.len()).next_multiple_of(4096);
    let mut fat = Vec::new();
    fat.extend_from_slice(&0xCAFE_BABE_u32.to_be_bytes());
    fat.extend_from_slice(&2u32.to_be_bytes());
    for (cpu, offset, size) in [
        (CPU_TYPE_X86_64, 4096, thin.len()),
        (CPU_TYPE_ARM64, second, garbage.len()),
    ] {
        for field in [
            cpu,
            3,
            u32::try_from(offset).unwrap(),
            u32::try_from(size).unwrap(),
            12,
        ] {
            fat.extend_from_slice(&field.to_be_bytes());
        }
    }
    fat.resize(4096, 0);
    fat.extend_from_slice(&thin);
    fat.resize(second, 0);
    fat.extend_from_slice(&garbage);
    let fat_path = dir.path().join("prog-universal");
    fs_err::write(&fat_path, &fat).unwrap();

    let report = scan_path(&scanner(), &fat_path).unwrap();
    let urls = find(&report.indicators, Kind::Url, URL);
    assert!(
        urls.iter()
            .any(|i| i.evidence.section.as_deref() == Some("x86_64:.rodata")),
        "{urls:#?}"
    );
    let token = find(&report.indicators, Kind::EnvCandidate, "ARM_ONLY_TOKEN");
    // One indicator, counting each copy of the string, every one in the slice.
    assert_eq!(token.len(), 1, "{:#?}", report.indicators);
    assert_eq!(token[0].occurrences, 4, "{:#?}", token[0]);
    assert!(
        std::iter::once(&token[0].evidence)
            .chain(&token[0].more_evidence)
            .all(|e| e.offset >= second as u64)
    );
    assert_eq!(report.degraded.len(), 1, "{:#?}", report.degraded);
    let reason = &report.degraded[0].reason;
    let end = second + garbage.len();
    assert!(
        reason.starts_with(&format!(
            "native analysis without sections: its aarch64 slice (bytes {second}..{end}) does \
             not parse ("
        )),
        "{reason}"
    );
    assert!(
        reason.ends_with("environment variable names were searched in that slice's bytes instead"),
        "{reason}"
    );
}
