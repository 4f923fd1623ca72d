//! Directory feeds: publish writes documents where their content says and keeps the index;
//! sync reads them into the store and refuses what does not belong.

use candor_feed::FeedError;
use candor_feed::location::FeedLocation;
use candor_feed::publish::{Outcome, PublishOptions, publish};
use candor_feed::sync::{SyncOptions, sync};
use candor_model::feed::FeedIndex;

use crate::support::{key, manifest, store_with_feed, write};

#[test]
fn publish_is_idempotent_and_keeps_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let feed_dir = dir.path().join("feed");
    let feed = FeedLocation::detect(&feed_dir.display().to_string(), None).unwrap();
    let doc = write(
        dir.path(),
        "m.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    let report = publish(
        std::slice::from_ref(&doc),
        &feed,
        &PublishOptions::default(),
        None,
    )
    .unwrap();
    assert_eq!(report.documents[0].outcome, Outcome::Written);
    let path = &report.documents[0].path;
    assert!(path.starts_with("agent/1.4.0/manifest."), "{path}");
    assert!(feed_dir.join(path).is_file());
    let index_text = fs_err::read_to_string(feed_dir.join("index.json")).unwrap();
    let index = FeedIndex::from_json(index_text.as_bytes(), "index.json").unwrap();
    assert_eq!(index.files.len(), 1);
    assert_eq!(index.files[0].path, *path);
    assert_eq!(index.files[0].sha256, report.documents[0].sha256);

    // The same bytes again: nothing changes, not even the index's bytes.
    let again = publish(&[doc], &feed, &PublishOptions::default(), None).unwrap();
    assert_eq!(again.documents[0].outcome, Outcome::Unchanged);
    assert_eq!(
        fs_err::read_to_string(feed_dir.join("index.json")).unwrap(),
        index_text
    );
}

#[test]
fn a_different_manifest_for_a_release_needs_supersede_and_must_name_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let feed = FeedLocation::detect(&dir.path().join("feed").display().to_string(), None).unwrap();
    let first_bytes = manifest("1.4.0", &key(1), "", None);
    let first = write(dir.path(), "first.dsse.json", &first_bytes);
    publish(&[first], &feed, &PublishOptions::default(), None).unwrap();

    let other = write(
        dir.path(),
        "other.dsse.json",
        &manifest("1.4.0", &key(1), " v2", None),
    );
    let error = publish(
        std::slice::from_ref(&other),
        &feed,
        &PublishOptions::default(),
        None,
    )
    .unwrap_err();
    assert!(matches!(error, FeedError::Conflict { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("already holds a different manifest for agent 1.4.0"),
        "{error}"
    );

    // --supersede without naming the old manifest is refused too.
    let supersede = PublishOptions {
        supersede: true,
        ..PublishOptions::default()
    };
    let error = publish(&[other], &feed, &supersede, None).unwrap_err();
    assert!(
        matches!(error, FeedError::SupersedesOther { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("supersedes nothing"), "{error}");

    // Naming it: published, and both stay in the feed (history is evidence).
    let replacement = write(
        dir.path(),
        "replacement.dsse.json",
        &manifest("1.4.0", &key(1), " v2", Some(&first_bytes)),
    );
    let report = publish(&[replacement], &feed, &supersede, None).unwrap();
    assert_eq!(report.documents[0].outcome, Outcome::Superseded);

    // Another signer's manifest for the same release is no conflict.
    let auditor_copy = write(
        dir.path(),
        "k2.dsse.json",
        &manifest("1.4.0", &key(2), "", None),
    );
    let report = publish(&[auditor_copy], &feed, &PublishOptions::default(), None).unwrap();
    assert_eq!(report.documents[0].outcome, Outcome::Written);
}

#[test]
fn publish_refuses_what_is_not_a_candor_attestation() {
    let dir = tempfile::tempdir().unwrap();
    let feed = FeedLocation::detect(&dir.path().join("feed").display().to_string(), None).unwrap();
    let junk = write(dir.path(), "package.json", br#"{"name": "left-pad"}"#);
    let error = publish(&[junk], &feed, &PublishOptions::default(), None).unwrap_err();
    assert!(matches!(error, FeedError::Document { .. }), "{error}");
    assert!(!dir.path().join("feed/index.json").exists());
}

#[test]
fn sync_stores_documents_indexed_by_subject_and_refuses_what_does_not_belong() {
    let dir = tempfile::tempdir().unwrap();
    let feed_dir = dir.path().join("feed");
    let feed = FeedLocation::detect(&feed_dir.display().to_string(), None).unwrap();
    let good = write(
        dir.path(),
        "m.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    let report = publish(&[good], &feed, &PublishOptions::default(), None).unwrap();
    let good_path = report.documents[0].path.clone();

    // A valid document under a name its content does not give it.
    let misnamed = manifest("1.5.0", &key(1), "", None);
    write(
        &feed_dir,
        "agent/1.5.0/manifest.0000000000000000.0000000000000000.dsse.json",
        &misnamed,
    );
    // A file that is not a candor attestation, under a document's name.
    write(
        &feed_dir,
        "agent/1.6.0/audit.1111111111111111.2222222222222222.dsse.json",
        br#"{"hello": "world"}"#,
    );
    // A link out of the feed, and a stray file.
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        "/etc/passwd",
        feed_dir.join("agent/1.4.0/audit.3333333333333333.4444444444444444.dsse.json"),
    )
    .unwrap();
    write(&feed_dir, "agent/1.4.0/notes.txt", b"hello");

    let mut store = store_with_feed(dir.path(), "vendor", &feed_dir.display().to_string());
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.new_documents, 1, "{synced:#?}");
    let reasons: Vec<(String, String)> = synced
        .skipped
        .iter()
        .map(|s| (s.path.clone(), s.reason.clone()))
        .collect();
    let reason = |path: &str| {
        reasons.iter().find(|(p, _)| p.contains(path)).map_or_else(
            || panic!("{path} not skipped: {reasons:#?}"),
            |(_, r)| r.clone(),
        )
    };
    assert!(reason("agent/1.5.0/").contains("does not match its content"));
    assert!(reason("agent/1.6.0/").starts_with("not a candor attestation"));
    #[cfg(unix)]
    assert!(reason("audit.3333333333333333").contains("symbolic link"));
    assert!(reason("notes.txt").contains("not a document"));
    assert_eq!(store.document_count().unwrap(), 1);

    // Found by the artifact's digest, sha256 or sha512.
    let digest = crate::support::artifact_digest("1.4.0");
    let found = store
        .documents_for_subject(digest.sha256().unwrap())
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "manifest");
    assert!(good_path.contains(&found[0].sha256[..16]));
    let by_512 = store
        .documents_for_subject(
            digest
                .get(candor_model::digest::DigestAlgorithm::Sha512)
                .unwrap(),
        )
        .unwrap();
    assert_eq!(by_512, found);
    assert!(
        store
            .documents_for_subject(&"0".repeat(64))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_feed_that_stops_listing_a_document_is_refused_unless_rewrites_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let feed_dir = dir.path().join("feed");
    let feed = FeedLocation::detect(&feed_dir.display().to_string(), None).unwrap();
    let a = write(
        dir.path(),
        "a.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    let b = write(
        dir.path(),
        "b.dsse.json",
        &manifest("1.5.0", &key(1), "", None),
    );
    let report = publish(&[a, b], &feed, &PublishOptions::default(), None).unwrap();
    let mut store = store_with_feed(dir.path(), "vendor", &feed_dir.display().to_string());
    sync(&mut store, "vendor", SyncOptions::default()).unwrap();

    fs_err::remove_file(feed_dir.join(&report.documents[1].path)).unwrap();
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(
        matches!(error, FeedError::Withdrawn { count: 1, .. }),
        "{error}"
    );
    assert_eq!(store.events(&["rollback-refused"]).unwrap().len(), 1);
    // The store still has both, and the feed both links.
    assert_eq!(store.counts("vendor").unwrap(), 2);

    let accepted = sync(
        &mut store,
        "vendor",
        SyncOptions {
            allow_rewrite: true,
        },
    )
    .unwrap();
    assert_eq!(accepted.withdrawn, 1);
    assert_eq!(store.counts("vendor").unwrap(), 1);
    assert_eq!(
        store.document_count().unwrap(),
        2,
        "documents are evidence: they stay"
    );
    assert_eq!(store.events(&["feed-rewritten"]).unwrap().len(), 1);
}

/// A directory walked again reads every file again: unchanged bytes at a linked path are
/// known and not parsed again, but a file replaced in place is checked like a new one
/// (here refused: its content names another path, so the feed no longer lists what it
/// listed).
#[test]
fn a_directory_synced_again_reads_every_file_and_checks_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let feed_dir = dir.path().join("feed");
    let feed = FeedLocation::detect(&feed_dir.display().to_string(), None).unwrap();
    let a = write(
        dir.path(),
        "a.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    let report = publish(&[a], &feed, &PublishOptions::default(), None).unwrap();
    let mut store = store_with_feed(dir.path(), "vendor", &feed_dir.display().to_string());
    assert_eq!(
        sync(&mut store, "vendor", SyncOptions::default())
            .unwrap()
            .new_documents,
        1
    );
    let again = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!((again.listed, again.new_documents), (1, 0), "{again:#?}");
    assert!(again.skipped.is_empty(), "{again:#?}");

    write(
        &feed_dir,
        &report.documents[0].path,
        &manifest("1.4.0", &key(1), " (replaced)", None),
    );
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(
        matches!(error, FeedError::Withdrawn { count: 1, .. }),
        "{error}"
    );
    assert_eq!(store.document_count().unwrap(), 1);
}
