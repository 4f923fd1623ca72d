//! The scanner on real, popular npm packages at pinned versions (tests/corpus/packages.txt,
//! fetched by tests/corpus/fetch.sh into `$CANDOR_CORPUS`, default
//! `~/.cache/candor-corpus`; skipped with a message when they are not there). Per
//! package: every file has a role, no plain-text indicator of a documentation or
//! declaration file is in the default report, what is set aside adds up, and the table of
//! indicators by role is printed
//! (`cargo test -p candor-cli --test e2e scan_corpus -- --nocapture`).

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::support::{Workspace, repo_root};

/// The corpus tarballs, in packages.txt order, or `None` (with a message) if any is
/// missing.
fn corpus() -> Option<Vec<(String, PathBuf)>> {
    let dir = std::env::var_os("CANDOR_CORPUS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/candor-corpus"),
        PathBuf::from,
    );
    let list = fs_err::read_to_string(repo_root().join("tests/corpus/packages.txt")).unwrap();
    let mut out = Vec::new();
    for line in list
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let spec = line.split_whitespace().next().unwrap();
        let (name, version) = spec.rsplit_once('@').unwrap();
        let file = dir.join(format!(
            "{}-{version}.tgz",
            name.trim_start_matches('@').replace('/', "-")
        ));
        if !file.is_file() {
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!(
                    "skipped: the package corpus is not in {} (run tests/corpus/fetch.sh)\n",
                    dir.display()
                )
                .as_bytes(),
            );
            return None;
        }
        out.push((spec.to_owned(), file));
    }
    Some(out)
}

fn scan(ws: &Workspace, path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scan".to_owned(), path.display().to_string()];
    args.extend(["--format".to_owned(), "json".to_owned()]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let run = ws.run(&args);
    run.success();
    run.json()["reports"][0].clone()
}

#[test]
fn documentation_is_set_aside_on_real_packages() {
    let Some(corpus) = corpus() else { return };
    let ws = Workspace::new();
    let mut table = String::from(
        "package              files (code/install/decl/docs/data)  indicators default / with docs  set aside\n",
    );
    for (spec, path) in &corpus {
        let report = scan(&ws, path, &[]);
        let all = scan(&ws, path, &["--include-docs"]);
        let roles: BTreeMap<&str, &str> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["path"].as_str().unwrap(), f["role"].as_str().unwrap()))
            .collect();
        let count = |role: &str| roles.values().filter(|r| **r == role).count();
        // Markdown is documentation unless its content is executable.
        for (file, role) in &roles {
            if file.to_ascii_lowercase().ends_with(".md") {
                assert_eq!(*role, "docs", "{spec}: {file}");
            }
        }
        let indicators = report["indicators"].as_array().unwrap();
        for i in indicators {
            let file = i["evidence"]["file"].as_str().unwrap();
            let role = roles.get(file).copied().unwrap_or("data");
            // Only what hides in documentation stays: decoded content, obfuscation.
            let hidden = !i["evidence"]["chain"].as_array().unwrap().is_empty()
                || i["category"] == "obfuscation";
            assert!(
                hidden || (role != "docs" && role != "declarations"),
                "{spec}: {file} ({role}) in the default report: {i}"
            );
        }
        let aside: u64 = report["set_aside"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["indicators"].as_u64().unwrap())
            .sum();
        let with_docs = all["indicators"].as_array().unwrap().len() as u64;
        assert_eq!(indicators.len() as u64 + aside, with_docs, "{spec}");
        let _ = writeln!(
            table,
            "{spec:<20} {:>4} {:>4} {:>4} {:>4} {:>4}                  {:>6} / {:<6}          {aside:>6}",
            count("code"),
            count("install-script"),
            count("declarations"),
            count("docs"),
            count("data"),
            indicators.len(),
            with_docs,
        );
        if spec.starts_with("esbuild@") {
            assert_eq!(
                roles["esbuild-0.24.0.tgz!package/install.js"],
                "install-script"
            );
            assert_eq!(report["install_scripts"][0]["hook"], "postinstall");
            assert_eq!(roles["esbuild-0.24.0.tgz!package/bin/esbuild"], "code");
        }
        if spec == "axios@0.27.2" {
            assert!(
                indicators.iter().any(|i| i["kind"] == "env-dynamic"
                    && i["value"].as_str().unwrap().contains("*_proxy")),
                "{spec}: the proxy variable built from the protocol"
            );
        }
        if spec == "axios@1.21.1" {
            assert!(
                !indicators.iter().any(|i| i["kind"] == "process"),
                "{spec}: RegExp.prototype.exec is not a process"
            );
        }
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr(), table.as_bytes());
}

/// A diff of two releases of axios lists changes in code, not in its changelog.
#[test]
fn a_diff_of_real_releases_leaves_the_changelog_out() {
    let Some(corpus) = corpus() else { return };
    let path = |spec: &str| corpus.iter().find(|(s, _)| s == spec).unwrap().1.clone();
    let ws = Workspace::new();
    let old = path("axios@0.27.2").display().to_string();
    let new = path("axios@1.21.1").display().to_string();
    let run = ws.run(&["scan", "--diff", &old, &new, "--format", "json"]);
    run.success();
    let diff = run.json()["diff"].clone();
    let places = |side: &str| -> Vec<String> {
        diff[side]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["evidence"].as_array().unwrap().clone())
            .map(|i| i["evidence"]["file"].as_str().unwrap().to_owned())
            .collect()
    };
    for side in ["added", "removed"] {
        for file in places(side) {
            let lower = file.to_ascii_lowercase();
            assert!(
                ![".md", ".d.ts", ".d.cts"]
                    .iter()
                    .any(|e| lower.ends_with(e)),
                "{side}: {file}"
            );
        }
    }
    let added = diff["added"].as_array().unwrap().len();
    let run = ws.run(&[
        "scan",
        "--diff",
        &old,
        &new,
        "--format",
        "json",
        "--include-docs",
    ]);
    run.success();
    let with_docs = run.json()["diff"]["added"].as_array().unwrap().len();
    assert!(
        added * 5 < with_docs,
        "{added} added, {with_docs} with documentation"
    );
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("axios 0.27.2 -> 1.21.1: {added} added ({with_docs} with documentation)\n")
            .as_bytes(),
    );
}
