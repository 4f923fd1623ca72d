//! `candor publish` and `candor feed add|sync|list|remove` as a user runs them: a vendor
//! publishes into a directory feed and a git feed, a consumer syncs both into a store;
//! what they see, and the exit codes, when a feed misbehaves.

use std::path::Path;

use crate::support::{Workspace, snapshot};

/// Insta settings for feed output: the workspace path, times and git commits vary.
fn settings(ws: &Workspace) -> insta::Settings {
    let mut settings = ws.settings();
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    settings.add_filter(r#""(added|last_sync|time)": \d+"#, r#""$1": "[TIME]""#);
    settings.add_filter(r"\b[0-9a-f]{40}\b", "[COMMIT]");
    settings
}

/// The release fixture signed by the vendor key: `manifest.dsse.json`.
fn signed_manifest(ws: &Workspace) {
    ws.release();
    ws.key("vendor", 1);
    ws.sign(&["vendor"], "manifest.dsse.json");
}

fn store_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--store", "store"]);
    all
}

#[test]
fn publish_into_a_directory_then_sync_and_list() {
    let ws = Workspace::new();
    signed_manifest(&ws);
    let settings = settings(&ws);
    let run = ws.run(&[
        "publish",
        "manifest.dsse.json",
        "--to",
        "feed",
        "--store",
        "store",
    ]);
    run.success();
    settings.bind(|| insta::assert_snapshot!("publish_directory", run));
    let run = ws.run(&[
        "publish",
        "manifest.dsse.json",
        "--to",
        "feed",
        "--format",
        "json",
    ]);
    run.success();
    assert_eq!(run.json()["documents"][0]["outcome"], "unchanged");
    assert!(ws.exists("feed/index.json"));

    ws.run(&store_args(&["feed", "add", "vendor", "feed"]))
        .success();
    let run = ws.run(&store_args(&["feed", "sync"]));
    run.success();
    settings.bind(|| insta::assert_snapshot!("sync_directory", run));
    let run = ws.run(&store_args(&["feed", "sync", "--format", "json"]));
    run.success();
    assert_eq!(run.json()["results"][0]["new_documents"], 0);
    let run = ws.run(&store_args(&["feed", "list"]));
    run.success();
    settings.bind(|| insta::assert_snapshot!("list", run));
    let run = ws.run(&store_args(&["feed", "list", "--format", "json"]));
    run.success();
    settings.bind(|| insta::assert_snapshot!("list_json", run));
    let run = ws.run(&store_args(&["feed", "remove", "vendor"]));
    run.success();
    snapshot!(ws, "remove", run);
    let run = ws.run(&store_args(&["feed", "sync", "vendor"]));
    run.code(2);
    snapshot!(ws, "sync_unknown_feed", run);
}

#[test]
fn a_conflicting_manifest_is_refused_with_exit_1() {
    let ws = Workspace::new();
    signed_manifest(&ws);
    ws.run(&["publish", "manifest.dsse.json", "--to", "feed"])
        .success();
    // Another Statement for the same release, signed by the same key.
    let other = ws
        .read("candor.toml")
        .replace("prompt text", "prompt text and the date");
    ws.write("candor.toml", other);
    ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        crate::support::TARBALL,
        "--out",
        "statement.json",
        "--force",
    ])
    .success();
    ws.sign(&["vendor"], "other.dsse.json");
    let run = ws.run(&["publish", "other.dsse.json", "--to", "feed"]);
    run.code(1);
    snapshot!(ws, "publish_conflict", run);
    // Superseding it by name is accepted.
    ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        crate::support::TARBALL,
        "--supersedes",
        "manifest.dsse.json",
        "--out",
        "statement.json",
        "--force",
    ])
    .success();
    ws.sign(&["vendor"], "replacement.dsse.json");
    let run = ws.run(&[
        "publish",
        "replacement.dsse.json",
        "--to",
        "feed",
        "--supersede",
    ]);
    run.success();
    assert!(
        run.stdout.starts_with("superseded replacement.dsse.json"),
        "{run}"
    );
}

#[test]
fn publish_into_a_git_repository_and_sync_it_over_file_urls() {
    let ws = Workspace::new();
    signed_manifest(&ws);
    git2::Repository::init_bare(ws.join("feed.git")).expect("create a bare repository");
    let run = ws.run(&["publish", "manifest.dsse.json", "--to", "feed.git"]);
    run.success();
    settings(&ws).bind(|| insta::assert_snapshot!("publish_git", run));
    let url = format!("file://{}", ws.join("feed.git").display());
    ws.run(&store_args(&["feed", "add", "vendor", &url]))
        .success();
    let run = ws.run(&store_args(&["feed", "sync", "vendor"]));
    run.success();
    settings(&ws).bind(|| insta::assert_snapshot!("sync_git", run));

    // Rewind the feed's branch to an empty commit: a force-push, refused with exit 1.
    let repo = git2::Repository::open_bare(ws.join("feed.git")).expect("open the feed");
    let signature = git2::Signature::now("mallory", "m@example").expect("a signature");
    let empty = repo
        .treebuilder(None)
        .and_then(|b| b.write())
        .expect("an empty tree");
    let tree = repo.find_tree(empty).expect("the empty tree");
    let orphan = repo
        .commit(None, &signature, &signature, "rewritten", &tree, &[])
        .expect("a commit");
    let branch = repo
        .head()
        .expect("HEAD")
        .name()
        .expect("a branch")
        .to_owned();
    repo.reference(&branch, orphan, true, "force-push")
        .expect("rewind");
    let run = ws.run(&store_args(&["feed", "sync", "vendor"]));
    run.code(1);
    settings(&ws).bind(|| insta::assert_snapshot!("sync_git_rollback", run));
    let run = ws.run(&store_args(&["feed", "list"]));
    assert!(run.stdout.contains("rollback refused (vendor)"), "{run}");
}

/// A sync killed with SIGKILL at many moments never leaves a damaged store or a partial
/// document, and a later sync completes (ADVERSARIAL.md G1).
#[cfg(unix)]
#[test]
fn a_sync_killed_at_any_moment_leaves_a_sound_store() {
    use std::time::{Duration, Instant};

    let ws = Workspace::new();
    // A feed of a few hundred documents: long enough to be killed in the middle.
    let feed = ws.join("feed");
    let documents = generated_feed(&feed, 400);
    ws.run(&store_args(&["feed", "add", "big", "feed"]))
        .success();
    let binary = assert_cmd::cargo::cargo_bin("candor");
    let mut rng = candor_test::Rng::new(0x5EED);
    // How long a whole sync takes here, to spread the kills over it.
    let started = Instant::now();
    let probe = ws.join("probe-store");
    let status = std::process::Command::new(&binary)
        .current_dir(ws.path())
        .args(["feed", "add", "big", "feed", "--store"])
        .arg(&probe)
        .status()
        .expect("run candor");
    assert!(status.success());
    std::process::Command::new(&binary)
        .current_dir(ws.path())
        .args(["feed", "sync", "--store"])
        .arg(&probe)
        .status()
        .expect("run candor");
    let full = started.elapsed().max(Duration::from_millis(50));
    let mut killed = 0;
    for _ in 0..25 {
        let mut child = std::process::Command::new(&binary)
            .current_dir(ws.path())
            .args(["feed", "sync", "--store", "store"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start candor feed sync");
        let wait = full * u32::try_from(rng.below(1000)).expect("below 1000") / 1000;
        std::thread::sleep(wait);
        if child.try_wait().expect("poll the child").is_none() {
            killed += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        check_store(&ws.join("store"));
    }
    assert!(
        killed >= 5,
        "only {killed} of 25 syncs were killed while running"
    );
    let run = ws.run(&store_args(&["feed", "sync", "--format", "json"]));
    run.success();
    check_store(&ws.join("store"));
    let conn = rusqlite::Connection::open(ws.join("store/store.db")).expect("open the store");
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))
        .expect("count documents");
    assert_eq!(usize::try_from(count).expect("a count"), documents);
}

/// `PRAGMA integrity_check` is `ok` and every stored document is whole: its bytes hash to
/// its key and parse as what it says it is.
#[cfg(unix)]
fn check_store(dir: &Path) {
    if !dir.join("store.db").exists() {
        return;
    }
    let conn = rusqlite::Connection::open(dir.join("store.db")).expect("open the store");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok");
    let mut statement = conn
        .prepare("SELECT sha256, bytes, size FROM documents")
        .expect("select documents");
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .expect("read documents");
    for row in rows {
        let (sha256, bytes, size) = row.expect("a document row");
        assert_eq!(i64::try_from(bytes.len()).expect("a size"), size);
        assert_eq!(
            candor_sign::artifact::sha256_of(&bytes).sha256(),
            Some(sha256.as_str())
        );
        candor_sign::verify::inspect_attestation(&bytes, &sha256).expect("a whole document");
    }
    let orphans: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM subjects WHERE document NOT IN (SELECT sha256 FROM documents)",
            [],
            |r| r.get(0),
        )
        .expect("count orphan subjects");
    assert_eq!(orphans, 0);
}

/// `count` signed manifests of distinct releases, published into `dir`; how many.
#[cfg(unix)]
fn generated_feed(dir: &Path, count: usize) -> usize {
    use candor_model::manifest::Declaration;
    let key = candor_sign::keys::PrivateKey::from_seed(&[3; 32]);
    let declaration =
        Declaration::from_toml(candor_test::AGENT_TOML, "candor.toml").expect("valid");
    let mut index = candor_model::feed::FeedIndex::new();
    for i in 0..count {
        let mut statement = declaration.to_statement_with(vec![candor_model::Subject {
            name: format!("pkg:generic/agent-{i}@1.4.0"),
            digest: candor_sign::artifact::digest_bytes(format!("artifact {i}").as_bytes()),
        }]);
        statement.predicate.tool.version = format!("1.4.{i}").parse().expect("a version");
        statement.predicate.tool.purl = None;
        let envelope = candor_sign::dsse::sign(
            candor_model::IN_TOTO_PAYLOAD_TYPE,
            &statement.to_canonical_json(),
            &[&key],
        )
        .to_json();
        let document =
            candor_feed::document::FeedDocument::parse(envelope.into_bytes(), "generated")
                .expect("a feed document");
        let path = dir.join(document.path.to_string());
        fs_err::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs_err::write(&path, &document.bytes).expect("write");
        index.insert(candor_model::feed::IndexEntry {
            path: document.path.to_string(),
            sha256: document.sha256.clone(),
            size: document.bytes.len() as u64,
        });
    }
    fs_err::write(dir.join("index.json"), index.to_json()).expect("write the index");
    count
}
