//! Git feeds over HTTP(S) through candor's own transport, against git's own smart-HTTP
//! server (`git http-backend`) on 127.0.0.1: publish clones, commits and pushes to a URL;
//! sync fetches; a force-push is refused; HTTPS with a CA the test makes.

use std::path::Path;

use candor_feed::FeedError;
use candor_feed::http::HttpSettings;
use candor_feed::location::FeedLocation;
use candor_feed::publish::{PublishOptions, publish};
use candor_feed::store::{FeedOptions, Store};
use candor_feed::sync::{SyncOptions, sync};
use candor_test::http::{TlsIdentity, git_http_backend, serve, serve_tls};
use git2::Repository;

use crate::support::{key, manifest, write};

fn bare_feed(root: &Path) {
    let repo = Repository::init_bare(root.join("feed.git")).unwrap();
    // A first commit, so the remote has a branch to clone.
    let tree = repo.treebuilder(None).unwrap().write().unwrap();
    let tree = repo.find_tree(tree).unwrap();
    let signature = git2::Signature::now("vendor", "v@example").unwrap();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        "start the feed",
        &tree,
        &[],
    )
    .unwrap();
}

fn store(dir: &Path, url: &str, options: &FeedOptions) -> Store {
    let mut store = Store::open(&dir.join("store")).unwrap();
    store
        .add_feed("vendor", &FeedLocation::detect(url, None).unwrap(), options)
        .unwrap();
    store
}

#[test]
fn publish_and_sync_over_plain_http_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let repos = dir.path().join("srv");
    fs_err::create_dir_all(&repos).unwrap();
    bare_feed(&repos);
    let server = serve(git_http_backend(repos.clone()));
    let url = format!("{}/feed.git", server.url());
    let feed = FeedLocation::detect(&url, None).unwrap();
    let document = write(
        dir.path(),
        "m.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );

    // A remote feed changes only by a push.
    let error = publish(
        std::slice::from_ref(&document),
        &feed,
        &PublishOptions::default(),
        None,
    )
    .unwrap_err();
    assert!(error.to_string().contains("pass --push"), "{error}");
    let options = PublishOptions {
        push: true,
        http: HttpSettings {
            allow_http: true,
            ..HttpSettings::default()
        },
        ..PublishOptions::default()
    };
    let report = publish(&[document], &feed, &options, None).unwrap();
    assert!(report.pushed);
    let pushed = Repository::open_bare(repos.join("feed.git")).unwrap();
    let head = pushed.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(Some(head.id().to_string()), report.commit);

    let mut store = store(
        dir.path(),
        &url,
        &FeedOptions {
            allow_http: true,
            ..FeedOptions::default()
        },
    );
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.new_documents, 1);
    assert!(!synced.warnings.is_empty(), "plain HTTP is warned about");
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path.contains("git-upload-pack"))
    );

    // The feed's owner force-pushes it back: refused.
    let first = head.parent_id(0).unwrap();
    let branch = pushed.head().unwrap().name().unwrap().to_owned();
    pushed
        .reference(&branch, first, true, "force-push")
        .unwrap();
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(matches!(error, FeedError::Rollback { .. }), "{error}");
}

#[test]
fn sync_over_https_with_the_feeds_own_ca() {
    let dir = tempfile::tempdir().unwrap();
    let repos = dir.path().join("srv");
    fs_err::create_dir_all(&repos).unwrap();
    bare_feed(&repos);
    // Publish locally into the bare repository the server serves.
    let local = FeedLocation::detect(&repos.join("feed.git").display().to_string(), None).unwrap();
    let document = write(
        dir.path(),
        "m.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    publish(&[document], &local, &PublishOptions::default(), None).unwrap();
    let identity = TlsIdentity::new();
    let server = serve_tls(&identity, git_http_backend(repos));
    let url = format!("{}/feed.git", server.url());

    // Without the CA: refused by TLS, nothing stored.
    let other = tempfile::tempdir().unwrap();
    let mut untrusting = store(other.path(), &url, &FeedOptions::default());
    let error = sync(&mut untrusting, "vendor", SyncOptions::default()).unwrap_err();
    assert!(matches!(error, FeedError::Git { .. }), "{error}");
    assert_eq!(untrusting.document_count().unwrap(), 0);

    let mut store = store(
        dir.path(),
        &url,
        &FeedOptions {
            ca_certificates: vec![identity.ca_pem.clone()],
            ..FeedOptions::default()
        },
    );
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.new_documents, 1);
    // Plain http:// to the same server is refused before anything is sent.
    let plain = url.replace("https://", "http://");
    let mut refused = Store::open(&dir.path().join("store2")).unwrap();
    refused
        .add_feed(
            "vendor",
            &FeedLocation::detect(&plain, None).unwrap(),
            &FeedOptions::default(),
        )
        .unwrap();
    let error = sync(&mut refused, "vendor", SyncOptions::default()).unwrap_err();
    assert!(
        candor_feed::http::error_chain(&error).contains("URL scheme is not allowed"),
        "{}",
        candor_feed::http::error_chain(&error)
    );
}
