//! Dogfood: the sample feed in the repository (`attestations/`) and the sample releases
//! verify as the README's quick start says: hello-cli 1.0.0 fails on the sample
//! auditor's findings, 1.0.1 passes.

use std::path::{Path, PathBuf};

use candor_model::AnyStatement;
use candor_sign::dsse::decode_base64;

use crate::support::{Run, repo_root};

const VENDOR_KEY: &str = "examples/keys/sample-vendor.pub";
const AUDITOR_KEY: &str = "examples/keys/sample-auditor.pub";
const RELEASES: [&str; 2] = ["1.0.0", "1.0.1"];

/// `candor args…` from the repository root, as the README runs it.
fn candor(args: &[&str]) -> Run {
    Run::of(
        assert_cmd::Command::cargo_bin("candor")
            .expect("the candor binary is built")
            .current_dir(repo_root())
            .env_remove("CANDOR_PASSPHRASE")
            .args(args),
    )
}

/// Relative (to the repository root) paths of the files under `dir` whose names end
/// with `suffix`, recursively, sorted.
fn files_under(dir: &str, suffix: &str) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, suffix: &str, out: &mut Vec<String>) {
        for entry in fs_err::read_dir(root.join(dir)).expect("list a directory") {
            let entry = entry.expect("read a directory entry");
            let rel = dir.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                walk(root, &rel, suffix, out);
            } else if let Some(name) = rel.to_str().filter(|name| name.ends_with(suffix)) {
                out.push(name.to_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo_root(), &PathBuf::from(dir), suffix, &mut out);
    out.sort();
    out
}

/// The one document of `kind` for release `version` in attestations/.
fn sample_document(version: &str, kind: &str) -> String {
    let dir = format!("attestations/hello-cli/{version}");
    let found = files_under(&dir, ".dsse.json");
    let of_kind: Vec<&String> = found
        .iter()
        .filter(|path| {
            Path::new(path)
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{kind}.")))
        })
        .collect();
    assert_eq!(
        of_kind.len(),
        1,
        "expected exactly one {kind}.*.dsse.json in {dir}, found {found:?}"
    );
    of_kind[0].clone()
}

/// The README's first quick-start command, as words.
fn quick_start_command() -> Vec<String> {
    let readme = fs_err::read_to_string(repo_root().join("README.md")).expect("README.md");
    let start = readme
        .find("## Quick start")
        .expect("a quick start section");
    let block = &readme[start..];
    let first = block
        .lines()
        .skip_while(|l| !l.starts_with("```sh"))
        .nth(1)
        .expect("a command in the quick start");
    first.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn readme_quick_start_fails_the_first_release_and_passes_the_second() {
    let words = quick_start_command();
    assert_eq!(
        words[..5],
        ["cargo", "run", "-q", "-p", "candor-cli"],
        "{words:?}"
    );
    assert_eq!(words[5], "--");
    // The README's store is under target/; this run uses its own.
    let store = tempfile::tempdir().expect("a temporary directory");
    let mut args: Vec<String> = words[6..].to_vec();
    let at = args
        .iter()
        .position(|a| a == "--store")
        .expect("the quick start names its store");
    args[at + 1] = store.path().display().to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = candor(&args);
    run.code(1);
    let first = run
        .stdout
        .split("\n\n")
        .next()
        .expect("the first release's verdict");
    assert!(
        first.starts_with("FAIL  hello-cli 1.0.0 by Example Vendor"),
        "{run}"
    );
    assert!(
        first.contains("observed by Security Lab GmbH (seclab)"),
        "{run}"
    );
    assert!(first.contains("Asia/Shanghai"), "{run}");
    assert!(first.contains("evidence   "), "{run}");
    assert!(first.contains("via base64 → xor(0x5b)"), "{run}");
    assert!(first.contains("upgrade    1.0.1"), "{run}");
    assert!(
        run.stdout
            .contains("\nPASS  hello-cli 1.0.1 by Example Vendor"),
        "{run}"
    );

    // JSON: the verdicts and the sources of the facts.
    let mut json_args = args.clone();
    json_args.extend(["--format", "json"]);
    let run = candor(&json_args);
    run.code(1);
    let json = run.json();
    assert_eq!(json["targets"][0]["verdict"], "fail");
    assert_eq!(json["targets"][1]["verdict"], "pass");
    assert_eq!(json["targets"][0]["upgrade"]["version"], "1.0.1");
    let sources: Vec<&str> = json["targets"][0]["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter_map(|f| f["source"]["kind"].as_str())
        .collect();
    assert!(sources.contains(&"claimed"), "{sources:?}");
    assert!(sources.contains(&"observed-by-auditor"), "{sources:?}");
}

#[test]
fn every_attestation_verifies_with_the_sample_keys() {
    let envelopes = files_under("attestations", ".dsse.json");
    assert_eq!(envelopes.len(), 5, "{envelopes:?}");
    for envelope in &envelopes {
        let run = candor(&[
            "verify-envelope",
            "--key",
            VENDOR_KEY,
            "--key",
            AUDITOR_KEY,
            envelope,
        ]);
        run.success();
        assert!(run.stdout.starts_with("verified: "), "{envelope}:\n{run}");
    }
    // Each manifest names its release's artifact.
    for version in RELEASES {
        let run = candor(&[
            "verify-envelope",
            "--key",
            VENDOR_KEY,
            "--artifact",
            &format!("examples/sample-release/hello-cli-{version}.js"),
            &sample_document(version, "manifest"),
        ]);
        run.success();
    }
}

/// The signed samples are what `candor manifest statement` makes of the sample
/// declarations today: whoever edits them must run regenerate.sh.
#[test]
fn the_sample_manifests_are_up_to_date_with_their_declarations() {
    for version in RELEASES {
        let declaration = format!("examples/sample-release/candor-{version}.toml");
        let artifact = format!("examples/sample-release/hello-cli-{version}.js");
        candor(&["manifest", "validate", &declaration]).success();
        let run = candor(&[
            "manifest",
            "statement",
            &declaration,
            "--artifact",
            &artifact,
        ]);
        run.success();
        let statement = AnyStatement::from_json(run.stdout.as_bytes(), "statement").unwrap();
        let envelope = sample_document(version, "manifest");
        let text = fs_err::read_to_string(repo_root().join(&envelope)).unwrap();
        let envelope_json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let payload = decode_base64(envelope_json["payload"].as_str().unwrap()).unwrap();
        assert!(
            payload == statement.to_canonical_json(),
            "{envelope} is stale: run examples/sample-release/regenerate.sh"
        );
    }
    candor(&["policy", "check", "examples/sample-release/policy.toml"]).success();
}
