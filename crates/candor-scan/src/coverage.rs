//! Which scanner indicators a manifest's claims cover, and which claims the scan
//! supports: the matching the vendor's completeness gate and the auditor's draft share.
//!
//! An indicator is **covered** when a claim of its category declares it:
//!
//! | indicator | covered by |
//! |---|---|
//! | `url`, `domain`, `ipv4`, `ipv6` | a network, telemetry or update claim whose endpoint has that host (an endpoint may be a pattern, `*.acme.example`), or a conditional claim listing it among its `values` |
//! | `port` | an endpoint with that port, or a covered host at the same place |
//! | `env-var` | an env claim of that variable, or a telemetry or update claim whose opt-out names it |
//! | `env-dynamic` | an env claim of a variable its candidate names match (`http_proxy` for `*_proxy`) |
//! | `path`, `machine-id` | a filesystem claim of that path (patterns allowed, `~` and `%APPDATA%` as written), or an identifiers claim naming it |
//! | `process` | a process claim whose command it names (the API alone: any process claim) |
//! | `time-zone`, `locale-comparison` | a conditional claim on the time zone or locale listing the value (or naming it in its condition) |
//! | `telemetry-sdk` | a telemetry claim naming the SDK or its host |
//! | `look-alike`, `invisible` | an output-marking claim naming the code point (`U+02BC`) |
//! | `encoded-blob` | an obfuscation claim whose encoding is the blob's decoding chain |
//! | `duplicate-entry` | an obfuscation claim that names the entry's path |
//! | `rule` | a claim of the rule's category that names the value |
//!
//! Something found **under XOR** (a chain with `xor(…)`) is deliberately hidden: it also
//! needs an obfuscation claim whose encoding is that chain.
//!
//! Some kinds say little on their own and are **informational**: they never fail a gate
//! (`env-candidate`: a name a native binary may or may not read; `env-dynamic`: a read
//! whose name is computed, so what it reads is not known; `locale-api`: reading the
//! locale is common, comparing it is what matters; `encoded-blob`: data that decodes to
//! nothing recognisable). A vendor's [`GateException`] covers indicators by kind and value
//! pattern.
//!
//! Uncovered indicators are **grouped**: everything decoded from one encoded run is one
//! group (the 150 domains of one blob are one finding, not 150); other indicators group
//! by site (by where each is first found) and then by category and values.
//!
//! An [`Indicator`] stands for every occurrence of its value in one file under one chain:
//! it is covered, excepted or grouped as a whole, and a group's places are its members'
//! sampled occurrences ([`places`]).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use candor_model::claims::{ClaimCategory, Claims, ConditionTrigger};
use candor_model::evidence::StaticEvidence;
use candor_model::ids::ClaimId;
use candor_model::manifest::GateException;
use candor_model::pattern::Pattern;

use crate::indicator::{Indicator, Kind};

/// The kinds that never fail a gate on their own (see the module documentation).
pub const INFORMATIONAL: [Kind; 4] = [
    Kind::EnvCandidate,
    Kind::EnvDynamic,
    Kind::LocaleApi,
    Kind::EncodedBlob,
];

/// What a claim is supported by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimSupport {
    /// The claim.
    pub claim: ClaimId,
    /// Indices (into the indicators given) of the indicators it covers; empty when the
    /// scan shows nothing of it.
    pub indicators: Vec<usize>,
}

/// Indicators no claim covers, grouped (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorGroup {
    /// The category a claim would need to cover them (`obfuscation` for a hiding chain
    /// no obfuscation claim declares).
    pub category: ClaimCategory,
    /// The kinds in the group.
    pub kinds: Vec<Kind>,
    /// The distinct values, in order of first appearance.
    pub values: Vec<String>,
    /// The decoding chain they share (empty for plain indicators).
    pub chain: Vec<String>,
    /// Indices (into the indicators given) of every member.
    pub members: Vec<usize>,
}

impl IndicatorGroup {
    /// One line for people: `3 domain(s) decoded by base64 → xor(0x5b): a.example, …`.
    pub fn summary(&self) -> String {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        let shown: Vec<&str> = self.values.iter().take(5).map(String::as_str).collect();
        let more = self.values.len().saturating_sub(shown.len());
        let values = if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        };
        if self.chain.is_empty() {
            format!("{} {values}", kinds.join("/"))
        } else {
            format!(
                "{} value(s) ({}) decoded by {}: {values}",
                self.values.len(),
                kinds.join("/"),
                self.chain.join(" → ")
            )
        }
    }
}

/// How a release's indicators and its claims meet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Every claim, with the indicators that support it.
    pub claims: Vec<ClaimSupport>,
    /// Gating indicators no claim or exception covers, grouped.
    pub uncovered: Vec<IndicatorGroup>,
    /// Informational indicators no claim covers (never failing a gate).
    pub informational: Vec<usize>,
    /// For each exception (by index), the indicators it covered.
    pub excepted: Vec<Vec<usize>>,
}

impl Coverage {
    /// Claims nothing in the artifacts supports.
    pub fn unsupported(&self) -> impl Iterator<Item = &ClaimId> {
        self.claims
            .iter()
            .filter(|c| c.indicators.is_empty())
            .map(|c| &c.claim)
    }
}

/// What a manifest says of a scan's indicators (`candor scan --manifest`): which claim
/// covers which values, which exception, what no claim covers, and the claims the scan
/// shows nothing of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ManifestMatch {
    /// The manifest file.
    pub manifest: String,
    /// Whether its signature was checked against the vendor's keys (false: read only).
    pub signature_checked: bool,
    /// The tool and release it is of.
    pub tool: String,
    /// The release.
    pub version: String,
    /// Claims, each with the values it covers (none: the scan shows nothing of it).
    pub claims: Vec<ClaimMatch>,
    /// Exceptions, each with the values it covers.
    pub exceptions: Vec<ExceptionMatch>,
    /// Values no claim or exception covers, grouped as the release gate groups them.
    pub uncovered: Vec<UncoveredMatch>,
    /// Informational values no claim covers (they never fail a gate).
    pub informational: Vec<String>,
}

/// One claim and the values it covers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ClaimMatch {
    /// The claim id (`network.api`).
    pub claim: String,
    /// Distinct values it covers, in report order.
    pub values: Vec<String>,
}

/// One exception and the values it covers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ExceptionMatch {
    /// Its kind.
    pub kind: String,
    /// Its value pattern.
    pub value: String,
    /// Distinct values it covers.
    pub values: Vec<String>,
}

/// Values no claim covers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct UncoveredMatch {
    /// The category a claim would need.
    pub category: ClaimCategory,
    /// One line for people.
    pub summary: String,
    /// The distinct values.
    pub values: Vec<String>,
}

/// [`cover`] as a [`ManifestMatch`] (the manifest's facts filled in by the caller).
pub fn manifest_match(
    indicators: &[Indicator],
    claims: &Claims,
    exceptions: &[GateException],
) -> ManifestMatch {
    let coverage = cover(indicators, claims, exceptions);
    let values = |members: &[usize]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for &i in members {
            if let Some(indicator) = indicators.get(i)
                && !out.contains(&indicator.value)
            {
                out.push(indicator.value.clone());
            }
        }
        out
    };
    ManifestMatch {
        manifest: String::new(),
        signature_checked: false,
        tool: String::new(),
        version: String::new(),
        claims: coverage
            .claims
            .iter()
            .map(|c| ClaimMatch {
                claim: c.claim.as_str().to_owned(),
                values: values(&c.indicators),
            })
            .collect(),
        exceptions: exceptions
            .iter()
            .zip(&coverage.excepted)
            .map(|(e, members)| ExceptionMatch {
                kind: e.kind.clone(),
                value: e.value.to_string(),
                values: values(members),
            })
            .collect(),
        uncovered: coverage
            .uncovered
            .iter()
            .map(|g| UncoveredMatch {
                category: g.category,
                summary: g.summary(),
                values: g.values.clone(),
            })
            .collect(),
        informational: values(&coverage.informational),
    }
}

/// Match `indicators` with `claims` and `exceptions` (see the module documentation).
pub fn cover(indicators: &[Indicator], claims: &Claims, exceptions: &[GateException]) -> Coverage {
    let index = ClaimIndex::new(claims);
    let mut coverage = Coverage {
        claims: claims
            .ids()
            .into_iter()
            .map(|claim| ClaimSupport {
                claim: claim.id.clone(),
                indicators: Vec::new(),
            })
            .collect(),
        excepted: vec![Vec::new(); exceptions.len()],
        ..Coverage::default()
    };
    let mut support: BTreeMap<ClaimId, Vec<usize>> = BTreeMap::new();
    // Pass one: what each indicator's own category covers.
    let mut covered = vec![false; indicators.len()];
    for (i, indicator) in indicators.iter().enumerate() {
        let by = index.covering(indicator);
        covered[i] = !by.is_empty();
        for claim in by {
            support.entry(claim).or_default().push(i);
        }
    }
    ports_follow_hosts(indicators, &mut covered);
    let mut groups: BTreeMap<GroupKey, Building<'_>> = BTreeMap::new();
    let mut plain: Vec<(ClaimCategory, usize)> = Vec::new();
    for (i, indicator) in indicators.iter().enumerate() {
        let excepted = exceptions
            .iter()
            .position(|e| e.kind == indicator.kind.as_str() && e.value.matches(&indicator.value));
        if let Some(e) = excepted {
            coverage.excepted[e].push(i);
            continue;
        }
        let hidden = indicator
            .evidence
            .chain
            .iter()
            .any(|step| step.starts_with("xor("));
        if hidden {
            let declared = index.obfuscations_for(&indicator.evidence.chain);
            for claim in &declared {
                support.entry(claim.clone()).or_default().push(i);
            }
            if declared.is_empty() && !INFORMATIONAL.contains(&indicator.kind) {
                add_decoded(&mut groups, indicators, i, ClaimCategory::Obfuscation);
            }
        }
        if covered[i] {
            continue;
        }
        if INFORMATIONAL.contains(&indicator.kind) {
            coverage.informational.push(i);
        } else if indicator.evidence.chain.is_empty() {
            plain.push((indicator.category, i));
        } else {
            add_decoded(&mut groups, indicators, i, indicator.category);
        }
    }
    let mut uncovered: Vec<IndicatorGroup> = groups.into_values().map(|b| b.group).collect();
    uncovered.extend(group_plain(indicators, plain));
    uncovered.sort_by_key(|g| (g.category, g.members.first().copied()));
    for entry in &mut coverage.claims {
        if let Some(members) = support.remove(&entry.claim) {
            entry.indicators = members;
            entry.indicators.dedup();
        }
    }
    coverage.uncovered = uncovered;
    coverage
}

/// The distinct places of `members` (indices into `indicators`) whose evidence the scan
/// kept, in the order to show them: the first occurrence of every member in turn, then
/// the second of every member, and so on. A place several members share (the values
/// decoded out of one run) is listed once.
pub fn places<'a>(indicators: &'a [Indicator], members: &[usize]) -> Vec<&'a StaticEvidence> {
    let members: Vec<&Indicator> = members.iter().filter_map(|&i| indicators.get(i)).collect();
    let ranks = members
        .iter()
        .map(|i| 1 + i.more_evidence.len())
        .max()
        .unwrap_or(0);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for rank in 0..ranks {
        for e in members.iter().filter_map(|i| i.samples().nth(rank)) {
            if seen.insert((&e.file, &e.section, e.offset, &e.chain)) {
                out.push(e);
            }
        }
    }
    out
}

/// Ports follow their host, found at the same place: a port is covered when one of its
/// places (sampled, or the last) holds a covered host. Each of its other places holds a
/// host too (a port is only ever found with one), covered or failing on its own.
fn ports_follow_hosts(indicators: &[Indicator], covered: &mut [bool]) {
    fn places(i: &Indicator) -> impl Iterator<Item = (&str, u64)> {
        let file = i.evidence.file.as_str();
        i.samples()
            .map(move |e| (file, e.offset))
            .chain(std::iter::once((file, i.last_offset)))
    }
    let hosts: HashSet<(&str, u64)> = indicators
        .iter()
        .zip(covered.iter())
        .filter(|(i, covered)| {
            **covered && matches!(i.kind, Kind::Url | Kind::Domain | Kind::Ipv4 | Kind::Ipv6)
        })
        .flat_map(|(i, _)| places(i))
        .collect();
    for (indicator, covered) in indicators.iter().zip(covered.iter_mut()) {
        if indicator.kind == Kind::Port && !*covered {
            *covered = places(indicator).any(|place| hosts.contains(&place));
        }
    }
}

/// Indicators decoded from one encoded run (one file, one outermost run, one chain).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    category: ClaimCategory,
    file: String,
    offset: u64,
    chain: Vec<String>,
}

/// Plain indicators this close (in bytes) in one file are one site: a comparison and
/// the literals it compares, a call and its arguments.
pub const SITE_GAP: u64 = 256;

/// A group being built, with its values as a set, so that `values` stays distinct in
/// linear time: a site of 90,000 URLs is one group.
struct Building<'a> {
    group: IndicatorGroup,
    seen: HashSet<&'a str>,
}

impl<'a> Building<'a> {
    fn new(category: ClaimCategory, chain: Vec<String>) -> Self {
        Self {
            group: IndicatorGroup {
                category,
                kinds: Vec::new(),
                values: Vec::new(),
                chain,
                members: Vec::new(),
            },
            seen: HashSet::new(),
        }
    }

    fn push(&mut self, indicators: &'a [Indicator], i: usize) {
        let indicator = &indicators[i];
        if !self.group.kinds.contains(&indicator.kind) {
            self.group.kinds.push(indicator.kind);
        }
        if self.seen.insert(&indicator.value) {
            self.group.values.push(indicator.value.clone());
        }
        self.group.members.push(i);
    }
}

fn add_decoded<'a>(
    groups: &mut BTreeMap<GroupKey, Building<'a>>,
    indicators: &'a [Indicator],
    i: usize,
    category: ClaimCategory,
) {
    let evidence = &indicators[i].evidence;
    let key = GroupKey {
        category,
        file: evidence.file.clone(),
        offset: evidence.offset,
        chain: evidence.chain.clone(),
    };
    groups
        .entry(key)
        .or_insert_with(|| Building::new(category, evidence.chain.clone()))
        .push(indicators, i);
}

/// Plain indicators, by site (one category, one file, each within [`SITE_GAP`] bytes of
/// the next), and sites that found the same values merged (an env read in ten places is
/// one group).
fn group_plain(
    indicators: &[Indicator],
    mut plain: Vec<(ClaimCategory, usize)>,
) -> Vec<IndicatorGroup> {
    plain.sort_by(|(ca, a), (cb, b)| {
        let (ea, eb) = (&indicators[*a].evidence, &indicators[*b].evidence);
        (ca, &ea.file, ea.offset, a).cmp(&(cb, &eb.file, eb.offset, b))
    });
    let mut sites: Vec<Building<'_>> = Vec::new();
    let mut last: Option<(ClaimCategory, &str, u64)> = None;
    for (category, i) in plain {
        let evidence = &indicators[i].evidence;
        let same_site = last.is_some_and(|(c, file, offset)| {
            c == category
                && file == evidence.file
                && evidence.offset.saturating_sub(offset) <= SITE_GAP
        });
        if !same_site {
            sites.push(Building::new(category, Vec::new()));
        }
        if let Some(site) = sites.last_mut() {
            site.push(indicators, i);
        }
        last = Some((category, evidence.file.as_str(), evidence.offset));
    }
    let mut merged: Vec<IndicatorGroup> = Vec::new();
    let mut by_signature: HashMap<(ClaimCategory, Vec<&str>), usize> = HashMap::new();
    for site in sites {
        let mut values: Vec<&str> = site.seen.iter().copied().collect();
        values.sort_unstable();
        match by_signature.entry((site.group.category, values)) {
            Entry::Occupied(at) => merged[*at.get()].members.extend(site.group.members),
            Entry::Vacant(at) => {
                at.insert(merged.len());
                merged.push(site.group);
            }
        }
    }
    merged
}

/// The claims, in the shapes matching needs.
struct ClaimIndex<'a> {
    claims: &'a Claims,
    /// (claim, host pattern, port) of every network, telemetry and update endpoint.
    endpoints: Vec<(ClaimId, Pattern, Option<u16>)>,
}

impl<'a> ClaimIndex<'a> {
    fn new(claims: &'a Claims) -> Self {
        let mut endpoints = Vec::new();
        let mut add = |id: &ClaimId, endpoint: &str| {
            if let Some((host, port)) = endpoint_host(endpoint) {
                let pattern = host
                    .parse::<Pattern>()
                    .unwrap_or_else(|_| Pattern::exact(&host));
                endpoints.push((id.clone(), pattern, port));
            }
        };
        for c in &claims.network {
            add(&c.id, &c.endpoint);
        }
        for c in &claims.telemetry {
            add(&c.id, &c.endpoint);
        }
        for c in &claims.update {
            if let Some(endpoint) = &c.endpoint {
                add(&c.id, endpoint);
            }
        }
        Self { claims, endpoints }
    }

    /// The claims that cover `indicator` (its own category's rules): one arm per kind,
    /// in the order of the module documentation's table.
    #[allow(clippy::too_many_lines)]
    fn covering(&self, indicator: &Indicator) -> Vec<ClaimId> {
        let value = indicator.value.as_str();
        let c = self.claims;
        match indicator.kind {
            Kind::Url | Kind::Domain | Kind::Ipv4 | Kind::Ipv6 => {
                let host = indicator_host(indicator.kind, value);
                let mut by: Vec<ClaimId> = self
                    .endpoints
                    .iter()
                    .filter(|(_, pattern, _)| pattern.matches(&host))
                    .map(|(id, ..)| id.clone())
                    .collect();
                by.extend(
                    c.conditional
                        .iter()
                        .filter(|k| {
                            k.values
                                .iter()
                                .any(|v| v.eq_ignore_ascii_case(&host) || v == value)
                        })
                        .map(|k| k.id.clone()),
                );
                by
            }
            Kind::Port => {
                let port = value.parse::<u16>().ok();
                self.endpoints
                    .iter()
                    .filter(|(_, _, p)| port.is_some() && *p == port)
                    .map(|(id, ..)| id.clone())
                    .collect()
            }
            Kind::EnvVar | Kind::EnvCandidate => {
                let mut by: Vec<ClaimId> = c
                    .env
                    .iter()
                    .filter(|e| e.variable.as_str() == value)
                    .map(|e| e.id.clone())
                    .collect();
                by.extend(
                    c.telemetry
                        .iter()
                        .filter(|t| t.opt_out.as_deref().is_some_and(|o| names_word(o, value)))
                        .map(|t| t.id.clone()),
                );
                by.extend(
                    c.update
                        .iter()
                        .filter(|u| u.opt_out.as_deref().is_some_and(|o| names_word(o, value)))
                        .map(|u| u.id.clone()),
                );
                by
            }
            Kind::EnvDynamic => {
                // `process.env[proxyEnv] (candidates: *_proxy)`: the candidates' patterns.
                let candidates: Vec<Pattern> = value
                    .split_once(" (candidates: ")
                    .map_or("", |(_, list)| list.trim_end_matches(')'))
                    .split(", ")
                    .filter_map(|c| c.parse::<Pattern>().ok())
                    .collect();
                c.env
                    .iter()
                    .filter(|e| candidates.iter().any(|p| p.matches(e.variable.as_str())))
                    .map(|e| e.id.clone())
                    .collect()
            }
            Kind::Path | Kind::MachineId => {
                let mut by: Vec<ClaimId> = c
                    .filesystem
                    .iter()
                    .filter(|f| path_matches(&f.path, value))
                    .map(|f| f.id.clone())
                    .collect();
                by.extend(
                    c.identifiers
                        .iter()
                        .filter(|i| contains_ignore_case(&i.identifier, value))
                        .map(|i| i.id.clone()),
                );
                by
            }
            Kind::Process => {
                // `execSync git status --porcelain`: the command after the API's name.
                let command = value.split_once(' ').map_or("", |(_, rest)| rest);
                c.process
                    .iter()
                    .filter(|p| {
                        command.is_empty()
                            || contains_ignore_case(command, &p.command)
                            || contains_ignore_case(&p.command, command)
                    })
                    .map(|p| p.id.clone())
                    .collect()
            }
            Kind::TimeZone | Kind::LocaleComparison | Kind::LocaleApi => {
                let literal = comparison_literal(value);
                c.conditional
                    .iter()
                    .filter(|k| {
                        k.triggers.iter().any(|t| {
                            matches!(
                                t,
                                ConditionTrigger::TimeZone
                                    | ConditionTrigger::Locale
                                    | ConditionTrigger::Region
                            )
                        })
                    })
                    .filter(|k| {
                        indicator.kind == Kind::LocaleApi
                            || k.values.iter().any(|v| v == literal)
                            || contains_ignore_case(&k.condition, literal)
                    })
                    .map(|k| k.id.clone())
                    .collect()
            }
            Kind::TelemetrySdk => {
                // `Sentry (ingest.sentry.io)`: the SDK's name, and its host.
                let name = value.split(" (").next().unwrap_or(value);
                let host = value
                    .split_once(" (")
                    .map_or("", |(_, h)| h.trim_end_matches(')'));
                c.telemetry
                    .iter()
                    .filter(|t| {
                        contains_ignore_case(&t.endpoint, name)
                            || contains_ignore_case(&t.purpose, name)
                            || (!host.is_empty() && contains_ignore_case(&t.endpoint, host))
                    })
                    .map(|t| t.id.clone())
                    .collect()
            }
            Kind::LookAlike | Kind::Invisible => {
                let code_point = value.split(' ').next().unwrap_or(value);
                c.output_marking
                    .iter()
                    .filter(|m| contains_ignore_case(&m.technique, code_point))
                    .map(|m| m.id.clone())
                    .collect()
            }
            Kind::EncodedBlob => self.obfuscations_for(&indicator.evidence.chain),
            Kind::Rule | Kind::DuplicateEntry => self.mentioning(indicator.category, value),
        }
    }

    /// Obfuscation claims whose encoding is `chain` (`base64 → xor(0x5b)`, arrows or
    /// commas, case and spaces aside).
    fn obfuscations_for(&self, chain: &[String]) -> Vec<ClaimId> {
        let wanted = normalize_chain(&chain.join(","));
        self.claims
            .obfuscation
            .iter()
            .filter(|o| normalize_chain(&o.encoding) == wanted)
            .map(|o| o.id.clone())
            .collect()
    }

    /// Claims of `category` whose text names `value`.
    fn mentioning(&self, category: ClaimCategory, value: &str) -> Vec<ClaimId> {
        let json = serde_json::to_value(self.claims).unwrap_or_default();
        let Some(list) = json.get(category.as_str()).and_then(|v| v.as_array()) else {
            return Vec::new();
        };
        list.iter()
            .filter(|claim| contains_ignore_case(&claim.to_string(), value))
            .filter_map(|claim| claim.get("id")?.as_str()?.parse().ok())
            .collect()
    }
}

/// `base64 → xor(0x5b)`, `base64, xor(0x5B)` and `base64->xor(0x5b)` alike.
fn normalize_chain(text: &str) -> String {
    text.to_ascii_lowercase()
        .replace("→", ",")
        .replace("->", ",")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// The host (lowercase) and port of an endpoint written as a URL or `host[:port]`.
fn endpoint_host(endpoint: &str) -> Option<(String, Option<u16>)> {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
            _ => (authority, None),
        },
    };
    let host = host.trim().to_ascii_lowercase();
    (!host.is_empty()).then(|| (host, port.and_then(|p| p.parse().ok())))
}

/// The host an address indicator names.
fn indicator_host(kind: Kind, value: &str) -> String {
    match kind {
        Kind::Url => endpoint_host(value).map(|(h, _)| h).unwrap_or_default(),
        _ => value.trim_matches(['[', ']']).to_ascii_lowercase(),
    }
}

/// The literal of a comparison indicator (`=== "Asia/Shanghai"` → `Asia/Shanghai`), or
/// the value itself.
fn comparison_literal(value: &str) -> &str {
    match (value.find('"'), value.rfind('"')) {
        (Some(a), Some(b)) if b > a => &value[a + 1..b],
        _ => value,
    }
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    !needle.is_empty() && haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// Whether `text` names `word` as a whole word (`ACME_TELEMETRY=0` names
/// `ACME_TELEMETRY`, not `ACME`).
fn names_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// Whether a declared path (maybe a pattern) names the path found.
fn path_matches(declared: &str, found: &str) -> bool {
    if declared == found {
        return true;
    }
    if let Ok(pattern) = declared.parse::<Pattern>()
        && pattern.matches(found)
    {
        return true;
    }
    // A declared directory covers what is found under it.
    let dir = declared.trim_end_matches(['/', '\\']);
    !dir.is_empty()
        && (found.starts_with(&format!("{dir}/")) || found.starts_with(&format!("{dir}\\")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_give_their_host_and_port() {
        assert_eq!(
            endpoint_host("https://API.acme.example/v1"),
            Some(("api.acme.example".to_owned(), None))
        );
        assert_eq!(
            endpoint_host("telemetry.acme.example:443"),
            Some(("telemetry.acme.example".to_owned(), Some(443)))
        );
        assert_eq!(
            endpoint_host("http://[::1]:9229/x"),
            Some(("::1".to_owned(), Some(9229)))
        );
        assert_eq!(endpoint_host("*.acme.example").unwrap().0, "*.acme.example");
    }

    #[test]
    fn chains_compare_whatever_the_arrows() {
        assert_eq!(normalize_chain("base64 → xor(0x5B)"), "base64,xor(0x5b)");
        assert_eq!(normalize_chain("base64->xor(0x5b)"), "base64,xor(0x5b)");
        assert_eq!(normalize_chain("base64, xor(0x5b)"), "base64,xor(0x5b)");
    }

    #[test]
    fn words_and_paths() {
        assert!(names_word("ACME_TELEMETRY=0", "ACME_TELEMETRY"));
        assert!(!names_word("ACME_TELEMETRY=0", "ACME"));
        assert!(path_matches("~/.acme", "~/.acme/config.json"));
        assert!(path_matches("~/.acme/*.json", "~/.acme/config.json"));
        assert!(!path_matches("~/.acme", "~/.acmeX/config.json"));
        assert_eq!(comparison_literal("=== \"Asia/Shanghai\""), "Asia/Shanghai");
    }
}
