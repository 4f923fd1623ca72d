//! `candor scan --format json|sarif` as a script or a code-scanning upload reads it: the
//! JSON validates against the committed `schemas/scan-*.schema.json`, the SARIF has the
//! shape candor-scan's tests validate against the official SARIF schema, and
//! `--format sarif` is refused by every other command.

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;

use crate::support::{Workspace, assert_schema, snapshot};

/// Two releases: `old/` reads one variable, `new/` also checks the time zone.
fn releases(ws: &Workspace) {
    ws.write("old/cli.js", "const u=process.env.ACME_BASE_URL;\n");
    ws.write(
        "new/cli.js",
        "const u=process.env.ACME_BASE_URL;\
         const tz=Intl.DateTimeFormat().resolvedOptions().timeZone;\
         if(tz===\"Asia/Shanghai\"){t=t.replace(/'/g,\"\\u02BC\")}\n",
    );
}

#[test]
fn json_output_validates_against_the_committed_schemas() {
    let ws = Workspace::new();
    releases(&ws);
    let run = ws.run(&["scan", "old", "new", "--format", "json"]);
    run.success();
    let report = run.json();
    assert_schema(&report, "scan-report.schema.json");
    assert_eq!(report["reports"][1]["input"], "new");

    let run = ws.run(&["scan", "--diff", "old", "new", "--format", "json"]);
    run.success();
    let diff = run.json();
    assert_schema(&diff, "scan-diff.schema.json");
    assert!(!diff["diff"]["added"].as_array().unwrap().is_empty());
}

#[test]
fn human_reports_of_a_scan_and_a_diff() {
    let ws = Workspace::new();
    releases(&ws);
    let run = ws.run(&["scan", "old", "new"]);
    run.success();
    snapshot!(ws, "scan_human", run);
    let run = ws.run(&["scan", "--diff", "old", "new"]);
    run.success();
    snapshot!(ws, "scan_diff_human", run);
}

/// A value found several times is one indicator: `×N`, with its first and last offsets,
/// in the human report; its count, last offset and sampled evidence in the JSON.
#[test]
fn a_repeated_value_is_one_indicator_with_its_occurrences() {
    let ws = Workspace::new();
    let call = "fetch(\"https://collector.other.example/v1\");\n";
    ws.write(
        "rep/cli.js",
        format!("{}const t=process.env.ACME_TOKEN;\n", call.repeat(12)),
    );
    let run = ws.run(&["scan", "rep"]);
    run.success();
    snapshot!(ws, "scan_repeated_human", run);

    let run = ws.run(&["scan", "rep", "--format", "json"]);
    run.success();
    let report = run.json();
    assert_schema(&report, "scan-report.schema.json");
    let indicators = report["reports"][0]["indicators"].as_array().unwrap();
    let url = indicators.iter().find(|i| i["kind"] == "url").unwrap();
    assert_eq!(url["occurrences"], 12);
    assert_eq!(url["evidence"]["offset"], 7);
    assert_eq!(url["last_offset"], 7 + 11 * call.len());
    let more = url["more_evidence"].as_array().unwrap();
    assert_eq!(more.len(), 7, "a sample of 8 in all");
    assert_eq!(more[0]["offset"], 7 + call.len());
    let env = indicators.iter().find(|i| i["kind"] == "env-var").unwrap();
    assert_eq!(env["occurrences"], 1);
    assert!(env.get("more_evidence").is_none(), "{env:#}");
    assert_eq!(report["reports"][0]["capped"], serde_json::json!([]));
}

#[test]
fn sarif_output_is_one_run_of_candor_results() {
    let ws = Workspace::new();
    releases(&ws);
    let run = ws.run(&["scan", "new", "--format", "sarif"]);
    run.success();
    let log = run.json();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["tool"]["driver"]["name"], "candor");
    let results = runs[0]["results"].as_array().unwrap();
    let env = results
        .iter()
        .find(|r| r["ruleId"] == "env-var")
        .unwrap_or_else(|| panic!("no env-var result:\n{run}"));
    assert_eq!(env["level"], "note");
    assert_eq!(env["properties"]["value"], "ACME_BASE_URL");
    let location = &env["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "new/cli.js");
    assert_eq!(location["region"]["byteOffset"], 8);
    let tz = results
        .iter()
        .find(|r| r["ruleId"] == "time-zone")
        .unwrap_or_else(|| panic!("no time-zone result:\n{run}"));
    assert_eq!(tz["level"], "warning");

    // A diff: only what the new release added.
    let run = ws.run(&["scan", "--diff", "old", "new", "--format", "sarif"]);
    run.success();
    let log = run.json();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{run}");
    assert!(results.iter().all(|r| r["baselineState"] == "new"), "{run}");
    assert!(
        !results.iter().any(|r| r["ruleId"] == "env-var"),
        "an unchanged indicator is reported as added:\n{run}"
    );
}

#[test]
fn sarif_errors_leave_stdout_empty() {
    let ws = Workspace::new();
    let run = ws.run(&["scan", "missing", "--format", "sarif"]);
    run.code(2);
    assert_eq!(run.stdout, "", "{run}");
    assert!(run.stderr.contains("cannot scan missing"), "{run}");
}

#[test]
fn other_commands_refuse_format_sarif() {
    let ws = Workspace::new();
    for args in [
        &["key", "generate", "--out", "k.key", "--format", "sarif"][..],
        &["manifest", "validate", "candor.toml", "--format", "sarif"],
        &["--format", "sarif", "sign", "--key", "k.key", "s.json"],
    ] {
        let run = ws.run(args);
        run.code(2);
        assert_eq!(run.stdout, "", "{run}");
        assert!(
            run.stderr
                .contains("--format sarif is only supported by candor scan"),
            "{run}"
        );
    }
    assert!(
        !ws.exists("k.key"),
        "key generate ran despite --format sarif"
    );
}

/// A tarball with one file and everything the scanner refuses to read: two paths that
/// leave the package, two links, two devices, a gzip bomb; and `package/index.js` twice.
fn hostile_tar() -> Vec<u8> {
    fn entry(builder: &mut tar::Builder<Vec<u8>>, path: &str, kind: tar::EntryType, data: &[u8]) {
        let mut header = tar::Header::new_gnu();
        let name = &mut header.as_gnu_mut().unwrap().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    fn link(builder: &mut tar::Builder<Vec<u8>>, path: &str, kind: tar::EntryType, target: &str) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(0);
        builder.append_link(&mut header, path, target).unwrap();
    }
    let mut zeros = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    zeros.write_all(&vec![0u8; 2 << 20]).unwrap();
    let zeros = zeros.finish().unwrap();

    let mut builder = tar::Builder::new(Vec::new());
    let regular = tar::EntryType::Regular;
    entry(
        &mut builder,
        "package/index.js",
        regular,
        b"fetch(\"https://api.acme.example/v1\");\n",
    );
    entry(
        &mut builder,
        "../evil.js",
        regular,
        b"process.env.EVIL_PARENT",
    );
    entry(
        &mut builder,
        "/etc/cron.d/x",
        regular,
        b"process.env.EVIL_ABSOLUTE",
    );
    link(
        &mut builder,
        "package/passwd",
        tar::EntryType::Symlink,
        "/etc/passwd",
    );
    link(
        &mut builder,
        "package/hard",
        tar::EntryType::Link,
        "package/index.js",
    );
    entry(&mut builder, "package/null", tar::EntryType::Char, b"");
    entry(&mut builder, "package/fifo", tar::EntryType::Fifo, b"");
    entry(&mut builder, "package/zeros.bin.gz", regular, &zeros);
    entry(
        &mut builder,
        "package/index.js",
        regular,
        b"process.env.AWS_SECRET_ACCESS_KEY;\n",
    );
    builder.into_inner().unwrap()
}

#[test]
fn a_diff_lists_what_the_new_release_left_unscanned() {
    let ws = Workspace::new();
    fs_err::create_dir_all(ws.join("empty")).unwrap();
    ws.write("hostile-1.0.0.tar", hostile_tar());
    let run = ws.run(&["scan", "--diff", "empty", "hostile-1.0.0.tar"]);
    run.success();
    assert!(
        run.stdout.contains(", 7 newly skipped\n"),
        "the summary does not count what was skipped:\n{run}"
    );
    snapshot!(ws, "scan_diff_skipped_human", run);

    let run = ws.run(&[
        "scan",
        "--diff",
        "empty",
        "hostile-1.0.0.tar",
        "--format",
        "json",
    ]);
    run.success();
    let json = run.json();
    assert_schema(&json, "scan-diff.schema.json");
    let skipped = &json["diff"]["skipped"];
    assert_eq!(skipped["added"].as_array().unwrap().len(), 7, "{json:#}");
    assert_eq!(skipped["new"], skipped["added"]);
    assert_eq!(skipped["old"], serde_json::json!([]));
    assert!(
        skipped["added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == "hostile-1.0.0.tar!../evil.js"),
        "{json:#}"
    );

    // The next release skips the same entries: nothing newly skipped, all still listed.
    ws.write("hostile-1.0.1.tar", hostile_tar());
    let run = ws.run(&["scan", "--diff", "hostile-1.0.0.tar", "hostile-1.0.1.tar"]);
    run.success();
    assert!(
        run.stdout.contains(", 0 newly skipped\n"),
        "entries skipped in both releases counted as new:\n{run}"
    );
    assert!(
        run.stdout.contains("\nstill skipped (7)\n")
            && run
                .stdout
                .contains("  hostile-1.0.1.tar!package/passwd: link entry, never followed"),
        "{run}"
    );

    // SARIF: the skipped entries are the run's notifications.
    let run = ws.run(&[
        "scan",
        "--diff",
        "empty",
        "hostile-1.0.0.tar",
        "--format",
        "sarif",
    ]);
    run.success();
    let log = run.json();
    let notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 7, "{run}");
    assert_eq!(log["runs"][0]["properties"]["diff"]["skipped"]["added"], 7);
}
