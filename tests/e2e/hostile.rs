//! Hostile inputs to the document readers (issue 15): enormous error counts, enormous
//! values quoted in messages. Each asserts on what the user sees and bounds what is printed.

use std::time::{Duration, Instant};

use crate::support::{AGENT_TOML, Workspace};

/// Generous: the linear checks take well under a second in a release build; a debug
/// build with the old quadratic check took minutes.
const GENEROUS: Duration = Duration::from_secs(60);

/// `AGENT_TOML` with its `exhaustive` list replaced by `n` copies of "network".
fn with_repeated_exhaustive(n: usize) -> String {
    let start = AGENT_TOML
        .find("exhaustive = [")
        .expect("the fixture declares exhaustive categories");
    let end = start + AGENT_TOML[start..].find(']').expect("the list ends");
    let list = vec!["\"network\""; n].join(",");
    format!(
        "{}exhaustive = [{list}{}",
        &AGENT_TOML[..start],
        &AGENT_TOML[end..]
    )
}

#[test]
fn a_hundred_thousand_repeated_exhaustive_categories_are_checked_quickly_and_reported_capped() {
    let ws = Workspace::new();
    ws.write("candor.toml", with_repeated_exhaustive(100_000));
    let started = Instant::now();
    let run = ws.run(&["manifest", "validate", "candor.toml"]);
    assert!(started.elapsed() < GENEROUS, "took {:?}", started.elapsed());
    run.code(1);
    // Every repetition but the first is an error; the first 100 are listed.
    let listed = run
        .stdout
        .lines()
        .filter(|l| l.contains("listed twice"))
        .count();
    assert_eq!(listed, 100, "{}", &run.stdout[..2000.min(run.stdout.len())]);
    assert!(
        run.stdout.ends_with("… and 99899 more errors not shown\n"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(300)..]
    );
    assert!(
        run.stderr
            .contains("candor.toml: invalid (99999 errors; the first 100 shown)"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.len() < 64 * 1024, "{} bytes", run.stdout.len());

    let run = ws.run(&["--format", "json", "manifest", "validate", "candor.toml"]);
    let json = run.json();
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(100));
    assert_eq!(json["more_errors"], 99_899);
}

#[test]
fn ten_thousand_duplicate_claim_ids_are_located_quickly_and_reported_capped() {
    let ws = Workspace::new();
    let claim =
        "\n[[claims.env]]\nid = \"env.dup\"\nvariable = \"ACME_DUP\"\npurpose = \"a duplicate\"\n";
    ws.write(
        "candor.toml",
        format!("{AGENT_TOML}{}", claim.repeat(10_000)),
    );
    let started = Instant::now();
    let run = ws.run(&["manifest", "validate", "candor.toml"]);
    assert!(started.elapsed() < GENEROUS, "took {:?}", started.elapsed());
    run.code(1);
    let first = run.stdout.lines().next().expect("an error line");
    assert!(
        first.contains("duplicate claim id `env.dup`") && first.starts_with("candor.toml:"),
        "{first}"
    );
    assert!(
        run.stderr
            .contains("invalid (9999 errors; the first 100 shown)"),
        "{}",
        run.stderr
    );
}

/// The fixture's Statement (made by `candor manifest statement`) with `edit` applied.
fn statement_with(ws: &Workspace, edit: impl FnOnce(&mut serde_json::Value)) {
    ws.release();
    let mut statement: serde_json::Value =
        serde_json::from_str(&ws.read("statement.json")).expect("a JSON Statement");
    edit(&mut statement);
    ws.write("hostile.json", statement.to_string());
}

#[test]
fn a_ten_megabyte_value_is_quoted_in_a_few_hundred_bytes() {
    let huge = "x".repeat(10_000_000);
    for (what, edit) in [
        (
            "predicateType",
            Box::new(|s: &mut serde_json::Value| s["predicateType"] = huge.clone().into())
                as Box<dyn Fn(&mut serde_json::Value)>,
        ),
        (
            "subject name",
            Box::new(|s: &mut serde_json::Value| s["subject"][0]["name"] = huge.clone().into()),
        ),
        (
            "digest",
            Box::new(|s: &mut serde_json::Value| {
                s["subject"][0]["digest"] = serde_json::json!({ "sha256": huge.clone() });
            }),
        ),
    ] {
        let ws = Workspace::new();
        statement_with(&ws, |s| edit(s));
        ws.key("vendor", 1);
        let run = ws.run(&[
            "sign",
            "hostile.json",
            "--key",
            "vendor.key",
            "--out",
            "x.dsse.json",
        ]);
        run.code(2);
        assert!(
            run.stderr.len() < 4096,
            "{what}: {} bytes on stderr",
            run.stderr.len()
        );
        assert!(
            run.stderr.contains("not a valid candor Statement")
                && run.stderr.contains("more bytes)"),
            "{what}: {}",
            run.stderr
        );
        let run = ws.run(&[
            "--format",
            "json",
            "sign",
            "hostile.json",
            "--key",
            "vendor.key",
            "--out",
            "x.dsse.json",
        ]);
        run.code(2);
        assert!(
            run.stdout.len() < 8192,
            "{what}: {} bytes of JSON",
            run.stdout.len()
        );
        assert!(!ws.exists("x.dsse.json"), "{what}: nothing is written");
    }
}

#[test]
fn a_private_key_readable_by_others_is_used_with_a_warning_naming_the_fix() {
    use std::os::unix::fs::PermissionsExt as _;
    let ws = Workspace::new();
    ws.release();
    ws.key("vendor", 1);
    for mode in [0o644, 0o666, 0o640] {
        fs_err::set_permissions(ws.join("vendor.key"), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
        let run = ws.run(&[
            "sign",
            "statement.json",
            "--key",
            "vendor.key",
            "--out",
            "s.dsse.json",
            "--force",
        ]);
        run.code(0);
        assert!(
            run.stderr.contains(&format!(
                "warning: vendor.key: the private key is readable or writable by group or others (mode {mode:04o})"
            )) && run.stderr.contains("hint: chmod 600 vendor.key"),
            "{mode:o}: {run}"
        );
    }
    fs_err::set_permissions(
        ws.join("vendor.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    let run = ws.run(&[
        "sign",
        "statement.json",
        "--key",
        "vendor.key",
        "--out",
        "s.dsse.json",
        "--force",
    ]);
    assert!(!run.stderr.contains("warning"), "{run}");
}
