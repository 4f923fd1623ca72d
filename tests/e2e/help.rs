//! `--help` of every command shows how to use it.

use crate::support::Workspace;

/// `candor <command…> --help` exits 0 and shows `example` (one of its examples, its
/// continuation lines joined).
fn help_shows(command: &[&str], example: &str) {
    let ws = Workspace::new();
    let mut args = command.to_vec();
    args.push("--help");
    let run = ws.run(&args);
    run.code(0);
    assert_eq!(run.stderr, "");
    // Examples longer than a terminal line continue with ` \`: compare joined lines.
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in run.stdout.lines().map(str::trim) {
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
        } else {
            current.push_str(line);
            logical.push(std::mem::take(&mut current));
        }
    }
    assert!(
        logical.iter().any(|line| line == example),
        "`candor {} --help` does not show `{example}`:\n{run}",
        command.join(" ")
    );
}

#[test]
fn top_level_help_shows_the_vendor_and_consumer_flows() {
    help_shows(&[], "candor key generate --out release.key");
    help_shows(
        &[],
        "candor sign --key release.key statement.json --out manifest.dsse.json",
    );
    help_shows(
        &[],
        "candor verify-envelope --key release.key.pub --artifact agent-1.4.0.tgz manifest.dsse.json",
    );
}

#[test]
fn key_help_shows_examples() {
    help_shows(
        &["key", "generate"],
        "candor key generate --out release.key",
    );
    help_shows(
        &["key", "generate"],
        "CANDOR_PASSPHRASE=… candor key generate --out release.key --encrypt",
    );
    help_shows(&["key", "public"], "candor key public release.key");
    help_shows(
        &["key", "public"],
        "candor key public release.key.pub --encoding ed25519",
    );
}

#[test]
fn manifest_help_shows_examples() {
    help_shows(
        &["manifest", "init"],
        "candor manifest init && $EDITOR candor.toml",
    );
    help_shows(
        &["manifest", "validate"],
        "candor manifest validate candor.toml",
    );
    help_shows(
        &["manifest", "statement"],
        "candor manifest statement candor.toml --artifact dist/agent-1.4.0.tgz",
    );
}

#[test]
fn sign_help_shows_examples() {
    help_shows(
        &["sign"],
        "candor sign --key release.key statement.json --out manifest.dsse.json",
    );
    help_shows(
        &["sign"],
        "candor sign --key vendor-a.key --key vendor-b.key statement.json > manifest.dsse.json",
    );
}

#[test]
fn verify_envelope_help_shows_examples() {
    help_shows(
        &["verify-envelope"],
        "candor verify-envelope --key release.key.pub --artifact agent-1.4.0.tgz manifest.dsse.json",
    );
    help_shows(
        &["verify-envelope"],
        "candor verify-envelope --key a.pub --key b.pub --threshold 2 --format json manifest.dsse.json",
    );
}

#[test]
fn version_is_printed() {
    let ws = Workspace::new();
    let run = ws.run(&["--version"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        format!("candor {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn sigstore_verify_bundle_help_shows_examples() {
    help_shows(
        &["sigstore", "verify-bundle"],
        "candor sigstore verify-bundle --bundle a.sigstore.json --key cosign.pub sha256:<64 hex digits>",
    );
}

/// Issue 16: `--format sarif` is offered where it exists (`scan`, `verify`), not listed
/// as a possible value in every command's help and then refused.
#[test]
fn sarif_is_offered_only_where_it_exists() {
    let ws = Workspace::new();
    let run = ws.run(&["key", "generate", "--help"]);
    run.code(0);
    assert!(!run.stdout.contains("- sarif:"), "{run}");
    for command in [&["scan"][..], &["verify"][..]] {
        let mut args = command.to_vec();
        args.push("--help");
        let run = ws.run(&args);
        assert!(run.stdout.contains("--format sarif"), "{run}");
    }
    let run = ws.run(&["--format", "sarif", "key", "public", "x.pub"]);
    run.code(2);
    assert!(
        run.stderr
            .contains("--format sarif is only supported by candor scan and candor verify"),
        "{run}"
    );
}

/// Issue 16: shell completions and manual pages, generated from the clap definitions.
#[test]
fn completions_and_man_pages_are_generated_from_the_definitions() {
    let ws = Workspace::new();
    let run = ws.run(&["completions", "bash"]);
    run.success();
    assert!(
        run.stdout.contains("verify-envelope") && run.stdout.contains("--certificate-oidc-issuer")
    );
    // The script is valid bash.
    ws.write("candor.bash", &run.stdout);
    let status = std::process::Command::new("bash")
        .args(["-n", "candor.bash"])
        .current_dir(ws.path())
        .status()
        .expect("run bash");
    assert!(status.success(), "bash -n rejects the completion script");
    for (shell, marker) in [("zsh", "#compdef candor"), ("fish", "complete -c candor")] {
        let run = ws.run(&["completions", shell]);
        run.success();
        assert!(
            run.stdout.contains(marker),
            "{shell}: {}",
            &run.stdout[..200.min(run.stdout.len())]
        );
    }
    ws.run(&["completions", "tcsh"]).code(2);

    let run = ws.run(&["man"]);
    run.success();
    assert!(
        run.stdout.contains(".TH candor 1") && run.stdout.contains("verify\\-envelope"),
        "{run}"
    );
    let run = ws.run(&["man", "sigstore", "verify-bundle"]);
    run.success();
    assert!(
        run.stdout.contains(".TH candor-sigstore-verify-bundle 1")
            && run
                .stdout
                .contains("\\fBcandor sigstore verify\\-bundle\\fR"),
        "{run}"
    );
    let run = ws.run(&["man", "nope"]);
    run.code(2);
    assert!(run.stderr.contains("no command `candor nope`"), "{run}");
}
