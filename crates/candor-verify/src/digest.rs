//! Digesting installed artifacts: each file opened once, its sha256 computed from that
//! open file, and remembered by its stamp so the next verification need not read it.
//!
//! The stamp is what `git`'s index trusts to tell a file unchanged: device, inode, size,
//! modification time and status-change time (ctime), in nanoseconds, read with `fstat`
//! from the same open file that is hashed. Any write to a file moves its ctime, which an
//! unprivileged user cannot set back; replacing the file (rename) changes its inode. A
//! file whose stamp differs after it was read than before *changed while it was read*:
//! its digest is reported as read, it is not remembered, and the verdict fails.
//!
//! What the cache cannot see: a write within the filesystem's timestamp granularity that
//! keeps the size (ext4, xfs, btrfs, tmpfs record nanoseconds; some network and FAT
//! filesystems record seconds or less), and anyone able to set the clock. `--no-cache`
//! reads every file.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use candor_feed::store::{FileStamp, Store};
use sha2::{Digest as _, Sha256};

use crate::error::VerificationError;

/// Read in blocks of this size.
const BLOCK: usize = 1 << 20;

/// The most files one directory target may hold.
pub const MAX_FILES: usize = 100_000;

/// A file digested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digested {
    /// The file.
    pub path: PathBuf,
    /// sha256 of the bytes read, lowercase hex.
    pub sha256: String,
    /// Size in bytes (of what was read).
    pub size: u64,
    /// Whether the digest came from the cache.
    pub cached: bool,
    /// Whether the file changed while it was read.
    pub changed_while_read: bool,
}

/// How digests are remembered.
#[derive(Debug)]
pub enum Cache<'a> {
    /// Read every file; remember nothing.
    Off,
    /// Look up and remember digests in the store.
    Store(&'a mut Store),
}

/// Digest one file: open it once, `fstat` it, look its stamp up in the cache, else hash
/// it from that open file and `fstat` it again. `on_block` is called after each block
/// read with the bytes read so far (progress; tests change the file there).
pub fn digest_file(
    path: &Path,
    cache: &mut Cache<'_>,
    on_block: &mut dyn FnMut(u64),
) -> Result<Digested, VerificationError> {
    let unreadable = |source: std::io::Error| VerificationError::Artifact {
        path: path.to_owned(),
        source,
    };
    let mut file = open_nonblocking(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(VerificationError::NotAFile {
            path: path.to_owned(),
        });
    }
    let before = stamp(&metadata);
    let key = path.to_string_lossy();
    if let (Cache::Store(store), Some(before)) = (&*cache, before)
        && let Some(sha256) = store.cached_sha256(&key, &before)?
    {
        return Ok(Digested {
            path: path.to_owned(),
            sha256,
            size: before.size,
            cached: true,
            changed_while_read: false,
        });
    }
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; BLOCK];
    let mut read: u64 = 0;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(e)),
        };
        hasher.update(&buffer[..n]);
        read += n as u64;
        on_block(read);
    }
    let sha256 = hex::encode(hasher.finalize());
    let after = stamp(&file.metadata().map_err(unreadable)?);
    let changed_while_read = before != after || before.is_some_and(|b| b.size != read);
    if !changed_while_read && let (Cache::Store(store), Some(stamp)) = (cache, before) {
        store.cache_sha256(&key, &stamp, &sha256)?;
    }
    Ok(Digested {
        path: path.to_owned(),
        sha256,
        size: read,
        cached: false,
        changed_while_read,
    })
}

/// Open for reading without blocking on a FIFO that has no writer (its `fstat` then shows
/// it is not a regular file, and it is refused).
fn open_nonblocking(path: &Path) -> std::io::Result<fs_err::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    fs_err::OpenOptions::from_options(options).open(path)
}

/// The stamp of an open file's metadata (`None` where the platform has none).
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // `None` on platforms without inodes
fn stamp(metadata: &std::fs::Metadata) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt as _;
    Some(FileStamp {
        device: metadata.dev(),
        inode: metadata.ino(),
        size: metadata.size(),
        mtime_ns: metadata
            .mtime()
            .saturating_mul(1_000_000_000)
            .saturating_add(metadata.mtime_nsec()),
        ctime_ns: metadata
            .ctime()
            .saturating_mul(1_000_000_000)
            .saturating_add(metadata.ctime_nsec()),
    })
}

#[cfg(not(unix))]
fn stamp(_: &std::fs::Metadata) -> Option<FileStamp> {
    None
}

/// Every regular file under `dir`, sorted; links are not followed (a link inside an
/// installed package is not what the package shipped as a file), and special files are
/// skipped. Refused past [`MAX_FILES`].
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>, VerificationError> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        let entries = fs_err::read_dir(&current).map_err(|e| VerificationError::Artifact {
            path: current.clone(),
            source: e,
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| VerificationError::Artifact {
                path: current.clone(),
                source: e,
            })?;
            let kind = entry.file_type().map_err(|e| VerificationError::Artifact {
                path: entry.path(),
                source: e,
            })?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
                if out.len() > MAX_FILES {
                    return Err(VerificationError::TooManyFiles {
                        path: dir.to_owned(),
                        limit: MAX_FILES,
                    });
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::{Seek as _, SeekFrom, Write as _};

    use super::*;

    fn sha256(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    fn content(seed: u8, len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| u8::try_from(i % 251).unwrap_or(0).wrapping_mul(31) ^ seed)
            .collect()
    }

    #[test]
    fn an_artifact_replaced_while_it_is_read_is_reported_as_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent");
        let original = content(1, 3 * BLOCK + 17);
        fs_err::write(&path, &original).unwrap();
        let replacement = dir.path().join("agent.new");
        fs_err::write(&replacement, content(2, 3 * BLOCK + 17)).unwrap();
        let mut swapped = false;
        let digested = digest_file(&path, &mut Cache::Off, &mut |_| {
            if !swapped {
                fs_err::rename(&replacement, &path).unwrap();
                swapped = true;
            }
        })
        .unwrap();
        // The digest is of the one open file: the bytes that were read.
        assert!(swapped);
        assert_eq!(digested.sha256, sha256(&original));
        assert_eq!(digested.size, original.len() as u64);
        assert_ne!(sha256(&fs_err::read(&path).unwrap()), digested.sha256);
    }

    #[test]
    fn an_artifact_written_while_it_is_read_is_flagged_and_not_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        let path = dir.path().join("agent");
        fs_err::write(&path, content(1, 3 * BLOCK)).unwrap();
        let mut written = false;
        let digested = digest_file(&path, &mut Cache::Store(&mut store), &mut |_| {
            if !written {
                let mut file = fs_err::OpenOptions::new().write(true).open(&path).unwrap();
                file.seek(SeekFrom::Start(2 * BLOCK as u64)).unwrap();
                file.write_all(b"tampered").unwrap();
                written = true;
            }
        })
        .unwrap();
        assert!(digested.changed_while_read);
        let again = digest_file(&path, &mut Cache::Store(&mut store), &mut |_| {}).unwrap();
        assert!(
            !again.cached,
            "a digest of a changing file is never remembered"
        );
        assert_eq!(again.sha256, sha256(&fs_err::read(&path).unwrap()));
    }

    #[test]
    fn the_cache_serves_an_unchanged_file_and_not_one_rewritten_with_its_old_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        let path = dir.path().join("agent");
        fs_err::write(&path, content(1, 1000)).unwrap();
        let first = digest_file(&path, &mut Cache::Store(&mut store), &mut |_| {}).unwrap();
        assert!(!first.cached);
        let second = digest_file(&path, &mut Cache::Store(&mut store), &mut |_| {}).unwrap();
        assert!(second.cached);
        assert_eq!(first.sha256, second.sha256);
        // Same size, mtime set back: the ctime still moved.
        let mtime = fs_err::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let tampered = content(9, 1000);
        fs_err::write(&path, &tampered).unwrap();
        let file = fs_err::OpenOptions::new().write(true).open(&path).unwrap();
        file.file()
            .set_times(std::fs::FileTimes::new().set_modified(mtime))
            .unwrap();
        drop(file);
        let third = digest_file(&path, &mut Cache::Store(&mut store), &mut |_| {}).unwrap();
        assert!(!third.cached);
        assert_eq!(third.sha256, sha256(&tampered));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let error = digest_file(&path, &mut Cache::Off, &mut |_| {}).unwrap_err();
        assert_eq!(error.kind(), "not-a-file");
        assert!(files_under(dir.path()).unwrap().is_empty());
    }
}
