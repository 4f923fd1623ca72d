//! Issue 17 through the binary: what each file of a package is for (documentation and
//! declarations set aside, install scripts said first), lines and columns, filters,
//! `--summary`, `--fail-on` exit codes for a scan and a diff, and SARIF that GitHub code
//! scanning places (`startLine`) and Microsoft's SARIF validator accepts under its GitHub
//! rules.

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;

use crate::support::Workspace;

/// A changelog dense with links, as real ones are.
fn changelog() -> String {
    let mut text = String::new();
    for i in 0..40 {
        let _ = writeln!(text, "- fix #{i} (https://github.com/acme/agent/pull/{i})");
    }
    text
}

/// An npm package, unpacked under `dir/package/` and packed into `dir.tgz`: code that
/// reads a variable and calls a host, a postinstall script that downloads, a binary
/// named by `bin`, a changelog and type declarations full of URLs.
fn package(ws: &Workspace, dir: &str, extra_code: &str) {
    ws.write(
        &format!("{dir}/package/package.json"),
        r#"{
  "name": "agent",
  "version": "1.4.0",
  "main": "lib/index.js",
  "bin": {"agent": "bin/agent"},
  "scripts": {"postinstall": "node ./scripts/setup.js", "test": "node test.js"}
}
"#,
    );
    ws.write(
        &format!("{dir}/package/lib/index.js"),
        format!(
            "// the client\nconst base = process.env.ACME_BASE_URL;\n\
             fetch(\"https://api.acme.example/v1\");\n{extra_code}"
        ),
    );
    ws.write(
        &format!("{dir}/package/scripts/setup.js"),
        "require('https').get('https://downloads.acme.example/agent-bin');\n",
    );
    ws.write(
        &format!("{dir}/package/bin/agent"),
        "#!/usr/bin/env node\nrequire('../lib/index.js');\n",
    );
    ws.write(&format!("{dir}/package/CHANGELOG.md"), changelog());
    ws.write(
        &format!("{dir}/package/index.d.ts"),
        "/** See https://docs.acme.example/api */\nexport declare function run(): void;\n",
    );
    let status = Command::new("tar")
        .arg("czf")
        .arg(ws.join(&format!("{dir}.tgz")))
        .arg("-C")
        .arg(ws.join(dir))
        .arg("package")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn documentation_is_set_aside_and_install_scripts_come_first() {
    let ws = Workspace::new();
    package(&ws, "agent", "");
    let run = ws.run(&["scan", "agent.tgz"]);
    run.success();
    let out = &run.stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("scanned agent.tgz: 6 file(s)"),
        "{out}"
    );
    assert_eq!(
        lines[1],
        "runs on install: postinstall `node ./scripts/setup.js` (agent.tgz!package/package.json): \
         agent.tgz!package/scripts/setup.js"
    );
    assert!(
        lines[2].starts_with(
            "set aside: 43 indicator(s) in 2 documentation or declaration file(s), not listed \
             (--include-docs lists them"
        ),
        "{out}"
    );
    assert!(!out.contains("github.com"), "{out}");
    assert!(!out.contains("docs.acme.example"), "{out}");
    // The download the install script makes is marked as such, with its line and column.
    assert!(
        out.contains("agent.tgz!package/scripts/setup.js:1:23 @22  plain  (runs on install)"),
        "{out}"
    );
    assert!(
        out.contains("agent.tgz!package/lib/index.js:3:8 @"),
        "{out}"
    );

    let run = ws.run(&["scan", "agent.tgz", "--include-docs"]);
    run.success();
    assert!(run.stdout.contains("github.com  ×40"), "{}", run.stdout);
    assert!(run.stdout.contains("docs.acme.example"), "{}", run.stdout);
    assert!(!run.stdout.contains("set aside"), "{}", run.stdout);

    let run = ws.run(&["scan", "agent.tgz", "--format", "json"]);
    run.success();
    let report = &run.json()["reports"][0];
    let role = |name: &str| {
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == format!("agent.tgz!package/{name}"))
            .map(|f| f["role"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(role("lib/index.js"), "code");
    assert_eq!(role("bin/agent"), "code");
    assert_eq!(role("scripts/setup.js"), "install-script");
    assert_eq!(role("CHANGELOG.md"), "docs");
    assert_eq!(role("index.d.ts"), "declarations");
    assert_eq!(role("package.json"), "data");
    assert_eq!(report["install_scripts"][0]["hook"], "postinstall");
    let aside = report["set_aside"].as_array().unwrap();
    assert_eq!(aside.len(), 2);
    assert_eq!(aside[0]["path"], "agent.tgz!package/CHANGELOG.md");
    assert_eq!(aside[0]["indicators"], 41);
    let url = report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["value"] == "https://api.acme.example/v1")
        .unwrap();
    assert_eq!(
        (&url["evidence"]["line"], &url["evidence"]["column"]),
        (&3.into(), &8.into())
    );
}

/// A README is set aside for its plain text only: what hides in it (here a base64 domain
/// list) is in the default report, since documentation has nothing to hide.
#[test]
fn what_hides_in_documentation_is_not_set_aside() {
    let ws = Workspace::new();
    let hidden =
        base64::engine::general_purpose::STANDARD.encode(b"jd.com,qq.com,collect.evilcdn.com");
    ws.write(
        "pkg/package/README.md",
        format!("# agent\nSee https://docs.acme.example/guide\n\n<!-- {hidden} -->\n"),
    );
    ws.write("pkg/package/index.js", "module.exports = 1;\n");
    let run = ws.run(&["scan", "pkg", "--format", "json"]);
    run.success();
    let report = &run.json()["reports"][0];
    let shown: Vec<String> = report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        shown.iter().any(|v| v == "collect.evilcdn.com"),
        "{shown:?}"
    );
    assert!(
        !shown.iter().any(|v| v.contains("docs.acme.example")),
        "{shown:?}"
    );
    assert_eq!(report["set_aside"][0]["path"], "package/README.md");
}

#[test]
fn filters_and_the_per_file_summary() {
    let ws = Workspace::new();
    package(&ws, "agent", "");
    let values = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["scan", "agent.tgz", "--format", "json"];
        all.extend_from_slice(args);
        let run = ws.run(&all);
        run.success();
        run.json()["reports"][0]["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                format!(
                    "{} {}",
                    i["kind"].as_str().unwrap(),
                    i["value"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(values(&["--category", "env"]), ["env-var ACME_BASE_URL"]);
    let without_scripts = values(&["--exclude", "package/scripts/*"]);
    assert!(
        !without_scripts.iter().any(|v| v.contains("downloads")),
        "{without_scripts:?}"
    );
    assert!(
        without_scripts
            .iter()
            .any(|v| v.contains("api.acme.example"))
    );
    // Base names match too.
    assert!(
        !values(&["--exclude", "setup.js"])
            .iter()
            .any(|v| v.contains("downloads"))
    );
    // Network is medium, a variable low: at least medium keeps the URLs, not the variable.
    let medium = values(&["--min-severity", "medium"]);
    assert!(medium.iter().any(|v| v.starts_with("url ")), "{medium:?}");
    assert!(
        !medium.iter().any(|v| v.starts_with("env-var")),
        "{medium:?}"
    );

    let run = ws.run(&["scan", "agent.tgz", "--summary"]);
    run.success();
    let line = |name: &str| {
        run.stdout
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("agent.tgz!package/{name} "))
            })
            .unwrap_or_else(|| panic!("{}", run.stdout))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("lib/index.js"), "code 3 network 2, env 1");
    assert_eq!(line("CHANGELOG.md"), "docs 0 41 set aside");
    assert_eq!(line("scripts/setup.js"), "install-script 2 network 2");
    let run = ws.run(&["scan", "agent.tgz", "--summary", "--format", "json"]);
    run.success();
    assert!(
        run.json()["reports"][0]["indicators"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let run = ws.run(&["scan", "agent.tgz", "--min-severity", "severe"]);
    run.code(2);
    assert!(run.stderr.contains("unknown severity \"severe\""), "{run}");
}

#[test]
fn fail_on_sets_the_exit_code_of_a_scan_and_a_diff() {
    let ws = Workspace::new();
    package(&ws, "old", "");
    package(
        &ws,
        "new",
        "if (Intl.DateTimeFormat().resolvedOptions().timeZone === \"Asia/Shanghai\") {}\n",
    );
    // A scan: conditional behaviour is found in the new release only.
    ws.run(&["scan", "old.tgz", "--fail-on", "conditional"])
        .success();
    let run = ws.run(&["scan", "new.tgz", "--fail-on", "conditional"]);
    run.code(1);
    assert!(
        run.stderr
            .starts_with("fail-on conditional: 4 match(es), the first locale-api "),
        "{run}"
    );
    assert!(
        run.stdout.starts_with("scanned new.tgz"),
        "the report is still printed"
    );
    ws.run(&["scan", "old.tgz", "--fail-on", "critical"])
        .success();
    ws.run(&["scan", "old.tgz", "--fail-on", "network"]).code(1);

    // A diff fails on what was added, not on what both releases have.
    ws.run(&[
        "scan",
        "--diff",
        "old.tgz",
        "new.tgz",
        "--fail-on",
        "network",
    ])
    .success();
    let run = ws.run(&["scan", "--diff", "old.tgz", "new.tgz", "--fail-on", "high"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("fail-on high: 4 match(es), the first time-zone Asia/Shanghai"),
        "{run}"
    );
    ws.run(&["scan", "--diff", "old.tgz", "old.tgz", "--fail-on", "added"])
        .success();
    ws.run(&["scan", "--diff", "old.tgz", "new.tgz", "--fail-on", "added"])
        .code(1);
    // `added` means nothing without a diff.
    let run = ws.run(&["scan", "old.tgz", "--fail-on", "added"]);
    run.code(2);
    assert!(run.stderr.contains("--fail-on added needs --diff"), "{run}");

    // Skipped entries: a link in a directory.
    ws.write("linked/cli.js", "console.log(1)\n");
    std::os::unix::fs::symlink("/etc/passwd", ws.join("linked/passwd")).unwrap();
    let run = ws.run(&["scan", "linked", "--fail-on", "skipped"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("fail-on skipped: 1 match(es), the first passwd: "),
        "{run}"
    );
    ws.write("plain/cli.js", "console.log(1)\n");
    ws.run(&["scan", "--diff", "linked", "linked", "--fail-on", "skipped"])
        .success();
    ws.run(&["scan", "--diff", "plain", "linked", "--fail-on", "skipped"])
        .code(1);
}

/// Every result of a text file has its line and column; of a binary file, line 1.
#[test]
fn sarif_results_carry_start_lines() {
    let ws = Workspace::new();
    package(&ws, "agent", "");
    let elf = fs_err::read("/usr/bin/env").unwrap();
    ws.write("bin/env", elf);
    let run = ws.run(&["scan", "agent.tgz", "bin/env", "--format", "sarif"]);
    run.success();
    let sarif = run.json();
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let mut text = 0;
    let mut binary = 0;
    for result in run0["results"].as_array().unwrap() {
        for location in result["locations"].as_array().unwrap() {
            let region = &location["physicalLocation"]["region"];
            let line = region["startLine"].as_u64().unwrap();
            if result["properties"]["file"]
                .as_str()
                .unwrap()
                .starts_with("agent.tgz!")
            {
                assert!(region["startColumn"].as_u64().unwrap() >= 1, "{result:#}");
                text += 1;
            } else {
                assert_eq!(line, 1, "{result:#}");
                assert!(region.get("startColumn").is_none(), "{result:#}");
                binary += 1;
            }
        }
    }
    assert!(text > 0 && binary > 0, "{text} {binary}");
    for rule in run0["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(
            rule["help"]["text"].as_str().unwrap().len() > 40,
            "{rule:#}"
        );
    }
    validate_with_sarif_multitool(&ws, &sarif, "scan");

    package(&ws, "new", "const tz = process.env.TZ;\n");
    let run = ws.run(&[
        "scan",
        "--diff",
        "agent.tgz",
        "new.tgz",
        "--format",
        "sarif",
    ]);
    run.success();
    validate_with_sarif_multitool(&ws, &run.json(), "diff");
}

/// Validate `sarif` with Microsoft's SARIF multitool under its SARIF and GitHub rules
/// (`CANDOR_SARIF_MULTITOOL`, the `Sarif.Multitool` binary of npm's
/// `@microsoft/sarif-multitool-linux`, which .ci/run installs): no error, no warning.
fn validate_with_sarif_multitool(ws: &Workspace, sarif: &serde_json::Value, name: &str) {
    let Some(tool) = std::env::var_os("CANDOR_SARIF_MULTITOOL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CANDOR_SARIF_MULTITOOL is not set, but CI is: .ci/run installs the validator"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"skipped: SARIF multitool validation (set CANDOR_SARIF_MULTITOOL to the \
              Sarif.Multitool binary of npm @microsoft/sarif-multitool-linux)\n",
        );
        return;
    };
    let input = ws.join(&format!("{name}.sarif"));
    fs_err::write(&input, serde_json::to_vec_pretty(sarif).unwrap()).unwrap();
    let output = ws.join(&format!("{name}.validation.sarif"));
    let run = Command::new(&tool)
        .args(["validate", "--rule-kind", "Gh;Sarif", "--output"])
        .arg(&output)
        .arg(&input)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}: {printed}",
        Path::new(&tool).display()
    );
    let validation: serde_json::Value =
        serde_json::from_slice(&fs_err::read(&output).unwrap()).unwrap();
    let problems: Vec<String> = validation["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        // A result without a level is a warning (SARIF 3.27.10).
        .filter(|r| !matches!(r["level"].as_str(), Some("note" | "none")))
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect();
    assert!(problems.is_empty(), "{name}: {problems:#?}\n{printed}");
}

/// `scan --manifest`: which indicators the vendor's signed manifest covers, by which
/// claim, and which it does not; the signature checked with `--key` or said unchecked.
#[test]
fn scan_against_a_manifest_shows_what_it_covers() {
    let ws = Workspace::new();
    ws.release();
    ws.key("vendor", 7);
    ws.key("other", 8);
    ws.sign(&["vendor"], "manifest.dsse.json");
    ws.write(
        "build/agent.js",
        "fetch(\"https://api.acme.example/v1\");\nfetch(\"https://telemetry.other.example/t\");\n",
    );
    let run = ws.run(&[
        "scan",
        "build/agent.js",
        "--manifest",
        "manifest.dsse.json",
        "--key",
        "vendor.pub",
    ]);
    run.success();
    let out = &run.stdout;
    assert!(
        out.contains("\nmanifest manifest.dsse.json (agent 1.4.0, signature checked)\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "  covered by a claim (1)\n    network.api: https://api.acme.example/v1, api.acme.example\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  not covered (1)\n    network: ") && out.contains("telemetry.other.example"),
        "{out}"
    );

    let run = ws.run(&[
        "scan",
        "build/agent.js",
        "--manifest",
        "manifest.dsse.json",
        "--key",
        "vendor.pub",
        "--format",
        "json",
    ]);
    run.success();
    let matched = &run.json()["manifest"];
    assert_eq!(matched["signature_checked"], true);
    assert_eq!(matched["claims"][0]["claim"], "network.api");
    assert_eq!(matched["uncovered"][0]["category"], "network");

    // The wrong key: the manifest is rejected, nothing is matched.
    let run = ws.run(&[
        "scan",
        "build/agent.js",
        "--manifest",
        "manifest.dsse.json",
        "--key",
        "other.pub",
    ]);
    assert_ne!(run.code, 0, "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    // No key: a usage error; read without checking only when asked, and said so.
    let run = ws.run(&["scan", "build/agent.js", "--manifest", "manifest.dsse.json"]);
    run.code(2);
    assert!(
        run.stderr
            .contains("no vendor key given to check --manifest with"),
        "{run}"
    );
    let run = ws.run(&[
        "scan",
        "build/agent.js",
        "--manifest",
        "manifest.dsse.json",
        "--untrusted-manifest",
    ]);
    run.success();
    assert!(run.stdout.contains("signature NOT checked"), "{run}");
}
