//! zip archives (and `.jar`, `.whl`, `.vsix` …): entries through the central directory,
//! or from their local headers when the central directory is damaged.
//!
//! The zip reader keeps one entry per name; when the central directory lists a name
//! twice (the later record hiding the earlier), every record is read on its own, through
//! an archive made of the bytes before the central directory and that one record.

use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::ops::Range;

use zip::ZipArchive;
use zip::read::{ArchiveOffset, Config};

use super::walker::{
    Ctx, EntryInput, EntryPath, Flow, Level, Opened, Seen, Walker, after, normalise,
};

/// Most bytes of a symbolic link entry's target read, to name the target in the report.
const MAX_LINK_TARGET: u64 = 4096;

/// The signature of a central directory record.
const CENTRAL_RECORD: &[u8] = b"PK\x01\x02";
/// Bytes of a central directory record before its name.
const CENTRAL_RECORD_FIXED: usize = 46;
/// The signature of the end-of-central-directory record.
const CENTRAL_END: &[u8] = b"PK\x05\x06";

impl Walker<'_> {
    pub(super) fn zip(
        &mut self,
        prefix: &str,
        bytes: &[u8],
        by_magic: bool,
        depth: usize,
    ) -> Opened {
        let level = Level::new(bytes.len());
        let mut archive = match ZipArchive::new(Cursor::new(bytes)) {
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
        let records = central_records(bytes, archive.central_directory_start());
        if records.len() > archive.len() {
            // Some records share a name, and the reader lists only the last of each.
            if let Some(opened) = self.zip_records(prefix, bytes, &archive, &records, &level, depth)
            {
                return opened;
            }
        }
        let mut seen = Seen::default();
        for index in 0..archive.len() {
            if self.count_entry(prefix) {
                return Opened::Halted;
            }
            match self.zip_indexed(prefix, &mut archive, index, &level, depth, &mut seen) {
                Flow::Next => {}
                Flow::StopLevel => return Opened::Scanned,
                Flow::Halt => return Opened::Halted,
            }
        }
        Opened::Scanned
    }

    /// Every record of the central directory in `records`, in order, each read through
    /// an archive of its own (see the module documentation). `None` (reported) when that
    /// cannot be done: a central directory past 4 GiB (zip64) cannot be spliced so; the
    /// caller then reads the entries the zip reader lists.
    fn zip_records(
        &mut self,
        prefix: &str,
        bytes: &[u8],
        archive: &ZipArchive<Cursor<&[u8]>>,
        records: &[Range<usize>],
        level: &Level,
        depth: usize,
    ) -> Option<Opened> {
        let start = archive.central_directory_start();
        let offset = archive.offset();
        let head = usize::try_from(start).ok().and_then(|s| bytes.get(..s));
        let relative = start
            .checked_sub(offset)
            .and_then(|r| u32::try_from(r).ok())
            .filter(|r| *r != u32::MAX);
        let (Some(head), Some(relative)) = (head, relative) else {
            self.skip(
                prefix,
                "zip archive whose central directory lists a name more than once, past 4 GiB \
                 (zip64): only the last entry of each name is scanned",
            );
            return None;
        };
        let config = Config {
            archive_offset: ArchiveOffset::Known(offset),
        };
        let mut seen = Seen::default();
        for record in records {
            if self.count_entry(prefix) {
                return Some(Opened::Halted);
            }
            let record = &bytes[record.clone()];
            let spliced = Spliced {
                head,
                tail: one_record_directory(record, relative),
                position: 0,
            };
            let error = match ZipArchive::with_config(config, spliced) {
                Ok(mut one) if one.len() == 1 => {
                    match self.zip_indexed(prefix, &mut one, 0, level, depth, &mut seen) {
                        Flow::Next => continue,
                        Flow::StopLevel => return Some(Opened::Scanned),
                        Flow::Halt => return Some(Opened::Halted),
                    }
                }
                Ok(_) => "no entry in it".to_owned(),
                Err(e) => e.to_string(),
            };
            let raw = record_name(record);
            let name = self.name_entry(prefix, &raw, &zip_path(&raw), &mut seen);
            self.skip(
                name,
                format!("corrupt zip central directory record ({error})"),
            );
        }
        Some(Opened::Scanned)
    }

    /// Entry `index` of `archive`, read and scanned, or reported.
    fn zip_indexed<R: Read + Seek>(
        &mut self,
        prefix: &str,
        archive: &mut ZipArchive<R>,
        index: usize,
        level: &Level,
        depth: usize,
        seen: &mut Seen,
    ) -> Flow {
        let raw = archive.name_for_index(index).unwrap_or_default().to_owned();
        match archive.by_index(index) {
            Ok(file) => self.zip_entry(prefix, file, level, depth, Ctx::Zip, seen),
            Err(e) => {
                let name = self.name_entry(prefix, &raw, &zip_path(&raw), seen);
                self.skip(name, zip_entry_error(&e));
                Flow::Next
            }
        }
    }

    /// A zip read from its local headers, for when its central directory is damaged.
    fn zip_stream(&mut self, prefix: &str, bytes: &[u8], level: &Level, depth: usize) -> Opened {
        let mut cursor = Cursor::new(bytes);
        let mut last: Option<String> = None;
        let mut seen = Seen::default();
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
            match self.zip_entry(prefix, file, level, depth, Ctx::ZipStream, &mut seen) {
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
        seen: &mut Seen,
    ) -> Flow {
        if file.is_dir() {
            return Flow::Next;
        }
        let raw = file.name().to_owned();
        let path = normalise(&raw);
        let name = self.name_entry(prefix, &raw, &path, seen);
        if file.is_symlink() {
            let mut target = Vec::new();
            // The target is the entry's content; a short one, or none if unreadable.
            let _ = (&mut file).take(MAX_LINK_TARGET).read_to_end(&mut target);
            let target = String::from_utf8_lossy(&target).into_owned();
            self.skip(
                name,
                format!("link entry, never followed (symbolic link to {target})"),
            );
            return Flow::Next;
        }
        let path = match path {
            EntryPath::Safe(path) => path,
            EntryPath::Unsafe(reason) => {
                self.skip(name, reason);
                return Flow::Next;
            }
            EntryPath::Empty => return Flow::Next,
        };
        let (size, compressed) = (file.size(), file.compressed_size());
        let result = self.read_entry(&mut file, Some(size), EntryInput::Known(compressed), level);
        drop(file);
        match result {
            Ok(bytes) => self.entry_bytes(name, &bytes, depth),
            Err(stop) => self.refuse(name, &path, stop, ctx),
        }
    }
}

/// The path of an entry the zip reader could not open, made safe; none for a directory
/// (a name ending in a separator, as the zip reader judges it).
fn zip_path(raw: &str) -> EntryPath {
    if raw.ends_with('/') || raw.ends_with('\\') {
        EntryPath::Empty
    } else {
        normalise(raw)
    }
}

/// The byte ranges of the central directory records from `start` on, as long as they
/// carry the record signature and fit in `bytes`: at least the records the zip reader
/// read (it reads them in a row from the same place), names listed twice included.
fn central_records(bytes: &[u8], start: u64) -> Vec<Range<usize>> {
    let mut records = Vec::new();
    let Ok(mut at) = usize::try_from(start) else {
        return records;
    };
    while let Some(fixed) = bytes.get(at..at.saturating_add(CENTRAL_RECORD_FIXED)) {
        if !fixed.starts_with(CENTRAL_RECORD) {
            break;
        }
        let field = |i: usize| usize::from(u16::from_le_bytes([fixed[i], fixed[i + 1]]));
        // The lengths of the name, the extra field and the comment.
        let end = at + CENTRAL_RECORD_FIXED + field(28) + field(30) + field(32);
        if end > bytes.len() {
            break;
        }
        records.push(at..end);
        at = end;
    }
    records
}

/// The name in a central directory record, as written (for a report when the record
/// cannot be read).
fn record_name(record: &[u8]) -> String {
    let len = record
        .get(28..30)
        .map_or(0, |l| usize::from(u16::from_le_bytes([l[0], l[1]])));
    let name = record
        .get(CENTRAL_RECORD_FIXED..CENTRAL_RECORD_FIXED + len)
        .unwrap_or_default();
    String::from_utf8_lossy(name).into_owned()
}

/// A central directory of one `record`, starting `relative` bytes into the archive, and
/// its end record.
fn one_record_directory(record: &[u8], relative: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(record.len() + 22);
    out.extend_from_slice(record);
    out.extend_from_slice(CENTRAL_END);
    // This disk, the disk of the directory, entries on this disk, entries in all.
    for v in [0u16, 0, 1, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    // A record is at most 46 + 3 × 65535 bytes.
    let size = u32::try_from(record.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&relative.to_le_bytes());
    // No comment.
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// An archive's bytes up to its central directory, then a central directory of its own.
struct Spliced<'a> {
    head: &'a [u8],
    tail: Vec<u8>,
    position: u64,
}

impl Read for Spliced<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let head = self.head.len() as u64;
        let n = if self.position < head {
            let from = usize::try_from(self.position).map_err(io::Error::other)?;
            (&self.head[from..]).read(buf)?
        } else {
            let from = usize::try_from(self.position - head).map_err(io::Error::other)?;
            self.tail.get(from..).unwrap_or_default().read(buf)?
        };
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for Spliced<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let len = (self.head.len() + self.tail.len()) as u64;
        let position = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => len.checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        };
        self.position = position
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
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
