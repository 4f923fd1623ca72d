//! Why a feed operation failed: [`FeedError`], one variant per failure a user can act on.

use std::path::PathBuf;

use candor_model::DocumentError;
use candor_sign::file::FileError;
use candor_sign::verify::VerifyError;

/// Why a feed could not be published to, synced or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A document is not a candor attestation (an envelope or bundle holding a valid
    /// candor Statement).
    #[error("{file} is not a candor attestation")]
    Document {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: Box<VerifyError>,
    },
    /// A document cannot be given a feed path.
    #[error("{file}: {reason}")]
    Unnameable {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The feed's `index.json` is malformed.
    #[error("the feed's index is malformed")]
    Index(#[source] DocumentError),
    /// The local store failed.
    #[error("store {}: {source}", path.display())]
    Store {
        /// The store's database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The store was written by a newer candor.
    #[error(
        "store {}: schema version {found} is newer than this candor understands ({supported}); upgrade candor",
        path.display()
    )]
    StoreTooNew {
        /// The store's database file.
        path: PathBuf,
        /// The store's schema version.
        found: i64,
        /// The newest this candor understands.
        supported: i64,
    },
    /// A git operation failed.
    #[error("git: {what}: {source}")]
    Git {
        /// What was being done (`fetch from https://…`).
        what: String,
        /// Why.
        #[source]
        source: git2::Error,
    },
    /// An HTTP request failed (connection, TLS, timeout, redirect).
    #[error("{url}: {reason}")]
    Http {
        /// The URL, without credentials.
        url: String,
        /// Why.
        reason: String,
    },
    /// A server answered with an error status.
    #[error("{url}: the server answered {status}")]
    Status {
        /// The URL, without credentials.
        url: String,
        /// The status code.
        status: u16,
    },
    /// A response was larger than allowed.
    #[error("{url}: more than {limit} bytes; the limit for {what} is {limit} bytes")]
    TooLarge {
        /// The URL or path, without credentials.
        url: String,
        /// What was being read.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// A file's bytes are not the ones the index lists.
    #[error("{file}: its {what} is {actual} but the index lists {expected}")]
    DigestMismatch {
        /// The file (URL or feed path).
        file: String,
        /// What differs: `sha256` or `size`.
        what: &'static str,
        /// What the index says.
        expected: String,
        /// What was received.
        actual: String,
    },
    /// A git feed's new head does not descend from the commit last synced: history was
    /// rewritten, which is how a rollback looks (ADVERSARIAL.md F7).
    #[error(
        "feed {feed}: the fetched commit {fetched} does not descend from {recorded}, the commit last synced; refusing a possible rollback"
    )]
    Rollback {
        /// The feed.
        feed: String,
        /// The commit last synced.
        recorded: String,
        /// The commit fetched.
        fetched: String,
    },
    /// Documents this feed listed before are gone (ADVERSARIAL.md D8).
    #[error(
        "feed {feed}: {count} document(s) it listed before are gone (first: {first}); a feed only grows, refusing a possible rollback"
    )]
    Withdrawn {
        /// The feed.
        feed: String,
        /// How many.
        count: usize,
        /// The first, by path.
        first: String,
    },
    /// A different manifest for the same release by the same signer is already in the
    /// feed.
    #[error(
        "{existing} already holds a different manifest for {tool} {version} by the same signer"
    )]
    Conflict {
        /// The feed path of the manifest there.
        existing: String,
        /// The tool.
        tool: String,
        /// The release.
        version: String,
        /// The sha256 of the manifest there.
        existing_sha256: String,
    },
    /// A superseding manifest names none of the manifests it would replace.
    #[error(
        "{file} supersedes {named}, but the feed's manifest for this release and signer is {existing}"
    )]
    SupersedesOther {
        /// The new manifest.
        file: String,
        /// What it names (`nothing` when it names none).
        named: String,
        /// The sha256 of the one in the feed.
        existing: String,
    },
    /// A push was refused by the remote.
    #[error("push to {remote} was rejected: {reason}")]
    PushRejected {
        /// The remote, without credentials.
        remote: String,
        /// What the remote said.
        reason: String,
    },
    /// A feed of this name exists.
    #[error("a feed named {name} exists already")]
    FeedExists {
        /// The name.
        name: String,
    },
    /// No feed has this name.
    #[error("no feed named {name}")]
    UnknownFeed {
        /// The name.
        name: String,
    },
    /// A feed location is not usable.
    #[error("{location}: {reason}")]
    Location {
        /// The location, without credentials.
        location: String,
        /// Why.
        reason: String,
    },
}

impl FeedError {
    /// A stable, kebab-case name of the failure.
    pub fn kind(&self) -> &'static str {
        match self {
            FeedError::File(error) => error.kind(),
            FeedError::Document { .. } => "not-an-attestation",
            FeedError::Unnameable { .. } => "unnameable-document",
            FeedError::Index(_) => "malformed-index",
            FeedError::Store { .. } => "store",
            FeedError::StoreTooNew { .. } => "store-too-new",
            FeedError::Git { .. } => "git",
            FeedError::Http { .. } => "http",
            FeedError::Status { .. } => "http-status",
            FeedError::TooLarge { .. } => "too-large",
            FeedError::DigestMismatch { .. } => "digest-mismatch",
            FeedError::Rollback { .. } => "rollback",
            FeedError::Withdrawn { .. } => "withdrawn",
            FeedError::Conflict { .. } => "conflict",
            FeedError::SupersedesOther { .. } => "supersedes-other",
            FeedError::PushRejected { .. } => "push-rejected",
            FeedError::FeedExists { .. } => "feed-exists",
            FeedError::UnknownFeed { .. } => "unknown-feed",
            FeedError::Location { .. } => "invalid-location",
        }
    }

    /// Whether the feed's content was refused (a possible attack: rollback, withdrawn
    /// documents, a file that is not what the index says, a conflicting manifest), as
    /// opposed to a feed that could not be reached or read.
    pub fn is_refusal(&self) -> bool {
        match self {
            FeedError::Rollback { .. }
            | FeedError::Withdrawn { .. }
            | FeedError::DigestMismatch { .. }
            | FeedError::Index(_)
            | FeedError::Conflict { .. }
            | FeedError::SupersedesOther { .. }
            | FeedError::PushRejected { .. } => true,
            FeedError::File(_)
            | FeedError::Document { .. }
            | FeedError::Unnameable { .. }
            | FeedError::Store { .. }
            | FeedError::StoreTooNew { .. }
            | FeedError::Git { .. }
            | FeedError::Http { .. }
            | FeedError::Status { .. }
            | FeedError::TooLarge { .. }
            | FeedError::FeedExists { .. }
            | FeedError::UnknownFeed { .. }
            | FeedError::Location { .. } => false,
        }
    }

    /// A git error while doing `what`.
    pub(crate) fn git(what: impl Into<String>) -> impl FnOnce(git2::Error) -> FeedError {
        let what = what.into();
        move |source| FeedError::Git { what, source }
    }
}
