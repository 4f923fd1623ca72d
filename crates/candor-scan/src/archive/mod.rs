//! Archives: `.tar`, `.tgz` / `.tar.gz` (and any gzip stream), `.zip` (and the formats
//! built on it: `.jar`, `.whl`, `.vsix` …), recognised by their magic bytes first and
//! their name second.
//!
//! An archive is read as a stream, never extracted: each entry is decompressed into
//! memory (at most [`ArchiveLimits::max_entry_size`] bytes) and scanned under the name
//! `<archive>!<entry path>` (`agent-1.4.0.tgz!package/dist/cli.js`). Archives inside
//! archives are opened in turn, to [`ArchiveLimits::max_depth`] levels
//! (`bundle.zip!agent-1.4.0.tgz!package/dist/cli.js`). A gzip stream of several members
//! (`cat a.gz b.gz`) is read to its last member, as `gzip -d`, tar and Node's zlib read
//! it; the limits apply to all members together.
//!
//! Every entry is scanned, those whose path an earlier entry of the same archive already
//! has too (two `a.js`, or `a.js` and `./a.js`): the first keeps the plain name, the k-th
//! is scanned as `<archive>!<path> (occurrence k)` (`x.zip!a.js (occurrence 2)`), a name
//! that depends only on the entries before it. Each later occurrence is also reported as
//! a `duplicate-entry` indicator (category `obfuscation`, value the path, evidence the
//! later entry): a tool that reads the entry by name sees one file, an installer that
//! extracts them all keeps the last. In a zip the central directory is read record by
//! record for this, since the zip reader keeps one entry per name.
//!
//! What is not scanned is listed in [`ScanReport::skipped`], with the reason:
//! - entries with an absolute path or a `..` component (nothing is written to disk, so
//!   they cannot escape anything here, but a package that carries them is suspect);
//! - symbolic and hard links (never followed) and device or fifo entries;
//! - entries past a limit: entry size, total decompressed size, compression ratio
//!   (a zip bomb is stopped once the ratio is crossed, having decompressed no more than
//!   the limit allows), entry count;
//! - trailing data after the last member of a gzip stream (bytes that start no other
//!   member, which `gzip -d` ignores with a warning), by offset and length;
//! - data after a tar archive's end-of-archive marker (the reader stops at the first zero
//!   block; `cat a.tar b.tar`, or a lone zero block between entries, which some tar
//!   readers read past), by offset and length; zero padding is not data;
//! - what a truncated or corrupt archive makes unreadable, naming the entry where it
//!   broke. Entries before the break are scanned; in a zip whose central directory is
//!   intact, so are the entries after a damaged one, and a zip whose central directory
//!   is damaged is read again from its local headers.

use crate::engine::Scanner;
use crate::report::ScanReport;

mod gzip;
mod limits;
mod tar;
mod walker;
mod zip;

pub use limits::ArchiveLimits;
use walker::{Opened, Walker};

/// An archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// A tar archive (uncompressed).
    Tar,
    /// A gzip stream: a compressed tar archive (`.tgz`, `.tar.gz`), or a single
    /// compressed file.
    Gzip,
    /// A zip archive.
    Zip,
}

/// Read `bytes`, the contents of a file named `name`, as an archive: every entry scanned
/// as [`crate::scan_path`] scans the entries of an archive file, under the name
/// `<name>!<entry path>`, and what was not scanned listed as skipped, with the reason.
/// `None` if `bytes` is not an archive (see [`ArchiveLimits::max_depth`] too: at 0 nothing
/// is one).
///
/// Any bytes may come in, and a report (possibly of a damaged archive) comes out within
/// `limits`: the entry point for fuzzing the archive readers.
pub fn scan_bytes(
    scanner: &Scanner,
    name: &str,
    bytes: &[u8],
    limits: &ArchiveLimits,
) -> Option<ScanReport> {
    let mut report = ScanReport {
        input: name.to_owned(),
        ..ScanReport::default()
    };
    scan(scanner, name, bytes, limits, &mut report).then_some(report)
}

/// Scan `bytes`, a file named `name`, entry by entry if it is an archive, adding what
/// is found to `report`. Returns `false`, having added nothing, if it is not an
/// archive: the caller scans it as a plain file.
pub(crate) fn scan(
    scanner: &Scanner,
    name: &str,
    bytes: &[u8],
    limits: &ArchiveLimits,
    report: &mut ScanReport,
) -> bool {
    if limits.max_depth == 0 {
        return false;
    }
    let Some(detected) = sniff(bytes, name) else {
        return false;
    };
    let mut walker = Walker {
        scanner,
        limits,
        report,
        total: 0,
        entries: 0,
    };
    !matches!(walker.open(name, bytes, detected, 1), Opened::NotArchive)
}

/// Bytes in a tar block: every tar header is one.
const TAR_BLOCK: usize = 512;

/// The magic of a POSIX (ustar) or GNU tar header, at [`USTAR_MAGIC_OFFSET`].
const USTAR_MAGIC: &[u8] = b"ustar";

/// Where [`USTAR_MAGIC`] stands in a tar header.
const USTAR_MAGIC_OFFSET: usize = 257;

/// Whether `bytes` start with a tar header carrying the ustar magic.
fn has_ustar_magic(bytes: &[u8]) -> bool {
    bytes.get(USTAR_MAGIC_OFFSET..USTAR_MAGIC_OFFSET + USTAR_MAGIC.len()) == Some(USTAR_MAGIC)
}

/// An archive format, and how it was recognised.
#[derive(Debug, Clone, Copy)]
struct Detected {
    format: Format,
    /// Recognised by its content rather than its name: if it then fails to parse, it
    /// is a damaged archive, not a misnamed plain file.
    by_magic: bool,
}

/// The archive format of `bytes`, a file named `name`: by magic bytes (gzip `1f 8b 08`,
/// zip `PK\x03\x04` or, empty, `PK\x05\x06`, tar `ustar` at offset 257), else by the
/// name's extension (`.tar`, `.zip`) for archives without the magic (old tar formats,
/// self-extracting zips).
fn sniff(bytes: &[u8], name: &str) -> Option<Detected> {
    let magic = if bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
        Some(Format::Gzip)
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(Format::Zip)
    } else if has_ustar_magic(bytes) {
        Some(Format::Tar)
    } else {
        None
    };
    if let Some(format) = magic {
        return Some(Detected {
            format,
            by_magic: true,
        });
    }
    let format = if has_extension(name, &[".tar"]) {
        Format::Tar
    } else if has_extension(name, &[".zip"]) {
        Format::Zip
    } else {
        return None;
    };
    Some(Detected {
        format,
        by_magic: false,
    })
}

/// What follows the path of the k-th entry (k ≥ 2) of one path in an archive.
const OCCURRENCE: &str = " (occurrence ";

/// The name the `occurrence`-th entry (from 1) of `path` in the archive `prefix` is
/// scanned under: `x.zip!a.js` for the first, `x.zip!a.js (occurrence 2)` for the second.
/// A name depends only on the entries before it, so it does not change when entries are
/// added after it.
fn occurrence_name(prefix: &str, path: &str, occurrence: u32) -> String {
    if occurrence <= 1 {
        format!("{prefix}!{path}")
    } else {
        format!("{prefix}!{path}{OCCURRENCE}{occurrence})")
    }
}

/// The last component of a name (`x.zip!a/b.tgz` → `b.tgz`), without the mark of a
/// later occurrence (`x.zip!b.tgz (occurrence 2)` → `b.tgz`): its extension is the
/// entry's.
fn base_name(name: &str) -> &str {
    let last = name.rsplit(['!', '/']).next().unwrap_or(name);
    last.strip_suffix(')')
        .and_then(|s| s.rsplit_once(OCCURRENCE))
        .filter(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map_or(last, |(base, _)| base)
}

fn has_extension(name: &str, extensions: &[&str]) -> bool {
    let base = base_name(name).to_ascii_lowercase();
    extensions.iter().any(|e| base.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_by_magic_then_name() {
        let detect = |bytes: &[u8], name: &str| sniff(bytes, name).map(|d| d.format);
        assert_eq!(detect(&[0x1f, 0x8b, 0x08, 0], "x.bin"), Some(Format::Gzip));
        assert_eq!(detect(b"PK\x03\x04....", "x"), Some(Format::Zip));
        assert_eq!(detect(b"PK\x05\x06....", "x"), Some(Format::Zip));
        let mut tar = vec![0u8; 512];
        tar[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(detect(&tar, "x"), Some(Format::Tar));
        assert_eq!(detect(b"hello", "old.TAR"), Some(Format::Tar));
        assert_eq!(detect(b"hello", "a.zip!b.zip"), Some(Format::Zip));
        assert_eq!(detect(b"hello", "x.js"), None);
        assert_eq!(detect(b"hello", "x.tgz"), None);
        assert_eq!(
            detect(b"hello", "x.zip!b.zip (occurrence 2)"),
            Some(Format::Zip)
        );
    }

    #[test]
    fn later_occurrences_of_a_path_are_marked_in_their_name() {
        assert_eq!(occurrence_name("x.zip", "a.js", 1), "x.zip!a.js");
        assert_eq!(
            occurrence_name("x.zip", "a.js", 2),
            "x.zip!a.js (occurrence 2)"
        );
        assert_eq!(base_name("x.zip!lib/a.tgz (occurrence 12)"), "a.tgz");
        assert_eq!(
            base_name("x.zip!lib/a.tgz (occurrence )"),
            "a.tgz (occurrence )"
        );
        assert_eq!(base_name("x.zip!a (b)"), "a (b)");
    }
}
