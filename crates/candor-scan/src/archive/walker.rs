//! The walk over an archive's entries, whatever the format: limits on what is read,
//! paths made safe, what could not be read reported, archives inside archives opened.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, Read};

use candor_model::claims::ClaimCategory;
use candor_model::evidence::StaticEvidence;

use super::limits::{ArchiveLimits, KIB, MIB, human, over_ratio};
use super::{Detected, Format, occurrence_name, sniff};
use crate::engine::Scanner;
use crate::indicator::{Indicator, Kind};
use crate::printable::printable;
use crate::report::{ScanReport, Skipped};

/// Bytes read from an entry at a time.
const CHUNK: usize = 64 * 1024;
/// Most memory reserved up front for an entry on the word of its header (headers lie).
const PREALLOCATE_MAX: u64 = 16 * MIB;
/// Compressed bytes the gzip decoder may have consumed for an entry before the entry
/// started (input read ahead of the output it produces): added to the entry's share of
/// the compressed stream before judging its ratio, so read-ahead never looks like a bomb.
const READ_AHEAD_SLACK: u64 = 64 * KIB;

/// The state of one archive being read, shared between the readers stacked under the
/// tar parser and the loop over its entries.
pub(super) struct Level {
    /// Size of the archive's own (compressed) bytes.
    pub(super) input_len: u64,
    /// Compressed bytes the gzip decoder has consumed.
    pub(super) consumed: Cell<u64>,
    /// Bytes the gzip decoder has produced.
    pub(super) inflated: Cell<u64>,
    /// Bytes of entries read at this level.
    pub(super) produced: Cell<u64>,
    /// The gzip decoder failed (as opposed to the tar format above it).
    pub(super) stream_failed: Cell<bool>,
    /// The gzip stream went past the ratio limit.
    pub(super) ratio_tripped: Cell<bool>,
    /// The bytes under the tar parser ran out.
    pub(super) eof: Cell<bool>,
    /// Bytes after the last member of a gzip stream that start no other member (0: none,
    /// or the stream was not read to its end).
    pub(super) trailing: Cell<u64>,
}

impl Level {
    pub(super) fn new(input_len: usize) -> Self {
        Self {
            input_len: input_len as u64,
            consumed: Cell::new(0),
            inflated: Cell::new(0),
            produced: Cell::new(0),
            stream_failed: Cell::new(false),
            ratio_tripped: Cell::new(false),
            eof: Cell::new(false),
            trailing: Cell::new(0),
        }
    }
}

/// How an archive went.
pub(super) enum Opened {
    /// It did not parse as an archive at all, and was only taken for one by its name.
    NotArchive,
    /// Read, completely or up to a reported break.
    Scanned,
    /// A limit on the whole input was reached: stop everything.
    Halted,
}

/// What to do after an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Next,
    StopLevel,
    Halt,
}

/// Why an entry's bytes could not be read.
#[derive(Debug)]
pub(super) enum Stop {
    EntryTooLarge,
    EntryRatio,
    ArchiveRatio,
    Total,
    Truncated,
    Io(io::Error),
}

/// How the compressed size of an entry is known, to judge its ratio.
#[derive(Debug, Clone, Copy)]
pub(super) enum EntryInput {
    /// From the archive's headers.
    Known(u64),
    /// From the gzip decoder's count, which stood at this when the entry started.
    Delta(u64),
    /// Not compressed.
    Uncompressed,
}

/// Where an entry is read from, for the wording of what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    /// A zip read through its central directory: entries are independent.
    Zip,
    /// A zip read from its local headers, one after the other.
    ZipStream,
    Tar,
    TarGz,
    /// A single gzip-compressed file.
    Gz,
}

pub(super) enum EntryPath {
    Safe(String),
    Unsafe(&'static str),
    Empty,
}

/// An entry path as a `/`-separated relative path without `.` components, or why it is
/// unsafe: absolute (`/etc/x`, `C:\x`, `\\server\x`) or with a `..` component. A
/// backslash counts as a separator for these checks (zip files made on Windows).
pub(super) fn normalise(raw: &str) -> EntryPath {
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

/// The paths met so far in one archive (made safe by [`normalise`]), each with how many
/// entries had it: two entries `a.js` and `./a.js` are one file once extracted.
#[derive(Debug, Default)]
pub(super) struct Seen(HashMap<String, u32>);

pub(super) struct Walker<'a> {
    pub(super) scanner: &'a Scanner,
    pub(super) limits: &'a ArchiveLimits,
    pub(super) report: &'a mut ScanReport,
    /// Bytes read out of entries so far, at every level.
    pub(super) total: u64,
    /// Entries met so far, at every level.
    pub(super) entries: u64,
}

impl Walker<'_> {
    pub(super) fn open(
        &mut self,
        prefix: &str,
        bytes: &[u8],
        detected: Detected,
        depth: usize,
    ) -> Opened {
        match detected.format {
            Format::Tar => self.tar(prefix, bytes, detected.by_magic, depth),
            Format::Gzip => self.gzip(prefix, bytes, depth),
            Format::Zip => self.zip(prefix, bytes, detected.by_magic, depth),
        }
    }

    pub(super) fn skip(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        // Entry names and link targets are the archive's to choose: they print escaped.
        let path: String = path.into();
        let reason: String = reason.into();
        self.report.skipped.push(Skipped {
            path: printable(&path).into_owned(),
            reason: printable(&reason).into_owned(),
        });
    }

    /// The name an entry whose path is written `raw`, and made safe `path`, is reported
    /// under. The first entry of a path is `<prefix>!<path>`; a later one is
    /// `<prefix>!<path> (occurrence k)` (see [`occurrence_name`]) and is reported as a
    /// [`Kind::DuplicateEntry`] indicator. An unsafe or empty path keeps its raw name.
    pub(super) fn name_entry(
        &mut self,
        prefix: &str,
        raw: &str,
        path: &EntryPath,
        seen: &mut Seen,
    ) -> String {
        // An entry's name is the archive's to choose: it prints escaped.
        let EntryPath::Safe(raw_safe) = path else {
            return printable(&format!("{prefix}!{raw}")).into_owned();
        };
        let count = seen.0.entry(raw_safe.clone()).or_insert(0);
        *count = count.saturating_add(1);
        let occurrence = *count;
        let safe = printable(raw_safe).into_owned();
        let name = occurrence_name(prefix, &safe, occurrence);
        if occurrence > 1 {
            self.report.indicators.push(Indicator {
                category: ClaimCategory::Obfuscation,
                kind: Kind::DuplicateEntry,
                value: safe.clone(),
                evidence: StaticEvidence {
                    file: name.clone(),
                    section: None,
                    offset: 0,
                    length: 0,
                    chain: Vec::new(),
                    line: None,
                    column: None,
                    excerpt: format!(
                        "entry {occurrence} with the path {safe} in {prefix}: a tool reading \
                         {safe} by name and an installer extracting every entry (the last \
                         one winning) see different files"
                    ),
                },
                occurrences: 1,
                last_offset: 0,
                more_evidence: Vec::new(),
            });
        }
        name
    }

    /// Count one more entry; `true` (reported) once past the limit.
    pub(super) fn count_entry(&mut self, prefix: &str) -> bool {
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
    pub(super) fn read_entry<R: Read>(
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
    pub(super) fn refuse(&mut self, name: String, path: &str, stop: Stop, ctx: Ctx) -> Flow {
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
    pub(super) fn entry_bytes(&mut self, name: String, bytes: &[u8], depth: usize) -> Flow {
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
        self.report.add_file(&name, bytes);
        if !bytes.is_empty() {
            crate::native::scan_native(self.scanner, &name, bytes, self.report);
        }
        Flow::Next
    }
}

/// `after entry package/a.js`, or `at the start of the archive`.
pub(super) fn after(last: Option<&str>) -> String {
    last.map_or_else(
        || "at the start of the archive".to_owned(),
        |l| format!("after entry {l}"),
    )
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
}
