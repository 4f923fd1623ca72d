//! `candor feed add/list/remove`: the feeds a store syncs.

use std::path::PathBuf;

use candor_sign::file::read_capped;

use crate::error::FeedError;
use crate::location::{FeedLocation, TransportKind};
use crate::store::{Event, FeedOptions, FeedRecord, Store};

/// The largest CA certificate file read: 1 MiB.
const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// A feed as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct FeedSummary {
    /// Its name.
    pub name: String,
    /// Where it is (without credentials).
    pub location: String,
    /// How it is reached.
    pub transport: TransportKind,
    /// Documents it lists, as of the last sync.
    pub documents: usize,
    /// When it was added (Unix seconds).
    pub added: i64,
    /// When it was last synced (Unix seconds).
    pub last_sync: Option<i64>,
    /// The git commit or index `ETag` the last sync recorded.
    pub state: Option<String>,
    /// Whether plain HTTP is allowed.
    pub allow_http: bool,
    /// How many extra CA certificates it trusts.
    pub ca_certificates: usize,
}

impl FeedSummary {
    fn of(record: &FeedRecord, documents: usize) -> Self {
        Self {
            name: record.name.clone(),
            location: record.location.to_string(),
            transport: record.location.transport,
            documents,
            added: record.added,
            last_sync: record.last_sync,
            state: record.state.clone(),
            allow_http: record.options.allow_http,
            ca_certificates: record.options.ca_certificates.len(),
        }
    }
}

/// What to add.
#[derive(Debug, Clone)]
pub struct AddRequest {
    /// The feed's name in this store.
    pub name: String,
    /// Its location, as given.
    pub location: String,
    /// The transport, where the guess from the location is not wanted.
    pub transport: Option<TransportKind>,
    /// Extra CA certificate files to trust for it.
    pub ca_certificates: Vec<PathBuf>,
    /// Accept plain `http://`.
    pub allow_http: bool,
    /// The deadline of each HTTP request, in seconds (default: 60).
    pub timeout_seconds: Option<u64>,
}

/// Add a feed (checked: a name of letters, digits, `-`, `_`, `.`; a directory or local
/// repository that exists; `http://` only when allowed).
pub fn add(store: &mut Store, request: &AddRequest) -> Result<FeedSummary, FeedError> {
    let valid_name = !request.name.is_empty()
        && request.name.len() <= 64
        && request
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !request.name.starts_with('.');
    if !valid_name {
        return Err(FeedError::Location {
            location: request.name.clone(),
            reason:
                "a feed name is 1 to 64 letters, digits, `-`, `_` or `.`, not starting with `.`"
                    .to_owned(),
        });
    }
    let location = FeedLocation::detect(&request.location, request.transport)?;
    if location.is_plain_http() && !request.allow_http {
        return Err(FeedError::Location {
            location: location.to_string(),
            reason: "plain http:// is refused (anyone on the path could withhold or replay \
                     documents); use https://, or pass --allow-http to accept the risk"
                .to_owned(),
        });
    }
    if let Some(path) = location.local_path() {
        let exists = match location.transport {
            TransportKind::Directory => path.is_dir(),
            TransportKind::Git => git2::Repository::open(&path).is_ok(),
            TransportKind::Https => true,
        };
        if !exists {
            return Err(FeedError::Location {
                location: location.to_string(),
                reason: match location.transport {
                    TransportKind::Git => "not a git repository".to_owned(),
                    _ => "no such directory".to_owned(),
                },
            });
        }
    }
    if request.timeout_seconds == Some(0) {
        return Err(FeedError::Location {
            location: location.to_string(),
            reason: "a timeout of 0 seconds; expected at least 1".to_owned(),
        });
    }
    let mut options = FeedOptions {
        allow_http: request.allow_http,
        timeout_seconds: request.timeout_seconds,
        ..FeedOptions::default()
    };
    for path in &request.ca_certificates {
        let pem = read_capped(path, MAX_CA_FILE_BYTES, "a CA certificate file")?;
        let text = String::from_utf8(pem).map_err(|_| FeedError::Location {
            location: path.display().to_string(),
            reason: "not a PEM certificate (not UTF-8 text)".to_owned(),
        })?;
        reqwest::Certificate::from_pem(text.as_bytes()).map_err(|e| FeedError::Location {
            location: path.display().to_string(),
            reason: format!("not a PEM certificate: {e}"),
        })?;
        options.ca_certificates.push(text);
    }
    let record = store.add_feed(&request.name, &location, &options)?;
    Ok(FeedSummary::of(&record, 0))
}

/// What `candor feed list` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct FeedList {
    /// The store's directory.
    pub store: String,
    /// Documents in the store.
    pub documents: usize,
    /// Every feed, by name.
    pub feeds: Vec<FeedSummary>,
    /// Every equivocation recorded: two different manifests for one release by one
    /// signer, in one feed or across feeds.
    pub equivocations: Vec<Event>,
    /// Every refused rollback recorded.
    pub rollbacks_refused: Vec<Event>,
}

/// The feeds of `store` and what its ledger says against them.
pub fn list(store: &Store) -> Result<FeedList, FeedError> {
    let feeds = store
        .feeds()?
        .iter()
        .map(|record| Ok(FeedSummary::of(record, store.counts(&record.name)?)))
        .collect::<Result<Vec<_>, FeedError>>()?;
    Ok(FeedList {
        store: store.dir().display().to_string(),
        documents: store.document_count()?,
        feeds,
        equivocations: store.events(&["equivocation"])?,
        rollbacks_refused: store.events(&["rollback-refused"])?,
    })
}

/// What `candor feed remove` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Removed {
    /// The feed removed.
    pub name: String,
    /// Links to its documents dropped (the documents stay in the store).
    pub unlinked: usize,
}

/// Remove a feed; its documents stay in the store.
pub fn remove(store: &mut Store, name: &str) -> Result<Removed, FeedError> {
    let unlinked = store.remove_feed(name)?;
    Ok(Removed {
        name: name.to_owned(),
        unlinked,
    })
}
