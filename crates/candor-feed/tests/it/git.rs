//! Git feeds on disk: publish makes one commit per publish (into a bare repository
//! through git's objects, or into a work tree), pushes report rejections, and sync reads
//! blobs of the fetched commit only, refusing rewritten history (ADVERSARIAL.md F7, F8).

use std::path::Path;

use candor_feed::FeedError;
use candor_feed::location::FeedLocation;
use candor_feed::publish::{PublishOptions, publish};
use candor_feed::sync::{SyncOptions, sync};
use git2::Repository;

use crate::support::{key, manifest, store_with_feed, write};

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn head_commit(repo: &Repository) -> git2::Commit<'_> {
    repo.head().unwrap().peel_to_commit().unwrap()
}

#[test]
fn publish_into_a_bare_repository_makes_one_commit_per_publish() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("feed.git");
    Repository::init_bare(&bare).unwrap();
    let feed = FeedLocation::detect(&bare.display().to_string(), None).unwrap();
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
    let report = publish(&[a.clone(), b], &feed, &PublishOptions::default(), None).unwrap();
    let repo = Repository::open_bare(&bare).unwrap();
    let commit = head_commit(&repo);
    assert_eq!(
        report.commit.as_deref(),
        Some(commit.id().to_string().as_str())
    );
    assert_eq!(
        commit.message().unwrap(),
        "candor publish: agent 1.4.0 manifest, agent 1.5.0 manifest\n"
    );
    let tree = commit.tree().unwrap();
    for document in &report.documents {
        assert!(
            tree.get_path(Path::new(&document.path)).is_ok(),
            "{}",
            document.path
        );
    }
    assert!(tree.get_path(Path::new("index.json")).is_ok());
    // Publishing again: no new commit.
    let again = publish(&[a], &feed, &PublishOptions::default(), None).unwrap();
    assert_eq!(again.commit, None);
    assert_eq!(head_commit(&repo).id(), commit.id());
}

#[test]
fn publish_into_a_work_tree_commits_and_pushes_and_a_stale_push_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("origin.git");
    Repository::init_bare(&bare).unwrap();
    // Two maintainers' clones of one feed.
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    Repository::clone(&url(&bare), &first).unwrap();
    let seed = write(
        dir.path(),
        "seed.dsse.json",
        &manifest("1.0.0", &key(1), "", None),
    );
    let push = PublishOptions {
        push: true,
        ..PublishOptions::default()
    };
    let feed_first = FeedLocation::detect(&first.display().to_string(), None).unwrap();
    let report = publish(&[seed], &feed_first, &push, None).unwrap();
    assert!(report.pushed);
    assert!(
        first.join(&report.documents[0].path).is_file(),
        "written into the work tree"
    );
    let first_repo = Repository::open(&first).unwrap();
    let status = first_repo.statuses(None).unwrap();
    assert_eq!(status.len(), 0, "the work tree is clean after the commit");
    Repository::clone(&url(&bare), &second).unwrap();

    let a = write(
        dir.path(),
        "a.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    publish(&[a], &feed_first, &push, None).unwrap();
    // The second clone did not fetch: its push cannot fast-forward.
    let b = write(
        dir.path(),
        "b.dsse.json",
        &manifest("1.5.0", &key(1), "", None),
    );
    let feed_second = FeedLocation::detect(&second.display().to_string(), None).unwrap();
    let error = publish(&[b], &feed_second, &push, None).unwrap_err();
    assert!(matches!(error, FeedError::PushRejected { .. }), "{error}");
    assert!(error.to_string().contains("rejected"), "{error}");
}

#[test]
fn sync_from_a_bare_repository_and_refuse_a_force_push() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("feed.git");
    Repository::init_bare(&bare).unwrap();
    let feed = FeedLocation::detect(&bare.display().to_string(), None).unwrap();
    let a = write(
        dir.path(),
        "a.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    publish(&[a], &feed, &PublishOptions::default(), None).unwrap();
    let repo = Repository::open_bare(&bare).unwrap();
    let first_commit = head_commit(&repo).id();

    let mut store = store_with_feed(dir.path(), "vendor", &url(&bare));
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.new_documents, 1);
    assert_eq!(
        synced.state.as_deref(),
        Some(first_commit.to_string().as_str())
    );
    let again = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert!(again.unchanged);

    let b = write(
        dir.path(),
        "b.dsse.json",
        &manifest("1.5.0", &key(1), "", None),
    );
    publish(&[b], &feed, &PublishOptions::default(), None).unwrap();
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.new_documents, 1, "only the new blob is read");
    let second_commit = head_commit(&repo).id();

    // Force-push the feed back to its first commit: a rollback.
    let branch = repo.head().unwrap().name().unwrap().to_owned();
    repo.reference(&branch, first_commit, true, "force-push")
        .unwrap();
    let error = sync(&mut store, "vendor", SyncOptions::default()).unwrap_err();
    assert!(matches!(error, FeedError::Rollback { .. }), "{error}");
    assert!(
        error.to_string().contains(&second_commit.to_string()),
        "{error}"
    );
    let refused = store.events(&["rollback-refused"]).unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(
        store.feed("vendor").unwrap().state.as_deref(),
        Some(second_commit.to_string().as_str())
    );
    assert_eq!(store.counts("vendor").unwrap(), 2, "the store is unchanged");

    // Accepted on request, and recorded.
    let accepted = sync(
        &mut store,
        "vendor",
        SyncOptions {
            allow_rewrite: true,
        },
    )
    .unwrap();
    assert_eq!(accepted.withdrawn, 1);
}

#[test]
fn links_and_submodules_in_a_git_feed_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("feed.git");
    let repo = Repository::init_bare(&bare).unwrap();
    let feed = FeedLocation::detect(&bare.display().to_string(), None).unwrap();
    let a = write(
        dir.path(),
        "a.dsse.json",
        &manifest("1.4.0", &key(1), "", None),
    );
    publish(&[a], &feed, &PublishOptions::default(), None).unwrap();
    // Add a symbolic link and a submodule entry next to the document.
    let parent = head_commit(&repo);
    let tree = parent.tree().unwrap();
    let release = repo
        .find_tree(tree.get_path(Path::new("agent/1.4.0")).unwrap().id())
        .unwrap();
    let mut builder = repo.treebuilder(Some(&release)).unwrap();
    let target = repo.blob(b"/etc/passwd").unwrap();
    builder
        .insert(
            "audit.1111111111111111.2222222222222222.dsse.json",
            target,
            0o120_000,
        )
        .unwrap();
    builder.insert("vendored", parent.id(), 0o160_000).unwrap();
    let release_id = builder.write().unwrap();
    let mut agent = repo
        .treebuilder(Some(
            &repo
                .find_tree(tree.get_path(Path::new("agent")).unwrap().id())
                .unwrap(),
        ))
        .unwrap();
    agent.insert("1.4.0", release_id, 0o040_000).unwrap();
    let agent_id = agent.write().unwrap();
    let mut root = repo.treebuilder(Some(&tree)).unwrap();
    root.insert("agent", agent_id, 0o040_000).unwrap();
    let root_id = root.write().unwrap();
    let signature = git2::Signature::now("mallory", "m@example").unwrap();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        "tricks",
        &repo.find_tree(root_id).unwrap(),
        &[&parent],
    )
    .unwrap();

    let mut store = store_with_feed(dir.path(), "vendor", &url(&bare));
    let synced = sync(&mut store, "vendor", SyncOptions::default()).unwrap();
    assert_eq!(synced.new_documents, 1);
    let reasons: Vec<String> = synced
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.path, s.reason))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("audit.1111") && r.contains("symbolic link")),
        "{reasons:#?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("vendored") && r.contains("submodule")),
        "{reasons:#?}"
    );
}
