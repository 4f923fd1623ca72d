//! Detectors: plain-text behaviour indicators in one buffer (raw or decoded).
//!
//! Every detector is anchored on literals found with one SIMD pass over the buffer (or
//! on the dots and colons that names and addresses grow out of), then looks around the
//! anchor: a URL runs to its terminator, `process.env.` is followed by a name, a
//! time-zone name must stand alone. Nothing here runs a regex over every byte (users'
//! regex rules aside).
//!
//! - `literals`: the one pass over every literal (aho-corasick's packed Teddy searcher);
//! - `anchors`: the anchor literals and what follows each;
//! - `network`: URLs, bare domain names, IPv4 and IPv6 literals, ports;
//! - `env`: environment variable reads, and reads of computed names (`process.env[name]`);
//! - `conditions`: time-zone names, locale APIs, locale comparisons;
//! - `system`: processes spawned (`exec(` only as `child_process`'s, not a regexp's),
//!   file-system paths, machine identifiers;
//! - `marks`: look-alike and invisible characters.

use std::collections::HashSet;

use candor_model::claims::ClaimCategory;

use crate::indicator::Kind;

mod anchors;
mod conditions;
mod env;
mod literals;
mod marks;
mod network;
mod system;

use literals::{LiteralPass, Literals, Target};

/// One finding in a buffer, before evidence is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Category.
    pub category: ClaimCategory,
    /// Kind.
    pub kind: Kind,
    /// Normalized value.
    pub value: String,
    /// Start offset in the buffer.
    pub start: usize,
    /// End offset in the buffer.
    pub end: usize,
}

/// A user rule: a literal and its category.
#[derive(Debug, Clone)]
pub(crate) struct LiteralRule {
    /// What to report as the value.
    pub(crate) name: String,
    /// The bytes to find.
    pub(crate) literal: String,
    /// The category.
    pub(crate) category: ClaimCategory,
    /// The kind (telemetry SDK for the built-in list, rule for users').
    pub(crate) kind: Kind,
}

/// A user rule: a regular expression and its category.
#[derive(Debug, Clone)]
pub(crate) struct RegexRule {
    /// What to report as the value (the match itself if empty).
    pub(crate) name: String,
    /// The expression (over bytes).
    pub(crate) regex: regex::bytes::Regex,
    /// The category.
    pub(crate) category: ClaimCategory,
}

/// All detectors, built once per scan ([`crate::rules::detectors`] builds them from the
/// built-in lists and users' rules files).
#[derive(Debug)]
pub struct Detectors {
    literals: LiteralPass,
    time_zones: HashSet<Vec<u8>>,
    marks: Literals,
    literal_rules: Vec<LiteralRule>,
    regex_rules: Vec<RegexRule>,
}

impl Detectors {
    /// Detectors for the built-in lists plus `literal_rules` and `regex_rules`.
    pub(crate) fn new(
        time_zones: Vec<String>,
        literal_rules: Vec<LiteralRule>,
        regex_rules: Vec<RegexRule>,
    ) -> Self {
        let marks = marks::MARKS
            .iter()
            .map(|(c, _, _)| c.to_string())
            .collect::<Vec<_>>();
        let mut literals: Vec<(Vec<u8>, Target)> = anchors::ANCHORS
            .iter()
            .enumerate()
            .map(|(i, (anchor, _))| (anchor.as_bytes().to_vec(), Target::Anchor(i)))
            .collect();
        // Every zone name starts with its area (`Asia/`): a handful of literals find all
        // 550 names, which are then looked up whole.
        let mut areas: Vec<&str> = time_zones
            .iter()
            .map(|name| name.find('/').map_or(name.as_str(), |i| &name[..=i]))
            .collect();
        areas.sort_unstable();
        areas.dedup();
        literals.extend(
            areas
                .iter()
                .map(|area| (area.as_bytes().to_vec(), Target::Area)),
        );
        literals.extend(
            literal_rules
                .iter()
                .enumerate()
                .map(|(i, rule)| (rule.literal.as_bytes().to_vec(), Target::Rule(i))),
        );
        Self {
            literals: LiteralPass::new(literals),
            time_zones: time_zones.into_iter().map(String::into_bytes).collect(),
            marks: Literals::new(&marks),
            literal_rules,
            regex_rules,
        }
    }

    /// Every indicator in `text`, in order of position.
    pub fn detect(&self, text: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.literals
            .for_each(text, |target, start, end| match target {
                Target::Anchor(anchor) => anchors::anchored(text, anchor, start, end, &mut hits),
                Target::Area => {
                    conditions::time_zone_at(&self.time_zones, text, start, &mut hits);
                }
                Target::Rule(i) => {
                    let rule = &self.literal_rules[i];
                    hits.push(Hit {
                        category: rule.category,
                        kind: rule.kind,
                        value: rule.name.clone(),
                        start,
                        end,
                    });
                }
            });
        marks::marks(&self.marks, text, &mut hits);
        network::domains_and_addresses(text, &mut hits);
        for rule in &self.regex_rules {
            for m in rule.regex.find_iter(text) {
                hits.push(Hit {
                    category: rule.category,
                    kind: Kind::Rule,
                    value: if rule.name.is_empty() {
                        String::from_utf8_lossy(m.as_bytes()).into_owned()
                    } else {
                        rule.name.clone()
                    },
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
        conditions::comparisons(text, &mut hits);
        // Each pass above reports in order; the result is in order of the text.
        hits.sort_by_key(|h| (h.start, h.end));
        hits
    }
}

fn hit(category: ClaimCategory, kind: Kind, value: String, start: usize, end: usize) -> Hit {
    Hit {
        category,
        kind,
        value,
        start,
        end,
    }
}

/// Most bytes of spaces, `(` and `[` skipped between a call or subscript and its string
/// argument.
const MAX_QUOTE_SKIP: usize = 4;

/// Longest string literal read as an argument (a variable name, a command): a longer
/// one is not taken.
const MAX_QUOTED_LEN: usize = 256;

/// The string literal starting at or just after `at` (skipping spaces and one `(`/`[`),
/// and where it ends.
fn quoted_after(text: &[u8], at: usize) -> Option<(String, usize)> {
    let mut i = at;
    while i < text.len() && matches!(text[i], b' ' | b'(' | b'[') && i < at + MAX_QUOTE_SKIP {
        i += 1;
    }
    let quote = *text.get(i)?;
    if !matches!(quote, b'"' | b'\'' | b'`') {
        return None;
    }
    let body_start = i + 1;
    let len = text[body_start..]
        .iter()
        .take(MAX_QUOTED_LEN)
        .position(|b| *b == quote || *b == b'\n')?;
    if text[body_start + len] != quote {
        return None;
    }
    Some((
        String::from_utf8_lossy(&text[body_start..body_start + len]).into_owned(),
        body_start + len + 1,
    ))
}

/// Detectors and queries the tests of every detector share.
#[cfg(test)]
mod fixtures {
    use super::*;

    /// Detectors knowing three zones and no user rules.
    pub(in crate::detect) fn detectors() -> Detectors {
        Detectors::new(
            vec![
                "Asia/Shanghai".to_owned(),
                "Asia/Urumqi".to_owned(),
                "Europe/Berlin".to_owned(),
            ],
            Vec::new(),
            Vec::new(),
        )
    }

    /// The values of the hits of `kind` in `text`.
    pub(in crate::detect) fn values(text: &str, kind: Kind) -> Vec<String> {
        detectors()
            .detect(text.as_bytes())
            .into_iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.value)
            .collect()
    }

    /// Detectors knowing two zones, with a user literal rule for each of `literals`.
    pub(in crate::detect) fn with_rules(literals: &[&str]) -> Detectors {
        Detectors::new(
            vec!["Asia/Shanghai".to_owned(), "US/Pacific".to_owned()],
            literals
                .iter()
                .map(|l| LiteralRule {
                    name: (*l).to_owned(),
                    literal: (*l).to_owned(),
                    category: ClaimCategory::Network,
                    kind: Kind::Rule,
                })
                .collect(),
            Vec::new(),
        )
    }

    /// Every hit in `text`: kind, value, start.
    pub(in crate::detect) fn found(
        detectors: &Detectors,
        text: &str,
    ) -> Vec<(Kind, String, usize)> {
        detectors
            .detect(text.as_bytes())
            .into_iter()
            .map(|h| (h.kind, h.value, h.start))
            .collect()
    }
}
