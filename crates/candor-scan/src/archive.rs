//! Archives: `.tar`, `.tgz` / `.tar.gz` (and any gzip stream), `.zip` (and the formats
//! built on it: `.jar`, `.whl`, `.vsix` …), recognised by their magic bytes first and
//! their name second.
//!
//! An archive is read as a stream, never extracted: each entry is decompressed into
//! memory (at most [`ArchiveLimits::max_entry_size`] bytes) and scanned under the name
//! `<archive>!<entry path>` (`agent-1.4.0.tgz!package/dist/cli.js`). Archives inside
//! archives are opened in turn, to [`ArchiveLimits::max_depth`] levels
//! (`bundle.zip!agent-1.4.0.tgz!package/dist/cli.js`).
//!
//! What is not scanned is listed in [`ScanReport::skipped`], with the reason:
//! - entries with an absolute path or a `..` component (nothing is written to disk, so
//!   they cannot escape anything here, but a package that carries them is suspect);
//! - symbolic and hard links (never followed) and device or fifo entries;
//! - entries past a limit: entry size, total decompressed size, compression ratio
//!   (a zip bomb is stopped once the ratio is crossed, having decompressed no more than
//!   the limit allows), entry count;
//! - what a truncated or corrupt archive makes unreadable, naming the entry where it
//!   broke. Entries before the break are scanned; in a zip whose central directory is
//!   intact, so are the entries after a damaged one, and a zip whose central directory
//!   is damaged is read again from its local headers.

use std::cell::Cell;
use std::io::{self, BufRead, Cursor, Read, Seek, SeekFrom};

use crate::engine::Scanner;
use crate::input::{ScanReport, ScannedFile, Skipped};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Bytes read from an entry at a time.
const CHUNK: usize = 64 * 1024;
/// Most memory reserved up front for an entry on the word of its header (headers lie).
const PREALLOCATE_MAX: u64 = 16 * MIB;
/// Compressed bytes the gzip decoder may have consumed for an entry before the entry
/// started (input read ahead of the output it produces): added to the entry's share of
/// the compressed stream before judging its ratio, so read-ahead never looks like a bomb.
const READ_AHEAD_SLACK: u64 = 64 * KIB;

/// What reading one archive may cost. The defaults suit release artifacts (npm tarballs,
/// wheels, zipped bundles) and stop decompression bombs early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Largest entry read, decompressed (default 512 MiB): a larger one is skipped.
    pub max_entry_size: u64,
    /// Most bytes read out of the entries of one archive, its nested archives included
    /// (default 4 GiB; a nested archive counts once as an entry and again for its own
    /// entries): past it, the rest of the archive is skipped.
    pub max_total_size: u64,
    /// Highest compression ratio, decompressed to compressed, of one entry and of a
    /// whole archive (default 200, i.e. 200:1). Past it, decompression stops: a
    /// possible zip bomb.
    pub max_ratio: u64,
    /// Ratios are judged only once this many bytes have been decompressed (default
    /// 1 MiB): small, regular files legitimately compress far better than 200:1.
    pub ratio_floor: u64,
    /// Most entries in one archive, nested archives included (default 100 000): past
    /// it, the rest of the archive is skipped.
    pub max_entries: u64,
    /// How many levels of archives are opened (default 2: an npm tarball inside a zip).
    /// The archive given is level 1; an archive found deeper is listed as skipped.
    pub max_depth: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_entry_size: 512 * MIB,
            max_total_size: 4 * GIB,
            max_ratio: 200,
            ratio_floor: MIB,
            max_entries: 100_000,
            max_depth: 2,
        }
    }
}

/// An archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A tar archive (uncompressed).
    Tar,
    /// A gzip stream: a compressed tar archive (`.tgz`, `.tar.gz`), or a single
    /// compressed file.
    Gzip,
    /// A zip archive.
    Zip,
}

/// The archive format of `bytes`, a file named `name`: by magic bytes (gzip `1f 8b 08`,
/// zip `PK\x03\x04` or, empty, `PK\x05\x06`, tar `ustar` at offset 257), else by the
/// name's extension (`.tar`, `.zip`) for archives without the magic (old tar formats,
/// self-extracting zips).
pub fn detect(bytes: &[u8], name: &str) -> Option<Format> {
    sniff(bytes, name).map(|d| d.format)
}

/// Scan `bytes`, a file named `name`, entry by entry if it is an archive, adding what
/// is found to `report`. Returns `false`, having added nothing, if it is not an
/// archive: the caller scans it as a plain file.
pub fn scan(
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

#[derive(Debug, Clone, Copy)]
struct Detected {
    format: Format,
    /// Recognised by its content rather than its name: if it then fails to parse, it
    /// is a damaged archive, not a misnamed plain file.
    by_magic: bool,
}

fn sniff(bytes: &[u8], name: &str) -> Option<Detected> {
    let magic = if bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
        Some(Format::Gzip)
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(Format::Zip)
    } else if bytes.get(257..262) == Some(&b"ustar"[..]) {
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

/// The last component of a name (`x.zip!a/b.tgz` → `b.tgz`).
fn base_name(name: &str) -> &str {
    name.rsplit(['!', '/']).next().unwrap_or(name)
}

fn has_extension(name: &str, extensions: &[&str]) -> bool {
    let base = base_name(name).to_ascii_lowercase();
    extensions.iter().any(|e| base.ends_with(e))
}

/// `512 MiB`, `4 GiB`, `1000 bytes`.
fn human(n: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if n >= unit && n % unit == 0 {
            return format!("{} {name}", n / unit);
        }
    }
    format!("{n} bytes")
}

fn over_ratio(out: u64, input: u64, limits: &ArchiveLimits) -> bool {
    out > limits.ratio_floor && out > limits.max_ratio.saturating_mul(input)
}

/// The state of one archive being read, shared between the readers stacked under the
/// tar parser and the loop over its entries.
struct Level {
    /// Size of the archive's own (compressed) bytes.
    input_len: u64,
    /// Compressed bytes the gzip decoder has consumed.
    consumed: Cell<u64>,
    /// Bytes the gzip decoder has produced.
    inflated: Cell<u64>,
    /// Bytes of entries read at this level.
    produced: Cell<u64>,
    /// The gzip decoder failed (as opposed to the tar format above it).
    stream_failed: Cell<bool>,
    /// The gzip stream went past the ratio limit.
    ratio_tripped: Cell<bool>,
    /// The bytes under the tar parser ran out.
    eof: Cell<bool>,
}

impl Level {
    fn new(input_len: usize) -> Self {
        Self {
            input_len: input_len as u64,
            consumed: Cell::new(0),
            inflated: Cell::new(0),
            produced: Cell::new(0),
            stream_failed: Cell::new(false),
            ratio_tripped: Cell::new(false),
            eof: Cell::new(false),
        }
    }
}

/// The compressed bytes under a gzip decoder, counting what it consumes.
struct CountIn<'a> {
    rest: &'a [u8],
    level: &'a Level,
}

impl Read for CountIn<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.rest.read(buf)?;
        self.level
            .consumed
            .set(self.level.consumed.get() + n as u64);
        Ok(n)
    }
}

impl BufRead for CountIn<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.rest)
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.rest.len());
        self.rest = &self.rest[amt..];
        self.level
            .consumed
            .set(self.level.consumed.get() + amt as u64);
    }
}

/// The decompressed side of a gzip stream: counts what comes out and stops the stream
/// (with an error, for good) once the ratio to what went in is past the limit.
struct Inflate<'a, R> {
    inner: R,
    level: &'a Level,
    limits: &'a ArchiveLimits,
}

impl<R: Read> Read for Inflate<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.level.ratio_tripped.get() {
            return Err(io::Error::other("compression ratio limit"));
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.level.stream_failed.set(true);
                }
                return Err(e);
            }
        };
        if n == 0 && !buf.is_empty() {
            self.level.eof.set(true);
        }
        let inflated = self.level.inflated.get() + n as u64;
        self.level.inflated.set(inflated);
        if over_ratio(inflated, self.level.consumed.get(), self.limits) {
            self.level.ratio_tripped.set(true);
            return Err(io::Error::other("compression ratio limit"));
        }
        Ok(n)
    }
}

/// An uncompressed tar archive's bytes, noting when they run out.
struct Plain<'a> {
    cursor: Cursor<&'a [u8]>,
    level: &'a Level,
}

impl Read for Plain<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.cursor.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.level.eof.set(true);
        }
        Ok(n)
    }
}

impl Seek for Plain<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.cursor.seek(pos)
    }
}

/// How an archive went.
enum Opened {
    /// It did not parse as an archive at all, and was only taken for one by its name.
    NotArchive,
    /// Read, completely or up to a reported break.
    Scanned,
    /// A limit on the whole input was reached: stop everything.
    Halted,
}

/// What to do after an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    StopLevel,
    Halt,
}

/// Why an entry's bytes could not be read.
#[derive(Debug)]
enum Stop {
    EntryTooLarge,
    EntryRatio,
    ArchiveRatio,
    Total,
    Truncated,
    Io(io::Error),
}

/// How the compressed size of an entry is known, to judge its ratio.
#[derive(Debug, Clone, Copy)]
enum EntryInput {
    /// From the archive's headers.
    Known(u64),
    /// From the gzip decoder's count, which stood at this when the entry started.
    Delta(u64),
    /// Not compressed.
    Uncompressed,
}

/// Where an entry is read from, for the wording of what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A zip read through its central directory: entries are independent.
    Zip,
    /// A zip read from its local headers, one after the other.
    ZipStream,
    Tar,
    TarGz,
    /// A single gzip-compressed file.
    Gz,
}

enum EntryPath {
    Safe(String),
    Unsafe(&'static str),
    Empty,
}

/// An entry path as a `/`-separated relative path without `.` components, or why it is
/// unsafe: absolute (`/etc/x`, `C:\x`, `\\server\x`) or with a `..` component. A
/// backslash counts as a separator for these checks (zip files made on Windows).
fn normalise(raw: &str) -> EntryPath {
    let unified = raw.replace('\\', "/");
    let drive = unified.as_bytes().get(1) == Some(&b':')
        && unified
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic);
    if unified.starts_with('/') || drive {
        return EntryPath::Unsafe("unsafe path (absolute) not scanned");
    }
    if unified.split('/').any(|c| c == "..") {
        return EntryPath::Unsafe("unsafe path (`..` component) not scanned");
    }
    let parts: Vec<&str> = raw
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.is_empty() {
        EntryPath::Empty
    } else {
        EntryPath::Safe(parts.join("/"))
    }
}

struct Walker<'a> {
    scanner: &'a Scanner,
    limits: &'a ArchiveLimits,
    report: &'a mut ScanReport,
    /// Bytes read out of entries so far, at every level.
    total: u64,
    /// Entries met so far, at every level.
    entries: u64,
}

impl Walker<'_> {
    fn open(&mut self, prefix: &str, bytes: &[u8], detected: Detected, depth: usize) -> Opened {
        match detected.format {
            Format::Tar => self.tar(prefix, bytes, detected.by_magic, depth),
            Format::Gzip => self.gzip(prefix, bytes, depth),
            Format::Zip => self.zip(prefix, bytes, detected.by_magic, depth),
        }
    }

    fn skip(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.report.skipped.push(Skipped {
            path: path.into(),
            reason: reason.into(),
        });
    }

    /// Count one more entry; `true` (reported) once past the limit.
    fn count_entry(&mut self, prefix: &str) -> bool {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            self.skip(
                prefix,
                format!(
                    "more than {} entries (entry limit); the rest of the archive is not scanned",
                    self.limits.max_entries
                ),
            );
            return true;
        }
        false
    }

    /// An entry's bytes, read within the limits.
    fn read_entry<R: Read>(
        &mut self,
        reader: &mut R,
        declared: Option<u64>,
        input: EntryInput,
        level: &Level,
    ) -> Result<Vec<u8>, Stop> {
        let limits = self.limits;
        if let Some(size) = declared {
            // The ratio first: a bomb is better called a bomb than large.
            if matches!(input, EntryInput::Known(compressed) if over_ratio(size, compressed, limits))
            {
                return Err(Stop::EntryRatio);
            }
            if size > limits.max_entry_size {
                return Err(Stop::EntryTooLarge);
            }
            if self.total.saturating_add(size) > limits.max_total_size {
                return Err(Stop::Total);
            }
        }
        let capacity = declared
            .unwrap_or(0)
            .min(limits.max_entry_size)
            .min(PREALLOCATE_MAX);
        let mut out = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        let mut chunk = vec![0u8; CHUNK];
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) if level.ratio_tripped.get() => {
                    // The stream as a whole is past the ratio: blame this entry if it
                    // is, on its own, the bomb.
                    let own = match input {
                        EntryInput::Delta(start) => level.consumed.get().saturating_sub(start),
                        EntryInput::Known(c) => c,
                        EntryInput::Uncompressed => u64::MAX,
                    };
                    let len = out.len() as u64;
                    return Err(if len > limits.max_ratio.saturating_mul(own.max(1)) {
                        Stop::EntryRatio
                    } else {
                        Stop::ArchiveRatio
                    });
                }
                Err(e) => return Err(Stop::Io(e)),
            };
            out.extend_from_slice(&chunk[..n]);
            let len = out.len() as u64;
            self.total += n as u64;
            level.produced.set(level.produced.get() + n as u64);
            if len > limits.max_entry_size {
                return Err(Stop::EntryTooLarge);
            }
            let compressed = match input {
                EntryInput::Known(c) => Some(c),
                EntryInput::Delta(start) => {
                    Some(level.consumed.get().saturating_sub(start) + READ_AHEAD_SLACK)
                }
                EntryInput::Uncompressed => None,
            };
            if compressed.is_some_and(|c| over_ratio(len, c, limits)) {
                return Err(Stop::EntryRatio);
            }
            if over_ratio(level.produced.get(), level.input_len, limits) {
                return Err(Stop::ArchiveRatio);
            }
            if self.total > limits.max_total_size {
                return Err(Stop::Total);
            }
        }
        if declared.is_some_and(|size| (out.len() as u64) < size) {
            return Err(Stop::Truncated);
        }
        Ok(out)
    }

    /// Report an entry that could not be read; what to do next.
    fn refuse(&mut self, name: String, path: &str, stop: Stop, ctx: Ctx) -> Flow {
        let limits = self.limits;
        let compressed_stream = matches!(ctx, Ctx::TarGz | Ctx::Gz);
        let broken = if ctx == Ctx::Zip {
            Flow::Next
        } else {
            Flow::StopLevel
        };
        let (reason, flow) = match stop {
            Stop::EntryTooLarge => (
                format!(
                    "entry exceeds the {} entry limit",
                    human(limits.max_entry_size)
                ),
                if ctx == Ctx::Gz {
                    Flow::StopLevel
                } else {
                    Flow::Next
                },
            ),
            Stop::EntryRatio if compressed_stream => (
                format!(
                    "compression ratio above {}:1 (possible zip bomb); the rest of the \
                     compressed stream is not read",
                    limits.max_ratio
                ),
                Flow::StopLevel,
            ),
            Stop::EntryRatio => (
                format!(
                    "compression ratio above {}:1 (possible zip bomb)",
                    limits.max_ratio
                ),
                Flow::Next,
            ),
            Stop::ArchiveRatio => (
                format!(
                    "compression ratio above {}:1 across the archive (possible zip bomb); \
                     the rest of the archive is not scanned",
                    limits.max_ratio
                ),
                Flow::StopLevel,
            ),
            Stop::Total => (
                format!(
                    "the archive exceeds the {} limit on total decompressed size; the rest \
                     is not scanned",
                    human(limits.max_total_size)
                ),
                Flow::Halt,
            ),
            Stop::Truncated => {
                let what = match ctx {
                    Ctx::Zip | Ctx::ZipStream => "zip data",
                    Ctx::Tar | Ctx::TarGz => "tar archive",
                    Ctx::Gz => "gzip stream",
                };
                (format!("truncated {what} in entry {path}"), broken)
            }
            Stop::Io(e) => {
                let reason = match ctx {
                    _ if compressed_stream && e.kind() == io::ErrorKind::UnexpectedEof => {
                        format!("truncated gzip stream in entry {path}")
                    }
                    Ctx::TarGz | Ctx::Gz => format!("corrupt gzip stream in entry {path} ({e})"),
                    Ctx::Tar => format!("unreadable tar data in entry {path} ({e})"),
                    Ctx::Zip | Ctx::ZipStream if e.kind() == io::ErrorKind::UnexpectedEof => {
                        format!("truncated zip data in entry {path}")
                    }
                    Ctx::Zip | Ctx::ZipStream => format!("corrupt zip data in entry {path} ({e})"),
                };
                (reason, broken)
            }
        };
        self.skip(name, reason);
        flow
    }

    /// Scan an entry's bytes, opening them as an archive when they are one.
    fn entry_bytes(&mut self, name: String, bytes: &[u8], depth: usize) -> Flow {
        if let Some(detected) = (!bytes.is_empty()).then(|| sniff(bytes, &name)).flatten() {
            if depth < self.limits.max_depth {
                match self.open(&name, bytes, detected, depth + 1) {
                    Opened::Scanned => return Flow::Next,
                    Opened::Halted => return Flow::Halt,
                    Opened::NotArchive => {}
                }
            } else if detected.by_magic {
                self.skip(
                    name,
                    format!(
                        "archive nested more than {} levels deep, not opened",
                        self.limits.max_depth
                    ),
                );
                return Flow::Next;
            }
        }
        self.report.files.push(ScannedFile {
            path: name.clone(),
            size: bytes.len() as u64,
        });
        if !bytes.is_empty() {
            let found = crate::native::scan_native(self.scanner, &name, bytes);
            self.report.indicators.extend(found);
        }
        Flow::Next
    }

    fn tar(&mut self, prefix: &str, bytes: &[u8], by_magic: bool, depth: usize) -> Opened {
        let level = Level::new(bytes.len());
        let mut archive = tar::Archive::new(Plain {
            cursor: Cursor::new(bytes),
            level: &level,
        });
        let entries = match archive.entries_with_seek() {
            Ok(entries) => entries,
            Err(e) => {
                self.skip(prefix, format!("unreadable tar archive ({e})"));
                return Opened::Scanned;
            }
        };
        match self.tar_entries(prefix, entries, &level, depth, Ctx::Tar, by_magic) {
            TarEnd::NotArchive => Opened::NotArchive,
            TarEnd::Stopped => Opened::Scanned,
            TarEnd::Halted => Opened::Halted,
            TarEnd::Finished { last } => {
                if level.eof.get() && last.is_some() {
                    self.skip(
                        prefix,
                        format!(
                            "truncated tar archive: it ends without its end-of-archive marker {}",
                            after(last.as_deref())
                        ),
                    );
                }
                Opened::Scanned
            }
        }
    }

    fn gzip(&mut self, prefix: &str, bytes: &[u8], depth: usize) -> Opened {
        let level = Level::new(bytes.len());
        let decoder = flate2::bufread::GzDecoder::new(CountIn {
            rest: bytes,
            level: &level,
        });
        let mut inflate = Inflate {
            inner: decoder,
            level: &level,
            limits: self.limits,
        };
        let mut head = Vec::with_capacity(512);
        if let Err(e) = (&mut inflate).take(512).read_to_end(&mut head) {
            let reason = stream_break(&e, &level, None, self.limits);
            self.skip(prefix, reason);
            return Opened::Scanned;
        }
        let is_tar = head.get(257..262) == Some(&b"ustar"[..])
            || has_extension(prefix, &[".tgz", ".tar.gz", ".taz"]);
        let mut reader = Cursor::new(head).chain(inflate);
        if !is_tar {
            return self.gzip_single(prefix, &mut reader, &level, depth);
        }
        let mut archive = tar::Archive::new(reader);
        let end = match archive.entries() {
            Ok(entries) => self.tar_entries(prefix, entries, &level, depth, Ctx::TarGz, true),
            Err(e) => {
                self.skip(prefix, format!("unreadable tar archive ({e})"));
                return Opened::Scanned;
            }
        };
        match end {
            TarEnd::NotArchive | TarEnd::Stopped => Opened::Scanned,
            TarEnd::Halted => Opened::Halted,
            TarEnd::Finished { last } => {
                // Read the stream to its end: a truncated or corrupt tail (its checksum)
                // shows only there.
                if let Err(e) = io::copy(&mut archive.into_inner(), &mut io::sink()) {
                    let reason = stream_break(&e, &level, last.as_deref(), self.limits);
                    self.skip(prefix, reason);
                }
                Opened::Scanned
            }
        }
    }

    /// A gzip stream that is not a tar archive: one compressed file, scanned under its
    /// name without `.gz`.
    fn gzip_single<R: Read>(
        &mut self,
        prefix: &str,
        reader: &mut R,
        level: &Level,
        depth: usize,
    ) -> Opened {
        if self.count_entry(prefix) {
            return Opened::Halted;
        }
        let base = base_name(prefix);
        let inner = if base.len() > 3 && base.to_ascii_lowercase().ends_with(".gz") {
            &base[..base.len() - 3]
        } else {
            base
        };
        let name = format!("{prefix}!{inner}");
        let flow = match self.read_entry(reader, None, EntryInput::Delta(0), level) {
            Ok(bytes) => self.entry_bytes(name, &bytes, depth),
            Err(stop) => {
                let inner = inner.to_owned();
                self.refuse(name, &inner, stop, Ctx::Gz)
            }
        };
        if flow == Flow::Halt {
            Opened::Halted
        } else {
            Opened::Scanned
        }
    }

    /// Whether a tar entry is a file to read; links, devices and fifos are listed as
    /// skipped, directories and metadata entries pass silently.
    fn tar_regular<R: Read>(&mut self, name: &str, entry: &tar::Entry<'_, R>) -> bool {
        let entry_type = entry.header().entry_type();
        if entry_type.is_symlink() || entry_type.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            let kind = if entry_type.is_symlink() {
                "symbolic"
            } else {
                "hard"
            };
            self.skip(
                name,
                format!("link entry, never followed ({kind} link to {target})"),
            );
            return false;
        }
        if entry_type.is_dir()
            || entry_type.is_pax_global_extensions()
            || entry_type.is_pax_local_extensions()
            || entry_type.is_gnu_longname()
            || entry_type.is_gnu_longlink()
        {
            return false;
        }
        let special = if entry_type.is_character_special() {
            "character device"
        } else if entry_type.is_block_special() {
            "block device"
        } else if entry_type.is_fifo() {
            "fifo"
        } else if entry_type.is_file() || entry_type.is_contiguous() || entry_type.is_gnu_sparse() {
            return true;
        } else {
            "entry of unknown type"
        };
        self.skip(name, format!("{special}, not a regular file: not scanned"));
        false
    }

    fn tar_entries<R: Read>(
        &mut self,
        prefix: &str,
        entries: tar::Entries<'_, R>,
        level: &Level,
        depth: usize,
        ctx: Ctx,
        by_magic: bool,
    ) -> TarEnd {
        let mut last: Option<String> = None;
        for item in entries {
            let mut entry = match item {
                Ok(entry) => entry,
                Err(e) => {
                    if last.is_none() && !by_magic {
                        return TarEnd::NotArchive;
                    }
                    let reason = if ctx == Ctx::TarGz
                        && (level.stream_failed.get() || level.ratio_tripped.get())
                    {
                        stream_break(&e, level, last.as_deref(), self.limits)
                    } else if level.eof.get() {
                        format!("truncated tar archive {}", after(last.as_deref()))
                    } else {
                        format!("corrupt tar header {} ({e})", after(last.as_deref()))
                    };
                    self.skip(prefix, reason);
                    return TarEnd::Stopped;
                }
            };
            // From here on it is a tar archive, whatever its name.
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            last = Some(raw.clone());
            if self.count_entry(prefix) {
                return TarEnd::Halted;
            }
            let entry_type = entry.header().entry_type();
            let name = format!("{prefix}!{raw}");
            if !self.tar_regular(&name, &entry) {
                continue;
            }
            let path = match normalise(&raw) {
                EntryPath::Safe(path) => path,
                EntryPath::Unsafe(reason) => {
                    self.skip(name, reason);
                    continue;
                }
                EntryPath::Empty => continue,
            };
            if raw.ends_with('/') && entry.size() == 0 {
                // A directory in the old format.
                continue;
            }
            let input = if ctx == Ctx::TarGz {
                EntryInput::Delta(level.consumed.get())
            } else if entry_type.is_gnu_sparse() {
                // The holes of a sparse file are made up on reading.
                EntryInput::Known(entry.header().entry_size().unwrap_or(0))
            } else {
                EntryInput::Uncompressed
            };
            let size = entry.size();
            let name = format!("{prefix}!{path}");
            let flow = match self.read_entry(&mut entry, Some(size), input, level) {
                Ok(bytes) => self.entry_bytes(name, &bytes, depth),
                Err(stop) => self.refuse(name, &path, stop, ctx),
            };
            match flow {
                Flow::Next => {}
                Flow::StopLevel => return TarEnd::Stopped,
                Flow::Halt => return TarEnd::Halted,
            }
        }
        TarEnd::Finished { last }
    }

    fn zip(&mut self, prefix: &str, bytes: &[u8], by_magic: bool, depth: usize) -> Opened {
        let level = Level::new(bytes.len());
        let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) => archive,
            Err(e) if by_magic => {
                self.skip(
                    prefix,
                    format!("corrupt zip central directory ({e}); entries read from their local headers instead"),
                );
                return self.zip_stream(prefix, bytes, &level, depth);
            }
            Err(_) => return Opened::NotArchive,
        };
        for index in 0..archive.len() {
            if self.count_entry(prefix) {
                return Opened::Halted;
            }
            let raw = archive.name_for_index(index).unwrap_or_default().to_owned();
            let flow = match archive.by_index(index) {
                Ok(file) => self.zip_entry(prefix, file, &level, depth, Ctx::Zip),
                Err(e) => {
                    self.skip(format!("{prefix}!{raw}"), zip_entry_error(&e));
                    Flow::Next
                }
            };
            match flow {
                Flow::Next => {}
                Flow::StopLevel => return Opened::Scanned,
                Flow::Halt => return Opened::Halted,
            }
        }
        Opened::Scanned
    }

    /// A zip read from its local headers, for when its central directory is damaged.
    fn zip_stream(&mut self, prefix: &str, bytes: &[u8], level: &Level, depth: usize) -> Opened {
        let mut cursor = Cursor::new(bytes);
        let mut last: Option<String> = None;
        loop {
            let file = match zip::read::read_zipfile_from_stream(&mut cursor) {
                Ok(Some(file)) => file,
                Ok(None) => return Opened::Scanned,
                Err(e) => {
                    let reason = format!(
                        "unreadable zip local header {} ({e})",
                        after(last.as_deref())
                    );
                    self.skip(prefix, reason);
                    return Opened::Scanned;
                }
            };
            if self.count_entry(prefix) {
                return Opened::Halted;
            }
            last = Some(file.name().to_owned());
            match self.zip_entry(prefix, file, level, depth, Ctx::ZipStream) {
                Flow::Next => {}
                Flow::StopLevel => return Opened::Scanned,
                Flow::Halt => return Opened::Halted,
            }
        }
    }

    fn zip_entry<R: Read>(
        &mut self,
        prefix: &str,
        mut file: zip::read::ZipFile<'_, R>,
        level: &Level,
        depth: usize,
        ctx: Ctx,
    ) -> Flow {
        let raw = file.name().to_owned();
        let name = format!("{prefix}!{raw}");
        if file.is_dir() {
            return Flow::Next;
        }
        if file.is_symlink() {
            let mut target = Vec::new();
            // The target is the entry's content; a short one, or none if unreadable.
            let _ = (&mut file).take(4096).read_to_end(&mut target);
            let target = String::from_utf8_lossy(&target).into_owned();
            self.skip(
                name,
                format!("link entry, never followed (symbolic link to {target})"),
            );
            return Flow::Next;
        }
        let path = match normalise(&raw) {
            EntryPath::Safe(path) => path,
            EntryPath::Unsafe(reason) => {
                self.skip(name, reason);
                return Flow::Next;
            }
            EntryPath::Empty => return Flow::Next,
        };
        let name = format!("{prefix}!{path}");
        let (size, compressed) = (file.size(), file.compressed_size());
        let result = self.read_entry(&mut file, Some(size), EntryInput::Known(compressed), level);
        drop(file);
        match result {
            Ok(bytes) => self.entry_bytes(name, &bytes, depth),
            Err(stop) => self.refuse(name, &path, stop, ctx),
        }
    }
}

/// How the entries of a tar archive went.
enum TarEnd {
    NotArchive,
    /// Read to the end of the archive.
    Finished {
        /// The last entry's path as written in the archive.
        last: Option<String>,
    },
    /// Stopped at a reported break.
    Stopped,
    Halted,
}

/// `after entry package/a.js`, or `at the start of the archive`.
fn after(last: Option<&str>) -> String {
    last.map_or_else(
        || "at the start of the archive".to_owned(),
        |l| format!("after entry {l}"),
    )
}

/// Why a gzip stream stopped between entries (or before the first).
fn stream_break(
    e: &io::Error,
    level: &Level,
    last: Option<&str>,
    limits: &ArchiveLimits,
) -> String {
    if level.ratio_tripped.get() {
        format!(
            "compression ratio above {}:1 across the archive (possible zip bomb) {}; the rest \
             of the archive is not scanned",
            limits.max_ratio,
            after(last)
        )
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        format!("truncated gzip stream {}", after(last))
    } else {
        format!("corrupt gzip stream {} ({e})", after(last))
    }
}

fn zip_entry_error(e: &zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::UnsupportedArchive(m)
            if *m == zip::result::ZipError::PASSWORD_REQUIRED =>
        {
            "encrypted entry, not scanned".to_owned()
        }
        zip::result::ZipError::UnsupportedArchive(m) => {
            format!("unsupported zip entry ({m}), not scanned")
        }
        e => format!("corrupt zip entry ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_or_refused() {
        let safe = |raw: &str| match normalise(raw) {
            EntryPath::Safe(p) => Some(p),
            _ => None,
        };
        assert_eq!(
            safe("package/./dist//cli.js").as_deref(),
            Some("package/dist/cli.js")
        );
        assert_eq!(safe("./a.js").as_deref(), Some("a.js"));
        assert!(matches!(normalise("../evil.js"), EntryPath::Unsafe(r) if r.contains("..")));
        assert!(matches!(normalise("a/../../evil.js"), EntryPath::Unsafe(_)));
        assert!(matches!(normalise("a\\..\\evil.js"), EntryPath::Unsafe(_)));
        assert!(matches!(normalise("/etc/x"), EntryPath::Unsafe(r) if r.contains("absolute")));
        assert!(matches!(normalise("C:\\x"), EntryPath::Unsafe(_)));
        assert!(matches!(normalise("./"), EntryPath::Empty));
        assert_eq!(safe("a..b/c").as_deref(), Some("a..b/c"));
    }

    #[test]
    fn formats_are_detected_by_magic_then_name() {
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
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(512 * MIB), "512 MiB");
        assert_eq!(human(4 * GIB), "4 GiB");
        assert_eq!(human(1000), "1000 bytes");
        assert_eq!(human(64 * KIB), "64 KiB");
    }
}
