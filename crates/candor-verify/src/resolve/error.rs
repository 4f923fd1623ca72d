//! Why a TARGET could not be resolved to an artifact.

use std::path::PathBuf;

/// Why a TARGET could not be resolved: every variant names the path (or command) at fault
/// and what was expected there.
///
/// A link or shim that leads outside its package is *not* an error: it resolves, and is
/// reported in [`Resolved::escapes`](super::Resolved::escapes) for the caller to judge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// TARGET is the empty string.
    #[error("empty TARGET: expected a file, a directory or a command name")]
    EmptyTarget,
    /// TARGET names a path that does not exist.
    #[error("{}: no such file or directory (expected the file or directory to verify)", path.display())]
    NotFound {
        /// The path, made absolute.
        path: PathBuf,
    },
    /// A link, or a wrapper script, points at a path that does not exist.
    #[error(
        "{}: points to {}, which does not exist (expected the file it runs)",
        from.display(),
        target.display()
    )]
    Dangling {
        /// The link or wrapper.
        from: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// TARGET is a command name and no `PATH` directory has an executable file of that
    /// name.
    #[error(
        "command `{name}` not found: none of the {searched} PATH directories searched has an \
         executable file of that name{}",
        if *in_working_directory {
            "; the working directory has one: write `./NAME` to verify that file"
        } else {
            ""
        }
    )]
    NotOnPath {
        /// The command name.
        name: String,
        /// How many `PATH` entries were searched.
        searched: usize,
        /// Whether the working directory has a file of that name (which a command name
        /// never means: write `./NAME`).
        in_working_directory: bool,
    },
    /// Following links (or wrappers) came back to a path already visited.
    #[error(
        "{}: link loop: following links and wrappers leads back here after {hops} hop(s) \
         (expected a chain that ends at a file or directory)",
        path.display()
    )]
    Loop {
        /// The path visited twice.
        path: PathBuf,
        /// Hops followed before the loop closed.
        hops: usize,
    },
    /// More links and wrappers than [`MAX_HOPS`](super::MAX_HOPS) in a row.
    #[error(
        "{}: more than {limit} links and wrappers in a row (expected a chain that ends at a \
         file or directory within {limit} hops)",
        path.display()
    )]
    TooManyHops {
        /// Where the budget ran out.
        path: PathBuf,
        /// The budget.
        limit: usize,
    },
    /// The operating system refused to read (stat, list, open) a path.
    #[error("{}: cannot {action}", path.display())]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// What was being done (`read the link`, `open`, …).
        action: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The path is a FIFO, socket or device: refused, since reading a FIFO would block and
    /// a device is not an artifact.
    #[error("{}: is {what}, not a file or directory; refused", path.display())]
    NotFileOrDirectory {
        /// The path.
        path: PathBuf,
        /// What it is (`a FIFO (named pipe)`, `a socket`, …).
        what: &'static str,
    },
    /// A metadata file is larger than such a file may be.
    #[error("{}: {what} of more than {limit} bytes; refused", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What it is (`a package.json`, …).
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// A JSON metadata file (`package.json`, `.crates2.json`) is not what it should be.
    #[error("{}: not a valid {what}", path.display())]
    InvalidJson {
        /// The file.
        path: PathBuf,
        /// What it should be (`package.json`, …).
        what: &'static str,
        /// The parser's account.
        #[source]
        source: serde_json::Error,
    },
    /// cargo's `.crates.toml` is not what it should be.
    #[error("{}: not a valid cargo install list (`[v1]` table of \"NAME VERSION (SOURCE)\" = [bins])", path.display())]
    InvalidToml {
        /// The file.
        path: PathBuf,
        /// The parser's account.
        #[source]
        source: toml::de::Error,
    },
    /// Package metadata names a package in a way no package manager would write (empty,
    /// too long, control characters), or lacks a field every such file has.
    #[error("{}: {problem}", path.display())]
    InvalidPackage {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong, and what was expected.
        problem: String,
    },
}

impl ResolveError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            ResolveError::EmptyTarget => "empty-target",
            ResolveError::NotFound { .. } => "not-found",
            ResolveError::Dangling { .. } => "dangling-link",
            ResolveError::NotOnPath { .. } => "not-on-path",
            ResolveError::Loop { .. } => "link-loop",
            ResolveError::TooManyHops { .. } => "too-many-hops",
            ResolveError::Unreadable { .. } => "unreadable",
            ResolveError::NotFileOrDirectory { .. } => "not-file-or-directory",
            ResolveError::TooLarge { .. } => "too-large",
            ResolveError::InvalidJson { .. } => "invalid-json",
            ResolveError::InvalidToml { .. } => "invalid-toml",
            ResolveError::InvalidPackage { .. } => "invalid-package",
        }
    }
}
