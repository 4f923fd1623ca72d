//! SARIF 2.1.0 of a verification, for the dashboards security teams already read.
//!
//! One run; the driver is `candor verify` with one rule per policy rule (`manifest-required`,
//! `min-audits`, `undeclared`, …, in a fixed order so `ruleIndex` is stable). Every rule
//! that failed or warned for a target is one result: `level` `error` for a failure and
//! `warning` for a warning; the location is the artifact digested (a `file://` URI), and
//! `properties` hold the target, the tool and release, the verdict, the source of the
//! fact (`claimed`, `observed-by-auditor`, `observed-here`) and the artifact's sha256.
//! Passing rules are not results.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::report::{Outcome, Rule, VerifyReport};

/// Every rule, in `ruleIndex` order; new rules are appended.
pub const RULES: [Rule; 12] = [
    Rule::Resolution,
    Rule::Integrity,
    Rule::ToolTrusted,
    Rule::ManifestRequired,
    Rule::Equivocation,
    Rule::MaxAge,
    Rule::MinAudits,
    Rule::DenyCategories,
    Rule::AllowedEndpoints,
    Rule::Undeclared,
    Rule::Contradicted,
    Rule::Downgrade,
];

fn rule_index(rule: Rule) -> usize {
    match rule {
        Rule::Resolution => 0,
        Rule::Integrity => 1,
        Rule::ToolTrusted => 2,
        Rule::ManifestRequired => 3,
        Rule::Equivocation => 4,
        Rule::MaxAge => 5,
        Rule::MinAudits => 6,
        Rule::DenyCategories => 7,
        Rule::AllowedEndpoints => 8,
        Rule::Undeclared => 9,
        Rule::Contradicted => 10,
        Rule::Downgrade => 11,
    }
}

fn description(rule: Rule) -> &'static str {
    match rule {
        Rule::Resolution => "The target resolves to what runs without leaving its package",
        Rule::Integrity => "The artifact did not change while it was read",
        Rule::ToolTrusted => "The tool is in the trust policy",
        Rule::ManifestRequired => "A manifest by the tool's trusted signers names the digest",
        Rule::Equivocation => "One manifest in force per release from the vendor",
        Rule::MaxAge => "The manifest is not older than max_age_days",
        Rule::MinAudits => "Audits from min_audits distinct auditor organisations",
        Rule::DenyCategories => "No claimed or observed behaviour in a denied category",
        Rule::AllowedEndpoints => "Endpoints inside allowed_endpoints",
        Rule::Undeclared => "No undeclared behaviour found by a trusted auditor or here",
        Rule::Contradicted => "No claim contradicted by a trusted auditor",
        Rule::Downgrade => "Coverage no weaker than the previous release's",
    }
}

fn file_uri(path: &std::path::Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The SARIF log of `report`.
pub fn to_sarif(report: &VerifyReport) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.as_str(),
                "shortDescription": { "text": description(*rule) },
            })
        })
        .collect();
    let mut results = Vec::new();
    for target in &report.targets {
        let location = target.artifacts.first().map(|a| {
            json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": file_uri(&a.path) }
                }
            }])
        });
        for reason in target.reasons.iter().filter(|r| r.outcome != Outcome::Pass) {
            let mut result = json!({
                "ruleId": reason.rule.as_str(),
                "ruleIndex": rule_index(reason.rule),
                "level": if reason.outcome == Outcome::Fail { "error" } else { "warning" },
                "message": { "text": format!("{}: {}", target.target, reason.message) },
                "properties": {
                    "target": target.target,
                    "tool": target.tool,
                    "version": target.version,
                    "verdict": target.verdict,
                    "source": reason.source.as_ref().map(crate::report::Source::label),
                    "sha256": target.artifacts.first().map(|a| a.sha256.clone()),
                }
            });
            if let (Some(location), Some(object)) = (&location, result.as_object_mut()) {
                object.insert("locations".to_owned(), location.clone());
            }
            results.push(result);
        }
    }
    json!({
        "$schema": candor_scan::sarif::SARIF_SCHEMA_URI,
        "version": candor_scan::sarif::SARIF_VERSION,
        "runs": [{
            "tool": { "driver": {
                "name": "candor verify",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "properties": {
                "verdict": report.verdict,
                "policy": { "file": report.policy.file, "version": report.policy.version, "sha256": report.policy.sha256 },
            }
        }]
    })
}
