//! File access for signing material: bounded reads, atomic writes with the right mode.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// How messages and reports name standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Where a document is read from: a file, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    File(PathBuf),
    /// Standard input, named [`STDIN_NAME`] in messages and reports.
    Stdin,
}

impl Input {
    /// A document argument as command lines write it: `-` is standard input, anything
    /// else a file (`./-` names a file called `-`).
    pub fn from_arg(arg: impl Into<PathBuf>) -> Self {
        let path = arg.into();
        if path.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(path)
        }
    }

    /// Whether it is standard input.
    pub fn is_stdin(&self) -> bool {
        matches!(self, Input::Stdin)
    }

    /// The file, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::File(path) => Some(path),
            Input::Stdin => None,
        }
    }

    /// All of it, at most `limit` bytes: a file as [`read_capped`] reads it; standard
    /// input read until its end or until more than `limit` bytes came, then refused.
    pub fn read_capped(&self, limit: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
        match self {
            Input::File(path) => read_capped(path, limit, what),
            Input::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .take(limit + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| {
                        FileError::Io(std::io::Error::new(
                            e.kind(),
                            format!("failed to read {STDIN_NAME}: {e}"),
                        ))
                    })?;
                if bytes.len() as u64 > limit {
                    return Err(FileError::StdinTooLarge { what, limit });
                }
                Ok(bytes)
            }
        }
    }
}

/// The path as given, or [`STDIN_NAME`].
impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::File(path) => write!(f, "{}", path.display()),
            Input::Stdin => f.write_str(STDIN_NAME),
        }
    }
}

/// A file (never standard input: see [`Input::from_arg`] for `-`).
impl From<PathBuf> for Input {
    fn from(path: PathBuf) -> Self {
        Input::File(path)
    }
}

/// A file (never standard input: see [`Input::from_arg`] for `-`).
impl From<&Path> for Input {
    fn from(path: &Path) -> Self {
        Input::File(path.to_owned())
    }
}

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The operating system refused (the message names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is larger than this kind of file may be.
    #[error("{path}: file is {size} bytes; the limit for {what} is {limit} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What kind of file (`a DSSE envelope`).
        what: &'static str,
        /// Its size, or at least how much was read before stopping.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Standard input held more than this kind of document may be.
    #[error("{STDIN_NAME}: more than {limit} bytes; the limit for {what} is {limit} bytes")]
    StdinTooLarge {
        /// What kind of document (`a DSSE envelope`).
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// The file to write exists, and replacing it was not asked for.
    #[error("{} already exists", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
}

impl FileError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            FileError::Io(e) => match e.kind() {
                std::io::ErrorKind::NotFound => "not-found",
                std::io::ErrorKind::PermissionDenied => "permission-denied",
                _ => "io",
            },
            FileError::TooLarge { .. } | FileError::StdinTooLarge { .. } => "too-large",
            FileError::Exists { .. } => "already-exists",
        }
    }
}

/// Refuse to replace an existing file unless `replace`.
pub fn refuse_existing(path: &Path, replace: bool) -> Result<(), FileError> {
    if !replace && path.exists() {
        return Err(FileError::Exists {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// Read a whole file of at most `limit` bytes. A larger file is refused before it is read
/// (by its metadata) or as soon as the limit is passed (pipes, growing files), so a
/// 100 MB envelope costs neither time nor memory.
pub fn read_capped(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let file = fs_err::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limit {
        return Err(FileError::TooLarge {
            path: path.to_owned(),
            what,
            size,
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge {
            path: path.to_owned(),
            what,
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Who may read a file written by [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// Only the owner (0600): private keys.
    OwnerOnly,
    /// Everyone may read (0644): public keys, envelopes, documents.
    Public,
}

/// Write `bytes` to `path` atomically: into a temporary file in the same directory (so
/// the rename never crosses a filesystem), with `mode` set before any byte is written,
/// flushed to disk, then renamed over `path`. Readers see the old file or the new one,
/// never a torn one; a crash leaves at most a stray `.candor-*.tmp` file.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: FileMode) -> Result<(), FileError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".candor-").suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(permissions(mode));
    #[cfg(not(unix))]
    let _ = mode; // Windows: ACLs are inherited from the directory.
    let mut temp = builder
        .tempfile_in(&parent)
        .map_err(|e| annotate(&e, &parent, "create a temporary file in"))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| annotate(&e, temp.path(), "write"))?;
    temp.persist(path)
        .map_err(|e| annotate(&e.error, path, "replace"))?;
    // Make the rename itself durable.
    #[cfg(unix)]
    if let Ok(dir) = fs_err::File::open(&parent) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn annotate(error: &std::io::Error, path: &Path, action: &str) -> FileError {
    FileError::Io(std::io::Error::new(
        error.kind(),
        format!("failed to {action} {}: {error}", path.display()),
    ))
}

#[cfg(unix)]
fn permissions(mode: FileMode) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(match mode {
        FileMode::OwnerOnly => 0o600,
        FileMode::Public => 0o644,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_files_are_refused_by_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let file = fs_err::File::create(&path).unwrap();
        file.set_len(100 * 1024 * 1024).unwrap(); // sparse: no 100 MB written
        let err = read_capped(&path, 1024, "a test file").unwrap_err();
        assert!(
            matches!(
                err,
                FileError::TooLarge {
                    size: 104_857_600,
                    limit: 1024,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only_and_writes_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        write_atomic(&path, b"one", FileMode::OwnerOnly).unwrap();
        write_atomic(&path, b"two", FileMode::OwnerOnly).unwrap();
        assert_eq!(fs_err::read(&path).unwrap(), b"two");
        let mode = fs_err::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let leftovers: Vec<_> = fs_err::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left behind");
    }
}
