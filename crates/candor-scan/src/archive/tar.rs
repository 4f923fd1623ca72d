//! tar archives, plain or under gzip: entries read in order, links and devices listed
//! as skipped, a missing end-of-archive marker reported, and so is data after the marker
//! (the reader stops at the first zero block; some tar readers go on past it).

use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};

use super::gzip::stream_break;
use super::walker::{
    Ctx, EntryInput, EntryPath, Flow, Level, Opened, Seen, Walker, after, normalise,
};

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

impl Walker<'_> {
    pub(super) fn tar(
        &mut self,
        prefix: &str,
        bytes: &[u8],
        by_magic: bool,
        depth: usize,
    ) -> Opened {
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
                    self.skip(prefix, missing_marker(last.as_deref()));
                }
                let end = archive.into_inner().cursor.position();
                let rest =
                    usize::try_from(end).map_or(&[][..], |e| bytes.get(e..).unwrap_or_default());
                let mut past = PastEnd::starting_at(end);
                past.write_all(rest).ok();
                if let Some(reason) = past.reason("") {
                    self.skip(prefix, reason);
                }
                Opened::Scanned
            }
        }
    }

    pub(super) fn tar_entries<R: Read>(
        &mut self,
        prefix: &str,
        entries: tar::Entries<'_, R>,
        level: &Level,
        depth: usize,
        ctx: Ctx,
        by_magic: bool,
    ) -> TarEnd {
        let mut last: Option<String> = None;
        let mut seen = Seen::default();
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
            let kind = tar_kind(&entry);
            if matches!(kind, TarKind::Silent) {
                continue;
            }
            let path = normalise(&raw);
            if matches!(kind, TarKind::File)
                && matches!(path, EntryPath::Safe(_))
                && raw.ends_with('/')
                && entry.size() == 0
            {
                // A directory in the old format.
                continue;
            }
            let name = self.name_entry(prefix, &raw, &path, &mut seen);
            let path = match (kind, path) {
                (TarKind::Skip(reason), _) => {
                    self.skip(name, reason);
                    continue;
                }
                (_, EntryPath::Unsafe(reason)) => {
                    self.skip(name, reason);
                    continue;
                }
                (_, EntryPath::Empty) => continue,
                (_, EntryPath::Safe(path)) => path,
            };
            let entry_type = entry.header().entry_type();
            let input = if ctx == Ctx::TarGz {
                EntryInput::Delta(level.consumed.get())
            } else if entry_type.is_gnu_sparse() {
                // The holes of a sparse file are made up on reading.
                EntryInput::Known(entry.header().entry_size().unwrap_or(0))
            } else {
                EntryInput::Uncompressed
            };
            let size = entry.size();
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
}

/// What a tar entry is, to the scanner.
enum TarKind {
    /// A file, to read.
    File,
    /// A directory or a metadata entry: passed over without a word.
    Silent,
    /// A link, a device, a fifo or an entry of unknown type: listed as skipped, with why.
    Skip(String),
}

/// Whether a tar entry is a file to read; links, devices and fifos are listed as skipped,
/// directories and metadata entries pass silently.
fn tar_kind<R: Read>(entry: &tar::Entry<'_, R>) -> TarKind {
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
        return TarKind::Skip(format!(
            "link entry, never followed ({kind} link to {target})"
        ));
    }
    if entry_type.is_dir()
        || entry_type.is_pax_global_extensions()
        || entry_type.is_pax_local_extensions()
        || entry_type.is_gnu_longname()
        || entry_type.is_gnu_longlink()
    {
        return TarKind::Silent;
    }
    let special = if entry_type.is_character_special() {
        "character device"
    } else if entry_type.is_block_special() {
        "block device"
    } else if entry_type.is_fifo() {
        "fifo"
    } else if entry_type.is_file() || entry_type.is_contiguous() || entry_type.is_gnu_sparse() {
        return TarKind::File;
    } else {
        "entry of unknown type"
    };
    TarKind::Skip(format!("{special}, not a regular file: not scanned"))
}

/// What follows the end-of-archive marker (the first zero block, where the tar reader
/// stops): zero padding, or data that tar readers which read on past a zero block (GNU
/// tar `-i`, readers that take a lone zero block for padding) may extract.
pub(super) struct PastEnd {
    /// Offset of the next byte written.
    at: u64,
    /// Offset of the first byte that is not zero.
    data: Option<u64>,
}

impl PastEnd {
    /// Past an end-of-archive marker that ends at offset `at`.
    pub(super) fn starting_at(at: u64) -> Self {
        Self { at, data: None }
    }

    /// Why the bytes written are reported, if any is not zero padding; `of` qualifies
    /// the offset (` of the decompressed stream`).
    pub(super) fn reason(&self, of: &str) -> Option<String> {
        let data = self.data?;
        Some(format!(
            "data after the end-of-archive marker: {} bytes at offset {data}{of}, not \
             scanned (tar readers that read on past a zero block may extract it)",
            self.at - data
        ))
    }
}

impl Write for PastEnd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.data.is_none()
            && let Some(i) = buf.iter().position(|b| *b != 0)
        {
            self.data = Some(self.at + i as u64);
        }
        self.at += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why a tar archive whose bytes ran out between entries is reported.
pub(super) fn missing_marker(last: Option<&str>) -> String {
    format!(
        "truncated tar archive: it ends without its end-of-archive marker {}",
        after(last)
    )
}

/// How the entries of a tar archive went.
pub(super) enum TarEnd {
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
