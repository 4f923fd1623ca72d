//! Inputs: files, directories (recursively) and archives (`.tar`, `.tgz`, `.zip`,
//! streamed within limits: see [`crate::archive`]). Native executable sections: see
//! [`crate::native`].
//!
//! How the scanner opens what it is given, so that everything in the input is read or
//! the report says what was not:
//!
//! - **Links.** The path given is followed if it is a symbolic link, once, as ripgrep
//!   and `find -H` do: `candor scan node_modules/.bin/agent` scans the file the link
//!   names, and a link to a directory scans that directory. Links met while walking a
//!   directory are never followed (a link in a package must not make the scanner read
//!   outside it): they are listed as skipped, with their target.
//! - **Special files.** Files are opened without blocking (`O_NONBLOCK`), and inside a
//!   directory without following a link (`O_NOFOLLOW`), so an entry swapped for a FIFO
//!   or a link after the directory was listed can neither block the scan nor lead it
//!   outside. The type that counts is the open descriptor's (`fstat`), not the path's: a
//!   FIFO, socket, device or directory is listed as skipped and never read.
//! - **Reading.** A regular file is read into memory through that one descriptor, and its
//!   size and time stamps are compared before and after: a file that changed meanwhile is
//!   scanned as read and listed in [`ScanReport::degraded`]. Files are not memory-mapped:
//!   a mapped file that another process truncates kills the scanner with `SIGBUS`,
//!   whereas bytes in the scanner's own memory cannot change under it.
//! - **Very large files** (past 4 GiB, or when memory for the whole file cannot be had)
//!   are read in windows of 512 MiB with 8 MiB of overlap either side, their plain bytes
//!   and encodings scanned, and listed in [`ScanReport::degraded`]: archive entries and
//!   native analysis need the whole file.
//! - **Other file systems.** The walk stays on the input's file system (as `find -xdev`):
//!   a mount point inside it (`/proc`, `/sys`, whose files' sizes may be anything) is
//!   listed as skipped, not entered.
//! - **Unreadable entries** are listed as skipped, by their path relative to the input
//!   (never an empty one); an input that cannot be read at all is an error.

use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use crate::archive::{self, ArchiveLimits};
use crate::engine::Scanner;
use crate::printable::printable;
use crate::report::{Degraded, ScanReport, ScannedFile, Skipped};
use crate::tally::Tally;

/// Why a scan could not start at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The input does not exist or cannot be opened.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The input is a symbolic link whose target cannot be reached.
    #[error("{} is a symbolic link to {}, which cannot be opened", path.display(), target.display())]
    BrokenLink {
        /// The input, as given.
        path: PathBuf,
        /// Where the link points.
        target: PathBuf,
        /// Why the target cannot be reached.
        #[source]
        source: std::io::Error,
    },
}

impl ScanError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            ScanError::Io(_) | ScanError::BrokenLink { .. } => "unreadable",
        }
    }
}

/// Bytes in a mebibyte.
const MIB: u64 = 1 << 20;

/// How files are read: whole, or past a size in windows.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// Largest file read whole into memory.
    whole_max: u64,
    /// Bytes of a larger file each window reports on.
    window: u64,
    /// Bytes each window also reads on either side, so that what straddles an edge is
    /// seen whole (encoded runs longer than this are decoded in part).
    context: u64,
}

/// Files up to 4 GiB (the most one archive may make the scanner read,
/// [`ArchiveLimits::max_total_size`]) are read whole; larger ones in windows of 512 MiB
/// with 8 MiB of context either side.
const READING: Reading = Reading {
    whole_max: 4096 * MIB,
    window: 512 * MIB,
    context: 8 * MIB,
};

/// Scan a file or a directory tree. A symbolic link given as `path` is followed; links
/// inside a directory are not (a link in a package must not make the scanner read
/// outside it): they are listed as skipped, as are FIFOs, sockets and devices, which
/// are never read. Archives are read entry by entry within the default
/// [`ArchiveLimits`]. See the module documentation for what is read and how.
pub fn scan_path(scanner: &Scanner, path: &Path) -> Result<ScanReport, ScanError> {
    scan_path_with(scanner, path, &ArchiveLimits::default())
}

/// [`scan_path`] with these limits on archives.
pub fn scan_path_with(
    scanner: &Scanner,
    path: &Path,
    limits: &ArchiveLimits,
) -> Result<ScanReport, ScanError> {
    Input {
        scanner,
        limits,
        reading: READING,
    }
    .scan(path)
}

/// Whether opening a path may follow a symbolic link in its last component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Follow {
    /// The input given: followed once.
    Once,
    /// An entry found while walking: never.
    Never,
}

/// One scan's settings.
struct Input<'a> {
    scanner: &'a Scanner,
    limits: &'a ArchiveLimits,
    reading: Reading,
}

impl Input<'_> {
    fn scan(&self, path: &Path) -> Result<ScanReport, ScanError> {
        let mut report = self.scan_input(path)?;
        report.finish();
        Ok(report)
    }

    fn scan_input(&self, path: &Path) -> Result<ScanReport, ScanError> {
        let metadata = input_metadata(path)?;
        let mut report = ScanReport {
            input: path.display().to_string(),
            ..ScanReport::default()
        };
        if metadata.is_dir() {
            // An input directory that cannot be listed is an error, as an input file that
            // cannot be opened is: nothing in it would be scanned.
            let entries = std::fs::read_dir(path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot list the directory {}: {e}", path.display()),
                )
            })?;
            let mut files = Vec::new();
            let walk = Walk {
                root: path,
                device: device(&metadata),
            };
            walk.entries(path, entries, &mut files, &mut report.skipped);
            // Listing order is the file system's: report in path order.
            report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
            files.sort();
            for file in files {
                let name = entry_name(path, &file);
                match open(&file, Follow::Never) {
                    Ok(opened) => self.scan_open(opened, &name, &mut report),
                    Err(e) => report.skipped.push(Skipped {
                        path: name,
                        reason: unopenable(&e),
                    }),
                }
            }
            return Ok(report);
        }
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| printable(&n.to_string_lossy()).into_owned(),
        );
        if !metadata.is_file() {
            // A FIFO, socket or device given by name is not even opened: opening some
            // devices acts on them.
            report.skipped.push(Skipped {
                path: name,
                reason: not_regular(metadata.file_type()),
            });
            return Ok(report);
        }
        // Opening a missing or unreadable single input is an error, not a skip.
        let file = fs_err::OpenOptions::from_options(open_options(Follow::Once))
            .open(path)?
            .into_parts()
            .0;
        self.scan_open(file, &name, &mut report);
        Ok(report)
    }

    /// Scan an open file named `name`: its type read from the descriptor, its bytes read
    /// whole (or in windows), then as an archive or a plain (possibly native) file.
    fn scan_open(&self, mut file: std::fs::File, name: &str, report: &mut ScanReport) {
        let skip = |report: &mut ScanReport, reason: String| {
            report.skipped.push(Skipped {
                path: name.to_owned(),
                reason,
            });
        };
        let before = match file.metadata() {
            Ok(metadata) => metadata,
            Err(e) => return skip(report, format!("its type cannot be read ({e}); not read")),
        };
        if !before.is_file() {
            return skip(report, not_regular(before.file_type()));
        }
        let size = before.len();
        if size > self.reading.whole_max {
            let why = format!(
                "{size} bytes, more than the {} read whole",
                size_text(self.reading.whole_max)
            );
            return self.scan_windows(&mut file, name, &before, &why, report);
        }
        let read = match read_whole(&mut file, size) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::OutOfMemory => {
                let why = format!("{size} bytes, more than could be held in memory");
                return self.scan_windows(&mut file, name, &before, &why, report);
            }
            Err(e) => return skip(report, format!("a read failed ({e}); not scanned")),
        };
        if let Some(reason) = changed_while_read(&before, file.metadata().ok().as_ref(), &read) {
            report.degraded.push(Degraded {
                path: name.to_owned(),
                reason,
            });
        }
        let bytes = read.bytes;
        // An archive lists its entries (`x.tgz!package/dist/cli.js`), not itself.
        if !bytes.is_empty() && archive::scan(self.scanner, name, &bytes, self.limits, report) {
            return;
        }
        report.add_file(name, &bytes);
        if !bytes.is_empty() {
            crate::native::scan_native(self.scanner, name, &bytes, report);
        }
    }

    /// Scan a file too large to read whole: window by window, each read with
    /// [`Reading::context`] bytes either side and reporting the indicators that start in
    /// it, as plain bytes (no archive entries, no native analysis).
    fn scan_windows(
        &self,
        file: &mut std::fs::File,
        name: &str,
        before: &std::fs::Metadata,
        why: &str,
        report: &mut ScanReport,
    ) {
        let Reading {
            window, context, ..
        } = self.reading;
        let size = before.len();
        let mut buffer = Vec::new();
        let capacity = usize::try_from(window.saturating_add(context.saturating_mul(2)));
        if capacity.map_or(true, |c| buffer.try_reserve_exact(c).is_err()) {
            report.skipped.push(Skipped {
                path: name.to_owned(),
                reason: format!("{why}, and no memory for a window of it; not scanned"),
            });
            return;
        }
        let mut notes = vec![format!(
            "{why}: scanned as plain bytes in windows of {} (each reading {} either side), not \
             opened as an archive, no native analysis",
            size_text(window),
            size_text(context)
        )];
        // One tally for the whole file: a value found in many windows is one indicator.
        let mut tally = Tally::new(name);
        let mut start = 0;
        while start < size {
            let from = start.saturating_sub(context);
            let wanted = start
                .saturating_add(window)
                .saturating_add(context)
                .min(size)
                - from;
            buffer.clear();
            let read = file
                .seek(SeekFrom::Start(from))
                .and_then(|_| file.by_ref().take(wanted).read_to_end(&mut buffer));
            match read {
                Ok(n) if n as u64 == wanted => {}
                Ok(n) => {
                    notes.push(format!(
                        "changed while it was read: {size} bytes when opened, it ended at \
                         byte {}; the first {start} bytes were scanned",
                        from + n as u64
                    ));
                    break;
                }
                Err(e) => {
                    notes.push(format!(
                        "a read at byte {from} failed ({e}); the first {start} bytes were scanned"
                    ));
                    break;
                }
            }
            let end = start.saturating_add(window);
            tally.only(start..end);
            self.scanner.scan_into(&mut tally, None, from, &buffer);
            start = end.min(size);
        }
        if start == size
            && let Some(after) = file.metadata().ok()
            && Stamp::of(before) != Stamp::of(&after)
        {
            notes.push(format!(
                "changed while it was read ({size} bytes when opened, {} after, or its time \
                 stamps moved)",
                after.len()
            ));
        }
        tally.finish().add_to(report);
        report.files.push(ScannedFile {
            path: name.to_owned(),
            size: start,
            role: crate::role::of(name, &[]),
        });
        report.degraded.push(Degraded {
            path: name.to_owned(),
            reason: notes.join("; "),
        });
    }
}

/// `512 MiB`, or `1000 bytes`.
fn size_text(n: u64) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// The input's metadata, following a link; a link that leads nowhere is named as such.
fn input_metadata(path: &Path) -> Result<std::fs::Metadata, ScanError> {
    let source = match std::fs::metadata(path) {
        Ok(metadata) => return Ok(metadata),
        Err(source) => source,
    };
    match std::fs::read_link(path) {
        Ok(target) => Err(ScanError::BrokenLink {
            path: path.to_owned(),
            target,
            source,
        }),
        // Not a link: what is wrong, naming the path (not `failed to query … metadata`).
        Err(_) => Err(ScanError::Io(std::io::Error::new(
            source.kind(),
            format!(
                "{}: {}",
                path.display(),
                match source.kind() {
                    std::io::ErrorKind::NotFound => {
                        "no such file or directory; expected a file, a directory or an archive \
                         to scan"
                            .to_owned()
                    }
                    std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                    _ => source.to_string(),
                }
            ),
        ))),
    }
}

/// How files are opened: for reading, without blocking on a FIFO that has no writer,
/// and (`Follow::Never`) without following a link in the last component.
fn open_options(follow: Follow) -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let no_follow = match follow {
            Follow::Once => 0,
            Follow::Never => libc::O_NOFOLLOW,
        };
        options.custom_flags(libc::O_NONBLOCK | no_follow);
    }
    #[cfg(not(unix))]
    let _ = follow;
    options
}

fn open(path: &Path, follow: Follow) -> io::Result<std::fs::File> {
    open_options(follow).open(path)
}

/// Why an entry the walk listed as a file could not be opened.
fn unopenable(e: &io::Error) -> String {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return "a symbolic link (it replaced a file after the directory was listed); links \
                inside a directory are not followed"
            .to_owned();
    }
    if e.kind() == io::ErrorKind::NotFound {
        return "removed after the directory was listed; not scanned".to_owned();
    }
    format!("cannot be opened ({e}); not scanned")
}

/// What a file that is not a regular file is, for the reason it is skipped.
fn not_regular(file_type: std::fs::FileType) -> String {
    let what = if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        special_kind(file_type)
    };
    format!("not a regular file: {what}; never read")
}

#[cfg(unix)]
fn special_kind(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else {
        "of an unknown type"
    }
}

#[cfg(not(unix))]
fn special_kind(_: std::fs::FileType) -> &'static str {
    "of an unknown type"
}

/// A file's bytes, read through one descriptor.
#[derive(Debug)]
struct Whole {
    /// What was read: the size the file had when opened, or less if it shrank.
    bytes: Vec<u8>,
    /// Whether there was more to read than that size.
    more: bool,
}

/// Read `size` bytes (the file's size when opened) from `reader` into a buffer of that
/// size, then one byte more to tell whether the file grew. An allocation that fails is
/// an error of kind [`io::ErrorKind::OutOfMemory`], not an abort.
fn read_whole(reader: &mut impl io::Read, size: u64) -> io::Result<Whole> {
    let out_of_memory = || io::Error::from(io::ErrorKind::OutOfMemory);
    let capacity = usize::try_from(size).map_err(|_| out_of_memory())?;
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(capacity)
        .map_err(|_| out_of_memory())?;
    reader.by_ref().take(size).read_to_end(&mut bytes)?;
    let mut probe = [0u8; 1];
    let more = loop {
        match reader.read(&mut probe) {
            Ok(n) => break n > 0,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    Ok(Whole { bytes, more })
}

/// What identifies a file's state: what `git` trusts to tell a file unchanged (device,
/// inode, size, modification and status-change times, in nanoseconds). Any write moves
/// the status-change time, which an unprivileged user cannot set back.
#[derive(Debug, PartialEq, Eq)]
struct Stamp {
    size: u64,
    #[cfg(unix)]
    identity: (u64, u64),
    #[cfg(unix)]
    times: (i64, i64, i64, i64),
    #[cfg(not(unix))]
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    fn of(metadata: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            Self {
                size: metadata.size(),
                identity: (metadata.dev(), metadata.ino()),
                times: (
                    metadata.mtime(),
                    metadata.mtime_nsec(),
                    metadata.ctime(),
                    metadata.ctime_nsec(),
                ),
            }
        }
        #[cfg(not(unix))]
        Self {
            size: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

/// How a file changed while it was read (`before` and `after` are its descriptor's
/// metadata around the read), or `None` if it did not.
fn changed_while_read(
    before: &std::fs::Metadata,
    after: Option<&std::fs::Metadata>,
    read: &Whole,
) -> Option<String> {
    let size = before.len();
    let got = read.bytes.len() as u64;
    if got < size {
        return Some(format!(
            "changed while it was read: {size} bytes when opened, only {got} could be read \
             (it shrank); the {got} bytes read were scanned"
        ));
    }
    if read.more {
        return Some(format!(
            "changed while it was read: {size} bytes when opened, more to read after them (it \
             grew); the first {size} bytes were scanned"
        ));
    }
    match after {
        None => Some(
            "its state cannot be read again after reading it, so a change meanwhile cannot be \
             ruled out; the bytes read were scanned"
                .to_owned(),
        ),
        Some(after) if Stamp::of(before) != Stamp::of(after) => Some(format!(
            "changed while it was read: its size or time stamps moved ({size} bytes when \
             opened, {} after); the {got} bytes read were scanned",
            after.len()
        )),
        Some(_) => None,
    }
}

/// `file`'s path relative to `root`, `/`-separated; possibly empty (`file` is `root`).
/// A file's name is the package's to choose: it prints escaped ([`printable`]).
fn relative_name(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .components()
        .map(|c| printable(&c.as_os_str().to_string_lossy()).into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// An entry's name in the report: its relative path, `.` for the input directory itself.
fn entry_name(root: &Path, path: &Path) -> String {
    let name = relative_name(root, path);
    if name.is_empty() {
        ".".to_owned()
    } else {
        name
    }
}

/// The file system a file is on (`None` where the platform does not say).
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // `None` on platforms without devices
fn device(metadata: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    Some(metadata.dev())
}

#[cfg(not(unix))]
fn device(_: &std::fs::Metadata) -> Option<u64> {
    None
}

/// A walk of an input directory.
struct Walk<'a> {
    /// The input directory, which entry names are relative to.
    root: &'a Path,
    /// Its file system: the walk does not leave it.
    device: Option<u64>,
}

impl Walk<'_> {
    /// List `dir` (whose listing is `entries`): regular files into `files`, directories
    /// walked in turn, everything else skipped with the reason. A directory on another
    /// file system than the input's (a mount point: `/proc`, `/sys`, a device or a bind
    /// mount, whose files' sizes may be anything, `/proc/kcore` 128 TiB) is not entered,
    /// as `find -xdev` does not: it is listed as skipped.
    fn entries(
        &self,
        dir: &Path,
        entries: impl Iterator<Item = io::Result<std::fs::DirEntry>>,
        files: &mut Vec<PathBuf>,
        skipped: &mut Vec<Skipped>,
    ) {
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    skipped.push(Skipped {
                        path: entry_name(self.root, dir),
                        reason: format!(
                            "a directory whose listing failed part way ({e}); the entries \
                             after the failure were not scanned"
                        ),
                    });
                    break;
                }
            };
            let path = entry.path();
            let skip = |reason: String| Skipped {
                path: entry_name(self.root, &path),
                reason,
            };
            match entry.file_type() {
                Ok(t) if t.is_symlink() => skipped.push(skip(match std::fs::read_link(&path) {
                    Ok(target) => format!(
                        "a symbolic link to {}; links inside a directory are not followed",
                        printable(&target.to_string_lossy())
                    ),
                    Err(e) => format!(
                        "a symbolic link whose target cannot be read ({e}); links inside a \
                         directory are not followed"
                    ),
                })),
                Ok(t) if t.is_dir() => {
                    // (A directory whose metadata cannot be read is listed below, if it
                    // cannot be listed either.)
                    let other_device = match (self.device, entry.metadata()) {
                        (Some(root), Ok(metadata)) => device(&metadata) != Some(root),
                        _ => false,
                    };
                    if other_device {
                        skipped.push(skip(
                            "the mount point of another file system; not entered (give it \
                             as an input to scan it)"
                                .to_owned(),
                        ));
                        continue;
                    }
                    match std::fs::read_dir(&path) {
                        Ok(inner) => self.entries(&path, inner, files, skipped),
                        Err(e) => skipped.push(skip(format!(
                            "a directory that cannot be listed ({e}); nothing in it was scanned"
                        ))),
                    }
                }
                Ok(t) if t.is_file() => files.push(path),
                Ok(t) => skipped.push(skip(not_regular(t))),
                Err(e) => skipped.push(skip(format!("its type cannot be read ({e}); not read"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::indicator::Kind;

    fn scanner() -> Scanner {
        Scanner::new(
            crate::rules::detectors(&[]).unwrap(),
            crate::ScanOptions::default(),
        )
    }

    /// A reader that hands out `bytes` a few at a time, interrupted now and then.
    struct Choppy {
        bytes: Vec<u8>,
        at: usize,
        calls: usize,
    }

    impl io::Read for Choppy {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(7).min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn choppy(bytes: &[u8]) -> Choppy {
        Choppy {
            bytes: bytes.to_vec(),
            at: 0,
            calls: 0,
        }
    }

    /// The read behind every scanned file, with a reader standing in for a file whose size
    /// when opened (`size`) is not what it holds by the time it is read.
    #[test]
    fn read_whole_tells_a_file_that_shrank_or_grew_after_its_size_was_read() {
        let content = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let exact = read_whole(&mut choppy(content), content.len() as u64).unwrap();
        assert_eq!(exact.bytes, content);
        assert!(!exact.more);

        // Truncated after the size was read: fewer bytes, no more.
        let shrank = read_whole(&mut choppy(&content[..10]), content.len() as u64).unwrap();
        assert_eq!(shrank.bytes, &content[..10]);
        assert!(!shrank.more);

        // Appended to: exactly the size read, and more behind it.
        let grew = read_whole(&mut choppy(content), 20).unwrap();
        assert_eq!(grew.bytes, &content[..20]);
        assert!(grew.more);

        // A size no memory can hold is an error of its own kind, not an abort.
        let huge = read_whole(&mut choppy(content), u64::MAX).unwrap_err();
        assert_eq!(huge.kind(), io::ErrorKind::OutOfMemory);
    }

    /// Each way a file can change between `fstat` and the end of the read is worded,
    /// with what was scanned; a file that did not change gets no note.
    #[test]
    fn a_file_whose_size_changes_between_the_metadata_and_the_read_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("growing.js");
        fs_err::write(&path, vec![b'a'; 100]).unwrap();
        let before = fs_err::metadata(&path).unwrap();
        let whole = |len: usize, more: bool| Whole {
            bytes: vec![b'a'; len],
            more,
        };
        assert_eq!(
            changed_while_read(&before, Some(&before), &whole(100, false)),
            None
        );

        let shrank = changed_while_read(&before, Some(&before), &whole(40, false)).unwrap();
        assert!(
            shrank.contains("100 bytes when opened, only 40 could be read"),
            "{shrank}"
        );
        let grew = changed_while_read(&before, Some(&before), &whole(100, true)).unwrap();
        assert!(grew.contains("the first 100 bytes were scanned"), "{grew}");

        // Appended to by another writer between the two `fstat`s of the descriptor.
        let mut appender = fs_err::OpenOptions::new().append(true).open(&path).unwrap();
        appender.write_all(b"more").unwrap();
        let after = fs_err::metadata(&path).unwrap();
        let moved = changed_while_read(&before, Some(&after), &whole(100, false)).unwrap();
        assert!(
            moved.contains("changed while it was read") && moved.contains("104 after"),
            "{moved}"
        );
        let unknown = changed_while_read(&before, None, &whole(100, false)).unwrap();
        assert!(unknown.contains("cannot be ruled out"), "{unknown}");
    }

    /// `f` on another thread, failing the test rather than hanging it if it blocks.
    fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(f());
        });
        receive
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{what} blocked for 30 s"))
    }

    /// A walk lists a regular file; by the time it is opened it is a FIFO with no writer.
    /// Opening it does not block, its descriptor says what it is, and it is never read.
    #[cfg(unix)]
    #[test]
    fn an_entry_swapped_for_a_fifo_after_the_walk_is_skipped_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cli.js");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let report = within("scanning a FIFO", move || {
            let mut report = ScanReport::default();
            let file = open(&path, Follow::Never).unwrap();
            let scanner = scanner();
            let input = Input {
                scanner: &scanner,
                limits: &ArchiveLimits::default(),
                reading: READING,
            };
            input.scan_open(file, "cli.js", &mut report);
            report
        });
        assert!(report.files.is_empty());
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.skipped[0].path, "cli.js");
        assert_eq!(
            report.skipped[0].reason,
            "not a regular file: a FIFO; never read"
        );
    }

    /// An entry swapped for a symbolic link after the walk is not followed.
    #[cfg(unix)]
    #[test]
    fn an_entry_swapped_for_a_link_after_the_walk_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cli.js");
        std::os::unix::fs::symlink("/etc/passwd", &path).unwrap();
        let error = open(&path, Follow::Never).unwrap_err();
        assert!(unopenable(&error).starts_with("a symbolic link"), "{error}");
        assert!(open(&path, Follow::Once).is_ok());
    }

    /// A file larger than what is read whole is scanned window by window: a plant across
    /// each window edge is found once, at its offset in the file, and the file is listed
    /// as degraded with the reason.
    #[test]
    fn a_file_too_large_to_read_whole_is_scanned_in_windows_and_says_so() {
        const WINDOW: usize = 64 << 10;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.bin");
        let mut bytes = vec![b'.'; 5 * WINDOW + 1234];
        let mut planted = Vec::new();
        for edge in 1..=5 {
            let url = format!("\"https://edge{edge}.evil.example/collect\"");
            let at = edge * WINDOW - url.len() / 2;
            bytes[at..at + url.len()].copy_from_slice(url.as_bytes());
            planted.push((format!("edge{edge}.evil.example"), at as u64 + 1));
        }
        fs_err::write(&path, &bytes).unwrap();
        let scanner = scanner();
        let input = Input {
            scanner: &scanner,
            limits: &ArchiveLimits::default(),
            reading: Reading {
                whole_max: 4 * WINDOW as u64,
                window: WINDOW as u64,
                context: 4096,
            },
        };
        let report = input.scan(&path).unwrap();
        for (host, url_at) in &planted {
            let hits: Vec<u64> = report
                .indicators
                .iter()
                .filter(|i| i.kind == Kind::Domain && i.value == *host)
                .map(|i| i.evidence.offset)
                .collect();
            assert_eq!(hits.len(), 1, "{host}: {hits:?}");
            let url = report
                .indicators
                .iter()
                .find(|i| i.kind == Kind::Url && i.value.contains(host.as_str()))
                .unwrap_or_else(|| panic!("no url for {host}"));
            assert_eq!(url.evidence.offset, *url_at, "{host}");
        }
        assert_eq!(report.files.len(), 1);
        assert_eq!(report.files[0].size, bytes.len() as u64);
        assert_eq!(report.degraded.len(), 1);
        assert_eq!(report.degraded[0].path, "huge.bin");
        let reason = &report.degraded[0].reason;
        assert!(
            reason.starts_with(&format!(
                "{} bytes, more than the 262144 bytes read whole: scanned as plain bytes in \
                 windows of 65536 bytes (each reading 4096 bytes either side), not opened as an \
                 archive, no native analysis",
                bytes.len()
            )),
            "{reason}"
        );
    }

    #[test]
    fn entry_names_are_never_empty() {
        let root = Path::new("/tmp/release");
        assert_eq!(entry_name(root, root), ".");
        assert_eq!(entry_name(root, &root.join("a/b.js")), "a/b.js");
    }
}
