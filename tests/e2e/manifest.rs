//! `candor manifest init|validate|statement`.

use crate::support::{
    AGENT_TOML, Run, SCRIPT, SCRIPT_CONTENT, SCRIPT_SHA256, SCRIPT_SHA512, TARBALL,
    TARBALL_CONTENT, TARBALL_SHA256, TARBALL_SHA512, Workspace, snapshot,
};

const TEMPLATE: &str = include_str!("../../crates/candor-release/templates/candor.toml");

/// A declaration that parses but breaks five rules, in five places.
const BROKEN_TOML: &str = r#"[tool]
name = "agent"
version = "1.4.0"
purl = "pkg:npm/agent@1.3.0"

[vendor]
name = " "

[source]
repository = ""

[completeness]
exhaustive = ["network", "network"]

[[claims.network]]
id = "network.api"
endpoint = "https://api.acme.example/v1"
purpose = "the API"

[[claims.network]]
id = "network.api"
endpoint = "https://api2.acme.example/v1"
purpose = "the other API"
"#;

#[test]
fn init_writes_the_template_and_it_validates() {
    let ws = Workspace::new();
    let run = ws.run(&["manifest", "init"]);
    run.success();
    assert_eq!(ws.read("candor.toml"), TEMPLATE);
    snapshot!(ws, "init", run);

    let run = ws.run(&["manifest", "validate", "candor.toml"]);
    run.success();
    assert!(
        run.stdout
            .starts_with("candor.toml: valid behaviour manifest for my-tool 0.1.0\n"),
        "{run}"
    );
    snapshot!(ws, "validate_template", run);

    let run = ws.run(&["manifest", "validate", "candor.toml", "--format", "json"]);
    run.success();
    let json = run.json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["errors"], serde_json::json!([]));
    snapshot!(ws, "validate_template_json", run);
}

#[test]
fn init_out_and_json() {
    let ws = Workspace::new();
    let run = ws.run(&[
        "manifest",
        "init",
        "--out",
        "agent.toml",
        "--format",
        "json",
    ]);
    run.success();
    assert_eq!(
        run.json(),
        serde_json::json!({ "ok": true, "written": "agent.toml" })
    );
    assert_eq!(ws.read("agent.toml"), TEMPLATE);
    assert!(!ws.exists("candor.toml"));
}

#[test]
fn init_refuses_to_overwrite() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    let run = ws.run(&["manifest", "init"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: candor.toml already exists\nhint: pass --force to replace it\n"
    );
    assert_eq!(ws.read("candor.toml"), AGENT_TOML, "the file is untouched");
    snapshot!(ws, "init_refuses_overwrite", run);

    ws.run(&["manifest", "init", "--force"]).success();
    assert_eq!(ws.read("candor.toml"), TEMPLATE);
}

#[test]
fn validate_a_full_declaration() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    let run = ws.run(&["manifest", "validate", "candor.toml"]);
    run.success();
    snapshot!(ws, "validate_agent", run);
}

#[test]
fn validate_reports_every_error_at_once() {
    let ws = Workspace::new();
    ws.write("bad.toml", BROKEN_TOML);
    let run = ws.run(&["manifest", "validate", "bad.toml"]);
    run.code(1);
    assert_eq!(run.stdout.lines().count(), 5, "{run}");
    for line in run.stdout.lines() {
        assert!(line.starts_with("bad.toml:"), "{line}");
    }
    assert_eq!(run.stderr, "bad.toml: invalid (5 errors)\n");
    snapshot!(ws, "validate_errors", run);
}

/// Issue 16: one run reports every mistake (a misspelt field used to hide everything
/// after it), each at `file:line:column`, with "did you mean" for a misspelt field name,
/// category or claim id, and nothing suggested that is not close.
#[test]
fn validate_reports_every_error_in_one_run_with_did_you_mean() {
    let ws = Workspace::new();
    ws.write(
        "typos.toml",
        r#"[tool]
name = "agent"
version = "1.4.0"
vnedor = "Acme"

[vendor]
name = "Acme"

[source]
repository = "https://github.com/acme/agent"

[completeness]
exhaustive = ["netwrok"]

[[claims.network]]
id = "network.api"
endpoint = "https://api.acme.example/v1"
purpsoe = "the API"

[[claims.telemtry]]
id = "telemetry.usage"

[[claims.filesystem]]
id = "filesytem.cache"
path = "~/.cache/agent"
access = ["read"]
purpose = "cache"

[[claims.identifiers]]
id = "identifiers.install-id"
identifier = "install id"
purpose = ""
sent_via = ["network.apj"]
"#,
    );
    let run = ws.run(&["manifest", "validate", "typos.toml"]);
    run.code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{run}");
    // Each names the file, line and column, in document order.
    let located: Vec<&str> = lines
        .iter()
        .map(|line| line.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        located,
        [
            "typos.toml:4:1",
            "typos.toml:13:15",
            "typos.toml:15:1",
            "typos.toml:18:1",
            "typos.toml:20:10",
            "typos.toml:24:6",
            "typos.toml:32:11",
            "typos.toml:33:13",
        ],
        "{run}"
    );
    let suggested = |line: &str| {
        let (_, rest) = line.split_once("did you mean ")?;
        Some(
            rest.split_once('?')
                .map_or(rest, |(word, _)| word)
                .to_owned()
                + "?",
        )
    };
    let suggestions: Vec<Option<String>> = lines.iter().map(|l| suggested(l)).collect();
    assert_eq!(
        suggestions,
        [
            None,                              // `vnedor` is close to no field of [tool]
            Some("`network`?".to_owned()),     // a category in `exhaustive`
            None,                              // `purpose` missing (`purpsoe` below) …
            Some("`purpose`?".to_owned()),     // … a field name
            Some("`telemetry`?".to_owned()),   // a category's table
            Some("`filesystem`?".to_owned()),  // the category of a claim id
            None,                              // a rule: an empty purpose
            Some("`network.api`?".to_owned()), // a claim id referred to
        ],
        "{run}"
    );
    assert_eq!(run.stderr, "typos.toml: invalid (8 errors)\n");
    snapshot!(ws, "validate_every_error_with_suggestions", run);
}

#[test]
fn validate_errors_as_json() {
    let ws = Workspace::new();
    ws.write("bad.toml", BROKEN_TOML);
    let run = ws.run(&["manifest", "validate", "bad.toml", "--format", "json"]);
    run.code(1);
    assert_eq!(run.stderr, "");
    let json = run.json();
    assert_eq!(json["file"], "bad.toml");
    assert_eq!(json["valid"], false);
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 5);
    let lines: Vec<u64> = errors.iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 7, 10, 13, 21], "in document order");
    for error in errors {
        assert_eq!(error["file"], "bad.toml");
        assert!(error["column"].as_u64().unwrap() >= 1);
        assert!(error["message"].as_str().unwrap().contains("expected"));
    }
    snapshot!(ws, "validate_errors_json", run);
}

#[test]
fn validate_reports_type_errors_with_line_and_column() {
    let ws = Workspace::new();
    ws.write(
        "bad.toml",
        AGENT_TOML.replace("version = \"1.4.0\"", "version = 14"),
    );
    let run = ws.run(&["manifest", "validate", "bad.toml"]);
    run.code(1);
    assert!(run.stdout.starts_with("bad.toml:3:"), "{run}");
    assert_eq!(run.stderr, "bad.toml: invalid (1 error)\n");
    snapshot!(ws, "validate_type_error", run);
}

#[test]
fn validate_a_missing_file_is_an_input_error() {
    let ws = Workspace::new();
    let run = ws.run(&["manifest", "validate", "missing.toml"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{run}");
    assert!(run.stderr.contains("missing.toml"), "{run}");
    snapshot!(ws, "validate_missing", run);

    let run = ws.run(&["manifest", "validate", "missing.toml", "--format", "json"]);
    run.code(2);
    let json = run.json();
    assert_eq!(json["ok"], false);
    assert_eq!(json["error"]["kind"], "not-found");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing.toml")
    );
}

#[test]
fn statement_digests_artifacts_and_names_them() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    ws.write(TARBALL, TARBALL_CONTENT);
    ws.write(SCRIPT, SCRIPT_CONTENT);
    let run = ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        TARBALL,
        "--artifact",
        &format!("{SCRIPT}=pkg:npm/%40acme/agent@1.4.0"),
    ]);
    run.success();
    // The tarball's subject name was made up, and the note says so.
    assert_eq!(
        run.stderr,
        format!(
            "note: {TARBALL} is subject pkg:generic/agent-1.4.0.tgz@1.4.0 (no package URL \
             given: the generic form of its file name and the release; name it with \
             --artifact {TARBALL}=pkg:TYPE/NAME@VERSION)\n"
        )
    );
    let json = run.json();
    assert_eq!(json["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        json["predicateType"],
        "https://candor.dev/attestation/manifest/v1"
    );
    assert_eq!(
        json["subject"],
        serde_json::json!([
            {
                "name": "pkg:generic/agent-1.4.0.tgz@1.4.0",
                "digest": { "sha256": TARBALL_SHA256, "sha512": TARBALL_SHA512 },
            },
            {
                "name": "pkg:npm/%40acme/agent@1.4.0",
                "digest": { "sha256": SCRIPT_SHA256, "sha512": SCRIPT_SHA512 },
            },
        ])
    );
    snapshot!(ws, "statement", run.stdout);
}

#[test]
fn statement_out_writes_the_file() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    ws.write(TARBALL, TARBALL_CONTENT);
    let printed = ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        TARBALL,
    ]);
    printed.success();

    let run = ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        TARBALL,
        "--out",
        "statement.json",
    ]);
    run.success();
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.ends_with("wrote statement.json (1 subject)\n"),
        "{run}"
    );
    assert_eq!(ws.read("statement.json"), printed.stdout);
    snapshot!(ws, "statement_out", run);
}

#[test]
fn statement_without_artifacts_is_refused_with_a_hint() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    let run = ws.run(&["manifest", "statement", "candor.toml"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("\nhint: "), "{run}");
    snapshot!(ws, "statement_no_artifacts", run);
}

#[test]
fn statement_with_a_bad_purl_is_refused() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    ws.write(TARBALL, TARBALL_CONTENT);
    let run = ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        &format!("{TARBALL}=npm:agent"),
    ]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: --artifact dist/agent-1.4.0.tgz=npm:agent: invalid package URL"),
        "{run}"
    );
    snapshot!(ws, "statement_bad_purl", run);
}

#[test]
fn statement_with_a_missing_artifact_is_an_input_error() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    let run = ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        TARBALL,
    ]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: cannot digest artifact dist/agent-1.4.0.tgz\n"),
        "{run}"
    );
}

#[test]
fn statement_of_an_invalid_declaration_points_to_validate() {
    let ws = Workspace::new();
    ws.write("bad.toml", BROKEN_TOML);
    ws.write(TARBALL, TARBALL_CONTENT);
    let run =
        Run::of(
            ws.candor()
                .args(["manifest", "statement", "bad.toml", "--artifact", TARBALL]),
        );
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .ends_with("hint: run `candor manifest validate bad.toml` for details\n"),
        "{run}"
    );
    snapshot!(ws, "statement_invalid_declaration", run);
}

/// Issue 16: a package URL for another version than the declaration's is refused, and a
/// subject name candor makes up is announced with the way to give one.
#[test]
fn statement_refuses_a_package_url_of_another_version_and_names_its_choices() {
    let ws = Workspace::new();
    ws.write("candor.toml", AGENT_TOML);
    ws.write(TARBALL, TARBALL_CONTENT);
    ws.write(SCRIPT, SCRIPT_CONTENT);
    let contradiction = format!("{TARBALL}=pkg:npm/%40acme/agent@2.0.0");
    let run = ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        &contradiction,
    ]);
    run.code(2);
    assert!(
        run.stderr.contains(&format!(
            "--artifact {contradiction}: the package URL names version 2.0.0, but the declaration is for version 1.4.0; expected `@1.4.0`"
        )),
        "{run}"
    );
    let named = format!("{TARBALL}=pkg:npm/%40acme/agent@1.4.0");
    let run = ws.run(&[
        "manifest",
        "statement",
        "candor.toml",
        "--artifact",
        &named,
        "--artifact",
        SCRIPT,
        "--out",
        "statement.json",
    ]);
    run.success();
    assert!(
        run.stderr.contains(&format!(
            "note: {SCRIPT} is subject pkg:generic/agent.js@1.4.0 (no package URL given"
        )) && !run.stderr.contains(&format!("note: {TARBALL}")),
        "{run}"
    );
}
