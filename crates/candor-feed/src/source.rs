//! Reading a feed: one trait, three transports (a directory, a git repository, a static
//! HTTPS site). Each lists what the feed holds now and reads one file at a time;
//! [`crate::sync`] does the rest, the same for all three.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use candor_model::feed::{DOCUMENT_SUFFIX, FeedIndex, INDEX_FILE, MAX_INDEX_BYTES};
use candor_sign::dsse::MAX_ENVELOPE_BYTES;
use sha2::{Digest as _, Sha256};

use crate::error::FeedError;
use crate::git_http;
use crate::http::{self, HttpSettings};
use crate::location::{FeedLocation, TransportKind, redact};
use crate::store::FeedRecord;

/// Something in a feed that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Skipped {
    /// Its path in the feed.
    pub path: String,
    /// Why it was skipped.
    pub reason: String,
}

/// One file a feed lists.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Its path in the feed.
    pub path: String,
    /// Its sha256, where the feed states it (an index) or it is known unchanged.
    pub sha256: Option<String>,
    /// Its size, where the feed states it.
    pub size: Option<u64>,
    /// Known not to have changed since the state recorded last time (a git blob that is
    /// the same object): its digest is the one linked then.
    pub unchanged: bool,
    /// How the transport finds it again.
    pub(crate) handle: Handle,
}

/// How a transport reads a listed file.
#[derive(Debug, Clone)]
pub(crate) enum Handle {
    /// A file on disk.
    File(PathBuf),
    /// A git blob.
    Blob(git2::Oid),
    /// A URL.
    Url(String),
}

/// What a feed holds now.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Every document file, sorted by path.
    pub entries: Vec<Listed>,
    /// What was passed over while listing.
    pub skipped: Vec<Skipped>,
    /// The state to record after the sync: a git commit, an index `ETag`.
    pub state: Option<String>,
    /// Nothing changed since the state recorded last time.
    pub unchanged: bool,
}

/// A feed, opened for reading. Files are read from several threads at once.
pub trait Source: Send + Sync {
    /// What the feed holds now. `recorded` is the state the last sync recorded.
    fn list(&mut self, recorded: Option<&str>, allow_rewrite: bool) -> Result<Listing, FeedError>;
    /// The bytes of one listed file (at most [`MAX_ENVELOPE_BYTES`]).
    fn read(&self, entry: &Listed) -> Result<Vec<u8>, FeedError>;
    /// How many files to read (and check) at once.
    fn readers(&self) -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// The source for a feed the store knows.
pub fn open(record: &FeedRecord, cache_dir: &Path) -> Result<Box<dyn Source>, FeedError> {
    let settings = HttpSettings::from(&record.options);
    Ok(match record.location.transport {
        TransportKind::Directory => Box::new(DirectorySource {
            root: record
                .location
                .local_path()
                .unwrap_or_else(|| PathBuf::from(record.location.raw())),
        }),
        TransportKind::Git => Box::new(GitSource {
            location: record.location.clone(),
            clone_dir: cache_dir
                .join("git")
                .join(cache_name(&record.name, record.location.raw())),
            settings,
            repo: Mutex::new(None),
        }),
        TransportKind::Https => Box::new(HttpsSource::new(&record.location, &settings)?),
    })
}

/// A cache directory name for a feed: its name and a hash of its location, so a feed
/// re-added elsewhere does not reuse a clone of another repository (and no untrusted text
/// becomes a path: ADVERSARIAL.md G5).
fn cache_name(name: &str, location: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let hash = hex::encode(Sha256::digest(location.as_bytes()));
    format!("{safe}-{}.git", &hash[..16])
}

/// Whether a file name is a document's (`….dsse.json`).
fn is_document_name(name: &str) -> bool {
    name.ends_with(DOCUMENT_SUFFIX)
}

// ---- directory ----

/// A feed in a directory: `<tool>/<version>/<file>`, walked without following links.
struct DirectorySource {
    root: PathBuf,
}

impl DirectorySource {
    fn read_dir(path: &Path) -> Result<Vec<(String, std::fs::FileType, PathBuf)>, FeedError> {
        let mut entries = Vec::new();
        for entry in fs_err::read_dir(path).map_err(candor_sign::file::FileError::from)? {
            let entry = entry.map_err(candor_sign::file::FileError::from)?;
            let file_type = entry
                .file_type()
                .map_err(candor_sign::file::FileError::from)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            entries.push((name, file_type, entry.path()));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }
}

impl Source for DirectorySource {
    fn list(&mut self, _: Option<&str>, _: bool) -> Result<Listing, FeedError> {
        if !self.root.is_dir() {
            return Err(FeedError::Location {
                location: self.root.display().to_string(),
                reason: "not a directory".to_owned(),
            });
        }
        let mut listing = Listing::default();
        for (tool, tool_type, tool_path) in Self::read_dir(&self.root)? {
            if tool.starts_with('.') || (tool_type.is_file() && !is_document_name(&tool)) {
                continue;
            }
            if !tool_type.is_dir() {
                listing.skipped.push(Skipped {
                    path: tool,
                    reason: kind_reason(tool_type).to_owned(),
                });
                continue;
            }
            for (version, version_type, version_path) in Self::read_dir(&tool_path)? {
                let at = format!("{tool}/{version}");
                if !version_type.is_dir() {
                    listing.skipped.push(Skipped {
                        path: at,
                        reason: kind_reason(version_type).to_owned(),
                    });
                    continue;
                }
                for (name, file_type, path) in Self::read_dir(&version_path)? {
                    let at = format!("{tool}/{version}/{name}");
                    if !file_type.is_file() || !is_document_name(&name) {
                        listing.skipped.push(Skipped {
                            path: at,
                            reason: if file_type.is_file() {
                                format!("not a document (documents end in {DOCUMENT_SUFFIX})")
                            } else {
                                kind_reason(file_type).to_owned()
                            },
                        });
                        continue;
                    }
                    listing.entries.push(Listed {
                        path: at,
                        sha256: None,
                        size: None,
                        unchanged: false,
                        handle: Handle::File(path),
                    });
                }
            }
        }
        Ok(listing)
    }

    fn read(&self, entry: &Listed) -> Result<Vec<u8>, FeedError> {
        let Handle::File(path) = &entry.handle else {
            return Err(FeedError::Location {
                location: entry.path.clone(),
                reason: "not a file of this feed".to_owned(),
            });
        };
        // A link swapped in after listing is refused: read only what is still a file.
        let metadata =
            fs_err::symlink_metadata(path).map_err(candor_sign::file::FileError::from)?;
        if !metadata.is_file() {
            return Err(FeedError::Location {
                location: entry.path.clone(),
                reason: "no longer a regular file".to_owned(),
            });
        }
        Ok(candor_sign::file::read_capped(
            path,
            MAX_ENVELOPE_BYTES,
            "a feed document",
        )?)
    }
}

fn kind_reason(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_symlink() {
        "a symbolic link (never followed in a feed)"
    } else if file_type.is_dir() {
        "a directory where a document belongs"
    } else if file_type.is_file() {
        "a file where a directory belongs (<tool>/<version>/<document>)"
    } else {
        "not a regular file"
    }
}

// ---- git ----

/// A git feed: fetched into a bare clone in the store's cache; only blobs of the fetched
/// commit's tree are read (no checkout: links, submodules and hooks are never used,
/// ADVERSARIAL.md F8).
struct GitSource {
    location: FeedLocation,
    clone_dir: PathBuf,
    settings: HttpSettings,
    /// The cache clone, once listed (a repository is used by one thread at a time).
    repo: Mutex<Option<git2::Repository>>,
}

/// Where a fetched head is kept in the cache clone.
const FETCHED_REF: &str = "refs/candor/fetched";

impl GitSource {
    fn fetch(&self) -> Result<(git2::Repository, git2::Oid), FeedError> {
        let display = self.location.to_string();
        fs_err::create_dir_all(self.clone_dir.parent().unwrap_or(Path::new(".")))
            .map_err(candor_sign::file::FileError::from)?;
        let repo = match git2::Repository::open_bare(&self.clone_dir) {
            Ok(repo) => repo,
            Err(_) => git2::Repository::init_bare(&self.clone_dir).map_err(FeedError::git(
                format!("create the cache clone of {display}"),
            ))?,
        };
        let url = match self.location.local_path() {
            Some(path) if !self.location.raw().contains("://") => {
                // A relative path means relative to where the feed was added: make it
                // absolute (it was checked to exist when added).
                std::path::absolute(&path)
                    .unwrap_or(path)
                    .display()
                    .to_string()
            }
            _ => self.location.raw().to_owned(),
        };
        git_http::with_settings(&self.settings, || {
            let mut remote = repo
                .remote_anonymous(&url)
                .map_err(FeedError::git(format!("open {display}")))?;
            let mut options = git2::FetchOptions::new();
            options.download_tags(git2::AutotagOption::None);
            remote
                .fetch(&[format!("+HEAD:{FETCHED_REF}")], Some(&mut options), None)
                .map_err(FeedError::git(format!("fetch from {display}")))
        })?;
        let head = repo
            .refname_to_id(FETCHED_REF)
            .map_err(FeedError::git(format!(
                "read the head fetched from {display}"
            )))?;
        Ok((repo, head))
    }
}

impl Source for GitSource {
    fn list(&mut self, recorded: Option<&str>, allow_rewrite: bool) -> Result<Listing, FeedError> {
        let (repo, head) = self.fetch()?;
        let display = self.location.to_string();
        let mut listing = Listing {
            state: Some(head.to_string()),
            ..Listing::default()
        };
        let previous = recorded.and_then(|r| git2::Oid::from_str(r).ok());
        if let Some(previous) = previous {
            if previous == head {
                listing.unchanged = true;
                *self.repo.get_mut().unwrap_or_else(PoisonError::into_inner) = Some(repo);
                return Ok(listing);
            }
            // The recorded commit must be an ancestor of the new head. If it is not in
            // the clone at all (history rewritten, or the cache lost), that cannot be
            // shown: refuse as well (fail closed, ADVERSARIAL.md D11).
            let descends = repo.find_commit(previous).is_ok()
                && repo.graph_descendant_of(head, previous).unwrap_or(false);
            if !descends && !allow_rewrite {
                return Err(FeedError::Rollback {
                    feed: display,
                    recorded: previous.to_string(),
                    fetched: head.to_string(),
                });
            }
        }
        let (mut entries, skipped) = walk_commit(&repo, head, previous, &display)?;
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        listing.entries = entries;
        listing.skipped = skipped;
        *self.repo.get_mut().unwrap_or_else(PoisonError::into_inner) = Some(repo);
        Ok(listing)
    }

    fn read(&self, entry: &Listed) -> Result<Vec<u8>, FeedError> {
        let repo = self.repo.lock().unwrap_or_else(PoisonError::into_inner);
        let (Some(repo), Handle::Blob(oid)) = (repo.as_ref(), &entry.handle) else {
            return Err(FeedError::Location {
                location: entry.path.clone(),
                reason: "not a blob of this feed".to_owned(),
            });
        };
        let blob = repo
            .find_blob(*oid)
            .map_err(FeedError::git(format!("read {}", entry.path)))?;
        if blob.size() as u64 > MAX_ENVELOPE_BYTES {
            return Err(FeedError::TooLarge {
                url: entry.path.clone(),
                what: "a feed document",
                limit: MAX_ENVELOPE_BYTES,
            });
        }
        Ok(blob.content().to_vec())
    }
}

/// The documents of commit `head`'s tree, and what was passed over; blobs unchanged since
/// commit `previous` are marked so.
fn walk_commit(
    repo: &git2::Repository,
    head: git2::Oid,
    previous: Option<git2::Oid>,
    display: &str,
) -> Result<(Vec<Listed>, Vec<Skipped>), FeedError> {
    let commit = repo.find_commit(head).map_err(FeedError::git(format!(
        "read the commit fetched from {display}"
    )))?;
    let tree = commit
        .tree()
        .map_err(FeedError::git(format!("read the tree of {head}")))?;
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let name = entry.name().unwrap_or("(a name that is not UTF-8)");
            let path = format!("{dir}{name}");
            let depth = dir.matches('/').count();
            let mode = entry.filemode();
            match entry.kind() {
                Some(git2::ObjectType::Tree) if depth < 2 && !name.starts_with('.') => {
                    git2::TreeWalkResult::Ok
                }
                Some(git2::ObjectType::Tree) => {
                    if !name.starts_with('.') {
                        skipped.push(Skipped {
                            path,
                            reason: "a directory where a document belongs".to_owned(),
                        });
                    }
                    git2::TreeWalkResult::Skip
                }
                Some(git2::ObjectType::Blob) if mode == 0o120_000 => {
                    skipped.push(Skipped {
                        path,
                        reason: "a symbolic link (never followed in a feed)".to_owned(),
                    });
                    git2::TreeWalkResult::Ok
                }
                Some(git2::ObjectType::Blob) if depth == 2 && is_document_name(name) => {
                    entries.push(Listed {
                        path,
                        sha256: None,
                        size: None,
                        unchanged: false,
                        handle: Handle::Blob(entry.id()),
                    });
                    git2::TreeWalkResult::Ok
                }
                Some(git2::ObjectType::Blob) => {
                    if depth > 0 && !name.starts_with('.') {
                        skipped.push(Skipped {
                            path,
                            reason: format!(
                                "not a document at <tool>/<version>/<kind>.<signer>.<digest>{DOCUMENT_SUFFIX}"
                            ),
                        });
                    }
                    git2::TreeWalkResult::Ok
                }
                Some(git2::ObjectType::Commit) => {
                    skipped.push(Skipped {
                        path,
                        reason: "a submodule (never followed in a feed)".to_owned(),
                    });
                    git2::TreeWalkResult::Ok
                }
                _ => git2::TreeWalkResult::Ok,
            }
        })
        .map_err(FeedError::git(format!("walk the tree of {head}")))?;
    // Blobs unchanged since the recorded commit keep their known digest: the store
    // only reads what changed.
    if let Some(previous_tree) = previous
        .and_then(|p| repo.find_commit(p).ok())
        .and_then(|c| c.tree().ok())
    {
        for entry in &mut entries {
            if let Ok(old) = previous_tree.get_path(Path::new(&entry.path))
                && let Handle::Blob(oid) = entry.handle
                && old.id() == oid
            {
                entry.unchanged = true;
            }
        }
    }
    Ok((entries, skipped))
}

// ---- HTTPS ----

/// Requests in flight at once to a static feed, each on a keep-alive connection of its
/// own: as many as a browser opens to one host. A sync is then bound by the server's
/// throughput, not by the round trip of each request.
const HTTPS_READERS: usize = 6;

/// A static feed: `index.json`, then each file it lists, every one checked against the
/// index's sha256 and size.
struct HttpsSource {
    base: String,
    client: reqwest::blocking::Client,
    deadline: std::time::Duration,
}

impl HttpsSource {
    fn new(location: &FeedLocation, settings: &HttpSettings) -> Result<Self, FeedError> {
        if location.is_plain_http() && !settings.allow_http {
            return Err(FeedError::Location {
                location: location.to_string(),
                reason: "plain http:// is refused (no downgrade from HTTPS); add the feed with \
                         --allow-http to accept it"
                    .to_owned(),
            });
        }
        Ok(Self {
            base: location.raw().trim_end_matches('/').to_owned(),
            client: http::client(settings)?,
            deadline: settings.request_timeout.unwrap_or(http::REQUEST_TIMEOUT),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }
}

impl Source for HttpsSource {
    fn list(&mut self, recorded: Option<&str>, _: bool) -> Result<Listing, FeedError> {
        let url = self.url(INDEX_FILE);
        let mut request = self.client.get(&url);
        if let Some(etag) = recorded {
            request = request.header("If-None-Match", etag);
        }
        let response = request.send().map_err(|e| http::request_error(&url, &e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Listing {
                state: recorded.map(str::to_owned),
                unchanged: true,
                ..Listing::default()
            });
        }
        if !status.is_success() {
            return Err(FeedError::Status {
                url: redact(&url),
                status: status.as_u16(),
            });
        }
        let etag = response
            .headers()
            .get("ETag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = http::read_capped(
            response,
            &url,
            MAX_INDEX_BYTES as u64,
            "a feed index",
            self.deadline,
        )?;
        let index = FeedIndex::from_json(&body, &redact(&url)).map_err(FeedError::Index)?;
        Ok(Listing {
            entries: index
                .files
                .into_iter()
                .map(|entry| Listed {
                    handle: Handle::Url(self.url(&entry.path)),
                    path: entry.path,
                    sha256: Some(entry.sha256),
                    size: Some(entry.size),
                    unchanged: false,
                })
                .collect(),
            skipped: Vec::new(),
            state: etag,
            unchanged: false,
        })
    }

    fn readers(&self) -> usize {
        HTTPS_READERS
    }

    fn read(&self, entry: &Listed) -> Result<Vec<u8>, FeedError> {
        let Handle::Url(url) = &entry.handle else {
            return Err(FeedError::Location {
                location: entry.path.clone(),
                reason: "not a URL of this feed".to_owned(),
            });
        };
        let limit = entry
            .size
            .unwrap_or(MAX_ENVELOPE_BYTES)
            .min(MAX_ENVELOPE_BYTES);
        let response = self
            .client
            .get(url)
            .send()
            .map_err(|e| http::request_error(url, &e))?;
        if !response.status().is_success() {
            return Err(FeedError::Status {
                url: redact(url),
                status: response.status().as_u16(),
            });
        }
        http::read_capped(
            response,
            url,
            limit,
            "a feed document (as the index sizes it)",
            self.deadline,
        )
    }
}
