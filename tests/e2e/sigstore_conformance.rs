//! The Sigstore conformance suite's bundle-verification cases, through
//! `candor sigstore verify-bundle` as the suite's client protocol drives it
//! (`cli_protocol.md`). The vectors are not in this repository: they are read from
//! `$CANDOR_CONFORMANCE_DIR` or `../shared/vectors/sigstore-conformance/` beside it, and
//! the test says it skipped where neither exists.
//!
//! A folder whose name ends in `_fail` must be rejected (exit 1, or 2 when the input
//! itself is unusable: a malformed key or trusted root), with a message that names the
//! check; every other folder must verify (exit 0).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::support::repo_root;

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Rejections whose message must name this check: a release engineer acts on it.
const EXPECTED_CHECKS: &[(&str, &str)] = &[
    ("intoto-expired-certificate_fail", "time"),
    ("invalid-ct-key_fail", "sct"),
    ("checkpoint-bad-keyhint_fail", "checkpoint"),
    ("invalid-inclusion-proof_fail", "inclusion proof"),
    ("rekor2-no-inclusion-proof_fail", "inclusion proof"),
    ("wrong-hashedrekord-artifact_fail", "artifact"),
    ("bundle-malformed-json_fail", "document"),
    ("signature-mismatch_fail", "signature"),
];

/// Cases that cannot pass, with the exact reason. Empty: every case passes.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

pub fn conformance_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CANDOR_CONFORMANCE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let shared = repo_root().join("../shared/vectors/sigstore-conformance");
    shared.is_dir().then_some(shared)
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs_err::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

/// The command line the suite would run for one case folder.
fn case_command(root: &Path, case: &Path) -> Command {
    let mut command = Command::cargo_bin("candor").expect("cargo builds the candor binary");
    command
        .args(["sigstore", "verify-bundle", "--bundle"])
        .arg(case.join("bundle.sigstore.json"));
    if case.join("key.pub").exists() {
        command.arg("--key").arg(case.join("key.pub"));
    } else {
        let identity =
            read_trimmed(&case.join("identity")).unwrap_or_else(|| DEFAULT_IDENTITY.to_owned());
        let issuer =
            read_trimmed(&case.join("issuer")).unwrap_or_else(|| DEFAULT_ISSUER.to_owned());
        command
            .args(["--certificate-identity", &identity])
            .args(["--certificate-oidc-issuer", &issuer]);
    }
    if case.join("trusted_root.json").exists() {
        command
            .arg("--trusted-root")
            .arg(case.join("trusted_root.json"));
    }
    let artifact = if case.join("artifact").exists() {
        case.join("artifact")
    } else {
        root.join("bundle-verify/a.txt")
    };
    command.arg(artifact);
    command
}

#[test]
fn every_bundle_verify_case_of_the_conformance_suite() {
    let Some(root) = conformance_dir() else {
        eprintln!(
            "SKIPPED: Sigstore conformance vectors not found (set CANDOR_CONFORMANCE_DIR or put \
             shared/vectors/sigstore-conformance beside the repository)"
        );
        return;
    };
    let mut cases: Vec<PathBuf> = fs_err::read_dir(root.join("bundle-verify"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("bundle.sigstore.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 50, "only {} cases found", cases.len());
    let mut wrong = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let must_fail = name.ends_with("_fail");
        let output = case_command(&root, case).output().unwrap();
        let code = output.status.code();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let check_named = EXPECTED_CHECKS
            .iter()
            .find(|(case, _)| *case == name)
            .is_none_or(|(_, check)| text.contains(&format!("({check} check)")));
        let ok = check_named
            && if must_fail {
                // Rejected, saying why: a check name, or the input error.
                matches!(code, Some(1 | 2))
                    && (text.contains("verification failed (") || text.starts_with("error: "))
            } else {
                code == Some(0) && text.starts_with("verified: ")
            };
        match (ok, must_fail) {
            (true, true) => rejected += 1,
            (true, false) => accepted += 1,
            (false, _) => wrong.push(format!("{name} (exit {code:?}): {}", text.trim())),
        }
    }
    let known: Vec<&str> = KNOWN_FAILURES.iter().map(|(name, _)| *name).collect();
    eprintln!(
        "Sigstore conformance bundle-verify: {} cases, {accepted} accepted as expected, \
         {rejected} rejected as expected, {} wrong",
        cases.len(),
        wrong.len()
    );
    let unexpected: Vec<&String> = wrong
        .iter()
        .filter(|w| !known.iter().any(|k| w.starts_with(k)))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}

#[test]
fn identity_patterns_and_wrong_identities() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let case = root.join("bundle-verify/happy-path-v0.3");
    let a_txt = root.join("bundle-verify/a.txt").display().to_string();
    let run_on = |args: &[&str], artifact: &str| {
        let output = Command::cargo_bin("candor")
            .unwrap()
            .args(["sigstore", "verify-bundle", "--bundle"])
            .arg(case.join("bundle.sigstore.json"))
            .args(args)
            .arg(artifact)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let run = |args: &[&str]| run_on(args, &a_txt);
    // An anchored pattern over the workflow path.
    let (code, out) = run(&[
        "--certificate-identity-pattern",
        "https://github.com/sigstore-conformance/*@refs/heads/main",
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
    ]);
    assert_eq!(code, Some(0), "{out}");
    // Patterns are anchored: a prefix is not enough.
    let (code, out) = run(&[
        "--certificate-identity-pattern",
        "https://github.com/sigstore-conformance/*@refs/heads/mai",
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("(identity check)"), "{out}");
    // Another repository's workflow.
    let (code, out) = run(&[
        "--certificate-identity",
        "https://github.com/evil/repo/.github/workflows/release.yml@refs/heads/main",
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "identity: the certificate's subject is \"https://github.com/sigstore-conformance/"
        ),
        "{out}"
    );
    // The right subject from another issuer.
    let (code, out) = run(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        "https://accounts.google.com",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("OIDC issuer is \"https://token.actions.githubusercontent.com\"; the policy requires \"https://accounts.google.com\""), "{out}");
    // The artifact given by its digest, as the client protocol allows; then another one.
    let digest = candor_sign::artifact::digest_file(Path::new(&a_txt)).unwrap();
    let sha256 = format!("sha256:{}", digest.sha256().unwrap());
    let signer = [
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
    ];
    let (code, out) = run_on(&signer, &sha256);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run_on(
        &signer,
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("(artifact check)"), "{out}");
}

/// What an attacker would try on a bundle that verifies: a duplicate key (serde keeps the
/// last, another parser the first), an oversized file, a tampered artifact, a tampered
/// signature.
#[test]
fn tampered_and_malformed_bundles_are_rejected() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let good =
        fs_err::read_to_string(root.join("bundle-verify/happy-path-v0.3/bundle.sigstore.json"))
            .unwrap();
    let a_txt = fs_err::read(root.join("bundle-verify/a.txt")).unwrap();
    ws.write("a.txt", &a_txt);
    let run = |bundle: &str, artifact: &str| {
        let output = Command::cargo_bin("candor")
            .unwrap()
            .current_dir(ws.path())
            .args(["sigstore", "verify-bundle", "--bundle", bundle])
            .args(["--certificate-identity", DEFAULT_IDENTITY])
            .args(["--certificate-oidc-issuer", DEFAULT_ISSUER])
            .arg(artifact)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    ws.write("good.json", &good);
    assert_eq!(run("good.json", "a.txt").0, Some(0));

    // A second "mediaType" key before the first.
    let duplicated = good.replacen(
        '{',
        "{\"mediaType\": \"application/vnd.dev.sigstore.bundle.v0.3+json\",",
        1,
    );
    ws.write("dup.json", &duplicated);
    let (code, out) = run("dup.json", "a.txt");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("(document check)") && out.contains("duplicate key"),
        "{out}"
    );

    // 17 MiB: refused by size before parsing.
    let mut big = good.clone().into_bytes();
    big.resize(17 << 20, b' ');
    ws.write("big.json", &big);
    let (code, out) = run("big.json", "a.txt");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("limit"), "{out}");

    // The artifact changed by one byte.
    let mut other = a_txt.clone();
    other.push(b'!');
    ws.write("b.txt", &other);
    let (code, out) = run("good.json", "b.txt");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("check)"), "{out}");

    // The message signature's first base64 character changed.
    let marker = "\"signature\": \"";
    let at = good.find(marker).expect("a message signature") + marker.len();
    let mut tampered = good.clone();
    let replacement = if &good[at..=at] == "M" { "N" } else { "M" };
    tampered.replace_range(at..=at, replacement);
    ws.write("tampered.json", &tampered);
    let (code, out) = run("tampered.json", "a.txt");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("verification failed ("), "{out}");
}

/// A conformance case's bundle, as JSON to mutate.
fn case_bundle(root: &Path, name: &str) -> serde_json::Value {
    let path = root
        .join("bundle-verify")
        .join(name)
        .join("bundle.sigstore.json");
    let text = fs_err::read_to_string(path).expect("a conformance bundle");
    serde_json::from_str(&text).expect("bundle JSON")
}

/// `candor sigstore verify-bundle` of `bundle` (written as `<label>.json` in `ws`) over
/// `artifact`, with the suite's default identity: exit code and stdout.
fn verify_mutated(
    ws: &crate::support::Workspace,
    label: &str,
    bundle: &serde_json::Value,
    artifact: &Path,
) -> (Option<i32>, String) {
    let file = format!("{label}.json");
    ws.write(
        &file,
        serde_json::to_string_pretty(bundle).expect("serialize"),
    );
    let output = Command::cargo_bin("candor")
        .expect("cargo builds the candor binary")
        .current_dir(ws.path())
        .args(["sigstore", "verify-bundle", "--bundle", &file])
        .args(["--certificate-identity", DEFAULT_IDENTITY])
        .args(["--certificate-oidc-issuer", DEFAULT_ISSUER])
        .arg(artifact)
        .output()
        .expect("run candor");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// ADVERSARIAL.md cases the suite's shipped vectors do not cover, made by mutating
/// bundles that verify: each must be rejected.
#[test]
fn mutations_of_valid_bundles_are_rejected() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let case = |name: &str| -> serde_json::Value {
        let text = fs_err::read_to_string(
            root.join("bundle-verify")
                .join(name)
                .join("bundle.sigstore.json"),
        )
        .expect("a conformance bundle");
        serde_json::from_str(&text).expect("bundle JSON")
    };
    let a_txt = root.join("bundle-verify/a.txt");
    let dsse_subject = root.join("bundle-verify/happy-path-intoto-in-dsse-v3/artifact");
    let dsse_artifact = if dsse_subject.exists() {
        dsse_subject
    } else {
        a_txt.clone()
    };
    let verify = |label: &str, bundle: &serde_json::Value, artifact: &Path| {
        verify_mutated(&ws, label, bundle, artifact)
    };
    // The unmutated bundles verify (so each rejection below is the mutation's doing).
    assert_eq!(
        verify("good-v03", &case("happy-path-v0.3"), &a_txt).0,
        Some(0)
    );
    assert_eq!(
        verify(
            "good-dsse",
            &case("happy-path-intoto-in-dsse-v3"),
            &dsse_artifact
        )
        .0,
        Some(0)
    );
    let rejected = |label: &str, bundle: serde_json::Value, artifact: &Path| {
        let (code, out) = verify(label, &bundle, artifact);
        assert_eq!(code, Some(1), "{label} was not rejected: {out}");
        assert!(out.contains("verification failed ("), "{label}: {out}");
    };

    // A16: a bundle's DSSE envelope with no signature, or two.
    let mut zero = case("happy-path-intoto-in-dsse-v3");
    zero["dsseEnvelope"]["signatures"] = serde_json::json!([]);
    rejected("a16-zero-signatures", zero, &dsse_artifact);
    let mut two = case("happy-path-intoto-in-dsse-v3");
    let signature = two["dsseEnvelope"]["signatures"][0].clone();
    two["dsseEnvelope"]["signatures"] = serde_json::json!([signature.clone(), signature]);
    rejected("a16-two-signatures", two, &dsse_artifact);

    // C1: the log entry of another signing swapped in.
    let mut swapped = case("happy-path-v0.3");
    swapped["verificationMaterial"]["tlogEntries"] =
        case("happy-path-v0.2")["verificationMaterial"]["tlogEntries"].clone();
    rejected("c1-swapped-entry", swapped, &a_txt);

    // C6: the integrated time moved (the signed entry timestamp covers it).
    let mut moved = case("happy-path-v0.3");
    let time = &mut moved["verificationMaterial"]["tlogEntries"][0]["integratedTime"];
    let later = time
        .as_str()
        .expect("integratedTime")
        .parse::<u64>()
        .expect("seconds")
        + 60;
    *time = serde_json::Value::String(later.to_string());
    rejected("c6-moved-time", moved, &a_txt);

    // C7: no signed entry timestamp: the entry's integrated time is unauthenticated and
    // there is no other signed time.
    let mut unsigned = case("happy-path-v0.3");
    let entry = unsigned["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .expect("entry");
    entry.remove("inclusionPromise");
    rejected("c7-unsigned-time", unsigned, &a_txt);

    // E11: the bundle's message digest is not the artifact's.
    let mut digest = case("happy-path-v0.3");
    digest["messageSignature"]["messageDigest"]["digest"] =
        serde_json::Value::String("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned());
    rejected("e11-message-digest", digest, &a_txt);
}

/// A17: the chain in a v0.1 bundle carries the root. sigstore-verify 0.15.1 alone accepts
/// this; candor checks it before.
#[test]
fn a_chain_carrying_a_root_is_rejected() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let a_txt = root.join("bundle-verify/a.txt");
    assert_eq!(
        verify_mutated(
            &ws,
            "good-v01",
            &case_bundle(&root, "happy-path-v0.1"),
            &a_txt
        )
        .0,
        Some(0)
    );
    let case = |name: &str| case_bundle(&root, name);
    let verify = |label: &str, bundle: &serde_json::Value, artifact: &Path| {
        verify_mutated(&ws, label, bundle, artifact)
    };
    let trusted_root: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(root.join("trusted_root.production.json")).expect("trusted root"),
    )
    .expect("trusted root JSON");
    for (i, ca) in trusted_root["certificateAuthorities"]
        .as_array()
        .expect("CAs")
        .iter()
        .enumerate()
    {
        let mut with_root = case("happy-path-v0.1");
        let chain = with_root["verificationMaterial"]["x509CertificateChain"]["certificates"]
            .as_array_mut()
            .expect("a v0.1 chain");
        chain.extend(
            ca["certChain"]["certificates"]
                .as_array()
                .expect("CA chain")
                .iter()
                .cloned(),
        );
        let (code, out) = verify(&format!("a17-root-in-chain-{i}"), &with_root, &a_txt);
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("(chain check)") && out.contains("root (self-issued) certificate"),
            "{out}"
        );
    }
}

/// E12: `sha256:<hex>` names a digest unless a file of that name exists.
#[test]
fn a_digest_argument_that_is_also_a_file_name_is_the_file() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let a_txt = fs_err::read(root.join("bundle-verify/a.txt")).expect("a.txt");
    let digest = candor_sign::artifact::sha256_of(&a_txt);
    let name = format!("sha256:{}", digest.sha256().expect("sha256"));
    let run = |artifact: &str| {
        let output = Command::cargo_bin("candor")
            .expect("cargo builds the candor binary")
            .current_dir(ws.path())
            .args(["sigstore", "verify-bundle", "--bundle"])
            .arg(root.join("bundle-verify/happy-path-v0.3/bundle.sigstore.json"))
            .args(["--certificate-identity", DEFAULT_IDENTITY])
            .args(["--certificate-oidc-issuer", DEFAULT_ISSUER])
            .arg(artifact)
            .output()
            .expect("run candor");
        output.status.code()
    };
    // No such file: the digest of a.txt, which the bundle signs.
    assert_eq!(run(&name), Some(0));
    // A file of that name holding other bytes: it is read, and it is not what was signed.
    ws.write(&name, "other bytes");
    assert_eq!(run(&name), Some(1));
}

/// C9: an RFC 3161 timestamp issued over another signature (taken from another valid
/// Rekor v2 bundle of the same instance) gives no trusted time.
#[test]
fn a_timestamp_over_another_signature_is_rejected() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let case = root.join("bundle-verify/rekor2-happy-path");
    let run = |bundle: &serde_json::Value| {
        ws.write(
            "bundle.json",
            serde_json::to_string_pretty(bundle).expect("serialize"),
        );
        let output = Command::cargo_bin("candor")
            .expect("cargo builds the candor binary")
            .current_dir(ws.path())
            .args(["sigstore", "verify-bundle", "--bundle", "bundle.json"])
            .args(["--certificate-identity", DEFAULT_IDENTITY])
            .args(["--certificate-oidc-issuer", DEFAULT_ISSUER])
            .arg("--trusted-root")
            .arg(case.join("trusted_root.json"))
            .arg(root.join("bundle-verify/a.txt"))
            .output()
            .expect("run candor");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let mut bundle = case_bundle(&root, "rekor2-happy-path");
    assert_eq!(run(&bundle).0, Some(0));
    bundle["verificationMaterial"]["timestampVerificationData"] = case_bundle(
        &root,
        "rekor2-dsse-happy-path",
    )["verificationMaterial"]["timestampVerificationData"]
        .clone();
    let (code, out) = run(&bundle);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("verification failed ("), "{out}");
}

/// What `candor sigstore verify-bundle` prints, human and JSON, for a bundle that
/// verifies and for one whose log proof is broken.
#[test]
fn verify_bundle_output() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let mut settings = ws.settings();
    settings.add_filter(
        &crate::support::regex_escape(&root.display().to_string()),
        "[VECTORS]",
    );
    for (name, case, code) in [
        ("verify_bundle_happy_path", "happy-path-v0.3", 0),
        (
            "verify_bundle_invalid_inclusion_proof",
            "invalid-inclusion-proof_fail",
            1,
        ),
    ] {
        let case = root.join("bundle-verify").join(case);
        for format in ["human", "json"] {
            let run =
                crate::support::Run::of(case_command(&root, &case).args(["--format", format]));
            run.code(code);
            let name = if format == "json" {
                format!("{name}_json")
            } else {
                name.to_owned()
            };
            settings.bind(|| insta::assert_snapshot!(name, run));
        }
    }
}

/// Issue 15: a bundle carrying 2,000 copies of its log entry printed 2,000 `time` lines.
/// Whether or not such a bundle verifies, each distinct piece of evidence is reported once.
#[test]
fn a_log_entry_repeated_two_thousand_times_is_reported_once() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let mut bundle = case_bundle(&root, "happy-path-v0.3");
    let entry = bundle["verificationMaterial"]["tlogEntries"][0].clone();
    bundle["verificationMaterial"]["tlogEntries"] = serde_json::Value::Array(vec![entry; 2000]);
    let (code, out) = verify_mutated(&ws, "repeated", &bundle, &root.join("bundle-verify/a.txt"));
    let times = out
        .lines()
        .filter(|l| l.trim_start().starts_with("time "))
        .count();
    assert!(
        times <= 1,
        "{times} time lines:\n{}",
        &out[..out.len().min(2000)]
    );
    assert!(out.len() < 4096, "{} bytes of output", out.len());
    assert!(matches!(code, Some(0 | 1)), "{code:?}: {out}");
}

/// Issue 16: a wrong artifact names both sides: the artifact's sha256, and what the bundle
/// signs (a message digest, or its Statement's subjects).
#[test]
fn a_wrong_artifact_shows_both_digests() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    ws.write("other.txt", "not the signed artifact\n");
    let other = ws.join("other.txt");
    for (case, signed) in [
        ("happy-path-v0.3", "the bundle signs sha256 "),
        ("happy-path-intoto-in-dsse-v3", "its Statement names: "),
    ] {
        let bundle = case_bundle(&root, case);
        let (code, out) = verify_mutated(&ws, case, &bundle, &other);
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("; the artifact has sha256 ") && out.contains(signed),
            "{case}: {out}"
        );
    }
}

/// Issue 16: a Rekor v2 bundle checked against the embedded trusted root (which lists
/// neither that log nor its timestamp authority) fails saying what to pass, on both
/// verify commands; with `--trusted-root` it verifies. And a managed-key bundle's time,
/// logged and authenticated, is said once, not on two lines.
#[test]
fn a_rekor_v2_bundle_without_a_trusted_root_hints_at_one_and_times_are_said_once() {
    let Some(root) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = crate::support::Workspace::new();
    let case = |name: &str| root.join("bundle-verify").join(name);
    let a_txt = case("a.txt").display().to_string();
    let bundle = case("rekor2-happy-path/bundle.sigstore.json")
        .display()
        .to_string();
    let identity = [
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        "--certificate-identity",
        DEFAULT_IDENTITY,
    ];
    let hint = "hint: the bundle was logged in a Rekor v2 log and timed by a timestamp \
                authority, which the embedded trusted root may not list: pass --trusted-root";
    let mut args = vec!["sigstore", "verify-bundle", "--bundle", &bundle];
    args.extend(identity);
    args.push(&a_txt);
    let run = ws.run(&args);
    run.code(1);
    assert!(
        run.stdout
            .starts_with("verification failed (timestamp check): "),
        "{run}"
    );
    assert!(run.stderr.starts_with(hint), "{run}");
    // In JSON, the hint is part of the report; nothing on stderr.
    args.extend(["--format", "json"]);
    let run = ws.run(&args);
    run.code(1);
    assert!(
        run.json()["error"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("pass --trusted-root")),
        "{run}"
    );
    assert_eq!(run.stderr, "", "{run}");
    // The same on verify-envelope, for a Rekor v2 DSSE bundle.
    let dsse = case("rekor2-dsse-happy-path/bundle.sigstore.json")
        .display()
        .to_string();
    let mut args = vec!["verify-envelope", "--bundle", &dsse];
    args.extend(identity);
    let run = ws.run(&args);
    run.code(1);
    assert!(run.stderr.starts_with(hint), "{run}");
    // With the instance's trusted root: verified, and no hint.
    let trusted_root = case("rekor2-happy-path/trusted_root.json")
        .display()
        .to_string();
    let mut args = vec!["sigstore", "verify-bundle", "--bundle", &bundle];
    args.extend(identity);
    args.extend(["--trusted-root", &trusted_root, &a_txt]);
    ws.run(&args).success();
    // A bundle that fails for another reason gets no such hint.
    let broken = case("rekor2-dsse-invalid-sig_fail/bundle.sigstore.json")
        .display()
        .to_string();
    let run = ws.run(&[
        "sigstore",
        "verify-bundle",
        "--bundle",
        &broken,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--trusted-root",
        &case("rekor2-dsse-invalid-sig_fail/trusted_root.json")
            .display()
            .to_string(),
        &a_txt,
    ]);
    run.code(1);
    assert!(!run.stderr.contains("hint:"), "{run}");

    // A managed key's bundle logged in Rekor v1: its integrated time is authenticated,
    // and said once.
    let managed = case("managed-key-happy-path");
    let run = ws.run(&[
        "sigstore",
        "verify-bundle",
        "--bundle",
        &managed.join("bundle.sigstore.json").display().to_string(),
        "--key",
        &managed.join("key.pub").display().to_string(),
        &a_txt,
    ]);
    run.success();
    let times: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("2025-12-18T17:04:39Z"))
        .collect();
    assert_eq!(
        times,
        ["  logged at  2025-12-18T17:04:39Z (authenticated)"],
        "{run}"
    );
}
