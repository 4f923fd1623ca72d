//! `-q` and `-v` on the verifying commands (issue 16): `-q` prints no report (the exit
//! code says it; errors and warnings stay on stderr), `-v` prints every check the library
//! made, in order, on stderr.

use crate::sigstore_conformance::conformance_dir;
use crate::support::{TARBALL, Workspace, regex_escape};

/// The fixture release signed by alice (seed 1) into `m.dsse.json` and, as a bundle,
/// `m.sigstore.json`; bob (2) is another key.
fn signed() -> Workspace {
    let ws = Workspace::new();
    ws.release();
    ws.key("alice", 1);
    ws.key("bob", 2);
    ws.sign(&["alice"], "m.dsse.json");
    ws.run(&[
        "sign",
        "--bundle",
        "--key",
        "alice.key",
        "statement.json",
        "--out",
        "m.sigstore.json",
    ])
    .success();
    ws
}

#[test]
fn quiet_prints_no_report_and_the_exit_code_says_it() {
    let ws = signed();
    let quiet = |command: &str| {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("-q");
        ws.run(&args)
    };
    let bundle = "sigstore verify-bundle --bundle m.sigstore.json";
    // Verified, rejected: nothing at all, only the exit code.
    for (command, code) in [
        (
            format!("verify-envelope --key alice.pub --artifact {TARBALL} m.dsse.json"),
            0,
        ),
        (
            format!("verify-envelope --key bob.pub --artifact {TARBALL} m.dsse.json"),
            1,
        ),
        (
            "verify-envelope --key alice.pub --artifact candor.toml m.dsse.json".to_owned(),
            1,
        ),
        (format!("{bundle} --key alice.pub {TARBALL}"), 0),
        (format!("{bundle} --key bob.pub {TARBALL}"), 1),
        (
            format!("{bundle} --key alice.pub candor.toml --format json"),
            1,
        ),
    ] {
        let run = quiet(&command);
        run.code(code);
        assert_eq!(
            (run.stdout.as_str(), run.stderr.as_str()),
            ("", ""),
            "{run}"
        );
    }
    // A pass that checked no file still says so on stderr: -q silences reports, not
    // warnings.
    let run = quiet("verify-envelope --key alice.pub m.dsse.json --format json");
    run.code(0);
    assert_eq!(run.stdout, "", "{run}");
    assert!(run.stderr.starts_with("warning: no --artifact"), "{run}");
    // An input error (exit 2) is still said, on stderr, as text even with --format json:
    // nothing on stdout.
    let run = quiet("verify-envelope --key nope.pub m.dsse.json --format json");
    run.code(2);
    assert_eq!(run.stdout, "", "{run}");
    assert!(
        run.stderr
            .starts_with("error: cannot load trusted key nope.pub"),
        "{run}"
    );
    // -q and -v say opposite things.
    let run = quiet("verify-envelope -v --key alice.pub m.dsse.json");
    run.code(2);
    assert!(
        run.stderr
            .contains("the argument '--verbose' cannot be used with '--quiet'"),
        "{run}"
    );
}

#[test]
fn verbose_prints_every_check_in_the_order_made() {
    let ws = signed();
    // A two-signature envelope: alice's counts, bob's is not trusted here.
    ws.sign(&["alice", "bob"], "two.dsse.json");
    let settings = ws.settings();
    let checks = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push("-v");
        let run = ws.run(&all);
        let plain = ws.run(args);
        // The report is the one without -v; the checks are on stderr.
        assert_eq!(run.stdout, plain.stdout, "{run}");
        (run.code, run.stderr)
    };

    let (code, stderr) = checks(&[
        "verify-envelope",
        "--key",
        "alice.pub",
        "--artifact",
        TARBALL,
        "two.dsse.json",
    ]);
    assert_eq!(code, 0);
    settings.bind(|| insta::assert_snapshot!("verbose_envelope_verified", stderr));
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("check  ok   document           two.dsse.json: a DSSE envelope"));
    assert!(lines[2].starts_with("check  --   signature          signature 1 (keyid "));
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("check  ok   subject            artifact dist/agent-1.4.0.tgz")
    );

    // A failure ends the list, named as the check that failed.
    let (code, stderr) = checks(&[
        "verify-envelope",
        "--key",
        "alice.pub",
        "--artifact",
        "candor.toml",
        "m.dsse.json",
    ]);
    assert_eq!(code, 1);
    // The failed check is the last one made (its detail lists the subjects after it).
    let failed = stderr.find("check  FAIL subject            subject does not match");
    assert!(failed > stderr.rfind("check  ok "), "{stderr}");
    let (code, stderr) = checks(&[
        "verify-envelope",
        "--key",
        "alice.pub",
        "--key",
        "bob.pub",
        "--threshold",
        "2",
        "m.dsse.json",
    ]);
    assert_eq!(code, 1);
    settings.bind(|| insta::assert_snapshot!("verbose_envelope_threshold_not_met", stderr));

    // A managed-key bundle: the bundle's checks, then the envelope's.
    let (code, stderr) = checks(&[
        "sigstore",
        "verify-bundle",
        "--bundle",
        "m.sigstore.json",
        "--key",
        "alice.pub",
        TARBALL,
    ]);
    assert_eq!(code, 0);
    settings.bind(|| insta::assert_snapshot!("verbose_managed_key_bundle", stderr));

    // A certificate bundle: what sigstore-verify established, then the identity.
    let Some(dir) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let case = dir.join("bundle-verify/happy-path-v0.3/bundle.sigstore.json");
    let a_txt = dir.join("bundle-verify/a.txt");
    let (code, stderr) = checks(&[
        "sigstore",
        "verify-bundle",
        "--bundle",
        &case.display().to_string(),
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--certificate-identity-pattern",
        "https://github.com/sigstore-conformance/*@refs/heads/main",
        &a_txt.display().to_string(),
    ]);
    assert_eq!(code, 0);
    let mut settings = ws.settings();
    settings.add_filter(&regex_escape(&dir.display().to_string()), "[VECTORS]");
    settings.bind(|| insta::assert_snapshot!("verbose_certificate_bundle", stderr));
}
