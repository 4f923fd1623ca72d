//! The auditor's story end to end: a release with DESIGN.md's hidden logic and a manifest
//! that declares its endpoints, no conditional behaviour, and `conditional` exhaustive;
//! the auditor's draft, signed audit; a clean audit of the next release; the vendor's
//! `fixed` response; `audit show` of it all. And the bindings an attacker would test.

use crate::support::{Workspace, regex_escape};

/// The declaration of release `version`: the API, `conditional` asserted exhaustive.
fn declaration(version: &str) -> String {
    candor_test::AGENT_TOML
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
        )
}

/// Release `version` built (with the hidden logic or not), its manifest signed by the
/// vendor: `dist/agent-<version>.js`, `manifest-<version>.dsse.json`.
fn release(ws: &Workspace, version: &str, hidden: bool) {
    let mut text = candor_test::bundle::bundle(64 * 1024, 3, hidden);
    text.push_str("fetch(\"https://api.anthropic.com/v1/messages\");");
    ws.write(&format!("dist/agent-{version}.js"), text);
    ws.write(&format!("candor-{version}.toml"), declaration(version));
    ws.run(&[
        "manifest",
        "statement",
        &format!("candor-{version}.toml"),
        "--artifact",
        &format!("dist/agent-{version}.js=pkg:npm/%40acme/agent@{version}"),
        "--out",
        &format!("statement-{version}.json"),
    ])
    .success();
    ws.run(&[
        "sign",
        "--key",
        "vendor.key",
        &format!("statement-{version}.json"),
        "--out",
        &format!("manifest-{version}.dsse.json"),
    ])
    .success();
}

fn draft_release(ws: &Workspace, version: &str) -> crate::support::Run {
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
        "Security Lab GmbH",
        "--scope",
        "Static analysis of the published bundle.",
        "--out",
        &format!("draft-{version}.toml"),
    ])
}

fn settings(ws: &Workspace, audit: &str) -> insta::Settings {
    let mut settings = ws.settings();
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    let sha = candor_sign::artifact::sha256_of(&ws.read_bytes(audit));
    settings.add_filter(
        &regex_escape(sha.sha256().unwrap_or_default()),
        "[AUDIT SHA256]",
    );
    if ws.exists("response.dsse.json") {
        let sha = candor_sign::artifact::sha256_of(&ws.read_bytes("response.dsse.json"));
        settings.add_filter(
            &regex_escape(sha.sha256().unwrap_or_default()),
            "[RESPONSE SHA256]",
        );
    }
    settings.add_filter(r"rules sha256:[0-9a-f]{64}", "rules sha256:[RULES]");
    settings.add_filter(r"candor scan \d+\.\d+\.\d+", "candor scan [VERSION]");
    settings
}

/// The draft of a release with the hidden logic: the zone check and the domain list are
/// undeclared, `conditional`'s completeness is contradicted, the API claim confirmed.
fn assert_findings_of_hidden_logic(text: &str) {
    let draft = candor_model::audit::AuditDraft::from_toml(text, "draft-1.0.1.toml")
        .expect("a valid draft");
    let find = |status: &str, category: &str| {
        draft.findings.iter().find(|f| {
            format!("{:?}", f.status).to_lowercase() == status && f.category.as_str() == category
        })
    };
    let zones = find("undeclared", "conditional").expect("the zone check is undeclared");
    assert!(
        zones.values.iter().any(|v| v == "Asia/Shanghai"),
        "{zones:#?}"
    );
    let list = draft
        .findings
        .iter()
        .find(|f| {
            f.values.len() == candor_test::bundle::DOMAINS.len() && f.category.as_str() == "network"
        })
        .expect("the domain list is one undeclared finding");
    let candor_model::audit::Evidence::Static(evidence) = &list.evidence[0] else {
        panic!("static evidence")
    };
    assert_eq!(evidence.chain, ["base64", "xor(0x5b)"]);
    let contradiction =
        find("contradicted", "conditional").expect("the completeness assertion is contradicted");
    assert!(contradiction.contradicts_completeness);
    assert!(
        find("confirmed", "network").is_some(),
        "the API claim is confirmed"
    );
    assert!(draft.manifest.signature_verified);
}

#[test]
fn an_undeclared_finding_a_clean_audit_and_the_vendors_fix() {
    let ws = Workspace::new();
    ws.key("vendor", 1);
    ws.key("auditor", 2);
    release(&ws, "1.0.1", true);
    draft_release(&ws, "1.0.1").success();
    let text = ws.read("draft-1.0.1.toml");
    assert_findings_of_hidden_logic(&text);

    let run = ws.run(&[
        "audit",
        "sign",
        "--key",
        "auditor.key",
        "draft-1.0.1.toml",
        "--out",
        "audit-1.0.1.dsse.json",
    ]);
    run.success();
    settings(&ws, "audit-1.0.1.dsse.json").bind(|| insta::assert_snapshot!("draft", text));

    // The next release removes the logic: a clean audit.
    release(&ws, "1.0.2", false);
    draft_release(&ws, "1.0.2").success();
    let clean = candor_model::audit::AuditDraft::from_toml(&ws.read("draft-1.0.2.toml"), "d")
        .expect("valid");
    assert!(
        clean.findings.iter().all(|f| !matches!(
            f.status,
            candor_model::audit::FindingStatus::Undeclared
                | candor_model::audit::FindingStatus::Contradicted
        )),
        "{:#?}",
        clean.findings
    );

    // The vendor answers the first audit: fixed in 1.0.2.
    ws.run(&[
        "respond",
        "--key",
        "vendor.key",
        "--audit",
        "audit-1.0.1.dsse.json",
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
    let run = ws.run(&[
        "audit",
        "show",
        "manifest-1.0.1.dsse.json",
        "audit-1.0.1.dsse.json",
        "response.dsse.json",
        "--key",
        "vendor.pub",
        "--key",
        "auditor.pub",
    ]);
    run.success();
    settings(&ws, "audit-1.0.1.dsse.json").bind(|| insta::assert_snapshot!("show", run));
    let run = ws.run(&[
        "audit",
        "show",
        "manifest-1.0.1.dsse.json",
        "audit-1.0.1.dsse.json",
        "response.dsse.json",
        "--format",
        "json",
    ]);
    run.success();
    settings(&ws, "audit-1.0.1.dsse.json")
        .bind(|| insta::assert_snapshot!("show-json", run.stdout));
    let json = run.json();
    let answered = json["audits"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["answers"][0]["status"] == "fixed")
        .count();
    assert!(answered >= 3, "{json:#}");
    assert_eq!(json["responses"][0]["signed_by_manifest_signer"], true);
    assert_eq!(json["responses"][0]["signer_check"], "claimed");
}

#[test]
fn bindings_an_attacker_would_test() {
    let ws = Workspace::new();
    ws.key("vendor", 1);
    ws.key("auditor", 2);
    ws.key("mallory", 3);
    release(&ws, "1.0.1", true);

    // A draft against a manifest by another key is refused before anything is scanned.
    let run = ws.run(&[
        "audit",
        "draft",
        "--manifest",
        "manifest-1.0.1.dsse.json",
        "--key",
        "mallory.pub",
        "--artifact",
        "dist/agent-1.0.1.js",
    ]);
    run.code(1);
    assert!(
        run.stderr.contains("no signature by a trusted key"),
        "{run}"
    );
    // An artifact that is not a subject of the manifest.
    ws.write("dist/other.js", "console.log('not the release')");
    let run = ws.run(&[
        "audit",
        "draft",
        "--manifest",
        "manifest-1.0.1.dsse.json",
        "--key",
        "vendor.pub",
        "--artifact",
        "dist/other.js",
    ]);
    run.code(1);
    assert!(
        run.stderr.contains("is not a subject of the manifest"),
        "{run}"
    );

    drafts_and_signatures_bound_to_the_release(&ws);
}

/// Subjects edited in a draft, an unfilled draft, an audit without its manifest, a
/// response by another key than the manifest's.
fn drafts_and_signatures_bound_to_the_release(ws: &Workspace) {
    // Subjects edited in the draft to another artifact: refused at sign time.
    draft_release(ws, "1.0.1").success();
    let other = candor_sign::artifact::digest_bytes(b"console.log('not the release')");
    let text = ws.read("draft-1.0.1.toml");
    let edited = text.replace(
        &candor_sign::artifact::digest_file(&ws.join("dist/agent-1.0.1.js"))
            .expect("digest")
            .sha256()
            .expect("sha256")
            .to_owned(),
        other.sha256().expect("sha256"),
    );
    assert_ne!(edited, text);
    ws.write("edited.toml", edited);
    let run = ws.run(&[
        "audit",
        "sign",
        "--key",
        "auditor.key",
        "edited.toml",
        "--out",
        "bad.dsse.json",
    ]);
    run.code(1);
    assert!(
        run.stderr
            .contains("is not a subject of the manifest it examined"),
        "{run}"
    );
    assert!(!ws.exists("bad.dsse.json"));

    // An unfilled draft names what is missing, located.
    let run = ws.run(&[
        "audit",
        "draft",
        "--manifest",
        "manifest-1.0.1.dsse.json",
        "--untrusted-manifest",
        "--artifact",
        "dist/agent-1.0.1.js",
        "--out",
        "blank.toml",
    ]);
    run.success();
    assert!(ws.read("blank.toml").contains("signature_verified = false"));
    let run = ws.run(&["audit", "sign", "--key", "auditor.key", "blank.toml"]);
    run.code(2);
    assert!(
        run.stderr.contains("auditor.name: empty auditor name"),
        "{run}"
    );

    // Shown alone, an audit says its manifest is not there.
    ws.run(&[
        "audit",
        "sign",
        "--key",
        "auditor.key",
        "draft-1.0.1.toml",
        "--out",
        "audit.dsse.json",
    ])
    .success();
    let run = ws.run(&["audit", "show", "audit.dsse.json"]);
    run.code(1);
    assert!(run.stdout.contains("which is not among the files"), "{run}");

    // A response signed by another key than the manifest's is marked, with keys verified.
    ws.run(&[
        "respond",
        "--key",
        "mallory.key",
        "--audit",
        "audit.dsse.json",
        "--vendor",
        "Acme",
        "--status",
        "disputed",
        "--statement",
        "Nothing to see.",
        "--out",
        "forged.dsse.json",
    ])
    .success();
    let run = ws.run(&[
        "audit",
        "show",
        "manifest-1.0.1.dsse.json",
        "audit.dsse.json",
        "forged.dsse.json",
        "--key",
        "vendor.pub",
        "--key",
        "mallory.pub",
    ]);
    run.code(1);
    assert!(
        run.stdout.contains("NOT the manifest's signer (verified)"),
        "{run}"
    );
}

/// Issue 15: what the scan did not read is an inconclusive finding of the draft, naming
/// each entry and why, so the auditor reviews it instead of signing silence.
#[test]
fn a_draft_names_what_the_scan_did_not_read() {
    let ws = Workspace::new();
    ws.write(
        "package/agent.js",
        "fetch(\"https://api.anthropic.com/v1/messages\");\n",
    );
    std::os::unix::fs::symlink("../../etc/passwd", ws.join("package/link.js")).unwrap();
    let status = std::process::Command::new("tar")
        .args(["cf", "agent-1.0.0.tar", "package"])
        .current_dir(ws.path())
        .status()
        .expect("run tar");
    assert!(status.success());
    let run = ws.run(&[
        "audit",
        "draft",
        "--no-manifest",
        "--tool",
        "agent",
        "--release",
        "1.0.0",
        "--artifact",
        "agent-1.0.0.tar",
        "--out",
        "draft.toml",
    ]);
    run.success();
    let draft = ws.read("draft.toml");
    assert!(
        draft.contains("1 entry of the artifacts was not scanned")
            && draft.contains("agent-1.0.0.tar!package/link.js: "),
        "{draft}"
    );
    assert!(draft.contains("status = \"inconclusive\""), "{draft}");
}
