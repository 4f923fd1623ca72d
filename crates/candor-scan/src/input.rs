//! Inputs: files (memory-mapped), directories (recursively) and archives (`.tar`,
//! `.tgz`, `.zip`, streamed within limits: see [`crate::archive`]). Native executable
//! sections: see [`crate::native`].

use std::path::{Path, PathBuf};

use crate::archive::{self, ArchiveLimits};
use crate::engine::Scanner;
use crate::report::{ScanReport, ScannedFile, Skipped};

/// Why a scan could not start at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The input does not exist or cannot be opened.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ScanError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            ScanError::Io(_) => "unreadable",
        }
    }
}

/// Scan a file or a directory tree. Symbolic links are never followed (a link in a
/// package must not make the scanner read outside it); they are listed as skipped.
/// Archives are read entry by entry within the default [`ArchiveLimits`].
pub fn scan_path(scanner: &Scanner, path: &Path) -> Result<ScanReport, ScanError> {
    scan_path_with(scanner, path, &ArchiveLimits::default())
}

/// [`scan_path`] with these limits on archives.
pub fn scan_path_with(
    scanner: &Scanner,
    path: &Path,
    limits: &ArchiveLimits,
) -> Result<ScanReport, ScanError> {
    let metadata = fs_err::symlink_metadata(path)?;
    let mut report = ScanReport {
        input: path.display().to_string(),
        ..ScanReport::default()
    };
    if metadata.is_dir() {
        let mut files = Vec::new();
        walk(path, path, &mut files, &mut report.skipped);
        files.sort();
        for file in files {
            let name = relative_name(path, &file);
            scan_file(scanner, &file, &name, limits, &mut report);
        }
    } else {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        // Opening a missing or unreadable single input is an error, not a skip.
        fs_err::File::open(path)?;
        scan_file(scanner, path, &name, limits, &mut report);
    }
    Ok(report)
}

fn relative_name(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    let entries = match fs_err::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            skipped.push(Skipped {
                path: relative_name(root, dir),
                reason: format!("cannot read directory: {}", e.kind()),
            });
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                skipped.push(Skipped {
                    path: relative_name(root, dir),
                    reason: format!("cannot list entry: {}", e.kind()),
                });
                continue;
            }
        };
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_symlink() => skipped.push(Skipped {
                path: relative_name(root, &path),
                reason: "symbolic link (never followed)".to_owned(),
            }),
            Ok(t) if t.is_dir() => walk(root, &path, files, skipped),
            Ok(t) if t.is_file() => files.push(path),
            Ok(_) => skipped.push(Skipped {
                path: relative_name(root, &path),
                reason: "not a regular file".to_owned(),
            }),
            Err(e) => skipped.push(Skipped {
                path: relative_name(root, &path),
                reason: format!("cannot stat: {}", e.kind()),
            }),
        }
    }
}

fn scan_file(
    scanner: &Scanner,
    path: &Path,
    name: &str,
    limits: &ArchiveLimits,
    report: &mut ScanReport,
) {
    let file = match fs_err::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            report.skipped.push(Skipped {
                path: name.to_owned(),
                reason: format!("cannot open: {}", e.kind()),
            });
            return;
        }
    };
    let size = file.metadata().map_or(0, |m| m.len());
    if size == 0 {
        report.files.push(ScannedFile {
            path: name.to_owned(),
            size,
        });
        return;
    }
    let bytes = match map(file.file()) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.skipped.push(Skipped {
                path: name.to_owned(),
                reason: format!("cannot map: {}", e.kind()),
            });
            return;
        }
    };
    // An archive lists its entries (`x.tgz!package/dist/cli.js`), not itself.
    if archive::scan(scanner, name, &bytes, limits, report) {
        return;
    }
    report.files.push(ScannedFile {
        path: name.to_owned(),
        size,
    });
    crate::native::scan_native(scanner, name, &bytes).add_to(report);
}

/// Map a file read-only.
///
/// Safety: the mapping is only read, and lives no longer than this scan. The one hazard
/// of mapping is another process truncating the file meanwhile (SIGBUS); candor scans
/// release artifacts at rest, and reading through `read` instead would cost a copy of
/// every byte of inputs that may be hundreds of megabytes.
#[allow(unsafe_code)]
fn map(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: see the function documentation.
    unsafe { memmap2::Mmap::map(file) }
}
