//! `candor key generate` and `candor key public`.

use candor_sign::keys::{PrivateKey, PublicKey};

use crate::support::{Run, Workspace, snapshot};

#[test]
fn generate_writes_a_private_key_and_its_public_key() {
    let ws = Workspace::new();
    let run = ws.run(&["key", "generate", "--out", "release.key"]);
    run.success();

    let private = ws.read("release.key");
    assert!(
        private.starts_with("-----BEGIN PRIVATE KEY-----\n"),
        "{private}"
    );
    let public = ws.read("release.key.pub");
    assert!(
        public.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{public}"
    );
    assert!(public.ends_with("-----END PUBLIC KEY-----\n"), "{public}");

    // The files hold one key pair, and the output names that pair.
    let key = PrivateKey::from_file(&ws.join("release.key"), None).unwrap();
    let public = PublicKey::from_file(&ws.join("release.key.pub")).unwrap();
    assert_eq!(key.public_key(), &public);
    assert_eq!(
        run.stdout,
        format!(
            "generated ed25519 key {}\n  private key  release.key (mode 0600)\n  public key   release.key.pub\n  policy form  {}\n",
            public.id(),
            public.to_ed25519_text()
        )
    );
    let _s = ws
        .settings_redacting(&[("release", &public)])
        .bind_to_scope();
    insta::assert_snapshot!("generate", run);
}

#[cfg(unix)]
#[test]
fn generate_makes_the_private_key_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    ws.run(&["key", "generate", "--out", "release.key"])
        .success();
    let mode = |rel: &str| fs_err::metadata(ws.join(rel)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("release.key"), 0o600);
    // The public key is for everyone (the umask may take away, never add).
    assert_eq!(mode("release.key.pub") & 0o600, 0o600);
}

#[test]
fn generate_refuses_to_overwrite_without_force() {
    let ws = Workspace::new();
    ws.write("release.key", "precious\n");
    let run = ws.run(&["key", "generate", "--out", "release.key"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: release.key already exists\nhint: pass --force to replace it\n"
    );
    assert_eq!(ws.read("release.key"), "precious\n");
    assert!(!ws.exists("release.key.pub"), "nothing may be written");
    snapshot!(ws, "refuse_overwrite", run);

    // An existing public key is protected too.
    ws.write("other.key.pub", "precious\n");
    let run = ws.run(&["key", "generate", "--out", "other.key"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: other.key.pub already exists\nhint: pass --force to replace it\n"
    );
    assert!(!ws.exists("other.key"));

    // --force replaces both.
    let run = ws.run(&["key", "generate", "--out", "release.key", "--force"]);
    run.success();
    assert!(
        ws.read("release.key")
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert!(ws.exists("release.key.pub"));
}

#[test]
fn generate_encrypt_needs_a_passphrase() {
    let ws = Workspace::new();
    let run = ws.run(&["key", "generate", "--out", "release.key", "--encrypt"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .ends_with("\nhint: export CANDOR_PASSPHRASE=<passphrase>\n"),
        "{run}"
    );
    assert!(!ws.exists("release.key") && !ws.exists("release.key.pub"));
    snapshot!(ws, "encrypt_without_passphrase", run);

    // An empty variable is no passphrase either.
    let run = Run::of(
        ws.candor()
            .args(["key", "generate", "--out", "release.key", "--encrypt"])
            .env("CANDOR_PASSPHRASE", ""),
    );
    run.code(2);
    assert!(
        run.stderr.contains("$CANDOR_PASSPHRASE is not set"),
        "{run}"
    );

    // --passphrase-env names the variable in the message and the hint.
    let run = ws.run(&[
        "key",
        "generate",
        "--out",
        "release.key",
        "--encrypt",
        "--passphrase-env",
        "RELEASE_PW",
    ]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: --encrypt needs a passphrase, but $RELEASE_PW is not set or empty\nhint: export RELEASE_PW=<passphrase>\n"
    );
}

#[test]
fn generate_encrypt_writes_an_encrypted_pkcs8_key() {
    let ws = Workspace::new();
    let run = Run::of(
        ws.candor()
            .args(["key", "generate", "--out", "release.key", "--encrypt"])
            .env("CANDOR_PASSPHRASE", "correct horse"),
    );
    run.success();
    assert!(
        run.stdout
            .contains("\n  private key  release.key (encrypted, mode 0600)\n"),
        "{run}"
    );
    let pem = ws.read("release.key");
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
        "{pem}"
    );
    assert!(PrivateKey::from_file(&ws.join("release.key"), None).is_err());
    let key = PrivateKey::from_file(&ws.join("release.key"), Some(b"correct horse")).unwrap();
    let public = PublicKey::from_file(&ws.join("release.key.pub")).unwrap();
    assert_eq!(key.public_key(), &public);
    let settings = ws.settings_redacting(&[("release", &public)]);
    settings.bind(|| insta::assert_snapshot!("generate_encrypted", run));

    // The JSON report says so too.
    let run = Run::of(
        ws.candor()
            .args(["key", "generate", "--out", "other.key", "--encrypt"])
            .args(["--passphrase-env", "RELEASE_PW", "--format", "json"])
            .env("RELEASE_PW", "battery staple"),
    );
    run.success();
    assert_eq!(run.json()["encrypted"], true);
    assert!(PrivateKey::from_file(&ws.join("other.key"), Some(b"battery staple")).is_ok());
}

#[test]
fn generate_json_shape() {
    let ws = Workspace::new();
    let run = ws.run(&[
        "key",
        "generate",
        "--out",
        "release.key",
        "--format",
        "json",
    ]);
    run.success();
    let json = run.json();
    let public = PublicKey::from_file(&ws.join("release.key.pub")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "key_id": public.id().as_str(),
            "private_key": "release.key",
            "public_key": "release.key.pub",
            "encrypted": false,
            "ed25519": public.to_ed25519_text(),
        })
    );
    let _s = ws
        .settings_redacting(&[("release", &public)])
        .bind_to_scope();
    insta::assert_snapshot!("generate_json", run);
}

#[test]
fn public_of_an_encrypted_key_needs_the_passphrase() {
    let ws = Workspace::new();
    let key = PrivateKey::from_seed(&[4; 32]);
    key.write_pem(&ws.join("release.key"), Some(b"correct horse"))
        .unwrap();

    let run = ws.run(&["key", "public", "release.key"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("\nhint: export CANDOR_PASSPHRASE=<passphrase>"),
        "{run}"
    );
    snapshot!(ws, "public_encrypted_without_passphrase", run);

    let with = |passphrase: &str| {
        Run::of(
            ws.candor()
                .args(["key", "public", "release.key"])
                .env("CANDOR_PASSPHRASE", passphrase),
        )
    };
    let run = with("correct horse");
    run.success();
    assert_eq!(run.stdout, key.public_key().to_pem());
    snapshot!(ws, "public_encrypted_with_passphrase", run);

    let run = with("wrong");
    run.code(2);
    assert_eq!(run.stdout, "");
    snapshot!(ws, "public_encrypted_wrong_passphrase", run);
}

#[test]
fn public_prints_pem_or_ed25519_text() {
    let ws = Workspace::new();
    let key = ws.key("release", 1);

    // From the private key and from the public key alike.
    for file in ["release.key", "release.pub"] {
        let run = ws.run(&["key", "public", file]);
        run.success();
        assert_eq!(run.stdout, key.public_key().to_pem());

        let run = ws.run(&["key", "public", file, "--encoding", "ed25519"]);
        run.success();
        assert_eq!(
            run.stdout,
            format!("{}\n", key.public_key().to_ed25519_text())
        );
        snapshot!(ws, "public_ed25519", run);
    }

    // The ed25519: form is itself a key file candor reads.
    ws.write("release.txt", key.public_key().to_ed25519_text());
    let run = ws.run(&["key", "public", "release.txt"]);
    run.success();
    assert_eq!(run.stdout, key.public_key().to_pem());
}

#[test]
fn public_json_shape() {
    let ws = Workspace::new();
    let key = ws.key("release", 1);
    let run = ws.run(&["key", "public", "release.pub", "--format", "json"]);
    run.success();
    assert_eq!(
        run.json(),
        serde_json::json!({
            "key_id": key.public_key().id().as_str(),
            "pem": key.public_key().to_pem(),
            "ed25519": key.public_key().to_ed25519_text(),
        })
    );
    snapshot!(ws, "public_json", run);
}

#[test]
fn public_of_something_that_is_not_a_key() {
    let ws = Workspace::new();
    ws.write("candor.toml", crate::support::AGENT_TOML);
    let run = ws.run(&["key", "public", "candor.toml"]);
    run.code(2);
    assert!(run.stderr.starts_with("error: "), "{run}");
    assert!(run.stderr.contains("candor.toml"), "{run}");
    snapshot!(ws, "public_not_a_key", run);
}

#[test]
fn public_of_a_missing_file_names_its_path() {
    let ws = Workspace::new();
    // An absolute path, as scripts pass: the snapshot shows it as [TMP].
    let path = ws.join("missing.pub");
    let run = ws.run(&[
        std::ffi::OsStr::new("key"),
        "public".as_ref(),
        path.as_os_str(),
    ]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("error: ") && run.stderr.contains(&*path.to_string_lossy()),
        "{run}"
    );
    snapshot!(ws, "public_missing_file", run);
}
