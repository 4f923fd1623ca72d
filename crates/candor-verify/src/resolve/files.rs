//! File-system access for resolution: links are read, never followed behind our back;
//! nothing but a regular file is ever opened (a FIFO would block the reader); every read
//! is bounded; directory listings never follow links.

use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use super::ResolveError;

/// At most this many entries of one directory are looked at (a `site-packages` holds a
/// few thousand).
const MAX_DIR_ENTRIES: usize = 100_000;

/// `lstat`: the path itself, a link not followed.
pub(super) fn lstat(path: &Path) -> io::Result<Metadata> {
    std::fs::symlink_metadata(path)
}

/// `path` made absolute against `cwd` (no link resolved, nothing touched).
pub(super) fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        cwd.join(path)
    }
}

/// The absolute `path` with its directory made canonical and its last component kept as
/// it is, so a link at `path` is still a link: `/a/b/../c/x` → `/a/c/x` when `b` is a real
/// directory, `/real/c/x` when `/a` links to `/real`. This is what the kernel does with
/// `..` (physically, after each directory link), and what makes two spellings of one link
/// compare equal (loop detection). A path ending in `..` or naming `/` is made canonical
/// whole.
pub(super) fn normalize(path: &Path) -> io::Result<PathBuf> {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => {
            Ok(std::fs::canonicalize(parent)?.join(name))
        }
        _ => std::fs::canonicalize(path),
    }
}

/// Whether an I/O error says "no such file" (or that a component is not a directory).
pub(super) fn is_not_found(error: &io::Error) -> bool {
    if error.kind() == io::ErrorKind::NotFound {
        return true;
    }
    #[cfg(unix)]
    {
        error.raw_os_error() == Some(libc::ENOTDIR)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Whether an I/O error is the kernel's "too many levels of symbolic links".
pub(super) fn is_link_loop(error: &io::Error) -> bool {
    #[cfg(unix)]
    {
        error.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// A closure mapping an I/O error on `path` to [`ResolveError::Unreadable`].
pub(super) fn unreadable(
    path: &Path,
    action: &'static str,
) -> impl FnOnce(io::Error) -> ResolveError {
    let path = path.to_owned();
    move |source| ResolveError::Unreadable {
        path,
        action,
        source,
    }
}

/// What a path that is neither a file, a directory nor a link is, in words.
pub(super) fn describe_special(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    let _ = file_type;
    "neither a file nor a directory"
}

/// Whether a (followed) file's mode lets someone execute it, as `execvp` requires of a
/// `PATH` hit.
pub(super) fn is_executable(metadata: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        metadata.is_file()
    }
}

/// The first bytes of a regular file.
#[derive(Debug)]
pub(super) struct Head {
    /// At most the limit asked for.
    pub bytes: Vec<u8>,
    /// The file's size.
    pub size: u64,
}

/// Read at most `limit` bytes from the start of the regular file at `path`.
///
/// The file is opened non-blocking (a FIFO swapped in after it was examined cannot hang
/// the reader), without following a final link unless `follow` (a link swapped in is
/// refused), and examined through the open handle before a byte is read.
pub(super) fn read_head(path: &Path, limit: u64, follow: bool) -> Result<Head, ResolveError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    #[cfg(not(unix))]
    let _ = follow;
    let file = options.open(path).map_err(unreadable(path, "open"))?;
    let metadata = file.metadata().map_err(unreadable(path, "examine"))?;
    if !metadata.is_file() {
        return Err(ResolveError::NotFileOrDirectory {
            path: path.to_owned(),
            what: describe_special(metadata.file_type()),
        });
    }
    let size = metadata.len();
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0));
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(unreadable(path, "read"))?;
    Ok(Head { bytes, size })
}

/// A whole metadata file (`package.json`, `METADATA`, …) of at most `limit` bytes, links
/// followed (package managers do), or `None` when there is no such file.
pub(super) fn read_metadata(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<Option<Vec<u8>>, ResolveError> {
    match std::fs::metadata(path) {
        Err(error) if is_not_found(&error) => return Ok(None),
        Err(error) => return Err(unreadable(path, "examine")(error)),
        Ok(metadata) if metadata.is_dir() => return Ok(None),
        Ok(_) => {}
    }
    let head = read_head(path, limit + 1, true)?;
    if head.bytes.len() as u64 > limit {
        return Err(ResolveError::TooLarge {
            path: path.to_owned(),
            what,
            limit,
        });
    }
    Ok(Some(head.bytes))
}

/// The entries of a directory with their own types (links not followed), or an empty
/// list when it does not exist.
pub(super) fn list_dir(path: &Path) -> Result<Vec<(OsString, FileType)>, ResolveError> {
    let entries = match std::fs::read_dir(path) {
        Err(error) if is_not_found(&error) => return Ok(Vec::new()),
        Err(error) => return Err(unreadable(path, "list")(error)),
        Ok(entries) => entries,
    };
    let mut listed = Vec::new();
    for entry in entries.take(MAX_DIR_ENTRIES) {
        let entry = entry.map_err(unreadable(path, "list"))?;
        let file_type = entry
            .file_type()
            .map_err(unreadable(&entry.path(), "examine"))?;
        listed.push((entry.file_name(), file_type));
    }
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(listed)
}

/// Whether `path` exists and is a regular file, links followed.
pub(super) fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// `path` with `.` dropped and each `..` removing the component before it, without
/// touching the file system: how a path *reads*, for judging which package a link names.
/// (Where it really leads is [`normalize`]'s business.)
pub(super) fn lexical_clean(path: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if clean.parent().is_some() {
                    clean.pop();
                } else if !clean.has_root() {
                    clean.push(component);
                }
            }
            other => clean.push(other),
        }
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_clean_pops_parents_and_stops_at_the_root() {
        assert_eq!(
            lexical_clean(Path::new("/p/node_modules/.bin/../@a/b/./bin/x.js")),
            Path::new("/p/node_modules/@a/b/bin/x.js")
        );
        assert_eq!(
            lexical_clean(Path::new("/p/node_modules/.bin/../../../../tmp/evil.js")),
            Path::new("/tmp/evil.js")
        );
        assert_eq!(lexical_clean(Path::new("/a/../../x")), Path::new("/x"));
        assert_eq!(lexical_clean(Path::new("../x")), Path::new("../x"));
    }
}
