//! `candor ledger` on a store synced from the repository's own feed (`attestations/`):
//! the sample vendor's two releases, the sample auditor's findings in 1.0.0 and the
//! vendor's answer that 1.0.1 fixes them; with the sample policy and without one.

use std::path::Path;

use crate::support::{Run, repo_root};

const POLICY: &str = "examples/sample-release/policy.toml";

/// `candor args…` from the repository root, as the README runs it.
fn candor(args: &[&str]) -> Run {
    Run::of(
        assert_cmd::Command::cargo_bin("candor")
            .expect("the candor binary is built")
            .current_dir(repo_root())
            .env_remove("CANDOR_PASSPHRASE")
            .env_remove("CLICOLOR_FORCE")
            .args(args),
    )
}

/// A store in a temporary directory with attestations/ added as a feed and synced.
fn synced_store() -> tempfile::TempDir {
    let store = tempfile::tempdir().expect("a temporary directory");
    let dir = store.path().display().to_string();
    let feed = repo_root().join("attestations").display().to_string();
    candor(&["feed", "add", "sample", &feed, "--store", &dir]).success();
    candor(&["feed", "sync", "--store", &dir]).success();
    store
}

/// Snapshot settings: the store's path, dates, short digests and the policy's version
/// (all of which `examples/sample-release/regenerate.sh` changes) filtered.
fn settings(store: &Path) -> insta::Settings {
    let mut settings = candor_test::snapshot_settings(store);
    settings.add_filter(r"\d{4}-\d\d-\d\d", "[DATE]");
    settings.add_filter(r"\b[0-9a-f]{16}\b", "[SHA256-16]");
    settings.add_filter(r"\(version \d+\)", "(version [POLICY VERSION])");
    settings
}

#[test]
fn the_sample_vendors_ledger_with_the_policy() {
    let store = synced_store();
    let dir = store.path().display().to_string();
    let run = candor(&["ledger", "--policy", POLICY, "--store", &dir]);
    run.success();
    assert!(
        run.stdout.contains("1.0.0    ") && run.stdout.contains("fixed in 1.0.1"),
        "{run}"
    );
    settings(store.path()).bind(|| insta::assert_snapshot!("ledger_policy", run));

    // JSON (checked against ledger.schema.json by the harness), the vendor in any case.
    let run = candor(&[
        "ledger",
        "example VENDOR",
        "--policy",
        POLICY,
        "--store",
        &dir,
        "--format",
        "json",
    ]);
    run.success();
    let json = run.json();
    assert_eq!(json["verification"]["kind"], "policy");
    assert_eq!(json["vendors"].as_array().map(Vec::len), Some(1));
    let vendor = &json["vendors"][0];
    assert_eq!(vendor["vendor"], "Example Vendor");
    let tool = &vendor["tools"][0];
    assert_eq!(tool["tool"], "hello-cli");
    assert_eq!(tool["versions"][0]["version"], "1.0.0");
    assert_eq!(tool["versions"][1]["version"], "1.0.1");
    let totals = &vendor["totals"];
    assert_eq!(totals["findings"], 8, "{totals:#}");
    assert_eq!(totals["answered"], 8);
    assert_eq!(totals["open"], 0);
    assert_eq!(totals["fixed"], 8);
    assert_eq!(totals["untrusted"], 0);
    assert_eq!(totals["equivocations"], 0);
    assert_eq!(totals["downgrades"], 0);
    let fixed = tool["versions"][0]["audits"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["against"] == true)
        .expect("a finding against the vendor");
    assert_eq!(fixed["fixed_in"]["version"], "1.0.1");
    assert_eq!(fixed["fixed_in"]["manifest"], true);
    assert_eq!(fixed["answers"][0]["trust"], "trusted");
    assert!(fixed["answers"][0]["days"].is_i64(), "{fixed:#}");
}

#[test]
fn the_sample_vendors_ledger_without_a_policy_says_nothing_was_verified() {
    let store = synced_store();
    let dir = store.path().display().to_string();
    let run = candor(&["ledger", "--store", &dir]);
    run.success();
    assert!(run.stdout.starts_with("UNVERIFIED: "), "{run}");
    settings(store.path()).bind(|| insta::assert_snapshot!("ledger_unverified", run));
    let run = candor(&["ledger", "--store", &dir, "--format", "json"]);
    run.success();
    let json = run.json();
    assert_eq!(json["verification"]["kind"], "unverified");
    assert_eq!(
        json["vendors"][0]["tools"][0]["versions"][0]["manifests"][0]["trust"],
        "unverified"
    );
    assert_eq!(json["vendors"][0]["totals"]["findings"], 8);
}

#[test]
fn an_unknown_vendor_and_a_missing_store_are_input_errors() {
    let store = synced_store();
    let dir = store.path().display().to_string();
    let run = candor(&["ledger", "Initech", "--policy", POLICY, "--store", &dir]);
    run.code(2);
    assert!(
        run.stderr
            .contains("no vendor `Initech` in the store: the vendors it knows are Example Vendor"),
        "{run}"
    );
    assert!(run.stderr.contains("hint: "), "{run}");
    let run = candor(&["ledger", "Initech", "--store", &dir, "--format", "json"]);
    run.code(2);
    assert_eq!(run.json()["error"]["kind"], "unknown-vendor");

    let missing = store.path().join("none").display().to_string();
    let run = candor(&["ledger", "--store", &missing]);
    run.code(2);
    assert!(run.stderr.contains("no store at"), "{run}");
}

#[test]
fn ledger_help_shows_examples() {
    let run = candor(&["ledger", "--help"]);
    run.success();
    for example in [
        "candor ledger --policy policy.toml",
        "candor ledger \"Example Vendor\" --policy policy.toml",
    ] {
        assert!(
            run.stdout.lines().any(|line| line.trim() == example),
            "`candor ledger --help` does not show `{example}`:\n{run}"
        );
    }
}
