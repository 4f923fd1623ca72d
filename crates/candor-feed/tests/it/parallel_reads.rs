//! A sync reads a feed's files on several threads (over HTTPS, on several connections)
//! and still checks every file against the index, in the listing's order.

use std::path::{Path, PathBuf};

use candor_feed::FeedError;
use candor_feed::location::FeedLocation;
use candor_feed::publish::{PublishOptions, publish};
use candor_feed::store::{FeedOptions, Store};
use candor_feed::sync::{SyncOptions, sync};
use candor_test::http::{TlsIdentity, serve_tls, static_files};

use crate::support::{key, manifest, write};

/// A directory feed of `count` manifests of distinct releases; their feed paths, sorted.
fn feed_of(dir: &Path, count: usize) -> (PathBuf, Vec<String>) {
    let feed = dir.join("feed");
    let files: Vec<PathBuf> = (0..count)
        .map(|i| {
            write(
                dir,
                &format!("m{i}.dsse.json"),
                &manifest(&format!("1.0.{i}"), &key(1), "", None),
            )
        })
        .collect();
    let location = FeedLocation::detect(&feed.display().to_string(), None).unwrap();
    let report = publish(&files, &location, &PublishOptions::default(), None).unwrap();
    let mut paths: Vec<String> = report.documents.into_iter().map(|d| d.path).collect();
    paths.sort();
    (feed, paths)
}

fn https_store(dir: &Path, identity: &TlsIdentity, url: &str) -> Store {
    let mut store = Store::open(&dir.join("store")).unwrap();
    let location = FeedLocation::detect(url, None).unwrap();
    let options = FeedOptions {
        ca_certificates: vec![identity.ca_pem.clone()],
        ..FeedOptions::default()
    };
    store.add_feed("vendor", &location, &options).unwrap();
    store
}

#[test]
fn an_https_feed_is_read_on_several_connections_then_answered_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let (feed, _) = feed_of(dir.path(), 40);
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, static_files(feed));
    let mut store = https_store(dir.path(), &identity, &format!("{}/", server.url()));

    let report = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(
        (report.listed, report.new_documents),
        (40, 40),
        "{report:#?}"
    );
    assert_eq!(store.document_count().unwrap(), 40);
    let requests = server.requests();
    assert_eq!(requests.len(), 41, "the index, then each document once");
    let connections: std::collections::BTreeSet<usize> =
        requests.iter().map(|r| r.connection).collect();
    // Several connections (reads in parallel), each kept alive for many requests. Six
    // requests are in flight at most, but the count of connections is not bounded by
    // six: a reader that finishes returns its connection to the shared pool a moment
    // after another reader looked there and opened a new one, which a loaded machine
    // makes likely (CI saw 8). Half the requests is far from one connection each.
    assert!(
        (2..=20).contains(&connections.len()),
        "{} connections",
        connections.len()
    );

    let again = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert!(again.unchanged, "{again:#?}");
    assert_eq!(server.requests().len(), 42);
}

/// Files read ahead do not change which failure is reported: the first file, in the
/// listing's order, that is not what the index says, every time. Nothing is committed;
/// once the feed is mended, the next sync completes.
#[test]
fn a_file_unlike_its_index_entry_fails_the_sync_at_that_file_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (feed, paths) = feed_of(dir.path(), 40);
    let original = fs_err::read(feed.join(&paths[25])).unwrap();
    // Another document of the same size (the index's size check passes, its sha256
    // check fails), and, later in the listing, one of another size.
    let mut tampered = original.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 1;
    write(&feed, &paths[25], &tampered);
    write(&feed, &paths[30], b"{}");
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, static_files(feed.clone()));
    let mut store = https_store(dir.path(), &identity, &format!("{}/", server.url()));

    for _ in 0..3 {
        let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
        let FeedError::DigestMismatch { file, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(*file, paths[25]);
        assert_eq!(store.document_count().unwrap(), 0);
    }

    write(&feed, &paths[25], &original);
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(
        matches!(&error, FeedError::DigestMismatch { file, expected, .. }
            if *file == paths[30] && expected.ends_with("bytes")),
        "{error}"
    );
    fs_err::remove_file(feed.join(&paths[30])).unwrap();
    let index_path = feed.join(candor_model::feed::INDEX_FILE);
    let mut index =
        candor_model::feed::FeedIndex::from_json(&fs_err::read(&index_path).unwrap(), "index.json")
            .unwrap();
    index.files.retain(|e| e.path != paths[30]);
    fs_err::write(&index_path, index.to_json()).unwrap();
    let report = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(report.new_documents, 39, "{report:#?}");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
