//! `candor publish`: put signed documents into a feed (a directory or a git repository).
//!
//! Publishing needs no trust: the document must only be a candor attestation (an
//! envelope or bundle holding a valid candor Statement); readers check signatures. Its
//! path comes from its content ([`candor_model::feed`]); `index.json` is updated with it.
//! Publishing the same bytes again changes nothing. A *different* manifest for a release
//! that the same signer already has in the feed is refused unless the caller asks to
//! supersede it and the new manifest names it (`supersedes`): a feed never silently
//! holds two stories about one release.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use candor_model::feed::{DocumentKind, FeedIndex, INDEX_FILE, IndexEntry};
use candor_sign::dsse::MAX_ENVELOPE_BYTES;
use candor_sign::file::{FileMode, read_capped, write_atomic};
use git2::Repository;

use crate::document::FeedDocument;
use crate::error::FeedError;
use crate::git_http;
use crate::http::HttpSettings;
use crate::location::{FeedLocation, TransportKind};
use crate::store::Store;

/// How to publish.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// Replace a manifest of the same release and signer (the new one must name it).
    pub supersede: bool,
    /// Push the commit to the remote (required for a git URL).
    pub push: bool,
    /// HTTP settings for a git remote reached over HTTP(S).
    pub http: HttpSettings,
}

/// What became of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Written to the feed.
    Written,
    /// Written, replacing (superseding) a manifest of the same release and signer.
    Superseded,
    /// The feed held these exact bytes already.
    Unchanged,
}

/// One document published.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Published {
    /// The file given.
    pub file: String,
    /// Its path in the feed.
    pub path: String,
    /// Its sha256.
    pub sha256: String,
    /// `manifest`, `audit` or `response`.
    pub kind: DocumentKind,
    /// The tool.
    pub tool: String,
    /// The release.
    pub version: String,
    /// What became of it.
    pub outcome: Outcome,
}

/// What `candor publish` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct PublishReport {
    /// The feed (without credentials).
    pub feed: String,
    /// How it is reached.
    pub transport: TransportKind,
    /// Each document, in the order given.
    pub documents: Vec<Published>,
    /// The commit made, for a git feed that changed.
    pub commit: Option<String>,
    /// Whether the commit was pushed.
    pub pushed: bool,
}

/// Read and parse the documents to publish.
pub fn read_documents(files: &[PathBuf]) -> Result<Vec<(String, FeedDocument)>, FeedError> {
    files
        .iter()
        .map(|file| {
            let name = file.display().to_string();
            let bytes = read_capped(
                file,
                MAX_ENVELOPE_BYTES,
                "a DSSE envelope or Sigstore bundle",
            )?;
            Ok((name.clone(), FeedDocument::parse(bytes, &name)?))
        })
        .collect()
}

/// Publish `files` to `feed`; with a store, record each as published there too.
pub fn publish(
    files: &[PathBuf],
    feed: &FeedLocation,
    options: &PublishOptions,
    store: Option<&mut Store>,
) -> Result<PublishReport, FeedError> {
    let documents = read_documents(files)?;
    let mut report = PublishReport {
        feed: feed.to_string(),
        transport: feed.transport,
        documents: Vec::new(),
        commit: None,
        pushed: false,
    };
    match feed.transport {
        TransportKind::Directory => {
            let root = feed
                .local_path()
                .unwrap_or_else(|| PathBuf::from(feed.raw()));
            report.documents = publish_to_directory(&root, &root, &documents, options)?;
        }
        TransportKind::Git => publish_to_git(feed, &documents, options, &mut report)?,
        TransportKind::Https => {
            return Err(FeedError::Location {
                location: feed.to_string(),
                reason: "a static HTTPS feed is read-only: publish to the directory or git \
                         repository it is served from"
                    .to_owned(),
            });
        }
    }
    if let Some(store) = store {
        for (_, document) in &documents {
            store.record_published(document, &report.feed)?;
        }
    }
    Ok(report)
}

/// Decide what publishing `document` into a feed indexed by `index` does.
fn plan(
    file: &str,
    document: &FeedDocument,
    index: &FeedIndex,
    options: &PublishOptions,
) -> Result<Outcome, FeedError> {
    let path = document.path.to_string();
    if let Some(existing) = index.get(&path) {
        if existing.sha256 == document.sha256 {
            return Ok(Outcome::Unchanged);
        }
        // Two different files whose sha256 share 16 hex digits: never overwrite.
        return Err(FeedError::Conflict {
            existing: path,
            tool: document.path.tool.to_string(),
            version: document.path.version.to_string(),
            existing_sha256: existing.sha256.clone(),
        });
    }
    if document.kind() != DocumentKind::Manifest {
        return Ok(Outcome::Written);
    }
    let same_signer = format!(
        "{}/manifest.{}.",
        document.path.release_dir(),
        document.path.signer()
    );
    let others: Vec<&IndexEntry> = index
        .files
        .iter()
        .filter(|e| e.path.starts_with(&same_signer))
        .collect();
    let Some(latest) = others.last() else {
        return Ok(Outcome::Written);
    };
    if !options.supersede {
        return Err(FeedError::Conflict {
            existing: latest.path.clone(),
            tool: document.path.tool.to_string(),
            version: document.path.version.to_string(),
            existing_sha256: latest.sha256.clone(),
        });
    }
    match document.supersedes() {
        Some(named) if others.iter().any(|e| e.sha256 == named) => Ok(Outcome::Superseded),
        named => Err(FeedError::SupersedesOther {
            file: file.to_owned(),
            named: named.unwrap_or("nothing").to_owned(),
            existing: latest.sha256.clone(),
        }),
    }
}

/// The index of a feed directory: `index.json`, or, for a directory that has none yet,
/// one made from the documents in it.
fn directory_index(root: &Path) -> Result<FeedIndex, FeedError> {
    let index_path = root.join(INDEX_FILE);
    if index_path.is_file() {
        let bytes = read_capped(
            &index_path,
            candor_model::feed::MAX_INDEX_BYTES as u64,
            "a feed index",
        )?;
        return FeedIndex::from_json(&bytes, &index_path.display().to_string())
            .map_err(FeedError::Index);
    }
    let mut index = FeedIndex::new();
    if !root.is_dir() {
        return Ok(index);
    }
    let record = crate::store::FeedRecord {
        name: String::new(),
        location: FeedLocation::new(TransportKind::Directory, root.display().to_string()),
        options: crate::store::FeedOptions::default(),
        added: 0,
        last_sync: None,
        state: None,
    };
    let mut source = crate::source::open(&record, root)?;
    for entry in source.list(None, false)?.entries {
        let bytes = source.read(&entry)?;
        let document = FeedDocument::parse(bytes, &entry.path)?;
        if document.path.to_string() == entry.path {
            index.insert(IndexEntry {
                path: entry.path,
                sha256: document.sha256,
                size: document.bytes.len() as u64,
            });
        }
    }
    Ok(index)
}

/// An exclusive lock on a feed directory for the length of one publish (two publishers
/// on one directory would each write an index without the other's file: G4).
fn lock_directory(root: &Path, lock_dir: &Path) -> Result<std::fs::File, FeedError> {
    fs_err::create_dir_all(root).map_err(candor_sign::file::FileError::from)?;
    let path = lock_dir.join(".candor-feed.lock");
    let file = fs_err::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(candor_sign::file::FileError::from)?
        .into_file();
    file.lock().map_err(|e| {
        candor_sign::file::FileError::from(std::io::Error::new(
            e.kind(),
            format!("lock {}: {e}", path.display()),
        ))
    })?;
    Ok(file)
}

fn published(file: &str, document: &FeedDocument, outcome: Outcome) -> Published {
    Published {
        file: file.to_owned(),
        path: document.path.to_string(),
        sha256: document.sha256.clone(),
        kind: document.kind(),
        tool: document.path.tool.to_string(),
        version: document.path.version.to_string(),
        outcome,
    }
}

/// Write `documents` into the feed directory `root`, then its index (each atomically:
/// a crash in between leaves a document the index does not list yet, and publishing it
/// again lists it).
fn publish_to_directory(
    root: &Path,
    lock_dir: &Path,
    documents: &[(String, FeedDocument)],
    options: &PublishOptions,
) -> Result<Vec<Published>, FeedError> {
    let _lock = lock_directory(root, lock_dir)?;
    let mut index = directory_index(root)?;
    let index_before = index.clone();
    let mut results = Vec::with_capacity(documents.len());
    for (file, document) in documents {
        let outcome = plan(file, document, &index, options)?;
        let path = root.join(document.path.to_string());
        let on_disk_ok =
            path.is_file() && fs_err::read(&path).is_ok_and(|bytes| bytes == document.bytes);
        if outcome != Outcome::Unchanged || !on_disk_ok {
            if let Some(dir) = path.parent() {
                fs_err::create_dir_all(dir).map_err(candor_sign::file::FileError::from)?;
            }
            write_atomic(&path, &document.bytes, FileMode::Public)?;
        }
        index.insert(IndexEntry {
            path: document.path.to_string(),
            sha256: document.sha256.clone(),
            size: document.bytes.len() as u64,
        });
        results.push(published(file, document, outcome));
    }
    if index != index_before || !root.join(INDEX_FILE).is_file() {
        write_atomic(
            &root.join(INDEX_FILE),
            index.to_json().as_bytes(),
            FileMode::Public,
        )?;
    }
    Ok(results)
}

/// The commit message of a publish: what it adds.
fn commit_message(results: &[Published]) -> String {
    let what: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Unchanged)
        .map(|r| format!("{} {} {}", r.tool, r.version, r.kind))
        .collect();
    format!("candor publish: {}\n", what.join(", "))
}

fn publish_to_git(
    feed: &FeedLocation,
    documents: &[(String, FeedDocument)],
    options: &PublishOptions,
    report: &mut PublishReport,
) -> Result<(), FeedError> {
    let display = feed.to_string();
    let is_url = feed.raw().contains("://") && !feed.raw().starts_with("file://");
    if is_url && !options.push {
        return Err(FeedError::Location {
            location: display,
            reason: "a remote git feed changes only by a push; pass --push".to_owned(),
        });
    }
    if let Some(path) = feed.local_path().filter(|_| !is_url) {
        let repo =
            Repository::open(&path).map_err(FeedError::git(format!("open {}", path.display())))?;
        if let Some(workdir) = repo.workdir().map(Path::to_path_buf) {
            // A repository with a work tree: the files are written there, then committed.
            // The lock lives in .git, out of the work tree.
            report.documents = publish_to_directory(&workdir, repo.path(), documents, options)?;
            report.commit = commit_work_tree(&repo, &report.documents)?;
        } else {
            let (results, commit) = commit_objects(&repo, documents, options)?;
            report.documents = results;
            report.commit = commit;
        }
        if options.push && report.commit.is_some() {
            let mut remote = repo.find_remote("origin").map_err(FeedError::git(format!(
                "find the remote `origin` of {display}"
            )))?;
            let url = remote.url().unwrap_or_default().to_owned();
            git_http::with_settings(&options.http, || push(&repo, &mut remote, &url))?;
            report.pushed = true;
        }
        return Ok(());
    }
    // A URL: a fresh bare clone, a commit, a push.
    let scratch = tempfile::tempdir().map_err(candor_sign::file::FileError::from)?;
    git_http::with_settings(&options.http, || {
        let repo = git2::build::RepoBuilder::new()
            .bare(true)
            .clone(feed.raw(), &scratch.path().join("feed.git"))
            .map_err(FeedError::git(format!("clone {display}")))?;
        let (results, commit) = commit_objects(&repo, documents, options)?;
        report.documents = results;
        report.commit = commit;
        if report.commit.is_some() {
            let mut remote = repo
                .find_remote("origin")
                .map_err(FeedError::git(format!("find the remote of {display}")))?;
            push(&repo, &mut remote, feed.raw())?;
            report.pushed = true;
        }
        Ok(())
    })
}

/// The signature commits are made with: the repository's configured user, else candor.
fn signature(repo: &Repository) -> Result<git2::Signature<'static>, FeedError> {
    repo.signature()
        .or_else(|_| git2::Signature::now("candor", "candor@localhost"))
        .map_err(FeedError::git("make a commit signature"))
}

/// Stage the published files and the index in the work tree's index and commit them.
fn commit_work_tree(repo: &Repository, results: &[Published]) -> Result<Option<String>, FeedError> {
    let mut index = repo.index().map_err(FeedError::git("read the git index"))?;
    for path in results.iter().map(|r| r.path.as_str()).chain([INDEX_FILE]) {
        index
            .add_path(Path::new(path))
            .map_err(FeedError::git(format!("stage {path}")))?;
    }
    index
        .write()
        .map_err(FeedError::git("write the git index"))?;
    let tree_id = index
        .write_tree()
        .map_err(FeedError::git("write the tree"))?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    if parent.as_ref().is_some_and(|p| p.tree_id() == tree_id) {
        return Ok(None);
    }
    let tree = repo
        .find_tree(tree_id)
        .map_err(FeedError::git("read the tree"))?;
    let signature = signature(repo)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let commit = repo
        .commit(
            Some("HEAD"),
            &signature,
            &signature,
            &commit_message(results),
            &tree,
            &parents,
        )
        .map_err(FeedError::git("commit"))?;
    Ok(Some(commit.to_string()))
}

/// Commit `documents` (and the updated index) onto the branch HEAD names, in a
/// repository without a work tree, through git's object database only.
fn commit_objects(
    repo: &Repository,
    documents: &[(String, FeedDocument)],
    options: &PublishOptions,
) -> Result<(Vec<Published>, Option<String>), FeedError> {
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let base_tree = parent.as_ref().and_then(|c| c.tree().ok());
    let mut index = match base_tree
        .as_ref()
        .and_then(|t| t.get_path(Path::new(INDEX_FILE)).ok())
    {
        Some(entry) => {
            let blob = repo
                .find_blob(entry.id())
                .map_err(FeedError::git("read index.json"))?;
            FeedIndex::from_json(blob.content(), INDEX_FILE).map_err(FeedError::Index)?
        }
        None => FeedIndex::new(),
    };
    let mut results = Vec::with_capacity(documents.len());
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (file, document) in documents {
        let outcome = plan(file, document, &index, options)?;
        if outcome != Outcome::Unchanged {
            files.push((document.path.to_string(), document.bytes.clone()));
            index.insert(IndexEntry {
                path: document.path.to_string(),
                sha256: document.sha256.clone(),
                size: document.bytes.len() as u64,
            });
        }
        results.push(published(file, document, outcome));
    }
    if files.is_empty() {
        return Ok((results, None));
    }
    files.push((INDEX_FILE.to_owned(), index.to_json().into_bytes()));
    let mut tree = base_tree;
    for (path, bytes) in &files {
        let blob = repo
            .blob(bytes)
            .map_err(FeedError::git(format!("write {path}")))?;
        let id = insert_blob(repo, tree.as_ref(), path, blob)?;
        tree = Some(
            repo.find_tree(id)
                .map_err(FeedError::git("read the new tree"))?,
        );
    }
    let Some(tree) = tree else {
        return Ok((results, None));
    };
    let signature = signature(repo)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let commit = repo
        .commit(
            Some("HEAD"),
            &signature,
            &signature,
            &commit_message(&results),
            &tree,
            &parents,
        )
        .map_err(FeedError::git("commit"))?;
    Ok((results, Some(commit.to_string())))
}

/// A tree like `base` with the blob at `path` (`a/b/c`) set, creating directories.
fn insert_blob(
    repo: &Repository,
    base: Option<&git2::Tree<'_>>,
    path: &str,
    blob: git2::Oid,
) -> Result<git2::Oid, FeedError> {
    let mut builder = repo
        .treebuilder(base)
        .map_err(FeedError::git("build a tree"))?;
    match path.split_once('/') {
        None => {
            builder
                .insert(path, blob, 0o100_644)
                .map_err(FeedError::git(format!("add {path}")))?;
        }
        Some((dir, rest)) => {
            let subtree = base
                .and_then(|t| t.get_name(dir))
                .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
                .and_then(|e| repo.find_tree(e.id()).ok());
            let id = insert_blob(repo, subtree.as_ref(), rest, blob)?;
            builder
                .insert(dir, id, 0o040_000)
                .map_err(FeedError::git(format!("add {dir}/")))?;
        }
    }
    builder.write().map_err(FeedError::git("write a tree"))
}

/// Push the branch HEAD names to `remote`; a refusal is a [`FeedError::PushRejected`].
fn push(repo: &Repository, remote: &mut git2::Remote<'_>, url: &str) -> Result<(), FeedError> {
    let display = crate::location::redact(url);
    let branch = repo
        .head()
        .ok()
        .and_then(|h| h.name().ok().map(str::to_owned))
        .unwrap_or_else(|| "refs/heads/main".to_owned());
    let rejected = RefCell::new(None::<String>);
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.push_update_reference(|reference, status| {
        if let Some(message) = status {
            *rejected.borrow_mut() = Some(format!("{reference}: {message}"));
        }
        Ok(())
    });
    let mut options = git2::PushOptions::new();
    options.remote_callbacks(callbacks);
    let result = remote.push(&[format!("{branch}:{branch}")], Some(&mut options));
    drop(options);
    match (result, rejected.into_inner()) {
        (Ok(()), None) => Ok(()),
        (Ok(()), Some(reason)) => Err(FeedError::PushRejected {
            remote: display,
            reason: format!("{reason} (someone pushed first? sync, then publish again)"),
        }),
        (Err(e), _) if e.code() == git2::ErrorCode::NotFastForward => {
            Err(FeedError::PushRejected {
                remote: display,
                reason: format!(
                    "{} (the remote moved on: sync, then publish again)",
                    e.message()
                ),
            })
        }
        (Err(e), _) => Err(FeedError::Git {
            what: format!("push to {display}"),
            source: e,
        }),
    }
}
