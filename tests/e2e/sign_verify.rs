//! `candor sign` and `candor verify-envelope`: the vendor signs, the user checks.

use std::time::{Duration, Instant};

use candor_model::AnyStatement;
use candor_sign::dsse::{decode_base64, encode_base64};
use serde_json::Value;

use crate::support::{Run, SCRIPT, TARBALL, TARBALL_SHA256, Workspace, snapshot};

/// The fixture release with keys alice (seed 1), bob (2) and mallory (3), and
/// `manifest.dsse.json` signed by alice.
fn signed_release() -> Workspace {
    let ws = Workspace::new();
    ws.release();
    ws.key("alice", 1);
    ws.key("bob", 2);
    ws.key("mallory", 3);
    ws.sign(&["alice"], "manifest.dsse.json");
    ws
}

fn verify(ws: &Workspace, args: &[&str]) -> Run {
    let mut all = vec!["verify-envelope"];
    all.extend_from_slice(args);
    ws.run(&all)
}

#[test]
fn sign_reports_the_envelope_and_verify_accepts_it() {
    let ws = Workspace::new();
    ws.release();
    let alice = ws.key("alice", 1);
    let run = ws.run(&[
        "sign",
        "--key",
        "alice.key",
        "statement.json",
        "--out",
        "manifest.dsse.json",
    ]);
    run.success();
    assert!(
        run.stdout.starts_with(&format!(
            "signed statement.json (behaviour manifest) with {}\n",
            alice.public_key().id()
        )),
        "{run}"
    );
    snapshot!(ws, "sign", run);

    // What was signed is the canonical form of the Statement, under the in-toto type.
    let envelope: Value = serde_json::from_str(&ws.read("manifest.dsse.json")).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(
        envelope["signatures"][0]["keyid"],
        alice.public_key().id().as_str()
    );
    let payload = decode_base64(envelope["payload"].as_str().unwrap()).unwrap();
    let statement = AnyStatement::from_json(&ws.read_bytes("statement.json"), "s").unwrap();
    assert_eq!(payload, statement.to_canonical_json());

    let run = verify(&ws, &["--key", "alice.pub", "manifest.dsse.json"]);
    run.success();
    assert!(
        run.stdout
            .starts_with("verified: behaviour manifest for agent 1.4.0 by Acme\n"),
        "{run}"
    );
    // Issue 16: a pass without --artifact must not read as "this file is fine".
    assert!(
        run.stderr
            .starts_with("warning: no --artifact: the signatures and the Statement verified, but no file was checked"),
        "{run}"
    );
    snapshot!(ws, "verify", run);
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--artifact",
            TARBALL,
            "manifest.dsse.json",
        ],
    );
    run.success();
    assert_eq!(run.stderr, "", "{run}");

    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "manifest.dsse.json",
            "--format",
            "json",
        ],
    );
    run.success();
    let json = run.json();
    assert_eq!(json["verified"], true);
    assert_eq!(json["signers"][0], alice.public_key().id().as_str());
    assert_eq!(json["artifact"], Value::Null);
    snapshot!(ws, "verify_json", run);
}

#[test]
fn sign_json_and_stdout() {
    let ws = signed_release();
    let run = ws.run(&[
        "sign",
        "--key",
        "alice.key",
        "statement.json",
        "--out",
        "again.dsse.json",
        "--format",
        "json",
    ]);
    run.success();
    let json = run.json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["envelope"], "again.dsse.json");
    snapshot!(ws, "sign_json", run);
    // ed25519 is deterministic: the same key and Statement give the same envelope.
    assert_eq!(ws.read("again.dsse.json"), ws.read("manifest.dsse.json"));

    // Without --out the envelope itself goes to stdout.
    let run = ws.run(&["sign", "--key", "alice.key", "statement.json"]);
    run.success();
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, ws.read("manifest.dsse.json"));
}

#[test]
fn verify_binds_the_matching_artifact() {
    let ws = signed_release();
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--artifact",
            TARBALL,
            "manifest.dsse.json",
        ],
    );
    run.success();
    assert!(
        run.stdout.contains(&format!(
            "\n  artifact   {TARBALL} (sha256 {TARBALL_SHA256}) is subject pkg:generic/agent-1.4.0.tgz@1.4.0\n"
        )),
        "{run}"
    );
    snapshot!(ws, "verify_artifact", run);

    // The second subject, named by its purl, matches too.
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--artifact",
            SCRIPT,
            "manifest.dsse.json",
            "--format",
            "json",
        ],
    );
    run.success();
    let json = run.json();
    assert_eq!(json["artifact"]["file"], SCRIPT);
    assert_eq!(json["artifact"]["subject"], "pkg:npm/%40acme/agent@1.4.0");
}

#[test]
fn verify_rejects_an_artifact_that_is_not_a_subject() {
    let ws = signed_release();
    ws.write("agent-1.4.0.tgz", "a different tarball\n");
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--artifact",
            "agent-1.4.0.tgz",
            "manifest.dsse.json",
        ],
    );
    run.code(1);
    assert!(
        run.stdout.starts_with(
            "verification failed: subject does not match the artifact: agent-1.4.0.tgz has sha256 "
        ),
        "{run}"
    );
    // Every subject is listed, so the user sees what the Statement expected.
    assert!(
        run.stdout.contains(&format!(
            "\n  pkg:generic/agent-1.4.0.tgz@1.4.0 sha256 {TARBALL_SHA256}"
        )),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("\n  pkg:npm/%40acme/agent@1.4.0 sha256 "),
        "{run}"
    );
    snapshot!(ws, "verify_artifact_mismatch", run);

    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--artifact",
            "agent-1.4.0.tgz",
            "manifest.dsse.json",
            "--format",
            "json",
        ],
    );
    run.code(1);
    let json = run.json();
    assert_eq!(json["verified"], false);
    assert_eq!(json["error"]["kind"], "subject-mismatch");
}

#[test]
fn verify_rejects_an_envelope_signed_by_another_key() {
    let ws = signed_release();
    let run = verify(&ws, &["--key", "mallory.pub", "manifest.dsse.json"]);
    run.code(1);
    assert!(
        run.stdout
            .starts_with("verification failed: manifest.dsse.json: no signature by a trusted key"),
        "{run}"
    );
    assert!(run.stdout.contains("\n  signature 0 (keyid "), "{run}");
    snapshot!(ws, "verify_wrong_key", run);

    let run = verify(
        &ws,
        &[
            "--key",
            "mallory.pub",
            "manifest.dsse.json",
            "--format",
            "json",
        ],
    );
    run.code(1);
    let json = run.json();
    assert_eq!(json["error"]["kind"], "threshold-not-met");
    assert_eq!(json["ignored_signatures"][0]["index"], 0);
    snapshot!(ws, "verify_wrong_key_json", run);
}

#[test]
fn two_keys_meet_a_threshold_of_two() {
    let ws = signed_release();
    ws.sign(&["alice", "bob"], "both.dsse.json");
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--key",
            "bob.pub",
            "--threshold",
            "2",
            "both.dsse.json",
        ],
    );
    run.success();
    assert_eq!(run.stdout.matches("\n  signed by  ").count(), 2, "{run}");
    snapshot!(ws, "threshold_two", run);

    // With only one of them trusted, the other signature is ignored and listed.
    let run = verify(&ws, &["--key", "alice.pub", "both.dsse.json"]);
    run.success();
    assert!(
        run.stdout.contains("\n  ignored    signature 1 (keyid "),
        "{run}"
    );
    snapshot!(ws, "threshold_one_of_two_signatures", run);
}

#[test]
fn one_signature_does_not_meet_a_threshold_of_two() {
    let ws = signed_release();
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--key",
            "bob.pub",
            "--threshold",
            "2",
            "manifest.dsse.json",
        ],
    );
    run.code(1);
    assert_eq!(
        run.stdout,
        "verification failed: manifest.dsse.json: signed by 1 distinct trusted key(s) but 2 are required\n"
    );
    assert_eq!(run.stderr, "");

    // One key given twice is still one key.
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--key",
            "alice.pub",
            "--threshold",
            "2",
            "manifest.dsse.json",
        ],
    );
    // A threshold the given keys can never meet is a usage error, not a rejection.
    run.code(2);
    assert!(
        run.stderr.starts_with(
            "error: --threshold 2 can never be met: only 1 distinct trusted signer(s) given\nhint:"
        ),
        "{run}"
    );
    snapshot!(ws, "threshold_not_met", run);
}

#[test]
fn threshold_zero_is_a_usage_error() {
    let ws = signed_release();
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--threshold",
            "0",
            "manifest.dsse.json",
        ],
    );
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: invalid value '0' for '--threshold"),
        "{run}"
    );
    snapshot!(ws, "threshold_zero", run);
}

#[test]
fn a_tampered_payload_is_rejected() {
    let ws = signed_release();
    let mut envelope: Value = serde_json::from_str(&ws.read("manifest.dsse.json")).unwrap();
    let mut payload = decode_base64(envelope["payload"].as_str().unwrap()).unwrap();
    let at = payload
        .windows(6)
        .position(|w| w == b"\"Acme\"")
        .expect("the vendor name is in the payload");
    payload[at + 1] ^= 0x01; // "Acme" -> "@cme": still a valid Statement
    envelope["payload"] = Value::String(encode_base64(&payload));
    ws.write(
        "tampered.dsse.json",
        serde_json::to_string_pretty(&envelope).unwrap(),
    );

    let run = verify(&ws, &["--key", "alice.pub", "tampered.dsse.json"]);
    run.code(1);
    assert!(
        run.stdout
            .starts_with("verification failed: tampered.dsse.json: no signature by a trusted key"),
        "{run}"
    );
    snapshot!(ws, "tampered", run);
}

#[test]
fn a_huge_envelope_is_refused_by_its_size_quickly() {
    let ws = signed_release();
    let file = fs_err::File::create(ws.join("huge.dsse.json")).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap(); // sparse: nothing is written
    drop(file);

    let started = Instant::now();
    let run = verify(&ws, &["--key", "alice.pub", "huge.dsse.json"]);
    let elapsed = started.elapsed();
    run.code(1);
    assert_eq!(
        run.stdout,
        "verification failed: huge.dsse.json: file is 104857600 bytes; the limit for a DSSE envelope or Sigstore bundle is 16777216 bytes\n"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "took {elapsed:?}: the file must be refused before it is read"
    );
    snapshot!(ws, "huge", run);

    let run = verify(
        &ws,
        &["--key", "alice.pub", "huge.dsse.json", "--format", "json"],
    );
    run.code(1);
    assert_eq!(run.json()["error"]["kind"], "too-large");
}

#[test]
fn a_missing_envelope_is_an_input_error() {
    let ws = signed_release();
    let run = verify(&ws, &["--key", "alice.pub", "missing.dsse.json"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{run}");
    assert!(run.stderr.contains("missing.dsse.json"), "{run}");
    snapshot!(ws, "missing_envelope", run);

    // So is a missing artifact.
    let run = verify(
        &ws,
        &[
            "--key",
            "alice.pub",
            "--artifact",
            "missing.tgz",
            "manifest.dsse.json",
        ],
    );
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: cannot digest artifact missing.tgz\n"),
        "{run}"
    );
}

#[test]
fn a_private_key_is_not_a_trusted_key() {
    let ws = signed_release();
    let run = verify(&ws, &["--key", "alice.key", "manifest.dsse.json"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(
            "alice.key: this is a private key; pass the public key instead (`candor key public alice.key` prints it)"
        ),
        "{run}"
    );
    snapshot!(ws, "private_key_as_trusted_key", run);
}

#[test]
fn sign_refuses_json_that_is_not_a_statement() {
    let ws = signed_release();
    ws.write(
        "package.json",
        "{\n  \"name\": \"agent\",\n  \"version\": \"1.4.0\"\n}\n",
    );
    let run = ws.run(&[
        "sign",
        "--key",
        "alice.key",
        "package.json",
        "--out",
        "x.dsse.json",
    ]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: package.json is not a valid candor Statement:\n"),
        "{run}"
    );
    assert!(run.stderr.contains("$._type"), "names the JSON path: {run}");
    assert!(!ws.exists("x.dsse.json"));
    snapshot!(ws, "sign_not_a_statement", run);
}

#[test]
fn sign_refuses_a_statement_with_duplicate_keys() {
    let ws = signed_release();
    // A second `predicateType` that a lenient reader might take instead of the first.
    let text = ws.read("statement.json").replacen(
        "\"predicateType\":",
        "\"predicateType\": \"https://example.org/other\",\n  \"predicateType\":",
        1,
    );
    ws.write("dup.json", text);
    let run = ws.run(&[
        "sign",
        "--key",
        "alice.key",
        "dup.json",
        "--out",
        "x.dsse.json",
    ]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("duplicate key `predicateType`"),
        "{run}"
    );
    assert!(!ws.exists("x.dsse.json"));
    snapshot!(ws, "sign_duplicate_key", run);
}

#[test]
fn sign_with_an_encrypted_key_needs_its_passphrase() {
    let ws = signed_release();
    let key = candor_sign::keys::PrivateKey::from_seed(&[1; 32]);
    key.write_pem(&ws.join("alice-encrypted.key"), Some(b"correct horse"))
        .unwrap();
    let run = ws.run(&[
        "sign",
        "--key",
        "alice-encrypted.key",
        "statement.json",
        "--out",
        "x.dsse.json",
    ]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.ends_with("hint: export CANDOR_PASSPHRASE=<passphrase>, or name another variable with --passphrase-env\n"), "{run}");
    assert!(!ws.exists("x.dsse.json"));
    snapshot!(ws, "sign_encrypted_without_passphrase", run);

    let run = Run::of(
        ws.candor()
            .args([
                "sign",
                "--key",
                "alice-encrypted.key",
                "statement.json",
                "--out",
                "x.dsse.json",
            ])
            .env("CANDOR_PASSPHRASE", "correct horse"),
    );
    run.success();
    // Same key, same Statement: the same envelope as with the unencrypted key file.
    assert_eq!(ws.read("x.dsse.json"), ws.read("manifest.dsse.json"));
}

/// Issue 16: one rule for every command that writes: an existing output file is refused
/// (exit 2, the file untouched) unless --force.
#[test]
fn every_writing_command_refuses_to_replace_a_file_without_force() {
    let ws = signed_release();
    ws.write("taken.json", "mine");
    let attempts: [&[&str]; 3] = [
        &[
            "sign",
            "--key",
            "alice.key",
            "statement.json",
            "--out",
            "taken.json",
        ],
        &[
            "manifest",
            "statement",
            "candor.toml",
            "--artifact",
            TARBALL,
            "--out",
            "taken.json",
        ],
        &["sigstore", "update-root", "--out", "taken.json"],
    ];
    for args in attempts {
        let run = ws.run(args);
        run.code(2);
        assert!(
            run.stderr.contains("error: taken.json already exists")
                && run.stderr.contains("hint: pass --force to replace it"),
            "{args:?}: {run}"
        );
        assert_eq!(ws.read("taken.json"), "mine", "{args:?}");
    }
    let mut args = attempts[0].to_vec();
    args.push("--force");
    ws.run(&args).success();
    assert!(ws.read("taken.json").contains("\"payloadType\""));
}

/// Issue 16: colour as `--color` says (`auto`: a terminal, unless `NO_COLOR`), and the
/// flags people set once from the environment (`CANDOR_FORMAT`, `CANDOR_COLOR`).
#[test]
fn colour_and_environment_fallbacks() {
    let ws = signed_release();
    let args = [
        "verify-envelope",
        "--key",
        "alice.pub",
        "--artifact",
        TARBALL,
        "manifest.dsse.json",
    ];
    // Into a pipe (the tests' stdout), auto is plain.
    let plain = ws.run(&args);
    plain.success();
    assert!(!plain.stdout.contains('\x1b'), "{plain}");
    let mut forced = args.to_vec();
    forced.extend(["--color", "always"]);
    let run = ws.run(&forced);
    assert!(
        run.stdout
            .starts_with("\x1b[32mverified:\x1b[0m behaviour manifest"),
        "{run}"
    );
    snapshot!(ws, "verify_coloured", run);
    let run = Run::of(ws.candor().args(args).env("CANDOR_COLOR", "always"));
    assert!(run.stdout.contains("\x1b[32m"), "{run}");
    let run = Run::of(ws.candor().args(args).env("CLICOLOR_FORCE", "1"));
    assert!(run.stdout.contains("\x1b[32m"), "{run}");
    let run = Run::of(
        ws.candor()
            .args(args)
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1"),
    );
    assert!(!run.stdout.contains('\x1b'), "{run}");
    // CANDOR_FORMAT=json is --format json.
    let run = Run::of(ws.candor().args(args).env("CANDOR_FORMAT", "json"));
    run.success();
    assert_eq!(run.json()["verified"], true);
    // And it is in --help.
    let run = ws.run(&["verify", "--help"]);
    assert!(
        run.stdout.contains("[env: CANDOR_POLICY=]") && run.stdout.contains("[env: CANDOR_STORE=]"),
        "{run}"
    );
}
