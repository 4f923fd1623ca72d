//! The enterprise's story end to end, with real components: a vendor publishes into a git
//! feed served over HTTPS by `git http-backend`, an auditor into a static HTTPS feed, both
//! on 127.0.0.1 with a CA the test makes; the consumer syncs them into its `SQLite` store
//! and runs `candor verify`. Then the attacks a verifier must survive, each named.

use candor_sign::keys::PrivateKey;
use candor_test::http::{TestServer, TlsIdentity, git_http_backend, serve_tls, static_files};

use crate::support::{Run, Workspace};

/// Release `version`'s declaration: the API endpoint, `conditional` asserted exhaustive,
/// released on `date`.
fn declaration(version: &str, date: &str) -> String {
    let body = candor_test::AGENT_TOML
        .replace("version = \"1.4.0\"", &format!("version = \"{version}\""))
        .replace(
            "pkg:npm/%40acme/agent@1.4.0",
            &format!("pkg:npm/%40acme/agent@{version}"),
        )
        .replace("tag = \"v1.4.0\"", &format!("tag = \"v{version}\""))
        .replace("https://api.acme.example/v1", "https://api.anthropic.com")
        .replace(
            "exhaustive = [\"network\"]",
            "exhaustive = [\"network\", \"conditional\"]",
        );
    format!("release_date = \"{date}\"\n{body}")
}

/// The actors' keys, and the ed25519 text of each public key for policies.
struct Keys {
    vendor: String,
    auditor: String,
    mallory: String,
}

fn keys(ws: &Workspace) -> Keys {
    let text = |k: PrivateKey| k.public_key().to_ed25519_text();
    Keys {
        vendor: text(ws.key("vendor", 1)),
        auditor: text(ws.key("auditor", 2)),
        mallory: text(ws.key("mallory", 3)),
    }
}

/// Release `version` (with DESIGN.md's hidden logic or not): `dist/agent-<v>.js` and its
/// manifest signed by `signer`, `manifest-<v>.dsse.json`.
fn release(ws: &Workspace, version: &str, hidden: bool, signer: &str) {
    let mut text = candor_test::bundle::bundle(64 * 1024, 3, hidden);
    text.push_str("fetch(\"https://api.anthropic.com/v1/messages\");");
    ws.write(&format!("dist/agent-{version}.js"), text);
    ws.write(
        &format!("candor-{version}.toml"),
        declaration(version, "2026-11-01T09:00:00Z"),
    );
    manifest(ws, version, signer, &[]);
}

/// `candor manifest statement` + `candor sign` for release `version` (extra arguments
/// to `manifest statement`, such as `--supersedes`), into `manifest-<v>.dsse.json`.
fn manifest(ws: &Workspace, version: &str, signer: &str, extra: &[&str]) {
    let mut args = vec![
        "manifest".to_owned(),
        "statement".to_owned(),
        format!("candor-{version}.toml"),
        "--artifact".to_owned(),
        format!("dist/agent-{version}.js=pkg:npm/%40acme/agent@{version}"),
        "--out".to_owned(),
        format!("statement-{version}.json"),
        // Some tests make a release's manifest again (older, re-signed).
        "--force".to_owned(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    ws.run(&args).success();
    ws.run(&[
        "sign",
        "--key",
        &format!("{signer}.key"),
        &format!("statement-{version}.json"),
        "--out",
        &format!("manifest-{version}.dsse.json"),
        "--force",
    ])
    .success();
}

/// The auditor `signer` (of `organization`) drafts and signs an audit of `version`:
/// `audit-<v>-<signer>.dsse.json`.
fn audit(ws: &Workspace, version: &str, signer: &str, organization: &str) -> String {
    let draft = format!("draft-{version}-{signer}.toml");
    ws.run(&[
        "audit",
        "draft",
        "--manifest",
        &format!("manifest-{version}.dsse.json"),
        "--key",
        "vendor.pub",
        "--artifact",
        &format!("dist/agent-{version}.js"),
        "--auditor",
        "Mira Keller",
        "--organization",
        organization,
        "--scope",
        "Static analysis of the published bundle.",
        "--out",
        &draft,
    ])
    .success();
    let out = format!("audit-{version}-{signer}.dsse.json");
    ws.run(&[
        "audit",
        "sign",
        "--key",
        &format!("{signer}.key"),
        &draft,
        "--out",
        &out,
    ])
    .success();
    out
}

/// A policy trusting the vendor for `agent` and the auditor, with `rules` (TOML lines
/// for `[rules]`) and extra TOML appended.
fn policy(keys: &Keys, version: u32, rules: &str, extra: &str) -> String {
    format!(
        "version = {version}\n\n[rules]\n{rules}\n\n\
         [[auditor]]\nid = \"seclab\"\norganization = \"Security Lab GmbH\"\nsigners = [{{ key = \"{}\" }}]\n\n\
         [[tool]]\nname = \"agent\"\nsigners = [{{ key = \"{}\" }}]\n{extra}",
        keys.auditor, keys.vendor
    )
}

fn publish(ws: &Workspace, document: &str, feed: &str) {
    ws.run(&["publish", document, "--to", feed]).success();
}

fn verify(ws: &Workspace, target: &str, more: &[&str]) -> Run {
    let mut args = vec![
        "verify",
        target,
        "--policy",
        "policy.toml",
        "--store",
        "store",
    ];
    args.extend(more);
    ws.run(&args)
}

/// The feeds on 127.0.0.1: the vendor's git repository over HTTPS and the auditor's
/// static HTTPS site, added to the consumer's store.
struct Feeds {
    _git: TestServer,
    _site: TestServer,
}

fn serve_feeds(ws: &Workspace) -> Feeds {
    git2::Repository::init_bare(ws.join("srv/vendor.git")).expect("a bare repository");
    fs_err::create_dir_all(ws.join("srv/audits")).expect("the auditor's site");
    let identity = TlsIdentity::new();
    identity.write_ca(&ws.join("ca.pem")).expect("write the CA");
    let git = serve_tls(&identity, git_http_backend(ws.join("srv")));
    let site = serve_tls(&identity, static_files(ws.join("srv/audits")));
    for (name, url) in [
        ("vendor", format!("{}/vendor.git", git.url())),
        ("auditor", format!("{}/", site.url())),
    ] {
        ws.run(&[
            "feed",
            "add",
            name,
            &url,
            "--ca-cert",
            "ca.pem",
            "--store",
            "store",
        ])
        .success();
    }
    Feeds {
        _git: git,
        _site: site,
    }
}

fn sync(ws: &Workspace) {
    ws.run(&["feed", "sync", "--store", "store"]).success();
}

#[test]
fn the_whole_story_over_git_and_https_feeds() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "min_audits = 1", ""));
    let _feeds = serve_feeds(&ws);

    // The vendor ships 1.0.1 with the hidden logic; an auditor reports it.
    release(&ws, "1.0.1", true, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "srv/vendor.git");
    let audit_101 = audit(&ws, "1.0.1", "auditor", "Security Lab GmbH");
    publish(&ws, &audit_101, "srv/audits");
    sync(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(1);
    assert!(run.stdout.starts_with("FAIL  agent 1.0.1 by Acme"), "{run}");
    assert!(
        run.stdout
            .contains("FAIL undeclared         observed by Security Lab GmbH (seclab)"),
        "{run}"
    );
    assert!(run.stdout.contains("Asia/Shanghai"), "{run}");
    assert!(run.stdout.contains("via base64 → xor(0x5b)"), "{run}");

    // The vendor fixes it in 1.0.2 and answers the audit; the auditor audits 1.0.2.
    release(&ws, "1.0.2", false, "vendor");
    publish(&ws, "manifest-1.0.2.dsse.json", "srv/vendor.git");
    ws.run(&[
        "respond",
        "--key",
        "vendor.key",
        "--audit",
        &audit_101,
        "--vendor",
        "Acme",
        "--status",
        "fixed",
        "--fixed-in",
        "1.0.2",
        "--statement",
        "The region-dependent rewriting is removed in 1.0.2.",
        "--out",
        "response.dsse.json",
    ])
    .success();
    publish(&ws, "response.dsse.json", "srv/vendor.git");
    let audit_102 = audit(&ws, "1.0.2", "auditor", "Security Lab GmbH");
    publish(&ws, &audit_102, "srv/audits");
    sync(&ws);

    let run = verify(&ws, "dist/agent-1.0.2.js", &[]);
    run.success();
    assert!(run.stdout.starts_with("PASS  agent 1.0.2 by Acme"), "{run}");
    // The old release still fails; the vendor's fix names the upgrade.
    let run = verify(&ws, "dist/agent-1.0.1.js", &["--format", "json"]);
    run.code(1);
    let json = run.json();
    let target = &json["targets"][0];
    assert_eq!(target["verdict"], "fail");
    assert_eq!(target["upgrade"]["version"], "1.0.2");
    let undeclared: Vec<&serde_json::Value> = target["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter(|r| r["rule"] == "undeclared")
        .collect();
    assert!(!undeclared.is_empty(), "{json:#}");
    for reason in &undeclared {
        assert_eq!(reason["source"]["kind"], "observed-by-auditor");
        assert_eq!(reason["source"]["organization"], "Security Lab GmbH");
        assert!(
            reason["message"]
                .as_str()
                .is_some_and(|m| m.contains("[vendor: fixed in 1.0.2]")),
            "{reason}"
        );
    }
    let evidence = target["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .flat_map(|f| f["evidence"].as_array().cloned().unwrap_or_default())
        .any(|e| e["chain"] == serde_json::json!(["base64", "xor(0x5b)"]));
    assert!(evidence, "{json:#}");

    signed_verdict_and_sarif(&ws);
}

/// A central verifier signs its verdict, which anyone can check like any document; SARIF
/// has one result per failing rule.
fn signed_verdict_and_sarif(ws: &Workspace) {
    // A central verifier signs its verdict; anyone can check it like any document.
    ws.key("verifier", 9);
    let run = verify(
        ws,
        "dist/agent-1.0.2.js",
        &["--attest", "agent.vsa.dsse.json", "--key", "verifier.key"],
    );
    run.success();
    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "verifier.pub",
        "--artifact",
        "dist/agent-1.0.2.js",
        "agent.vsa.dsse.json",
    ]);
    run.success();
    assert!(
        run.stdout
            .starts_with("verified: verification summary: PASS agent 1.0.2"),
        "{run}"
    );
    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "vendor.pub",
        "agent.vsa.dsse.json",
    ]);
    run.code(1);

    // SARIF: one result per failing rule.
    let run = verify(ws, "dist/agent-1.0.1.js", &["--format", "sarif"]);
    run.code(1);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().all(|r| r["level"] == "error"), "{sarif:#}");
    assert!(results.iter().any(|r| r["ruleId"] == "undeclared"));
}

/// A consumer store with a directory feed `feed` synced.
fn synced_store(ws: &Workspace) {
    ws.run(&["feed", "add", "feed", "feed", "--store", "store"])
        .success();
    sync(ws);
}

#[test]
fn b_a_manifest_signed_by_a_key_trusted_for_another_tool() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    let other = format!(
        "\n[[tool]]\nname = \"other\"\nsigners = [{{ key = \"{}\" }}]\n",
        keys.mallory
    );
    ws.write("policy.toml", policy(&keys, 1, "", &other));
    release(&ws, "1.0.1", false, "mallory");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(1);
    assert!(
        run.stdout
            .contains("FAIL manifest-required  no manifest by the tool's trusted signers"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("not by the signers trusted for `agent`: ")
            && run.stdout.contains("no signature by a trusted key"),
        "{run}"
    );
}

#[test]
fn b_an_audit_from_an_untrusted_auditor_is_ignored_and_listed() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "min_audits = 1", ""));
    release(&ws, "1.0.1", true, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    let forged = audit(&ws, "1.0.1", "mallory", "Security Lab GmbH");
    publish(&ws, &forged, "feed");
    synced_store(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &["--format", "json"]);
    run.code(1);
    let json = run.json();
    let target = &json["targets"][0];
    assert_eq!(target["documents"]["audits"], serde_json::json!([]));
    assert_eq!(
        target["documents"]["untrusted"][0]["reason"],
        "no valid signature by a trusted auditor"
    );
    // Its findings are not facts of the verdict; the missing audit is.
    let failing: Vec<&str> = target["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter(|r| r["outcome"] == "fail")
        .filter_map(|r| r["rule"].as_str())
        .collect();
    assert_eq!(failing, ["min-audits"], "{json:#}");
}

#[test]
fn b_two_audits_from_one_organisation_count_once() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    let second = format!(
        "\n[[auditor]]\nid = \"seclab-berlin\"\norganization = \"Security Lab GmbH\"\nsigners = [{{ key = \"{}\" }}]\n\
         \n[[auditor]]\nid = \"openaudit\"\norganization = \"Open Audit Collective\"\nsigners = [{{ key = \"{}\" }}]\n",
        keys.mallory,
        ws.key("open", 4).public_key().to_ed25519_text()
    );
    // The extra auditors must come before [[tool]]'s table ends: put them first.
    let text = policy(&keys, 1, "min_audits = 2", "").replacen(
        "[[tool]]",
        &format!("{second}\n[[tool]]"),
        1,
    );
    ws.write("policy.toml", text);
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    let first = audit(&ws, "1.0.1", "auditor", "Security Lab GmbH");
    let again = audit(&ws, "1.0.1", "mallory", "Security Lab GmbH");
    publish(&ws, &first, "feed");
    publish(&ws, &again, "feed");
    synced_store(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(1);
    assert!(
        run.stdout.contains(
            "FAIL min-audits         audits from 1 distinct organisation(s) (Security Lab GmbH); 2 required (2 audits count, but audits of one organisation count once)"
        ),
        "{run}"
    );
    // An audit from a second organisation meets it.
    let other = audit(&ws, "1.0.1", "open", "Open Audit Collective");
    publish(&ws, &other, "feed");
    sync(&ws);
    verify(&ws, "dist/agent-1.0.1.js", &[]).success();
}

#[test]
fn c10_an_equivocating_vendor() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "", ""));
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    // A second, different manifest for the same release, shown to another feed.
    ws.write(
        "candor-1.0.1.toml",
        declaration("1.0.1", "2026-11-02T09:00:00Z"),
    );
    manifest(&ws, "1.0.1", "vendor", &[]);
    publish(&ws, "manifest-1.0.1.dsse.json", "mirror");
    synced_store(&ws);
    ws.run(&["feed", "add", "mirror", "mirror", "--store", "store"])
        .success();
    sync(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(1);
    assert!(
        run.stdout
            .contains("FAIL equivocation       the vendor signed 2 different manifests for agent 1.0.1, none superseding the others"),
        "{run}"
    );
    // A manifest that names the one it replaces is no equivocation.
    let ws = Workspace::new();
    let keys = self::keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "", ""));
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    fs_err::rename(
        ws.join("manifest-1.0.1.dsse.json"),
        ws.join("old.dsse.json"),
    )
    .expect("keep the first");
    ws.write(
        "candor-1.0.1.toml",
        declaration("1.0.1", "2026-11-02T09:00:00Z"),
    );
    manifest(&ws, "1.0.1", "vendor", &["--supersedes", "old.dsse.json"]);
    ws.run(&[
        "publish",
        "manifest-1.0.1.dsse.json",
        "--to",
        "feed",
        "--supersede",
    ])
    .success();
    synced_store(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.success();
    assert!(run.stdout.contains("ok   equivocation"), "{run}");
}

#[test]
fn a_stale_manifest_beyond_the_maximum_age() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "max_age_days = 365", ""));
    release(&ws, "1.0.1", false, "vendor");
    ws.write(
        "candor-1.0.1.toml",
        declaration("1.0.1", "2020-01-01T00:00:00Z"),
    );
    manifest(&ws, "1.0.1", "vendor", &[]);
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(1);
    assert!(
        run.stdout
            .contains("FAIL max-age            the manifest is ")
            && run
                .stdout
                .contains("(released 2020-01-01T00:00:00Z); max_age_days = 365"),
        "{run}"
    );
}

#[test]
fn d9_a_policy_rollback_and_a_policy_changed_without_a_new_version() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);
    ws.write("policy.toml", policy(&keys, 5, "", ""));
    verify(&ws, "dist/agent-1.0.1.js", &[]).success();
    // An older policy, still valid and signed by nobody: refused, whatever it says.
    ws.write(
        "policy.toml",
        policy(&keys, 4, "require_manifest = false", ""),
    );
    let run = verify(&ws, "dist/agent-1.0.1.js", &["--format", "json"]);
    run.code(2);
    assert_eq!(run.json()["error"]["kind"], "policy-rollback");
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    assert!(
        run.stderr.contains(
            "policy.toml: policy version 4 is older than version 5, seen in policy.toml on "
        ),
        "{run}"
    );
    let run = ws.run(&["policy", "check", "policy.toml", "--store", "store"]);
    run.code(2);
    // The same version with other content: a change without a version.
    ws.write("policy.toml", policy(&keys, 5, "min_audits = 0", ""));
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(2);
    assert!(
        run.stderr
            .contains("policy version 5 was seen before with other content"),
        "{run}"
    );
    assert!(
        run.stderr.contains("hint: raise `version` above 5"),
        "{run}"
    );
    // A newer one is taken, and remembered.
    ws.write("policy.toml", policy(&keys, 6, "", ""));
    let run = verify(&ws, "dist/agent-1.0.1.js", &["--format", "json"]);
    run.success();
    assert_eq!(run.json()["policy"]["previous_version"], 5);
}

#[test]
fn b7_an_artifact_no_manifest_names_and_b12_an_audit_of_a_replaced_manifest() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "min_audits = 1", ""));
    release(&ws, "1.0.1", true, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    let first = audit(&ws, "1.0.1", "auditor", "Security Lab GmbH");
    publish(&ws, &first, "feed");
    synced_store(&ws);
    ws.write("dist/unknown.js", "console.log('not a release')");
    let run = verify(&ws, "dist/unknown.js", &[]);
    run.code(1);
    assert!(
        run.stdout
            .contains("FAIL manifest-required  no manifest names this artifact's digest"),
        "{run}"
    );

    // The vendor re-issues 1.0.1's manifest declaring the conditional behaviour: the
    // audit examined the replaced one, so it no longer counts, and its findings stay.
    fs_err::rename(
        ws.join("manifest-1.0.1.dsse.json"),
        ws.join("old.dsse.json"),
    )
    .expect("keep the first");
    manifest(&ws, "1.0.1", "vendor", &["--supersedes", "old.dsse.json"]);
    ws.run(&[
        "publish",
        "manifest-1.0.1.dsse.json",
        "--to",
        "feed",
        "--supersede",
    ])
    .success();
    sync(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &["--format", "json"]);
    run.code(1);
    let json = run.json();
    let audits = &json["targets"][0]["documents"]["audits"];
    assert_eq!(audits[0]["counted"], false, "{json:#}");
    assert!(
        audits[0]["not_counted"]
            .as_str()
            .is_some_and(|m| m.starts_with("it examined manifest ")),
        "{json:#}"
    );
    let rules: Vec<&str> = json["targets"][0]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter(|r| r["outcome"] == "fail")
        .filter_map(|r| r["rule"].as_str())
        .collect();
    assert!(rules.contains(&"min-audits"), "{rules:?}");
    assert!(rules.contains(&"undeclared"), "{rules:?}");
}

#[test]
fn a_store_row_edited_behind_candors_back_is_not_trusted() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "", ""));
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);
    verify(&ws, "dist/agent-1.0.1.js", &[]).success();
    // Someone with write access to the store swaps a claim in the stored payload.
    let db = rusqlite::Connection::open(ws.join("store/store.db")).expect("open the store");
    let (sha, bytes): (String, Vec<u8>) = db
        .query_row(
            "SELECT sha256, bytes FROM documents WHERE kind = 'manifest'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the manifest");
    let mut envelope: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let payload = candor_sign::dsse::decode_base64(envelope["payload"].as_str().expect("payload"))
        .expect("base64");
    let edited = String::from_utf8(payload)
        .expect("UTF-8")
        .replace("api.anthropic.com", "api.mallory.example");
    envelope["payload"] = serde_json::Value::String(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        edited,
    ));
    db.execute(
        "UPDATE documents SET bytes = ?1 WHERE sha256 = ?2",
        rusqlite::params![serde_json::to_vec(&envelope).expect("JSON"), sha],
    )
    .expect("edit the row");
    drop(db);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(1);
    assert!(
        run.stdout.contains("untrusted  manifest ")
            && run.stdout.contains("no signature by a trusted key"),
        "{run}"
    );
}

#[test]
fn e4_an_oversized_policy_and_e7_duplicate_keys_are_refused_with_their_place() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);
    let mut big = policy(&keys, 1, "", "");
    big.push_str("# ");
    big.push_str(&"x".repeat(2 << 20));
    ws.write("policy.toml", big);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(2);
    assert!(run.stderr.contains("policy.toml"), "{run}");
    ws.write(
        "policy.toml",
        policy(&keys, 1, "min_audits = 0\nmin_audits = 1", ""),
    );
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(2);
    assert!(run.stderr.contains("policy.toml:5:1"), "{run}");
    // Without a store there is nothing to verify against.
    ws.write("policy.toml", policy(&keys, 1, "", ""));
    let run = ws.run(&[
        "verify",
        "dist/agent-1.0.1.js",
        "--policy",
        "policy.toml",
        "--store",
        "nowhere",
    ]);
    run.code(2);
    assert!(run.stderr.contains("no store at nowhere"), "{run}");
}

#[test]
fn a_tool_the_policy_does_not_name() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write(
        "policy.toml",
        format!(
            "version = 1\n\n[[tool]]\nname = \"other\"\nsigners = [{{ key = \"{}\" }}]\n",
            keys.vendor
        ),
    );
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);
    let run = verify(&ws, "dist/agent-1.0.1.js", &[]);
    run.code(1);
    assert!(
        run.stdout
            .contains("tool `agent` is not in the policy: no signer is trusted for it"),
        "{run}"
    );
}

/// `candor verify COMMAND` with PATH set to `path` (relative to the workspace).
fn verify_command(ws: &Workspace, command: &str, path: &str, more: &[&str]) -> Run {
    let mut cmd = ws.candor();
    cmd.env("PATH", ws.join(path)).args([
        "verify",
        command,
        "--policy",
        "policy.toml",
        "--store",
        "store",
    ]);
    cmd.args(more);
    Run::of(&mut cmd)
}

#[cfg(unix)]
#[test]
fn a_command_through_a_symlink_chain_and_a_shim_pointing_outside_its_package() {
    use std::os::unix::fs::{PermissionsExt as _, symlink};
    let executable = |ws: &Workspace, rel: &str| {
        fs_err::set_permissions(ws.join(rel), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    };
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "", ""));
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);

    // bin/agent → ../lib/agent → ../dist/agent-1.0.1.js: every hop is reported.
    executable(&ws, "dist/agent-1.0.1.js");
    fs_err::create_dir_all(ws.join("bin")).expect("bin");
    fs_err::create_dir_all(ws.join("lib")).expect("lib");
    symlink("../dist/agent-1.0.1.js", ws.join("lib/agent")).expect("link");
    symlink("../lib/agent", ws.join("bin/agent")).expect("link");
    let run = verify_command(&ws, "agent", "bin", &[]);
    run.success();
    assert!(
        run.stdout.contains("resolved   path-lookup: agent → "),
        "{run}"
    );
    assert_eq!(
        run.stdout.matches("resolved   symlink: ").count(),
        2,
        "{run}"
    );

    // A package whose .bin shim leads out of node_modules to a copy of the real bytes:
    // the digest matches the manifest, but what runs is not the package's file.
    let pkg = "project/node_modules/@acme/agent";
    ws.write(
        &format!("{pkg}/package.json"),
        r#"{"name": "@acme/agent", "version": "1.0.1", "bin": {"agent": "cli.js"}}"#,
    );
    ws.write(
        &format!("{pkg}/cli.js"),
        ws.read_bytes("dist/agent-1.0.1.js"),
    );
    ws.write("elsewhere/agent.js", ws.read_bytes("dist/agent-1.0.1.js"));
    executable(&ws, "elsewhere/agent.js");
    executable(&ws, &format!("{pkg}/cli.js"));
    fs_err::create_dir_all(ws.join("project/node_modules/.bin")).expect(".bin");
    symlink(
        "../../../elsewhere/agent.js",
        ws.join("project/node_modules/.bin/agent"),
    )
    .expect("link");
    let run = verify_command(
        &ws,
        "agent",
        "project/node_modules/.bin",
        &["--format", "json"],
    );
    run.code(1);
    let json = run.json();
    let target = &json["targets"][0];
    assert!(
        !target["resolved"]["escapes"]
            .as_array()
            .expect("escapes")
            .is_empty(),
        "{json:#}"
    );
    let failing: Vec<&str> = target["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter(|r| r["outcome"] == "fail")
        .filter_map(|r| r["rule"].as_str())
        .collect();
    assert_eq!(failing, ["resolution"], "{json:#}");
}

#[cfg(unix)]
#[test]
fn all_verifies_every_installed_tool_the_store_knows() {
    use std::os::unix::fs::{PermissionsExt as _, symlink};
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "", ""));
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    synced_store(&ws);
    fs_err::set_permissions(
        ws.join("dist/agent-1.0.1.js"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    fs_err::create_dir_all(ws.join("bin")).expect("bin");
    symlink("../dist/agent-1.0.1.js", ws.join("bin/agent")).expect("link");
    let mut cmd = ws.candor();
    cmd.env("PATH", ws.join("bin")).args([
        "verify",
        "--all",
        "--policy",
        "policy.toml",
        "--store",
        "store",
        "--format",
        "json",
    ]);
    let run = Run::of(&mut cmd);
    run.success();
    let json = run.json();
    assert_eq!(
        json["targets"].as_array().map(Vec::len),
        Some(1),
        "{json:#}"
    );
    assert_eq!(json["targets"][0]["tool"], "agent");
    assert_eq!(json["targets"][0]["verdict"], "pass");
    // Nothing installed: said so, exit 2.
    let mut cmd = ws.candor();
    cmd.env("PATH", ws.join("dist")).args([
        "verify",
        "--all",
        "--policy",
        "policy.toml",
        "--store",
        "store",
    ]);
    let run = Run::of(&mut cmd);
    run.code(2);
    assert!(
        run.stderr
            .contains("no tool the store knows is installed here"),
        "{run}"
    );
}

/// Issue 16: `verify -q` prints no report; `verify -v` prints on stderr every check made
/// for each target: the files digested, each document examined (trusted and by whom, or
/// not and why), each rule of the policy.
#[test]
fn quiet_and_verbose() {
    let ws = Workspace::new();
    let keys = keys(&ws);
    ws.write("policy.toml", policy(&keys, 1, "", ""));
    release(&ws, "1.0.1", false, "vendor");
    publish(&ws, "manifest-1.0.1.dsse.json", "feed");
    // A manifest by mallory, whom the policy does not trust, for the same release.
    manifest(&ws, "1.0.1", "mallory", &[]);
    fs_err::rename(
        ws.join("manifest-1.0.1.dsse.json"),
        ws.join("forged.dsse.json"),
    )
    .expect("rename");
    publish(&ws, "forged.dsse.json", "feed");
    synced_store(&ws);

    let run = verify(&ws, "dist/agent-1.0.1.js", &["-q"]);
    run.code(0);
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        ("", ""),
        "{run}"
    );

    let plain = verify(&ws, "dist/agent-1.0.1.js", &[]);
    let run = verify(&ws, "dist/agent-1.0.1.js", &["-v"]);
    run.code(0);
    assert_eq!(run.stdout, plain.stdout, "{run}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines[0], "check  dist/agent-1.0.1.js", "{run}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("check  ok   artifact           ")
                && l.contains("dist/agent-1.0.1.js: 65623 bytes, sha256 ")),
        "{run}"
    );
    assert!(
        lines.iter().any(
            |l| l.starts_with("check  ok   document           manifest ")
                && l.contains("for agent 1.0.1")
                && l.contains("signed by ")
        ),
        "{run}"
    );
    assert!(
        lines.iter().any(
            |l| l.starts_with("check  --   document           manifest ")
                && l.contains("not used: ")
        ),
        "{run}"
    );
    // Every rule of the verdict, as the report states it.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("check  ok   manifest-required")),
        "{run}"
    );
}
