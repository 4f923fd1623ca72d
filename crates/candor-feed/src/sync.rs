//! `candor feed sync`: bring a feed's documents into the local store.
//!
//! The same steps for every transport: list what the feed holds; read each file the store
//! does not hold yet (checking it against the index where there is one); parse it as a
//! candor attestation and check that its name is the one its content gives it (these
//! three on the source's reader threads, a few files ahead); stage it, in the listing's
//! order; then make the whole sync take effect in one transaction (documents, links,
//! events, the feed's state). Files that are not candor attestations, or whose name does not
//! match their content, are skipped and reported, never stored. Nothing is trusted here:
//! signatures are checked when a document is used, against the policy of that day.

use std::collections::HashMap;

use candor_sign::verify::VerifyError;

use crate::document::FeedDocument;
use crate::error::FeedError;
use crate::read_ahead::read_ahead;
use crate::source::{self, Listed, Skipped};
use crate::store::{Event, Store};

/// Documents staged per transaction while fetching.
const STAGE_BATCH: usize = 256;

/// Files read and checked ahead of the one being staged, at most.
const READ_AHEAD: usize = 64;

/// How to sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Accept a git feed whose history was rewritten, or a feed that no longer lists
    /// documents it listed before (an event records it).
    pub allow_rewrite: bool,
}

/// What a sync did (what `candor feed sync --format json` prints, one per feed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SyncReport {
    /// The feed.
    pub feed: String,
    /// Where it is (without credentials).
    pub location: String,
    /// How it is reached.
    pub transport: String,
    /// Nothing changed since the last sync (same commit, `304 Not Modified`).
    pub unchanged: bool,
    /// Documents the feed lists.
    pub listed: usize,
    /// Documents new to the store.
    pub new_documents: usize,
    /// Documents newly linked to this feed (new, or already known from another feed).
    pub new_in_feed: usize,
    /// Files passed over, and why.
    pub skipped: Vec<Skipped>,
    /// Equivocations this sync found.
    pub equivocations: Vec<Event>,
    /// Documents the feed stopped listing (only with `allow_rewrite`).
    pub withdrawn: usize,
    /// The state recorded: the git commit, the index `ETag`.
    pub state: Option<String>,
    /// Things the user should know (plain HTTP, a rewritten feed accepted).
    pub warnings: Vec<String>,
}

/// The feed's listing; a refused rollback is recorded in the ledger.
fn list(
    store: &mut Store,
    name: &str,
    source: &mut dyn source::Source,
    state: Option<&str>,
    options: SyncOptions,
) -> Result<source::Listing, FeedError> {
    match source.list(state, options.allow_rewrite) {
        Err(error @ FeedError::Rollback { .. }) => {
            store.record_event(
                "rollback-refused",
                Some(name),
                &serde_json::json!({ "reason": error.to_string() }),
            )?;
            Err(error)
        }
        other => other,
    }
}

/// Sync the feed `name` into `store`.
pub fn sync(store: &mut Store, name: &str, options: SyncOptions) -> Result<SyncReport, FeedError> {
    let record = store.feed(name)?;
    let mut warnings = Vec::new();
    if record.options.allow_http && record.location.is_plain_http() {
        warnings.push(format!(
            "{} is plain HTTP: anyone on the path can withhold or replay documents",
            record.location
        ));
    }
    let mut source = source::open(&record, &store.cache_dir())?;
    let listing = list(
        store,
        name,
        source.as_mut(),
        record.state.as_deref(),
        options,
    )?;
    let mut report = SyncReport {
        feed: record.name.clone(),
        location: record.location.to_string(),
        transport: record.location.transport.as_str().to_owned(),
        unchanged: listing.unchanged,
        listed: listing.entries.len(),
        new_documents: 0,
        new_in_feed: 0,
        skipped: listing.skipped,
        equivocations: Vec::new(),
        withdrawn: 0,
        state: listing.state.clone(),
        warnings,
    };
    if listing.unchanged {
        report.listed = store.counts(name)?;
        return Ok(report);
    }
    let links = store.feed_links(name)?;
    // What the store can tell before anything is read; the rest is read and checked on
    // the source's reader threads, and comes back in the listing's order.
    let entries = listing
        .entries
        .iter()
        .map(|entry| Ok((entry, known(store, name, entry, &links)?)))
        .collect::<Result<Vec<_>, FeedError>>()?;
    let source = &*source;
    let read = |(entry, known): &(&Listed, Option<Fetched>)| match known {
        Some(known) => Ok(known.clone()),
        None => fetch(source, entry, &links),
    };
    let mut accepted: Vec<(String, String)> = Vec::with_capacity(listing.entries.len());
    let mut batch: Vec<(String, FeedDocument)> = Vec::new();
    std::thread::scope(|scope| {
        let mut fetched = read_ahead(scope, &entries, source.readers(), READ_AHEAD, &read);
        for (entry, _) in &entries {
            let Some(outcome) = fetched.next() else {
                break;
            };
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(error) => {
                    // What was fetched and checked so far stays staged: the next sync
                    // resumes from it instead of fetching it again.
                    stage(store, name, &mut batch)?;
                    return Err(error);
                }
            };
            match outcome {
                Fetched::Known(sha256) => accepted.push((entry.path.clone(), sha256)),
                Fetched::New(document) => {
                    accepted.push((entry.path.clone(), document.sha256.clone()));
                    batch.push((entry.path.clone(), *document));
                    if batch.len() >= STAGE_BATCH {
                        stage(store, name, &mut batch)?;
                    }
                }
                Fetched::Skipped(reason) => report.skipped.push(Skipped {
                    path: entry.path.clone(),
                    reason,
                }),
            }
        }
        Ok::<_, FeedError>(())
    })?;
    stage(store, name, &mut batch)?;
    if options.allow_rewrite {
        let listed: std::collections::HashSet<&str> =
            accepted.iter().map(|(p, _)| p.as_str()).collect();
        if links.keys().any(|p| !listed.contains(p.as_str())) {
            report.warnings.push(format!(
                "{name} no longer lists documents it listed before; accepted (--allow-rewrite)"
            ));
        }
    }
    let outcome = store.commit_sync(
        name,
        &accepted,
        listing.state.as_deref(),
        options.allow_rewrite,
    )?;
    report.listed = accepted.len();
    report.new_documents = outcome.new_documents;
    report.new_in_feed = outcome.new_in_feed;
    report.equivocations = outcome.equivocations;
    report.withdrawn = outcome.withdrawn;
    Ok(report)
}

fn stage(
    store: &mut Store,
    feed: &str,
    batch: &mut Vec<(String, FeedDocument)>,
) -> Result<(), FeedError> {
    if batch.is_empty() {
        return Ok(());
    }
    let refs: Vec<(&str, &FeedDocument)> = batch.iter().map(|(p, d)| (p.as_str(), d)).collect();
    store.stage(feed, &refs)?;
    batch.clear();
    Ok(())
}

/// What became of one listed file.
#[derive(Clone)]
enum Fetched {
    /// Already stored or staged: its sha256.
    Known(String),
    /// Read, checked and parsed.
    New(Box<FeedDocument>),
    /// Not a document this feed may hold: why.
    Skipped(String),
}

/// What becomes of a listed file without reading it: skipped for its name, or known
/// (linked already, stored, or staged by an interrupted sync) by the digest the listing
/// gives; `None` if it must be read.
fn known(
    store: &Store,
    feed: &str,
    entry: &Listed,
    links: &HashMap<String, String>,
) -> Result<Option<Fetched>, FeedError> {
    if let Err(e) = entry.path.parse::<candor_model::feed::FeedPath>() {
        return Ok(Some(Fetched::Skipped(e.message)));
    }
    if entry.unchanged
        && let Some(sha256) = links.get(&entry.path)
    {
        return Ok(Some(Fetched::Known(sha256.clone())));
    }
    if let Some(sha256) = &entry.sha256
        && (links.get(&entry.path) == Some(sha256)
            || store.has_document(sha256)?
            || store.is_staged(feed, sha256)?)
    {
        return Ok(Some(Fetched::Known(sha256.clone())));
    }
    Ok(None)
}

/// Read a listed file and check it: against what the listing promised, then as a candor
/// attestation whose content gives it the name it has (run on a reader thread).
fn fetch(
    source: &dyn source::Source,
    entry: &Listed,
    links: &HashMap<String, String>,
) -> Result<Fetched, FeedError> {
    let bytes = source.read(entry)?;
    // What the index promised, before anything is made of the bytes.
    if let Some(size) = entry.size
        && size != bytes.len() as u64
    {
        return Err(FeedError::DigestMismatch {
            file: entry.path.clone(),
            what: "size",
            expected: format!("{size} bytes"),
            actual: format!("{} bytes", bytes.len()),
        });
    }
    let actual = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    if let Some(expected) = &entry.sha256
        && *expected != actual
    {
        return Err(FeedError::DigestMismatch {
            file: entry.path.clone(),
            what: "sha256",
            expected: expected.clone(),
            actual,
        });
    }
    // The very bytes this feed already links at this path (a directory walked again): the
    // document was parsed, checked and stored when it was first synced.
    if links.get(&entry.path) == Some(&actual) {
        return Ok(Fetched::Known(actual));
    }
    let document = match FeedDocument::parse(bytes, &entry.path) {
        Ok(document) => document,
        Err(FeedError::Document { source, .. }) => {
            return Ok(Fetched::Skipped(format!(
                "not a candor attestation: {}",
                first_line(&source)
            )));
        }
        Err(FeedError::Unnameable { reason, .. }) => return Ok(Fetched::Skipped(reason)),
        Err(other) => return Err(other),
    };
    let named = document.path.to_string();
    if named != entry.path {
        return Ok(Fetched::Skipped(format!(
            "its name does not match its content, which belongs at {named}"
        )));
    }
    Ok(Fetched::New(Box::new(document)))
}

fn first_line(error: &VerifyError) -> String {
    let text = error.to_string();
    text.lines().next().unwrap_or_default().to_owned()
}

/// A sync that failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SyncFailure {
    /// The feed.
    pub feed: String,
    /// Where it is (without credentials).
    pub location: String,
    /// A stable, kebab-case name of the failure.
    pub kind: String,
    /// What went wrong, with its causes.
    pub message: String,
    /// Whether the feed's content was refused (a possible attack) rather than
    /// unreachable.
    pub refused: bool,
}

/// One feed's sync.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SyncResult {
    /// It synced.
    Synced(SyncReport),
    /// It failed; the store is as it was before (what was fetched stays staged, so the
    /// next sync resumes).
    Failed(SyncFailure),
}

/// What `candor feed sync` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SyncOutput {
    /// The store's directory.
    pub store: String,
    /// One result per feed, by name.
    pub results: Vec<SyncResult>,
}

impl SyncOutput {
    /// Whether any feed's content was refused.
    pub fn any_refused(&self) -> bool {
        self.results
            .iter()
            .any(|r| matches!(r, SyncResult::Failed(f) if f.refused))
    }

    /// Whether any feed failed.
    pub fn any_failed(&self) -> bool {
        self.results
            .iter()
            .any(|r| matches!(r, SyncResult::Failed(_)))
    }
}

/// Sync the feed `name`, or every feed, one after the other; one failing does not stop
/// the others.
pub fn sync_feeds(
    store: &mut Store,
    name: Option<&str>,
    options: SyncOptions,
) -> Result<SyncOutput, FeedError> {
    let feeds = match name {
        Some(name) => vec![store.feed(name)?],
        None => store.feeds()?,
    };
    let mut results = Vec::with_capacity(feeds.len());
    for record in feeds {
        results.push(match sync(store, &record.name, options) {
            Ok(report) => SyncResult::Synced(report),
            Err(error) => SyncResult::Failed(SyncFailure {
                feed: record.name.clone(),
                location: record.location.to_string(),
                kind: error.kind().to_owned(),
                message: crate::http::error_chain(&error),
                refused: error.is_refusal(),
            }),
        });
    }
    Ok(SyncOutput {
        store: store.dir().display().to_string(),
        results,
    })
}
