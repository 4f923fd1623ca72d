//! The local store: every document seen, the feeds it came from, and an append-only
//! ledger of events, in one `SQLite` database (`<store>/store.db`, WAL).
//!
//! The store keeps evidence, not verdicts: nothing here is trusted or verified. A
//! document is recorded with what it *claims* (its signers' key ids or certificate
//! identity), indexed by its subjects' digests so that a verification finds every
//! document about an installed artifact, and checked against the policy of the day when
//! it is used.
//!
//! A sync first stages what it fetched (table `staged`, with the metadata its parse gave,
//! in small transactions: a killed sync resumes from there), then makes every change to
//! documents, links, events and the feed's state in one transaction: a sync that fails
//! leaves them as they were.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::document::{FeedDocument, signer_id};
use crate::error::FeedError;
use crate::location::{FeedLocation, TransportKind};

mod verification;

pub use verification::{FileStamp, PolicyCheck, PolicySeen};

/// The store's schema versions, one migration each, applied in order (`PRAGMA
/// user_version` records how many ran).
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE documents (
    sha256 TEXT PRIMARY KEY NOT NULL,
    bytes BLOB NOT NULL,
    size INTEGER NOT NULL,
    kind TEXT NOT NULL,
    form TEXT NOT NULL,
    tool TEXT NOT NULL,
    version TEXT NOT NULL,
    signer_id TEXT NOT NULL,
    signers TEXT NOT NULL,
    predicate_type TEXT NOT NULL,
    supersedes TEXT,
    refers_to TEXT,
    first_seen INTEGER NOT NULL,
    first_feed TEXT
);
CREATE INDEX documents_release ON documents (tool, version, kind);
CREATE INDEX documents_refers_to ON documents (refers_to);
CREATE TABLE subjects (
    document TEXT NOT NULL REFERENCES documents (sha256),
    name TEXT NOT NULL,
    sha256 TEXT,
    sha512 TEXT
);
CREATE INDEX subjects_sha256 ON subjects (sha256);
CREATE INDEX subjects_sha512 ON subjects (sha512);
CREATE TABLE feeds (
    name TEXT PRIMARY KEY NOT NULL,
    location TEXT NOT NULL,
    transport TEXT NOT NULL,
    options TEXT NOT NULL,
    added INTEGER NOT NULL,
    last_sync INTEGER,
    state TEXT
);
CREATE TABLE feed_documents (
    feed TEXT NOT NULL,
    path TEXT NOT NULL,
    document TEXT NOT NULL REFERENCES documents (sha256),
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (feed, path)
);
CREATE TABLE staged (
    feed TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (feed, sha256)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    kind TEXT NOT NULL,
    feed TEXT,
    document TEXT,
    tool TEXT,
    version TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX events_kind ON events (kind);
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the events ledger is append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the events ledger is append-only'); END;
",
    r"
-- A staged document's metadata as its fetch parsed it (JSON), so that the sync's final
-- transaction does not parse it again; NULL for one staged by an older candor.
ALTER TABLE staged ADD COLUMN metadata TEXT;
",
    r"
CREATE TABLE policies (
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    file TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (version, sha256)
);
CREATE TRIGGER policies_are_append_only_update BEFORE UPDATE ON policies
    BEGIN SELECT RAISE(ABORT, 'the policies seen are append-only'); END;
CREATE TRIGGER policies_are_append_only_delete BEFORE DELETE ON policies
    BEGIN SELECT RAISE(ABORT, 'the policies seen are append-only'); END;
CREATE TABLE digest_cache (
    path TEXT PRIMARY KEY NOT NULL,
    device INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    checked INTEGER NOT NULL
);
",
];

/// The schema version this candor writes.
#[allow(clippy::cast_possible_wrap)] // a handful of migrations
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The database file in a store directory.
pub const DATABASE_FILE: &str = "store.db";

/// Options a feed was added with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedOptions {
    /// Extra CA certificates (PEM) trusted for this feed's HTTPS server, besides the
    /// system's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates: Vec<String>,
    /// Plain `http://` allowed (a warning is printed every time).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_http: bool,
    /// The deadline of each HTTP request, in seconds, where not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// A feed as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRecord {
    /// Its name.
    pub name: String,
    /// Where it is.
    pub location: FeedLocation,
    /// How it was added.
    pub options: FeedOptions,
    /// When it was added (Unix seconds).
    pub added: i64,
    /// When it was last synced (Unix seconds).
    pub last_sync: Option<i64>,
    /// What the last sync saw: the git commit, or the index's `ETag`.
    pub state: Option<String>,
}

/// A document in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// sha256 of its bytes.
    pub sha256: String,
    /// Its bytes, exactly as published.
    pub bytes: Vec<u8>,
    /// `manifest`, `audit` or `response`.
    pub kind: String,
    /// `envelope`, `key-bundle` or `certificate-bundle`.
    pub form: String,
    /// The tool it is about.
    pub tool: String,
    /// The release.
    pub version: String,
    /// The signer id its feed path uses (claimed, not verified).
    pub signer_id: String,
    /// For a manifest, the sha256 of the manifest it supersedes.
    pub supersedes: Option<String>,
    /// The sha256 of the envelope it refers to (an audit's manifest, a response's audit).
    pub refers_to: Option<String>,
    /// When this store first saw it (Unix seconds).
    pub first_seen: i64,
    /// The feed it first came from.
    pub first_feed: Option<String>,
}

/// One entry of the append-only ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Event {
    /// Its position in the ledger.
    pub id: i64,
    /// When (Unix seconds).
    pub time: i64,
    /// `new-document`, `published`, `superseded`, `equivocation`, `rollback-refused`,
    /// `feed-rewritten`, `feed-added`, `feed-removed`.
    pub kind: String,
    /// The feed concerned.
    pub feed: Option<String>,
    /// The document concerned (sha256).
    pub document: Option<String>,
    /// The tool concerned.
    pub tool: Option<String>,
    /// The release concerned.
    pub version: Option<String>,
    /// What else there is to say, as JSON.
    pub detail: serde_json::Value,
}

/// What one sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitOutcome {
    /// Documents new to the store.
    pub new_documents: usize,
    /// Documents newly linked to this feed (new to the store or seen in other feeds).
    pub new_in_feed: usize,
    /// Equivocations found (two different manifests for one release by one signer).
    pub equivocations: Vec<Event>,
    /// Documents the feed no longer lists (only with `allow_rewrite`).
    pub withdrawn: usize,
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The local store (see the module documentation).
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    dir: PathBuf,
    db: PathBuf,
}

impl Store {
    /// The user's default store directory: `$XDG_DATA_HOME/candor`, else
    /// `$HOME/.local/share/candor`.
    pub fn default_dir() -> Option<PathBuf> {
        let non_empty = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
        non_empty("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".local/share")))
            .map(|base| base.join("candor"))
    }

    /// Open (creating it and applying migrations if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, FeedError> {
        fs_err::create_dir_all(dir).map_err(candor_sign::file::FileError::from)?;
        let db = dir.join(DATABASE_FILE);
        let store_error = |source| FeedError::Store {
            path: db.clone(),
            source,
        };
        let conn = Connection::open(&db).map_err(store_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(store_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(store_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(store_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(store_error)?;
        // Query plans that do not depend on bound values. Without this, SQLite marks a
        // statement with a `column = ?` filter term to be re-planned when a parameter is
        // rebound (it guesses selectivity from small integer values), and rusqlite clears
        // the bindings of every statement it puts back in its cache: each cached
        // statement was prepared again on every use (the lookup by subject digest, the
        // equivocation check of every new manifest).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(store_error)?;
        let mut store = Self {
            conn,
            dir: dir.to_owned(),
            db,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Open the store only if it exists already.
    pub fn open_existing(dir: &Path) -> Result<Option<Self>, FeedError> {
        if dir.join(DATABASE_FILE).is_file() {
            Self::open(dir).map(Some)
        } else {
            Ok(None)
        }
    }

    fn error(&self) -> impl Fn(rusqlite::Error) -> FeedError + use<> {
        let path = self.db.clone();
        move |source| FeedError::Store {
            path: path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), FeedError> {
        let db = self.db.clone();
        let store_error = |source| FeedError::Store {
            path: db.clone(),
            source,
        };
        let found: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(store_error)?;
        if found > SCHEMA_VERSION {
            return Err(FeedError::StoreTooNew {
                path: db.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let done = usize::try_from(found).unwrap_or(0);
        for (version, migration) in (1..=SCHEMA_VERSION).zip(MIGRATIONS).skip(done) {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Exclusive)
                .map_err(store_error)?;
            // Another process may have migrated while this one waited for the lock.
            let now: i64 = tx
                .pragma_query_value(None, "user_version", |row| row.get(0))
                .map_err(store_error)?;
            if now >= version {
                continue;
            }
            tx.execute_batch(migration).map_err(store_error)?;
            tx.pragma_update(None, "user_version", version)
                .map_err(store_error)?;
            tx.commit().map_err(store_error)?;
        }
        Ok(())
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database file.
    pub fn database(&self) -> &Path {
        &self.db
    }

    /// Where transports keep their caches (git clones).
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join("cache")
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String, FeedError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(self.error())
    }

    // ---- feeds ----

    /// Add a feed; its name must be new.
    pub fn add_feed(
        &mut self,
        name: &str,
        location: &FeedLocation,
        options: &FeedOptions,
    ) -> Result<FeedRecord, FeedError> {
        let error = self.error();
        let exists: Option<String> = self
            .conn
            .query_row("SELECT name FROM feeds WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(&error)?;
        if exists.is_some() {
            return Err(FeedError::FeedExists {
                name: name.to_owned(),
            });
        }
        let added = now();
        let options_json = serde_json::to_string(options).unwrap_or_else(|_| "{}".to_owned());
        let tx = self.conn.transaction().map_err(&error)?;
        tx.execute(
            "INSERT INTO feeds (name, location, transport, options, added) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, location.raw(), location.transport.as_str(), options_json, added],
        )
        .map_err(&error)?;
        insert_event(
            &tx,
            "feed-added",
            Some(name),
            None,
            None,
            None,
            &serde_json::json!({ "location": location.to_string(), "transport": location.transport.as_str() }),
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(FeedRecord {
            name: name.to_owned(),
            location: location.clone(),
            options: options.clone(),
            added,
            last_sync: None,
            state: None,
        })
    }

    /// The feed called `name`.
    pub fn feed(&self, name: &str) -> Result<FeedRecord, FeedError> {
        self.conn
            .query_row(
                "SELECT name, location, transport, options, added, last_sync, state FROM feeds WHERE name = ?1",
                [name],
                feed_from_row,
            )
            .optional()
            .map_err(self.error())?
            .ok_or_else(|| FeedError::UnknownFeed {
                name: name.to_owned(),
            })
    }

    /// Every feed, by name.
    pub fn feeds(&self) -> Result<Vec<FeedRecord>, FeedError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT name, location, transport, options, added, last_sync, state FROM feeds ORDER BY name",
            )
            .map_err(self.error())?;
        let rows = statement
            .query_map([], feed_from_row)
            .map_err(self.error())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.error())
    }

    /// Forget a feed (its documents stay: they are evidence).
    pub fn remove_feed(&mut self, name: &str) -> Result<usize, FeedError> {
        let record = self.feed(name)?;
        let error = self.error();
        let tx = self.conn.transaction().map_err(&error)?;
        let links = tx
            .execute("DELETE FROM feed_documents WHERE feed = ?1", [name])
            .map_err(&error)?;
        tx.execute("DELETE FROM staged WHERE feed = ?1", [name])
            .map_err(&error)?;
        tx.execute("DELETE FROM feeds WHERE name = ?1", [name])
            .map_err(&error)?;
        insert_event(
            &tx,
            "feed-removed",
            Some(name),
            None,
            None,
            None,
            &serde_json::json!({ "location": record.location.to_string(), "documents": links }),
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(links)
    }

    /// Documents linked to `feed`, and documents in the store.
    pub fn counts(&self, feed: &str) -> Result<usize, FeedError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM feed_documents WHERE feed = ?1",
                [feed],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(self.error())
    }

    /// The (path → sha256) links of `feed`.
    pub fn feed_links(&self, feed: &str) -> Result<HashMap<String, String>, FeedError> {
        let mut statement = self
            .conn
            .prepare("SELECT path, document FROM feed_documents WHERE feed = ?1")
            .map_err(self.error())?;
        let rows = statement
            .query_map([feed], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.error())?;
        rows.collect::<Result<HashMap<_, _>, _>>()
            .map_err(self.error())
    }

    // ---- documents ----

    /// Whether the store holds the document with this sha256.
    pub fn has_document(&self, sha256: &str) -> Result<bool, FeedError> {
        self.conn
            .prepare_cached("SELECT 1 FROM documents WHERE sha256 = ?1")
            .and_then(|mut statement| statement.exists([sha256]))
            .map_err(self.error())
    }

    /// Whether `feed` has staged the document with this sha256.
    pub fn is_staged(&self, feed: &str, sha256: &str) -> Result<bool, FeedError> {
        self.conn
            .prepare_cached("SELECT 1 FROM staged WHERE feed = ?1 AND sha256 = ?2")
            .and_then(|mut statement| statement.exists([feed, sha256]))
            .map_err(self.error())
    }

    /// The document with this sha256.
    pub fn document(&self, sha256: &str) -> Result<Option<StoredDocument>, FeedError> {
        self.conn
            .query_row(
                &format!("SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.sha256 = ?1"),
                [sha256],
                document_from_row,
            )
            .optional()
            .map_err(self.error())
    }

    /// Every document one of whose subjects has this digest (sha256 or sha512, lowercase
    /// hex), oldest first.
    pub fn documents_for_subject(&self, digest: &str) -> Result<Vec<StoredDocument>, FeedError> {
        let column = if digest.len() == 128 {
            "sha512"
        } else {
            "sha256"
        };
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT DISTINCT {DOCUMENT_COLUMNS} FROM subjects s JOIN documents d ON d.sha256 = s.document \
                 WHERE s.{column} = ?1 ORDER BY d.first_seen, d.sha256"
            ))
            .map_err(self.error())?;
        let rows = statement
            .query_map([digest], document_from_row)
            .map_err(self.error())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.error())
    }

    /// Every document about `tool` (and `version`, if given), oldest first.
    pub fn documents_for_release(
        &self,
        tool: &str,
        version: Option<&str>,
    ) -> Result<Vec<StoredDocument>, FeedError> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.tool = ?1 AND (?2 IS NULL OR d.version = ?2) \
                 ORDER BY d.first_seen, d.sha256"
            ))
            .map_err(self.error())?;
        let rows = statement
            .query_map(params![tool, version], document_from_row)
            .map_err(self.error())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.error())
    }

    /// Number of documents in the store.
    pub fn document_count(&self) -> Result<usize, FeedError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(self.error())
    }

    /// The ledger, oldest first; only `kinds` if not empty.
    pub fn events(&self, kinds: &[&str]) -> Result<Vec<Event>, FeedError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, time, kind, feed, document, tool, version, detail FROM events ORDER BY id")
            .map_err(self.error())?;
        let rows = statement
            .query_map([], |r| {
                let detail: String = r.get(7)?;
                Ok(Event {
                    id: r.get(0)?,
                    time: r.get(1)?,
                    kind: r.get(2)?,
                    feed: r.get(3)?,
                    document: r.get(4)?,
                    tool: r.get(5)?,
                    version: r.get(6)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            })
            .map_err(self.error())?;
        let events = rows.collect::<Result<Vec<_>, _>>().map_err(self.error())?;
        Ok(events
            .into_iter()
            .filter(|e| kinds.is_empty() || kinds.contains(&e.kind.as_str()))
            .collect())
    }

    /// Record an event in a transaction of its own.
    pub fn record_event(
        &mut self,
        kind: &str,
        feed: Option<&str>,
        detail: &serde_json::Value,
    ) -> Result<(), FeedError> {
        insert_event(&self.conn, kind, feed, None, None, None, detail).map_err(self.error())?;
        Ok(())
    }

    /// Record that this machine published `document` to `feed` (a location): the
    /// document is stored, and a `published` event added.
    pub fn record_published(
        &mut self,
        document: &FeedDocument,
        feed: &str,
    ) -> Result<(), FeedError> {
        let error = self.error();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&error)?;
        let time = now();
        let new = insert_document(&tx, &DocumentRow::of(document), &document.bytes, time, None)
            .map_err(&error)?;
        let release = (document.path.tool.as_str(), document.path.version.as_str());
        if new {
            check_equivocation(&tx, &DocumentRow::of(document), None, time).map_err(&error)?;
        }
        insert_event(
            &tx,
            "published",
            None,
            Some(&document.sha256),
            Some(release.0),
            Some(release.1),
            &serde_json::json!({ "to": feed, "path": document.path.to_string() }),
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(())
    }

    // ---- syncing ----

    /// Stage fetched documents for `feed` (one transaction for the batch), with the
    /// metadata their parse gave.
    pub fn stage(
        &mut self,
        feed: &str,
        documents: &[(&str, &FeedDocument)],
    ) -> Result<(), FeedError> {
        let error = self.error();
        let tx = self.conn.transaction().map_err(&error)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO staged (feed, sha256, path, bytes, metadata) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&error)?;
            for (path, document) in documents {
                // Strings, options and lists of them: serializing cannot fail.
                let metadata = serde_json::to_string(&DocumentRow::of(document)).ok();
                insert
                    .execute(params![
                        feed,
                        document.sha256,
                        path,
                        document.bytes,
                        metadata
                    ])
                    .map_err(&error)?;
            }
        }
        tx.commit().map_err(&error)?;
        Ok(())
    }

    /// A staged document of `feed` (listed at `path`), by sha256, for the final
    /// transaction: its row and its bytes.
    ///
    /// Staged documents passed every check, and were parsed, when they were fetched;
    /// their metadata was staged with them (a crash between staging and now loses
    /// nothing). One staged without it, by an older candor, is parsed again.
    fn staged_document(
        tx: &rusqlite::Transaction<'_>,
        feed: &str,
        path: &str,
        sha256: &str,
        error: impl Fn(rusqlite::Error) -> FeedError,
    ) -> Result<Option<(DocumentRow, Vec<u8>)>, FeedError> {
        let staged: Option<(Vec<u8>, Option<String>)> = tx
            .prepare_cached("SELECT bytes, metadata FROM staged WHERE feed = ?1 AND sha256 = ?2")
            .and_then(|mut select| {
                select
                    .query_row([feed, sha256], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(error)?;
        let Some((bytes, metadata)) = staged else {
            return Ok(None);
        };
        let staged_row = metadata
            .and_then(|m| serde_json::from_str::<DocumentRow>(&m).ok())
            .filter(|row| row.sha256 == sha256);
        if let Some(row) = staged_row {
            return Ok(Some((row, bytes)));
        }
        let document = FeedDocument::parse(bytes, path)?;
        Ok(Some((DocumentRow::of(&document), document.bytes)))
    }

    /// Make one sync of `feed` take effect, in one transaction: `listing` (path →
    /// sha256) is everything the feed lists now, each either in the store or staged;
    /// `state` the commit or `ETag` seen. Documents the feed listed before and lists no
    /// more refuse the sync (a `rollback-refused` event is recorded) unless
    /// `allow_rewrite`.
    pub fn commit_sync(
        &mut self,
        feed: &str,
        listing: &[(String, String)],
        state: Option<&str>,
        allow_rewrite: bool,
    ) -> Result<CommitOutcome, FeedError> {
        let error = self.error();
        let before = self.feed_links(feed)?;
        let listed: BTreeSet<&str> = listing.iter().map(|(p, _)| p.as_str()).collect();
        let mut gone: Vec<&String> = before
            .keys()
            .filter(|path| !listed.contains(path.as_str()))
            .collect();
        gone.sort();
        if !gone.is_empty() && !allow_rewrite {
            let first = gone[0].clone();
            self.record_event(
                "rollback-refused",
                Some(feed),
                &serde_json::json!({ "reason": "documents withdrawn", "count": gone.len(), "first": first }),
            )?;
            return Err(FeedError::Withdrawn {
                feed: feed.to_owned(),
                count: gone.len(),
                first,
            });
        }
        let time = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&error)?;
        let mut outcome = CommitOutcome {
            withdrawn: gone.len(),
            ..CommitOutcome::default()
        };
        if !gone.is_empty() {
            for path in &gone {
                tx.execute(
                    "DELETE FROM feed_documents WHERE feed = ?1 AND path = ?2",
                    [feed, path.as_str()],
                )
                .map_err(&error)?;
            }
            insert_event(
                &tx,
                "feed-rewritten",
                Some(feed),
                None,
                None,
                None,
                &serde_json::json!({ "withdrawn": gone.len(), "first": gone[0] }),
            )
            .map_err(&error)?;
        }
        for (path, sha256) in listing {
            if before.get(path) == Some(sha256) {
                continue;
            }
            let stored = tx
                .prepare_cached("SELECT 1 FROM documents WHERE sha256 = ?1")
                .and_then(|mut statement| statement.exists([sha256]))
                .map_err(&error)?;
            if !stored {
                let Some((row, bytes)) = Self::staged_document(&tx, feed, path, sha256, &error)?
                else {
                    // Listed but neither stored nor staged: the caller skipped it.
                    continue;
                };
                insert_document(&tx, &row, &bytes, time, Some(feed)).map_err(&error)?;
                insert_event(
                    &tx,
                    "new-document",
                    Some(feed),
                    Some(sha256),
                    Some(&row.tool),
                    Some(&row.version),
                    &serde_json::json!({ "path": path, "kind": row.kind }),
                )
                .map_err(&error)?;
                outcome.new_documents += 1;
                outcome
                    .equivocations
                    .extend(check_equivocation(&tx, &row, Some(feed), time).map_err(&error)?);
            }
            tx.prepare_cached(
                "INSERT OR REPLACE INTO feed_documents (feed, path, document, first_seen) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut insert| insert.execute(params![feed, path, sha256, time]))
            .map_err(&error)?;
            outcome.new_in_feed += 1;
        }
        clear_staged(&tx, feed).map_err(&error)?;
        tx.execute(
            "UPDATE feeds SET last_sync = ?2, state = ?3 WHERE name = ?1",
            params![feed, time, state],
        )
        .map_err(&error)?;
        tx.commit().map_err(&error)?;
        Ok(outcome)
    }

    /// Every (tool, version) with a document in the store, sorted.
    pub fn releases(&self) -> Result<Vec<(String, String)>, FeedError> {
        let mut statement = self
            .conn
            .prepare("SELECT DISTINCT tool, version FROM documents ORDER BY tool, version")
            .map_err(self.error())?;
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.error())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.error())
    }

    /// Every document of `kind` (`manifest`, `audit`, `response`) that refers to the
    /// envelope with this sha256, oldest first.
    pub fn documents_referring_to(&self, sha256: &str) -> Result<Vec<StoredDocument>, FeedError> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.refers_to = ?1 \
                 ORDER BY d.first_seen, d.sha256"
            ))
            .map_err(self.error())?;
        let rows = statement
            .query_map([sha256], document_from_row)
            .map_err(self.error())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.error())
    }

    /// Equivocation events involving documents about `tool` (all tools if `None`).
    pub fn equivocations(&self, tool: Option<&str>) -> Result<Vec<Event>, FeedError> {
        Ok(self
            .events(&["equivocation"])?
            .into_iter()
            .filter(|e| tool.is_none_or(|t| e.tool.as_deref() == Some(t)))
            .collect())
    }
}

/// The columns of [`StoredDocument`], for `SELECT`s over `documents d`.
const DOCUMENT_COLUMNS: &str = "d.sha256, d.bytes, d.kind, d.form, d.tool, d.version, d.signer_id, d.supersedes, d.refers_to, d.first_seen, d.first_feed";

fn document_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDocument> {
    Ok(StoredDocument {
        sha256: r.get(0)?,
        bytes: r.get(1)?,
        kind: r.get(2)?,
        form: r.get(3)?,
        tool: r.get(4)?,
        version: r.get(5)?,
        signer_id: r.get(6)?,
        supersedes: r.get(7)?,
        refers_to: r.get(8)?,
        first_seen: r.get(9)?,
        first_feed: r.get(10)?,
    })
}

fn feed_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedRecord> {
    let transport: String = r.get(2)?;
    let options: String = r.get(3)?;
    Ok(FeedRecord {
        name: r.get(0)?,
        location: FeedLocation::new(
            TransportKind::parse(&transport).unwrap_or(TransportKind::Directory),
            r.get::<_, String>(1)?,
        ),
        options: serde_json::from_str(&options).unwrap_or_default(),
        added: r.get(4)?,
        last_sync: r.get(5)?,
        state: r.get(6)?,
    })
}

/// The metadata columns of a document (staged with it as JSON).
#[derive(Serialize, Deserialize)]
struct DocumentRow {
    sha256: String,
    kind: String,
    form: String,
    tool: String,
    version: String,
    signer_id: String,
    signers: String,
    predicate_type: String,
    supersedes: Option<String>,
    refers_to: Option<String>,
    subjects: Vec<(String, Option<String>, Option<String>)>,
}

impl DocumentRow {
    fn of(document: &FeedDocument) -> Self {
        Self {
            sha256: document.sha256.clone(),
            kind: document.kind().as_str().to_owned(),
            form: document.form.as_str().to_owned(),
            tool: document.path.tool.to_string(),
            version: document.path.version.to_string(),
            signer_id: signer_id(document.claimed_signers.first())
                .map(|id| id[..candor_model::feed::PREFIX_HEX_DIGITS].to_owned())
                .unwrap_or_default(),
            signers: serde_json::to_string(&document.claimed_signers)
                .unwrap_or_else(|_| "[]".to_owned()),
            predicate_type: document.statement.predicate_type().to_owned(),
            supersedes: document.supersedes().map(str::to_owned),
            refers_to: document.refers_to().map(str::to_owned),
            subjects: document
                .subjects()
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        s.digest.sha256().map(str::to_owned),
                        s.digest
                            .get(candor_model::digest::DigestAlgorithm::Sha512)
                            .map(str::to_owned),
                    )
                })
                .collect(),
        }
    }
}

/// Insert a document and its subjects; `false` when it was there already.
fn insert_document(
    tx: &rusqlite::Transaction<'_>,
    row: &DocumentRow,
    bytes: &[u8],
    time: i64,
    feed: Option<&str>,
) -> rusqlite::Result<bool> {
    let inserted = tx.prepare_cached(
        "INSERT OR IGNORE INTO documents (sha256, bytes, size, kind, form, tool, version, signer_id, signers, \
         predicate_type, supersedes, refers_to, first_seen, first_feed) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
            row.sha256,
            bytes,
            i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            row.kind,
            row.form,
            row.tool,
            row.version,
            row.signer_id,
            row.signers,
            row.predicate_type,
            row.supersedes,
            row.refers_to,
            time,
            feed
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO subjects (document, name, sha256, sha512) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (name, sha256, sha512) in &row.subjects {
        insert.execute(params![row.sha256, name, sha256, sha512])?;
    }
    Ok(true)
}

/// For a new manifest: the other manifests for its release by the same signer. One that
/// it supersedes, or that supersedes it, gives a `superseded` event; any other an
/// `equivocation` (returned).
fn check_equivocation(
    tx: &rusqlite::Transaction<'_>,
    row: &DocumentRow,
    feed: Option<&str>,
    time: i64,
) -> rusqlite::Result<Vec<Event>> {
    if row.kind != "manifest" {
        return Ok(Vec::new());
    }
    let mut statement = tx.prepare_cached(
        "SELECT sha256, supersedes FROM documents WHERE kind = 'manifest' AND tool = ?1 AND version = ?2 \
         AND signer_id = ?3 AND sha256 != ?4 ORDER BY first_seen, sha256",
    )?;
    let others: Vec<(String, Option<String>)> = statement
        .query_map(
            params![row.tool, row.version, row.signer_id, row.sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<_, _>>()?;
    let mut equivocations = Vec::new();
    for (other, other_supersedes) in others {
        let (kind, detail) = if row.supersedes.as_deref() == Some(other.as_str()) {
            (
                "superseded",
                serde_json::json!({ "replaced": other, "by": row.sha256 }),
            )
        } else if other_supersedes.as_deref() == Some(row.sha256.as_str()) {
            (
                "superseded",
                serde_json::json!({ "replaced": row.sha256, "by": other }),
            )
        } else {
            (
                "equivocation",
                serde_json::json!({ "other": other, "signer_id": row.signer_id }),
            )
        };
        let id = insert_event(
            tx,
            kind,
            feed,
            Some(&row.sha256),
            Some(&row.tool),
            Some(&row.version),
            &detail,
        )?;
        if kind == "equivocation" {
            equivocations.push(Event {
                id,
                time,
                kind: kind.to_owned(),
                feed: feed.map(str::to_owned),
                document: Some(row.sha256.clone()),
                tool: Some(row.tool.clone()),
                version: Some(row.version.clone()),
                detail,
            });
        }
    }
    Ok(equivocations)
}

/// Delete what `feed` staged. With nothing staged for other feeds, a DELETE without
/// WHERE: `SQLite` then frees the table's pages as they are, where deleting row by row
/// would rewrite each one, in the WAL, and then in the database.
fn clear_staged(tx: &rusqlite::Transaction<'_>, feed: &str) -> rusqlite::Result<()> {
    let others_staged = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM staged WHERE feed != ?1)",
        [feed],
        |r| r.get::<_, bool>(0),
    )?;
    if others_staged {
        tx.execute("DELETE FROM staged WHERE feed = ?1", [feed])?;
    } else {
        tx.execute("DELETE FROM staged", [])?;
    }
    Ok(())
}

/// Append an event; its id.
fn insert_event(
    conn: &Connection,
    kind: &str,
    feed: Option<&str>,
    document: Option<&str>,
    tool: Option<&str>,
    version: Option<&str>,
    detail: &serde_json::Value,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO events (time, kind, feed, document, tool, version, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![now(), kind, feed, document, tool, version, detail.to_string()])?;
    Ok(conn.last_insert_rowid())
}
