//! Rules: the built-in lists (data files shipped in the crate) and users' rules files.
//!
//! A rules file is TOML:
//!
//! ```toml
//! [[rule]]
//! category = "network"          # a claim category
//! literal = "collector.example" # find these bytes …
//! name = "example collector"    # … and report this value (default: the literal)
//!
//! [[rule]]
//! category = "conditional"
//! regex = "zh[-_]CN"            # or a regular expression (Rust `regex` syntax, over bytes)
//! ```

use candor_model::claims::ClaimCategory;
use candor_model::location::Location;
use serde::Deserialize;

use crate::detect::{Detectors, LiteralRule, RegexRule};
use crate::indicator::Kind;

/// The IANA time-zone identifiers (`data/timezones.txt`).
const TIME_ZONES: &str = include_str!("../data/timezones.txt");

/// Known telemetry SDKs and endpoints (`data/telemetry.toml`).
const TELEMETRY: &str = include_str!("../data/telemetry.toml");

/// What the built-in rules are, as a digest: `sha256:<hex>` of the scanner's version and
/// its data files. An audit records it, so a finding can be traced to the rules that
/// made it.
pub fn builtin_digest() -> String {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update([0]);
    hasher.update(TIME_ZONES.as_bytes());
    hasher.update([0]);
    hasher.update(TELEMETRY.as_bytes());
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

/// A rules file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{location}: {message}")]
pub struct RulesError {
    /// The file.
    pub file: String,
    /// Where in it.
    pub location: Location,
    /// What is wrong and what was expected.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    category: ClaimCategory,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    literal: Option<String>,
    #[serde(default)]
    regex: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TelemetryFile {
    sdk: Vec<Sdk>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sdk {
    name: String,
    literals: Vec<String>,
}

fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> RulesError {
    RulesError {
        file: file.to_owned(),
        location: e
            .span()
            .map_or(Location::Document, |s| Location::of_offset(text, s.start)),
        message: e.message().trim_end().to_owned(),
    }
}

/// Detectors for the built-in lists plus the rules files given as (text, file name).
pub fn detectors(rules_files: &[(String, String)]) -> Result<Detectors, RulesError> {
    let time_zones = TIME_ZONES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let telemetry: TelemetryFile =
        toml::from_str(TELEMETRY).map_err(|e| toml_error(TELEMETRY, "data/telemetry.toml", &e))?;
    let mut literals: Vec<LiteralRule> = telemetry
        .sdk
        .iter()
        .flat_map(|sdk| {
            sdk.literals.iter().map(|literal| LiteralRule {
                name: format!("{} ({literal})", sdk.name),
                literal: literal.clone(),
                category: ClaimCategory::Telemetry,
                kind: Kind::TelemetrySdk,
            })
        })
        .collect();
    let mut regexes = Vec::new();
    for (text, file) in rules_files {
        let parsed: RulesFile = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
        for (i, rule) in parsed.rule.into_iter().enumerate() {
            let at = |message: String| RulesError {
                file: file.clone(),
                location: Location::JsonPath(format!("rule[{i}]")),
                message,
            };
            match (rule.literal, rule.regex) {
                (Some(literal), None) if !literal.is_empty() => literals.push(LiteralRule {
                    name: rule.name.unwrap_or_else(|| literal.clone()),
                    literal,
                    category: rule.category,
                    kind: Kind::Rule,
                }),
                (None, Some(pattern)) => {
                    let regex = regex::bytes::Regex::new(&pattern)
                        .map_err(|e| at(format!("invalid regex {pattern:?}: {e}")))?;
                    regexes.push(RegexRule {
                        name: rule.name.unwrap_or_default(),
                        regex,
                        category: rule.category,
                    });
                }
                _ => {
                    return Err(at(
                        "expected exactly one of `literal` (non-empty) or `regex`".to_owned(),
                    ));
                }
            }
        }
    }
    Ok(Detectors::new(time_zones, literals, regexes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_lists_load() {
        let detectors = detectors(&[]).unwrap();
        let hits = detectors.detect(b"x=\"api.segment.io\";tz=\"Asia/Shanghai\"");
        assert!(
            hits.iter()
                .any(|h| h.kind == Kind::TelemetrySdk && h.value == "Segment (api.segment.io)")
        );
        assert!(
            hits.iter()
                .any(|h| h.kind == Kind::TimeZone && h.value == "Asia/Shanghai")
        );
        assert!(TIME_ZONES.lines().filter(|l| !l.starts_with('#')).count() > 500);
    }

    #[test]
    fn user_rules_literal_and_regex() {
        let rules = r#"
[[rule]]
category = "network"
literal = "collector.internal"
name = "internal collector"

[[rule]]
category = "conditional"
regex = "zh[-_]CN"
"#;
        let detectors = detectors(&[(rules.to_owned(), "rules.toml".to_owned())]).unwrap();
        let hits = detectors.detect(b"a=\"collector.internal\";if(l==\"zh_CN\")");
        let values: Vec<_> = hits
            .iter()
            .filter(|h| h.kind == Kind::Rule)
            .map(|h| h.value.as_str())
            .collect();
        assert_eq!(values, ["internal collector", "zh_CN"]);
    }

    #[test]
    fn bad_rules_files_say_where() {
        let err = detectors(&[(
            "[[rule]]\ncategory = \"nope\"\n".to_owned(),
            "r.toml".to_owned(),
        )])
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("r.toml:2:12: unknown variant `nope`"),
            "{err}"
        );
        let err = detectors(&[(
            "[[rule]]\ncategory = \"env\"\n".to_owned(),
            "r.toml".to_owned(),
        )])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "r.toml:rule[0]: expected exactly one of `literal` (non-empty) or `regex`"
        );
        let err = detectors(&[(
            "[[rule]]\ncategory = \"env\"\nregex = \"(\"\n".to_owned(),
            "r.toml".to_owned(),
        )])
        .unwrap_err();
        assert!(err.to_string().contains("invalid regex"), "{err}");
    }
}
