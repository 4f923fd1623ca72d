//! Dogfood: the signed sample release in the repository verifies as the README says.

use std::path::{Path, PathBuf};

use candor_model::AnyStatement;
use candor_sign::dsse::decode_base64;

use crate::support::{Run, repo_root};

const KEY: &str = "examples/keys/sample-vendor.pub";
const ARTIFACT: &str = "examples/sample-release/hello-cli-1.0.0.js";
const DECLARATION: &str = "examples/sample-release/candor.toml";
const RELEASE_DIR: &str = "attestations/hello-cli/1.0.0";

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

fn sample_envelope() -> String {
    let found = files_under(RELEASE_DIR, ".dsse.json");
    let manifests: Vec<&String> = found
        .iter()
        .filter(|path| {
            Path::new(path)
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("manifest."))
        })
        .collect();
    assert_eq!(
        manifests.len(),
        1,
        "expected exactly one manifest.*.dsse.json in {RELEASE_DIR}, found {found:?}"
    );
    manifests[0].clone()
}

#[test]
fn readme_quick_start_verifies() {
    let envelope = sample_envelope();
    let run = candor(&[
        "verify-envelope",
        "--key",
        KEY,
        "--artifact",
        ARTIFACT,
        &envelope,
    ]);
    run.success();
    assert!(
        run.stdout
            .starts_with("verified: behaviour manifest for hello-cli 1.0.0 by Example Vendor\n"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains(&format!("\n  artifact   {ARTIFACT} (sha256 ")),
        "{run}"
    );
    assert!(run.stdout.contains(" is subject "), "{run}");
    assert_eq!(run.stderr, "");
}

#[test]
fn every_attestation_verifies_with_the_sample_key() {
    let envelopes = files_under("attestations", ".dsse.json");
    assert!(!envelopes.is_empty(), "no envelopes under attestations/");
    for envelope in &envelopes {
        let run = candor(&["verify-envelope", "--key", KEY, envelope]);
        run.success();
        assert!(run.stdout.starts_with("verified: "), "{envelope}:\n{run}");
    }
}

/// The signed sample is what `candor manifest statement` makes of the sample declaration
/// today: whoever edits examples/sample-release/candor.toml must run regenerate.sh.
#[test]
fn the_sample_envelope_is_up_to_date_with_its_declaration() {
    let run = candor(&["manifest", "validate", DECLARATION]);
    run.success();

    let run = candor(&["manifest", "statement", DECLARATION, "--artifact", ARTIFACT]);
    run.success();
    let statement = AnyStatement::from_json(run.stdout.as_bytes(), "statement").unwrap();

    let envelope = sample_envelope();
    let text = fs_err::read_to_string(repo_root().join(&envelope)).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
    let payload = decode_base64(envelope["payload"].as_str().unwrap()).unwrap();
    assert!(
        payload == statement.to_canonical_json(),
        "{} is stale: run examples/sample-release/regenerate.sh",
        sample_envelope()
    );
}
