//! candor's feeds: where attestations live and how they travel.
//!
//! A feed is a tree of signed documents in the layout of [`candor_model::feed`], with an
//! `index.json`; the same tree serves as a directory, a git repository or a static web
//! site, so feeds scale through the engines people already run.
//!
//! - [`publish`]: vendors and auditors put documents into a feed (a directory or a git
//!   repository, local or remote);
//! - [`sync`]: enterprises bring feeds into the local [`store`], over any of three
//!   transports behind one trait ([`source`]): a directory, git (libgit2 with candor's
//!   own HTTP transport, [`git_http`]), static HTTPS ([`http`]);
//! - [`store`]: `SQLite`, every document seen indexed by its subjects' digests, an
//!   append-only ledger of events. Nothing is trusted at sync time; the store keeps the
//!   evidence, and verification judges it against the policy of the day.
//!
//! ```
//! use candor_feed::location::{FeedLocation, TransportKind};
//! use candor_feed::store::{FeedOptions, Store};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut store = Store::open(&dir.path().join("store")).unwrap();
//! let feed = FeedLocation::detect(&dir.path().join("feed").display().to_string(), None).unwrap();
//! assert_eq!(feed.transport, TransportKind::Directory);
//! store.add_feed("vendor", &feed, &FeedOptions::default()).unwrap();
//! assert_eq!(store.feeds().unwrap().len(), 1);
//! assert_eq!(store.integrity_check().unwrap(), "ok");
//! ```

#![deny(missing_docs)]

pub mod document;
pub mod error;
pub mod feeds;
pub mod git_http;
pub mod http;
pub mod location;
pub mod publish;
mod read_ahead;
pub mod schema;
pub mod source;
pub mod store;
pub mod sync;

pub use error::FeedError;
