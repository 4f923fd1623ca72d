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
