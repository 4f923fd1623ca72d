//! Attestations in Sigstore bundles through `candor verify-envelope`, the one verification
//! path: key-based bundles written by `candor sign --bundle`, and certificate bundles
//! checked against a trusted Sigstore identity.

use crate::sigstore_conformance::conformance_dir;
use crate::support::{TARBALL, Workspace, regex_escape, snapshot};

fn signed_bundle(ws: &Workspace) -> serde_json::Value {
    ws.release();
    ws.key("vendor", 1);
    ws.run(&[
        "sign",
        "--bundle",
        "--key",
        "vendor.key",
        "statement.json",
        "--out",
        "manifest.sigstore.json",
    ])
    .success();
    serde_json::from_str(&ws.read("manifest.sigstore.json")).expect("the bundle is JSON")
}

#[test]
fn a_key_bundle_verifies_like_its_envelope() {
    let ws = Workspace::new();
    let bundle = signed_bundle(&ws);
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(
        bundle["verificationMaterial"]["publicKey"]["hint"],
        bundle["dsseEnvelope"]["signatures"][0]["keyid"]
    );
    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "vendor.pub",
        "--artifact",
        TARBALL,
        "manifest.sigstore.json",
    ]);
    run.success();
    assert!(
        run.stdout
            .starts_with("verified: behaviour manifest for agent 1.4.0 by Acme\n"),
        "{run}"
    );
    assert!(
        run.stdout.contains(&format!("artifact   {TARBALL}")),
        "{run}"
    );
    snapshot!(ws, "key_bundle_verified", run);
    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "vendor.pub",
        "--artifact",
        TARBALL,
        "manifest.sigstore.json",
        "--format",
        "json",
    ]);
    run.success();
    snapshot!(ws, "key_bundle_verified_json", run);
}

/// `candor sigstore verify-bundle --key` accepts the key bundle `candor sign --bundle`
/// wrote (it asked for an inclusion proof such a bundle cannot carry), saying that no log
/// attests its time; what `verify-envelope` refuses, it refuses too.
#[test]
fn verify_bundle_accepts_candors_own_key_bundle_and_says_it_is_unlogged() {
    let ws = Workspace::new();
    let mut bundle = signed_bundle(&ws);
    let verify = |bundle: &str, key: &str, artifact: &str| {
        ws.run(&[
            "sigstore",
            "verify-bundle",
            "--bundle",
            bundle,
            "--key",
            key,
            artifact,
        ])
    };
    let run = verify("manifest.sigstore.json", "vendor.pub", TARBALL);
    run.success();
    assert!(
        run.stdout.contains("log        none: a managed-key bundle"),
        "{run}"
    );
    snapshot!(ws, "verify_bundle_key_bundle", run);
    let run = ws.run(&[
        "sigstore",
        "verify-bundle",
        "--bundle",
        "manifest.sigstore.json",
        "--key",
        "vendor.pub",
        TARBALL,
        "--format",
        "json",
    ]);
    run.success();
    assert_eq!(run.json()["logged"], false, "{run}");
    snapshot!(ws, "verify_bundle_key_bundle_json", run);

    // By digest, as the Sigstore client protocol passes it.
    let digest = format!("sha256:{}", crate::support::TARBALL_SHA256);
    verify("manifest.sigstore.json", "vendor.pub", &digest).success();

    // Another artifact: a subject mismatch, with both digests.
    ws.write("other.tgz", "not the release");
    let run = verify("manifest.sigstore.json", "vendor.pub", "other.tgz");
    run.code(1);
    assert!(
        run.stdout.contains("subject does not match the artifact"),
        "{run}"
    );

    // Another key: rejected, naming the signature's keyid and the trusted key.
    let other = ws.key("other", 2);
    let run = verify("manifest.sigstore.json", "other.pub", TARBALL);
    run.code(1);
    let other_id = other.public_key().id().to_string();
    assert!(
        run.stdout.contains("no signature by a trusted key")
            && run.stdout.contains(&format!("(key {})", &other_id[..16])),
        "{run}"
    );

    // A tampered payload.
    let payload = bundle["dsseEnvelope"]["payload"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tampered = payload.clone();
    tampered.replace_range(10..11, if &payload[10..11] == "A" { "B" } else { "A" });
    bundle["dsseEnvelope"]["payload"] = serde_json::Value::String(tampered);
    ws.write(
        "tampered.json",
        serde_json::to_string_pretty(&bundle).unwrap(),
    );
    verify("tampered.json", "vendor.pub", TARBALL).code(1);

    // A key that is not ed25519 (an X25519 key): the unlogged path cannot apply, and the
    // message says why.
    ws.write(
        "x25519.pub",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEAtYWc5uQwjtOoLysTW0D3LEB6ft5m2gqzvKT4Lt82YH4=\n-----END PUBLIC KEY-----\n",
    );
    let run = verify("manifest.sigstore.json", "x25519.pub", TARBALL);
    assert!(
        run.code == 1 || run.code == 2,
        "an X25519 key must not verify: {run}"
    );
    assert!(!run.stdout.starts_with("verified"), "{run}");
}

#[test]
fn a_key_bundle_by_another_key_or_tampered_is_rejected() {
    let ws = Workspace::new();
    let mut bundle = signed_bundle(&ws);
    ws.key("other", 2);
    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "other.pub",
        "manifest.sigstore.json",
    ]);
    run.code(1);
    assert!(
        run.stdout.contains("no signature by a trusted key"),
        "{run}"
    );
    snapshot!(ws, "key_bundle_other_key", run);

    // The payload swapped for another Statement's, the signature kept.
    let payload = bundle["dsseEnvelope"]["payload"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut other = payload.clone();
    other.replace_range(10..11, if &payload[10..11] == "A" { "B" } else { "A" });
    bundle["dsseEnvelope"]["payload"] = serde_json::Value::String(other);
    ws.write(
        "tampered.json",
        serde_json::to_string_pretty(&bundle).unwrap(),
    );
    let run = ws.run(&["verify-envelope", "--key", "vendor.pub", "tampered.json"]);
    run.code(1);
    assert!(run.stdout.starts_with("verification failed: "), "{run}");
    snapshot!(ws, "key_bundle_tampered", run);

    // A duplicate key inside the bundle's envelope.
    let text = ws.read("manifest.sigstore.json").replacen(
        "\"payloadType\"",
        "\"payloadType\": \"text/plain\",\n    \"payloadType\"",
        1,
    );
    ws.write("dup.json", text);
    let run = ws.run(&["verify-envelope", "--key", "vendor.pub", "dup.json"]);
    run.code(1);
    assert!(run.stdout.contains("duplicate key `payloadType`"), "{run}");
    snapshot!(ws, "key_bundle_duplicate_key", run);
}

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/*@refs/heads/main";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";

#[test]
fn certificate_bundles_go_through_the_same_path() {
    let Some(dir) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = Workspace::new();
    let mut settings = ws.settings();
    settings.add_filter(&regex_escape(&dir.display().to_string()), "[VECTORS]");
    let snap = |name: &str, run: &crate::support::Run| {
        settings.bind(|| insta::assert_snapshot!(name, run));
    };
    let dsse = dir.join("bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json");
    let dsse = dsse.display().to_string();
    // Signature, chain, log and identity verify; the payload is an in-toto Statement but
    // not a candor one, which the shared rule 4 then refuses.
    let run = ws.run(&[
        "verify-envelope",
        "--certificate-oidc-issuer",
        ACTIONS,
        "--certificate-identity-pattern",
        BEACON,
        &dsse,
    ]);
    run.code(1);
    assert!(
        run.stdout
            .contains("payload is not a valid candor Statement"),
        "{run}"
    );
    snap("certificate_bundle_not_a_candor_statement", &run);
    // Another identity: refused before the payload is looked at.
    let run = ws.run(&[
        "verify-envelope",
        "--certificate-oidc-issuer",
        ACTIONS,
        "--certificate-identity-pattern",
        "https://github.com/acme/*",
        &dsse,
    ]);
    run.code(1);
    assert!(
        run.stdout
            .contains("which is none of the 1 trusted Sigstore identities"),
        "{run}"
    );
    snap("certificate_bundle_untrusted_identity", &run);
    // A bundle over a plain file is not an attestation.
    let message = dir.join("bundle-verify/happy-path-v0.3/bundle.sigstore.json");
    let run = ws.run(&[
        "verify-envelope",
        "--certificate-oidc-issuer",
        ACTIONS,
        "--certificate-identity-pattern",
        BEACON,
        &message.display().to_string(),
    ]);
    run.code(1);
    assert!(
        run.stdout
            .contains("holds a message signature, not a DSSE envelope"),
        "{run}"
    );
    snap("certificate_bundle_message_signature", &run);
    // A broken log proof is named.
    let broken = dir.join("bundle-verify/rekor2-dsse-invalid-sig_fail/bundle.sigstore.json");
    let run = ws.run(&[
        "verify-envelope",
        "--certificate-oidc-issuer",
        ACTIONS,
        "--certificate-identity-pattern",
        BEACON,
        "--trusted-root",
        &dir.join("bundle-verify/rekor2-dsse-invalid-sig_fail/trusted_root.json")
            .display()
            .to_string(),
        &broken.display().to_string(),
    ]);
    run.code(1);
    assert!(run.stdout.contains("Sigstore bundle rejected ("), "{run}");
    snap("certificate_bundle_broken_log", &run);
}

#[test]
fn a_bundle_holds_one_signature() {
    let ws = Workspace::new();
    ws.release();
    ws.key("a", 1);
    ws.key("b", 2);
    let run = ws.run(&[
        "sign",
        "--bundle",
        "--key",
        "a.key",
        "--key",
        "b.key",
        "statement.json",
        "--out",
        "two.sigstore.json",
    ]);
    run.code(2);
    assert!(
        run.stderr
            .contains("a Sigstore bundle carries exactly one signature; 2 keys were given"),
        "{run}"
    );
    assert!(!ws.exists("two.sigstore.json"));
}

/// Issue 16: `verify-envelope` and `sigstore verify-bundle` speak one vocabulary,
/// cosign's: `--bundle` for the document, `--artifact` (a file or `sha256:<hex>`) for the
/// artifact, `--key`; the old spellings (the positional document of verify-envelope, the
/// positional artifact of verify-bundle) still work.
#[test]
fn one_vocabulary_for_verify_envelope_and_verify_bundle() {
    let ws = Workspace::new();
    signed_bundle(&ws);
    let run = |command: &str| ws.run(&command.split_whitespace().collect::<Vec<_>>());
    let digest = format!("sha256:{}", crate::support::TARBALL_SHA256);
    let other = format!("sha256:{}", "0".repeat(64));
    // The same flags on both commands, for candor's own key bundle.
    for command in ["verify-envelope", "sigstore verify-bundle"] {
        let flags = "--bundle manifest.sigstore.json --key vendor.pub --artifact";
        run(&format!("{command} {flags} {TARBALL}")).success();
        run(&format!("{command} {flags} {digest}")).success();
        // Another artifact, by digest too: rejected.
        run(&format!("{command} {flags} {other}")).code(1);
    }
    // Old spellings stay; one of each form, not both.
    run(&format!(
        "verify-envelope --key vendor.pub --artifact {TARBALL} manifest.sigstore.json"
    ))
    .success();
    run(&format!(
        "sigstore verify-bundle --bundle manifest.sigstore.json --key vendor.pub {TARBALL}"
    ))
    .success();
    let both = "verify-envelope --key vendor.pub --bundle m.json manifest.sigstore.json";
    let out = run(both);
    out.code(2);
    assert!(out.stderr.contains("cannot be used with"), "{out}");
    let out = run(&format!(
        "sigstore verify-bundle --bundle manifest.sigstore.json --key vendor.pub \
         --artifact {TARBALL} {TARBALL}"
    ));
    out.code(2);
    assert!(out.stderr.contains("cannot be used with"), "{out}");
}

/// Issue 16: the identity flags, cosign's, on both commands: `--certificate-identity`,
/// `--certificate-identity-regexp`, `--certificate-oidc-issuer[-regexp]`, beside candor's
/// wildcard `--certificate-identity-pattern`; `--staging`. Regular expressions match the
/// whole text (cosign's match anywhere).
#[test]
fn identity_flags_are_cosigns_on_both_commands_and_regexps_are_anchored() {
    let Some(dir) = conformance_dir() else {
        eprintln!("SKIPPED: Sigstore conformance vectors not found");
        return;
    };
    let ws = Workspace::new();
    let run = |command: &str| ws.run(&command.split_whitespace().collect::<Vec<_>>());
    let case = |name: &str| {
        dir.join(format!("bundle-verify/{name}/bundle.sigstore.json"))
            .display()
            .to_string()
    };
    let bundle = format!(
        "sigstore verify-bundle --bundle {}",
        case("happy-path-v0.3")
    );
    let envelope = format!(
        "verify-envelope --bundle {}",
        case("happy-path-intoto-in-dsse-v3")
    );
    let a_txt = dir.join("bundle-verify/a.txt").display().to_string();
    let workflow =
        r"https://github\.com/sigstore-conformance/[^/]+/\.github/workflows/.*@refs/heads/main";
    let issuer = r"https://token\.actions\.githubusercontent\.com";
    let regexps = format!(
        "--certificate-oidc-issuer-regexp {issuer} --certificate-identity-regexp {workflow}"
    );
    run(&format!("{bundle} {regexps} --artifact {a_txt}")).success();
    // The identity is trusted; the payload (SLSA provenance) is not a candor Statement.
    let out = run(&format!("{envelope} {regexps}"));
    out.code(1);
    assert!(
        out.stdout
            .contains("payload is not a valid candor Statement"),
        "{out}"
    );
    // The exact subject, as verify-bundle always took it, now on verify-envelope too.
    let exact = format!(
        "--certificate-oidc-issuer {ACTIONS} --certificate-identity https://github.com/\
         sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/\
         extremely-dangerous-oidc-beacon.yml@refs/heads/main"
    );
    let out = run(&format!("{envelope} {exact}"));
    out.code(1);
    assert!(
        out.stdout
            .contains("payload is not a valid candor Statement"),
        "{out}"
    );
    // Anchored: a part of the subject or issuer is no match (cosign would accept it).
    let out = run(&format!(
        "{bundle} --certificate-oidc-issuer {ACTIONS} \
         --certificate-identity-regexp sigstore-conformance {a_txt}"
    ));
    out.code(1);
    assert!(
        out.stdout.contains(
            "the policy requires regexp \"sigstore-conformance\" (matching the whole text)"
        ),
        "{out}"
    );
    let out = run(&format!(
        "{envelope} --certificate-oidc-issuer-regexp token --certificate-identity-regexp {workflow}"
    ));
    out.code(1);
    assert!(
        out.stdout
            .contains("none of the 1 trusted Sigstore identities"),
        "{out}"
    );
    // --staging on verify-envelope: the staging root, which did not issue this bundle.
    let out = run(&format!("{envelope} --staging {regexps}"));
    out.code(1);
    assert!(out.stdout.contains("Sigstore bundle rejected ("), "{out}");
    // Usage errors: a bad regular expression, half an identity, two subject forms.
    let out = run(&format!(
        "{bundle} --certificate-oidc-issuer {ACTIONS} --certificate-identity-regexp ( {a_txt}"
    ));
    out.code(2);
    assert!(
        out.stderr.starts_with(
            "error: --certificate-identity-regexp: invalid regular expression \"(\": \
             regex parse error:\n    (\n    ^"
        ),
        "{out}"
    );
    let out = run(&format!("{envelope} --certificate-oidc-issuer {ACTIONS}"));
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: a certificate OIDC issuer needs the certificate subject it vouches for\n\
         hint: pass --certificate-identity, --certificate-identity-regexp or \
         --certificate-identity-pattern\n"
    );
    let out = run(&format!(
        "{bundle} --certificate-oidc-issuer {ACTIONS} --certificate-identity x \
         --certificate-identity-regexp y {a_txt}"
    ));
    out.code(2);
    assert!(out.stderr.contains("cannot be used with"), "{out}");
}
