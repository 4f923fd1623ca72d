//! `candor manifest generate` as a vendor's release job runs it: a repository with two
//! tagged releases, the second built with DESIGN.md's hidden logic. The gate refuses it
//! and says what to declare; declared, the release passes with its changelog, and the
//! result signs and publishes.

use std::process::Command;

use crate::support::{Workspace, snapshot};

/// Run git in `dir` with a fixed identity and no user configuration.
fn git(ws: &Workspace, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(ws.join("repo"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_COMMITTER_DATE", "2026-06-30T12:00:00Z")
        .env("GIT_AUTHOR_DATE", "2026-06-30T12:00:00Z")
        .args([
            "-c",
            "user.name=Release Bot",
            "-c",
            "user.email=release@acme.example",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn declaration(version: &str, more: &str) -> String {
    let text = candor_test::AGENT_TOML
        .replace("version = \"1.4.0\"", &format!("version = \"{version}\""))
        .replace(
            "pkg:npm/%40acme/agent@1.4.0",
            &format!("pkg:npm/%40acme/agent@{version}"),
        )
        .replace("tag = \"v1.4.0\"\n", "")
        .replace("https://api.acme.example/v1", "https://api.anthropic.com");
    format!("{text}\n{more}")
}

/// Two releases: 1.0.0 clean, 1.0.1 with the hidden logic (declared when `declared`).
fn releases(ws: &Workspace, declared: bool) {
    std::fs::create_dir_all(ws.join("repo")).expect("mkdir");
    git(ws, &["init", "-q", "-b", "main", "."]);
    git(
        ws,
        &["remote", "add", "origin", "https://github.com/acme/agent"],
    );
    ws.write("repo/candor.toml", declaration("1.0.0", ""));
    git(ws, &["add", "-A"]);
    git(ws, &["commit", "-q", "-m", "1.0.0"]);
    git(ws, &["tag", "-a", "v1.0.0", "-m", "release 1.0.0"]);
    let more = if declared {
        candor_test::bundle::CLAIMS_OF_HIDDEN_LOGIC
    } else {
        ""
    };
    ws.write("repo/candor.toml", declaration("1.0.1", more));
    git(ws, &["add", "-A"]);
    git(ws, &["commit", "-q", "-m", "1.0.1"]);
    git(ws, &["tag", "-a", "v1.0.1", "-m", "release 1.0.1"]);
    for (name, hidden) in [("agent-1.0.0.js", false), ("agent-1.0.1.js", true)] {
        let mut text = candor_test::bundle::bundle(64 * 1024, 3, hidden);
        text.push_str("fetch(\"https://api.anthropic.com/v1/messages\");");
        ws.write(&format!("dist/{name}"), text);
    }
}

fn settings(ws: &Workspace) -> insta::Settings {
    let mut settings = ws.settings();
    settings.add_filter(r"\b[0-9a-f]{40}\b", "[COMMIT]");
    settings.add_filter(r"commit [0-9a-f]{12}", "commit [COMMIT]");
    settings.add_filter(
        r"git \d+\.\d+ s, digests \d+\.\d+ s, scan \d+\.\d+ s",
        "git [S], digests [S], scan [S]",
    );
    settings
}

#[test]
fn the_gate_refuses_undeclared_behaviour_and_passes_it_declared() {
    let ws = Workspace::new();
    releases(&ws, false);
    let run = ws.run(&[
        "manifest",
        "generate",
        "--repo",
        "repo",
        "--tag",
        "v1.0.1",
        "--artifact",
        "dist/agent-1.0.1.js=pkg:npm/%40acme/agent@1.0.1",
        "--out",
        "statement.json",
    ]);
    run.code(1);
    assert!(
        !ws.exists("statement.json"),
        "nothing is written when the gate fails"
    );
    settings(&ws).bind(|| insta::assert_snapshot!("gate_fails", run));

    let ws = Workspace::new();
    releases(&ws, true);
    let run = ws.run(&[
        "manifest",
        "generate",
        "--repo",
        "repo",
        "--tag",
        "v1.0.1",
        "--artifact",
        "dist/agent-1.0.1.js=pkg:npm/%40acme/agent@1.0.1",
        "--previous-artifact",
        "dist/agent-1.0.0.js",
        "--notes",
        "NOTES.md",
        "--out",
        "statement.json",
    ]);
    run.success();
    settings(&ws).bind(|| insta::assert_snapshot!("gate_passes", run));
    assert!(
        ws.read("NOTES.md")
            .starts_with("## Behaviour changes in agent 1.0.1 (since 1.0.0)")
    );
    // The JSON report validates against its schema (the harness checks every JSON run).
    ws.run(&[
        "manifest",
        "generate",
        "--repo",
        "repo",
        "--tag",
        "v1.0.1",
        "--artifact",
        "dist/agent-1.0.1.js",
        "--out",
        "again.json",
        "--format",
        "json",
    ])
    .success();
    // Then the rest of the release job: sign, publish.
    ws.key("vendor", 1);
    ws.run(&[
        "sign",
        "--key",
        "vendor.key",
        "statement.json",
        "--out",
        "manifest.dsse.json",
    ])
    .success();
    ws.run(&["publish", "manifest.dsse.json", "--to", "feed"])
        .success();
    let run = ws.run(&[
        "verify-envelope",
        "--key",
        "vendor.pub",
        "--artifact",
        "dist/agent-1.0.1.js",
        "manifest.dsse.json",
    ]);
    run.success();
}

#[test]
fn a_missing_tag_and_a_broken_declaration_at_the_tag_are_input_errors() {
    let ws = Workspace::new();
    releases(&ws, false);
    let run = ws.run(&[
        "manifest",
        "generate",
        "--repo",
        "repo",
        "--tag",
        "v2.0.0",
        "--artifact",
        "dist/agent-1.0.1.js",
    ]);
    run.code(2);
    snapshot!(ws, "generate_no_such_tag", run);
    ws.write(
        "repo/candor.toml",
        "[tool]\nname = \"agent\"\nversion = 2\n",
    );
    git(&ws, &["commit", "-q", "-am", "broken"]);
    git(&ws, &["tag", "v2.0.0"]);
    let run = ws.run(&[
        "manifest",
        "generate",
        "--repo",
        "repo",
        "--tag",
        "v2.0.0",
        "--artifact",
        "dist/agent-1.0.1.js",
    ]);
    run.code(2);
    snapshot!(ws, "generate_broken_declaration", run);
}
