//! The store: migrations, the append-only ledger, equivocation across feeds.

use candor_feed::FeedError;
use candor_feed::location::FeedLocation;
use candor_feed::publish::{PublishOptions, publish};
use candor_feed::store::{SCHEMA_VERSION, Store};
use candor_feed::sync::{SyncOptions, sync};

use crate::support::{key, manifest, store_with_feed, write};

#[test]
fn the_ledger_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_feed(dir.path(), "vendor", &dir.path().display().to_string());
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("store/store.db")).unwrap();
    let error = conn.execute("DELETE FROM events", []).unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    let error = conn
        .execute("UPDATE events SET kind = 'x'", [])
        .unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
}

#[test]
fn a_store_from_a_newer_candor_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(&dir.path().join("store")).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("store/store.db")).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let error = Store::open(&dir.path().join("store")).unwrap_err();
    assert!(matches!(error, FeedError::StoreTooNew { .. }), "{error}");
    assert!(error.to_string().contains("upgrade candor"), "{error}");
}

#[test]
fn two_manifests_for_one_release_by_one_signer_across_feeds_are_an_equivocation() {
    let dir = tempfile::tempdir().unwrap();
    let feed_a = dir.path().join("a");
    let feed_b = dir.path().join("b");
    let one = write(
        dir.path(),
        "one.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    let two_bytes = manifest("1.4.0", &key(1), " (other story)", None);
    let two = write(dir.path(), "two.dsse.json", &two_bytes);
    let location =
        |p: &std::path::Path| FeedLocation::detect(&p.display().to_string(), None).unwrap();
    publish(
        std::slice::from_ref(&one),
        &location(&feed_a),
        &PublishOptions::default(),
        None,
    )
    .unwrap();
    publish(&[two], &location(&feed_b), &PublishOptions::default(), None).unwrap();

    let mut store = store_with_feed(dir.path(), "a", &feed_a.display().to_string());
    store
        .add_feed(
            "b",
            &location(&feed_b),
            &candor_feed::store::FeedOptions::default(),
        )
        .unwrap();
    let first = sync(&mut store, "a", SyncOptions::default()).unwrap();
    assert!(first.equivocations.is_empty());
    let second = sync(&mut store, "b", SyncOptions::default()).unwrap();
    assert_eq!(second.equivocations.len(), 1, "{second:#?}");
    let event = &second.equivocations[0];
    assert_eq!(event.tool.as_deref(), Some("agent"));
    assert_eq!(event.version.as_deref(), Some("1.4.0"));
    assert_eq!(store.equivocations(Some("agent")).unwrap().len(), 1);

    // A manifest that names the one it replaces is a supersession, not an equivocation.
    let one_bytes = fs_err::read(&one).unwrap();
    let three = write(
        dir.path(),
        "three.dsse.json",
        &manifest("1.4.0", &key(1), " (fixed)", Some(&one_bytes)),
    );
    publish(
        &[three],
        &location(&feed_a),
        &PublishOptions {
            supersede: true,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let third = sync(&mut store, "a", SyncOptions::default()).unwrap();
    // It supersedes `one` but not `two`: one supersession, one more equivocation.
    assert_eq!(third.equivocations.len(), 1);
    assert_eq!(store.events(&["superseded"]).unwrap().len(), 1);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let _ = two_bytes;
}

/// Every column a sync gives a document and its subjects, but the time it was first seen.
fn stored_rows(store: &Store) -> Vec<String> {
    let conn = rusqlite::Connection::open(store.database()).unwrap();
    let mut rows = Vec::new();
    for query in [
        "SELECT sha256, hex(bytes), CAST(size AS TEXT), kind, form, tool, version, signer_id, signers, \
         predicate_type, supersedes, refers_to, first_feed FROM documents ORDER BY sha256",
        "SELECT document, name, sha256, sha512, '', '', '', '', '', '', '', '', '' FROM subjects \
         ORDER BY document, name",
    ] {
        let mut statement = conn.prepare(query).unwrap();
        let found = statement
            .query_map([], |r| {
                (0..13)
                    .map(|i| r.get::<_, Option<String>>(i).map(|v| format!("{v:?}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        rows.extend(found.map(|row| row.unwrap().join(" ")));
    }
    rows
}

/// A sync stages each document with the metadata its parse gave, and commits that; a
/// document staged by a candor from before (no metadata) is parsed when the sync commits.
/// Both give the same stored rows.
#[test]
fn staged_metadata_and_a_parse_at_commit_store_the_same_document() {
    let dir = tempfile::tempdir().unwrap();
    let older = manifest("1.4.0", &key(1), "", None);
    let bytes = manifest("1.4.0", &key(1), " (fixed)", Some(&older));
    let document = candor_feed::document::FeedDocument::parse(bytes.clone(), "m").unwrap();
    let listing = [(document.path.to_string(), document.sha256.clone())];

    let staged = dir.path().join("staged");
    let mut with_metadata = store_with_feed(&staged, "vendor", "feed");
    with_metadata
        .stage("vendor", &[(listing[0].0.as_str(), &document)])
        .unwrap();
    let has_metadata: bool = rusqlite::Connection::open(with_metadata.database())
        .unwrap()
        .query_row("SELECT metadata IS NOT NULL FROM staged", [], |r| r.get(0))
        .unwrap();
    assert!(has_metadata);
    let outcome = with_metadata
        .commit_sync("vendor", &listing, None, false)
        .unwrap();
    assert_eq!(outcome.new_documents, 1);

    let parsed = dir.path().join("parsed");
    let mut without_metadata = store_with_feed(&parsed, "vendor", "feed");
    let conn = rusqlite::Connection::open(without_metadata.database()).unwrap();
    conn.execute(
        "INSERT INTO staged (feed, sha256, path, bytes) VALUES ('vendor', ?1, ?2, ?3)",
        rusqlite::params![listing[0].1, listing[0].0, bytes],
    )
    .unwrap();
    drop(conn);
    let outcome = without_metadata
        .commit_sync("vendor", &listing, None, false)
        .unwrap();
    assert_eq!(outcome.new_documents, 1);

    let rows = stored_rows(&with_metadata);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(rows[0].contains("\"manifest\""), "{rows:#?}");
    assert_eq!(rows, stored_rows(&without_metadata));
}

/// A sync's commit clears what it staged, and only that: what another feed's interrupted
/// sync staged stays for it to resume.
#[test]
fn a_commit_clears_only_its_own_feeds_staged_documents() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = manifest("1.4.0", &key(1), "", None);
    let document = candor_feed::document::FeedDocument::parse(bytes, "m").unwrap();
    let path = document.path.to_string();
    let mut store = store_with_feed(dir.path(), "a", "feed-a");
    store
        .add_feed(
            "b",
            &FeedLocation::detect("feed-b", None).unwrap(),
            &candor_feed::store::FeedOptions::default(),
        )
        .unwrap();
    let staged = |store: &Store| -> Vec<String> {
        let conn = rusqlite::Connection::open(store.database()).unwrap();
        let mut statement = conn
            .prepare("SELECT feed FROM staged ORDER BY feed")
            .unwrap();
        statement
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    store.stage("a", &[(path.as_str(), &document)]).unwrap();
    store.stage("b", &[(path.as_str(), &document)]).unwrap();
    let listing = [(path.clone(), document.sha256.clone())];
    store.commit_sync("a", &listing, None, false).unwrap();
    assert_eq!(staged(&store), ["b"]);
    store.commit_sync("b", &listing, None, false).unwrap();
    assert!(staged(&store).is_empty());
}
