//! Interoperability with securesystemslib, an independent DSSE implementation, in both
//! directions, through `tests/interop/dsse_interop.py`.

use std::path::PathBuf;

use candor_model::AnyStatement;
use candor_sign::dsse::decode_base64;
use candor_sign::keys::PublicKey;

use crate::support::{Run, TARBALL, Workspace, snapshot};

fn script() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/interop/dsse_interop.py"
    ))
}

/// Whether securesystemslib can be imported (see `support::python_module_available`).
fn securesystemslib_available() -> bool {
    crate::support::python_module_available("securesystemslib", "securesystemslib==1.6.0")
}

/// Run `python3 dsse_interop.py args…` in the workspace.
fn python(ws: &Workspace, args: &[&str]) -> Run {
    Run::of(
        assert_cmd::Command::new("python3")
            .arg(script())
            .args(args)
            .current_dir(ws.path()),
    )
}

#[test]
fn candor_signs_securesystemslib_verifies() {
    if !securesystemslib_available() {
        return;
    }
    let ws = Workspace::new();
    ws.release();
    ws.key("alice", 1);
    ws.key("mallory", 3);
    ws.sign(&["alice"], "manifest.dsse.json");

    let run = python(&ws, &["verify", "manifest.dsse.json", "alice.pub"]);
    run.code(0);
    assert_eq!(run.stderr, "");
    // securesystemslib prints the payload it verified: exactly the canonical JSON of the
    // Statement, which is also exactly what the envelope carries.
    let statement = AnyStatement::from_json(&ws.read_bytes("statement.json"), "s").unwrap();
    let canonical = String::from_utf8(statement.to_canonical_json()).unwrap();
    assert_eq!(run.stdout, canonical);
    let envelope: serde_json::Value = serde_json::from_str(&ws.read("manifest.dsse.json")).unwrap();
    let payload = decode_base64(envelope["payload"].as_str().unwrap()).unwrap();
    assert_eq!(run.stdout.as_bytes(), payload.as_slice());
    snapshot!(ws, "canonical_payload", run.stdout);

    // And it rejects the envelope under another key.
    let run = python(&ws, &["verify", "manifest.dsse.json", "mallory.pub"]);
    run.code(1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("verify failed: "), "{run}");
}

#[test]
fn securesystemslib_signs_with_a_candor_key_candor_verifies() {
    if !securesystemslib_available() {
        return;
    }
    let ws = Workspace::new();
    ws.release();
    ws.run(&["key", "generate", "--out", "release.key"])
        .success();
    let public = PublicKey::from_file(&ws.join("release.key.pub")).unwrap();

    let run = python(
        &ws,
        &["sign", "statement.json", "release.key", "sslib.dsse.json"],
    );
    run.code(0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");

    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "release.key.pub",
        "--artifact",
        TARBALL,
        "sslib.dsse.json",
    ]);
    run.success();
    assert!(
        run.stdout
            .starts_with("verified: behaviour manifest for agent 1.4.0 by Acme\n"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains(&format!("\n  signed by  {}\n", public.id())),
        "{run}"
    );
    assert!(
        run.stdout
            .contains(" is subject pkg:generic/agent-1.4.0.tgz@1.4.0\n"),
        "{run}"
    );
    assert!(!run.stdout.contains("ignored"), "{run}");
    // The key is random, so is the signature and with it the envelope's digest.
    let mut settings = ws.settings_redacting(&[("release", &public)]);
    settings.add_filter(
        r"sslib\.dsse\.json \(sha256 [0-9a-f]{64}\)",
        "sslib.dsse.json (sha256 [ENVELOPE_SHA256])",
    );
    let _s = settings.bind_to_scope();
    insta::assert_snapshot!("sslib_signed_candor_key", run);
}

#[test]
fn candor_reads_securesystemslib_keys() {
    if !securesystemslib_available() {
        return;
    }
    let ws = Workspace::new();
    ws.release();
    let run = python(&ws, &["keygen", "py.key", "py.pub"]);
    run.code(0);
    let keyid = run.stdout.trim().to_owned();

    // The script's key id is candor's: sha256 of the raw public key.
    let run = ws.run(&["key", "public", "py.pub", "--format", "json"]);
    run.success();
    assert_eq!(run.json()["key_id"], keyid.as_str());

    // securesystemslib signs with its own key; candor verifies with its PEM public key.
    python(&ws, &["sign", "statement.json", "py.key", "py.dsse.json"]).code(0);
    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "py.pub",
        "--artifact",
        TARBALL,
        "py.dsse.json",
    ]);
    run.success();
    assert!(
        run.stdout.contains(&format!("\n  signed by  {keyid}\n")),
        "{run}"
    );

    // candor signs with pyca/cryptography's PKCS#8 private key; securesystemslib verifies.
    ws.run(&[
        "sign",
        "--key",
        "py.key",
        "statement.json",
        "--out",
        "candor.dsse.json",
    ])
    .success();
    let run = python(&ws, &["verify", "candor.dsse.json", "py.pub"]);
    run.code(0);
    assert!(run.stdout.starts_with("{\"_type\":"), "{run}");
}

#[test]
fn candor_rejects_a_securesystemslib_envelope_under_another_key() {
    if !securesystemslib_available() {
        return;
    }
    let ws = Workspace::new();
    ws.release();
    ws.key("alice", 1);
    python(&ws, &["keygen", "py.key", "py.pub"]).code(0);
    python(&ws, &["sign", "statement.json", "py.key", "py.dsse.json"]).code(0);

    let run = ws.run(&["verify-envelope", "--key", "alice.pub", "py.dsse.json"]);
    run.code(1);
    assert!(
        run.stdout.starts_with(
            "verification failed: py.dsse.json: no signature by a trusted key: 1 signature(s) (keyid "
        ),
        "{run}"
    );
    assert!(
        run.stdout.ends_with("): not made by any trusted key\n"),
        "{run}"
    );
    let py = PublicKey::from_file(&ws.join("py.pub")).unwrap();
    let _s = ws.settings_redacting(&[("py", &py)]).bind_to_scope();
    insta::assert_snapshot!("sslib_envelope_wrong_key", run);
}
