//! Occurrences aggregated per value, and the cap on distinct values per file: what a
//! report keeps of a value found many times, what the consumers of a report (diff,
//! coverage, SARIF, the JSON schemas) make of it, and that padding a file past the cap
//! does not hide what is encoded in it.

use std::fmt::Write as _;

use candor_model::manifest::Declaration;
use candor_scan::coverage::{cover, places};
use candor_scan::schema::{self, DiffOutput, ScanOutput};
use candor_scan::{Kind, MAX_DISTINCT_PER_FILE, MAX_PLAIN_PER_FILE, MAX_SAMPLE, scan_path};
use candor_test::bundle::{DOMAINS, planted};

use crate::support::scanner;

const URL: &str = "https://collector.other.example/v1";

/// `count` calls of [`URL`] (a host the test declaration does not claim), one a line.
fn calls(count: usize) -> String {
    (0..count).fold(String::new(), |mut out, i| {
        let _ = writeln!(out, "fetch(\"{URL}\",{{n:{i}}});");
        out
    })
}

#[test]
fn a_value_found_many_times_is_one_indicator_per_file_and_chain() {
    let dir = tempfile::tempdir().unwrap();
    let text = calls(50);
    fs_err::write(dir.path().join("a.js"), &text).unwrap();
    fs_err::write(dir.path().join("b.js"), calls(3)).unwrap();
    let report = scan_path(&scanner(), dir.path()).unwrap();
    let urls: Vec<_> = report
        .indicators
        .iter()
        .filter(|i| i.kind == Kind::Url && i.value == URL)
        .collect();
    assert_eq!(urls.len(), 2, "one per file: {urls:#?}");
    let a = urls[0];
    assert_eq!(a.evidence.file, "a.js");
    assert_eq!(a.occurrences, 50);
    let offsets: Vec<u64> = text.match_indices(URL).map(|(at, _)| at as u64).collect();
    assert_eq!(a.evidence.offset, offsets[0]);
    assert_eq!(a.last_offset, offsets[49]);
    let sampled: Vec<u64> = a.samples().map(|e| e.offset).collect();
    assert_eq!(sampled, offsets[..MAX_SAMPLE]);
    assert!(
        a.samples()
            .all(|e| e.excerpt.contains(URL) && e.file == "a.js")
    );
    assert_eq!(a.unsampled(), 50 - MAX_SAMPLE as u64);
    assert_eq!(
        (urls[1].evidence.file.as_str(), urls[1].occurrences),
        ("b.js", 3)
    );
    assert!(report.capped.is_empty());

    // The diff compares values: the same URL, counted differently, is unchanged.
    let other = tempfile::tempdir().unwrap();
    fs_err::write(other.path().join("a.js"), calls(7)).unwrap();
    let older = scan_path(&scanner(), other.path()).unwrap();
    let diff = candor_scan::diff(&older, &report);
    assert!(diff.added.iter().all(|c| c.value != URL), "{diff:#?}");
    assert!(diff.old_capped.is_empty() && diff.new_capped.is_empty());

    // Uncovered, the URL's group shows its places: both files, sampled.
    let declaration = Declaration::from_toml(candor_test::AGENT_TOML, "candor.toml").unwrap();
    let coverage = cover(
        &report.indicators,
        &declaration.claims,
        &declaration.exceptions,
    );
    let group = coverage
        .uncovered
        .iter()
        .find(|g| g.values.iter().any(|v| v == URL))
        .unwrap_or_else(|| panic!("the URL is not uncovered: {coverage:#?}"));
    let shown = places(&report.indicators, &group.members);
    assert_eq!(
        shown
            .iter()
            .filter(|e| e.file == "a.js" && e.excerpt.contains(URL))
            .count(),
        MAX_SAMPLE
    );
    assert!(shown.iter().any(|e| e.file == "b.js"));

    // SARIF: one result per indicator, its sample as locations, its count.
    let log = serde_json::to_value(candor_scan::sarif::to_sarif(&[report])).unwrap();
    let result = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["value"] == URL && r["properties"]["file"] == "a.js")
        .unwrap();
    assert_eq!(result["properties"]["occurrences"], 50);
    assert_eq!(result["locations"].as_array().unwrap().len(), MAX_SAMPLE);
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("; 50 occurrences")
    );
}

/// A file of `count` distinct URLs (each a url and a domain indicator), then the hidden
/// logic of DESIGN.md's case: a base64 literal that XORs to a domain list.
fn padded(count: usize) -> String {
    let mut text = candor_test::distinct_urls(count);
    text.push('\n');
    text.push_str(&planted());
    text
}

#[test]
fn padding_a_file_past_the_cap_does_not_hide_what_is_encoded_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cli.js");
    // Twice as many plain values as a file keeps.
    fs_err::write(&path, padded(MAX_PLAIN_PER_FILE)).unwrap();
    let report = scan_path(&scanner(), &path).unwrap();
    let plain = report
        .indicators
        .iter()
        .filter(|i| i.evidence.chain.is_empty())
        .count();
    assert_eq!(plain, MAX_PLAIN_PER_FILE);
    assert!(report.indicators.len() <= MAX_DISTINCT_PER_FILE);
    for domain in DOMAINS {
        assert!(
            report
                .indicators
                .iter()
                .any(|i| i.value == *domain && i.chain_text() == "base64 → xor(0x5b)"),
            "{domain} hidden past the cap"
        );
    }
    assert_eq!(report.capped.len(), 1, "{:#?}", report.capped);
    let capped = &report.capped[0];
    assert_eq!(capped.file, "cli.js");
    assert_eq!(capped.kept, report.indicators.len());
    // Past the cap, each further URL is a url and a domain not kept; the plain indicators
    // of the hidden logic (the time zones, the variable …) are among those left out.
    let dropped = |kind: Kind| {
        capped
            .dropped
            .iter()
            .find(|d| d.kind == kind)
            .map_or(0, |d| d.occurrences)
    };
    assert!(
        dropped(Kind::Url) >= (MAX_PLAIN_PER_FILE / 2) as u64,
        "{capped:#?}"
    );
    assert!(
        dropped(Kind::Domain) >= (MAX_PLAIN_PER_FILE / 2) as u64,
        "{capped:#?}"
    );
    assert!(
        capped
            .summary()
            .starts_with("cli.js: more distinct indicators than a file keeps; ")
    );

    // The note is in the JSON as the schemas describe it (a few indicators are enough to
    // check: the note is what is new here).
    let mut small = report.clone();
    small.indicators.truncate(3);
    let output = serde_json::to_value(ScanOutput {
        reports: vec![small.clone()],
        manifest: None,
        seconds: 1.0,
    })
    .unwrap();
    assert_eq!(output["reports"][0]["capped"][0]["file"], "cli.js");
    let validate = |name: &str, instance: &serde_json::Value| {
        let (_, schema) = schema::all().into_iter().find(|(n, _)| *n == name).unwrap();
        let validator = jsonschema::draft202012::new(schema.as_value()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    };
    validate(schema::SCAN_REPORT_SCHEMA, &output);
    let diff = serde_json::to_value(DiffOutput {
        diff: candor_scan::diff(&small, &small),
        seconds: 1.0,
    })
    .unwrap();
    assert_eq!(diff["diff"]["new_capped"][0]["file"], "cli.js");
    validate(schema::SCAN_DIFF_SCHEMA, &diff);

    // SARIF readers are told too.
    let log = serde_json::to_value(candor_scan::sarif::to_sarif(&[small])).unwrap();
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("more distinct indicators")),
        "{notes:#}"
    );
}
