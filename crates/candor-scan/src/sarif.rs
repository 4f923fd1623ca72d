//! SARIF 2.1.0 output: scan reports and diffs as a static-analysis log that code-scanning
//! tools (GitHub code scanning, the SARIF viewers of editors) read.
//!
//! One run; the driver is `candor` with one rule per indicator [`Kind`] (`env-var`,
//! `domain`, …), whose `properties.category` is the claim category that kind reports
//! (`rule`, a user rule, has none: its results carry their own). Every indicator is one
//! result:
//!
//! - `level` is `warning` for the categories an auditor must read (obfuscation,
//!   output-marking, conditional) and `note` for the others;
//! - `message.text` is `<category> <kind>: <value> (<decoding chain>)`, followed by
//!   `; <n> occurrences` for a value found more than once;
//! - `properties` hold `category`, `kind`, `value`, `chain` (decoders, outermost first;
//!   empty for plain text), `excerpt` (of the first occurrence), `section` (native
//!   executables), `file` (the evidence file as the scan names it) and `occurrences`;
//! - the `locations` are the occurrences whose evidence the report keeps (the first
//!   [`crate::MAX_SAMPLE`] of the file), the first one first;
//! - a location's `artifactLocation.uri` is the file on disk as the user named it: the
//!   input itself when it is a file, `<input>/<file>` for a file inside a directory. A
//!   relative input gives a relative reference; an absolute one a `file://` URI. Characters
//!   outside RFC 3986 path characters are percent-encoded.
//! - `region.byteOffset`/`byteLength` are the evidence offset and length: of the hit, or of
//!   the outermost encoded run that hides it; `startLine` and `startColumn` (Unicode code
//!   points, the run's `columnKind`) place it in a text file. A binary file has no lines:
//!   its results say `startLine` 1, since GitHub code scanning places a result only by
//!   its line, and the byte range stays exact.
//!
//! **Archive entries.** The scanner names a file inside an archive `<archive>!<entry>`
//! (`agent-1.4.0.tgz!package/dist/cli.js`). SARIF consumers resolve `uri` against the
//! file system or a repository, where only the archive exists, so the `uri` is the
//! archive and the entry path is in `artifactLocation.properties.archiveEntry`; the region
//! is then a range of the entry's extracted bytes, not of the compressed archive. The full
//! `<archive>!<entry>` string is also in the result's `properties.file`.
//!
//! Entries the scan skipped, files it scanned in a degraded way (a native executable
//! whose sections cannot be used, a file that changed while it was read), and files with
//! more distinct indicators than a scan keeps ([`crate::Capped`]) become
//! `toolExecutionNotifications` (level `warning`) of the run's invocation. For a diff
//! ([`diff_to_sarif`]) only the indicators *added* in the new release are results — one
//! per normalized value, with the sampled occurrences in every file as locations, the
//! total count in `occurrences`, and `baselineState: "new"` — and the run's
//! `properties.diff` has the counts; the entries the new release's scan skipped are its
//! notifications, those the old release's scan did not skip marked so.

use std::fmt::Write as _;
use std::path::Path;

use candor_model::claims::ClaimCategory;
use serde::Serialize;

use crate::diff::{Change, ScanDiff};
use crate::indicator::{Indicator, Kind};
use crate::report::{ScanReport, Skipped};

/// The `$schema` written in every log.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";

/// Where the tool is documented (`tool.driver.informationUri`).
const INFORMATION_URI: &str = "https://github.com/candor-attest/candor";

/// Every indicator kind, in rule order (`ruleIndex`).
/// New kinds are appended, so the index of an existing rule never changes.
const KINDS: [Kind; 20] = [
    Kind::Url,
    Kind::Domain,
    Kind::Ipv4,
    Kind::EnvVar,
    Kind::Path,
    Kind::MachineId,
    Kind::Process,
    Kind::TimeZone,
    Kind::LocaleApi,
    Kind::TelemetrySdk,
    Kind::LookAlike,
    Kind::Invisible,
    Kind::EncodedBlob,
    Kind::Rule,
    Kind::Ipv6,
    Kind::Port,
    Kind::LocaleComparison,
    Kind::EnvCandidate,
    Kind::DuplicateEntry,
    Kind::EnvDynamic,
];

/// A kind's index in [`KINDS`] (exhaustive: a new kind must be given a rule).
fn rule_index(kind: Kind) -> usize {
    match kind {
        Kind::Url => 0,
        Kind::Domain => 1,
        Kind::Ipv4 => 2,
        Kind::EnvVar => 3,
        Kind::Path => 4,
        Kind::MachineId => 5,
        Kind::Process => 6,
        Kind::TimeZone => 7,
        Kind::LocaleApi => 8,
        Kind::TelemetrySdk => 9,
        Kind::LookAlike => 10,
        Kind::Invisible => 11,
        Kind::EncodedBlob => 12,
        Kind::Rule => 13,
        Kind::Ipv6 => 14,
        Kind::Port => 15,
        Kind::LocaleComparison => 16,
        Kind::EnvCandidate => 17,
        Kind::DuplicateEntry => 18,
        Kind::EnvDynamic => 19,
    }
}

/// The category a kind reports (none for user rules), and its short and full description.
fn describe(kind: Kind) -> (Option<ClaimCategory>, &'static str, &'static str) {
    use ClaimCategory as C;
    match kind {
        Kind::Url => (
            Some(C::Network),
            "URL",
            "A URL literal: an endpoint the program may contact.",
        ),
        Kind::Domain => (
            Some(C::Network),
            "Domain name",
            "A host or domain name with a known public suffix.",
        ),
        Kind::Ipv4 => (Some(C::Network), "IPv4 address", "An IPv4 address literal."),
        Kind::Ipv6 => (Some(C::Network), "IPv6 address", "An IPv6 address literal."),
        Kind::Port => (
            Some(C::Network),
            "Port",
            "A port written with a host (in a URL or as host:port): a service the program may contact or open.",
        ),
        Kind::EnvVar => (
            Some(C::Env),
            "Environment variable read",
            "An environment variable the program reads (process.env, os.environ, getenv, …).",
        ),
        Kind::EnvCandidate => (
            Some(C::Env),
            "Environment variable candidate",
            "A name shaped like an environment variable in the data of a native executable that reads its environment, with no getenv call site proving it is read.",
        ),
        Kind::EnvDynamic => (
            Some(C::Env),
            "Computed environment variable read",
            "An environment variable read whose name is computed (process.env[name], os.environ[key], getenv(buf)), with the names the code builds where visible (process.env[proxyEnv] (candidates: *_proxy)).",
        ),
        Kind::Path => (
            Some(C::Filesystem),
            "File-system path",
            "An absolute or home-relative path the program may read or write.",
        ),
        Kind::MachineId => (
            Some(C::Identifiers),
            "Machine identifier",
            "A file or API that identifies the machine (/etc/machine-id, IOPlatformUUID).",
        ),
        Kind::Process => (
            Some(C::Process),
            "Process spawned",
            "A process-spawning API, with the command where visible.",
        ),
        Kind::TimeZone => (
            Some(C::Conditional),
            "Time-zone identifier",
            "An IANA time-zone identifier: behaviour may depend on where the user is.",
        ),
        Kind::LocaleApi => (
            Some(C::Conditional),
            "Locale or time-zone API",
            "A locale, region or time-zone API or variable (Intl…resolvedOptions().timeZone, LANG, TZ).",
        ),
        Kind::LocaleComparison => (
            Some(C::Conditional),
            "Locale or time-zone comparison",
            "A locale or time-zone value compared with a literal (navigator.language === \"zh-CN\", tz == \"Asia/Shanghai\"): behaviour that switches on where the user is.",
        ),
        Kind::TelemetrySdk => (
            Some(C::Telemetry),
            "Telemetry SDK or endpoint",
            "A known analytics or telemetry SDK or endpoint.",
        ),
        Kind::LookAlike => (
            Some(C::OutputMarking),
            "Look-alike character",
            "A look-alike character in a string literal (curly apostrophes, modifier letters, fullwidth forms): a possible output watermark.",
        ),
        Kind::Invisible => (
            Some(C::OutputMarking),
            "Invisible character",
            "An invisible or bidirectional-control character in a string literal: a possible output watermark.",
        ),
        Kind::EncodedBlob => (
            Some(C::Obfuscation),
            "Encoded blob",
            "An encoded blob (base64, hex, escapes, char codes, single-byte XOR) that decodes to nothing else recognizable.",
        ),
        Kind::DuplicateEntry => (
            Some(C::Obfuscation),
            "Duplicate archive entry",
            "An archive entry with the path of an earlier entry of the same archive: a tool that reads one by name and an installer that extracts them all (the last one winning) see different files.",
        ),
        Kind::Rule => (
            None,
            "User rule",
            "A match of a user rule (candor scan --rules); the result's properties.category is the rule's category.",
        ),
    }
}

/// `warning` for what an auditor must read first, `note` for the rest.
fn level(category: ClaimCategory) -> Level {
    match category {
        ClaimCategory::Obfuscation | ClaimCategory::OutputMarking | ClaimCategory::Conditional => {
            Level::Warning
        }
        _ => Level::Note,
    }
}

/// A SARIF 2.1.0 log. Serialize it (`serde_json::to_value`, `to_string_pretty`).
#[derive(Debug, Clone, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    /// Columns count Unicode code points ([`candor_model::evidence::StaticEvidence`]).
    column_kind: &'static str,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    properties: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Debug, Clone, Serialize)]
struct RuleProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<ClaimCategory>,
    tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Configuration {
    level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Note,
    Warning,
}

#[derive(Debug, Clone, Serialize)]
struct Text {
    text: String,
}

/// A rule's help, as GitHub code scanning shows it beside an alert.
#[derive(Debug, Clone, Serialize)]
struct Help {
    text: String,
    markdown: String,
}

impl Text {
    fn new(text: impl Into<String>) -> Self {
        Text { text: text.into() }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Debug, Clone, Serialize)]
struct Notification {
    level: Level,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: Level,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties,
}

#[derive(Debug, Clone, Serialize)]
struct ResultProperties {
    category: ClaimCategory,
    kind: Kind,
    value: String,
    chain: Vec<String>,
    excerpt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<String>,
    file: String,
    occurrences: u64,
    tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Debug, Clone, Serialize)]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ArtifactProperties>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactProperties {
    archive_entry: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    /// The line of the hit in a text file; 1 in a binary file, which has no lines but
    /// whose results GitHub code scanning places only with one (the byte range is exact).
    start_line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u64>,
    byte_offset: u64,
    byte_length: u64,
}

/// How to turn the file names of one input's evidence into artifact locations.
struct Resolver<'a> {
    input: &'a str,
    input_is_dir: bool,
}

impl<'a> Resolver<'a> {
    /// For the input `input` as given on the command line. Whether it is a directory is
    /// read from the file system (a scan's input names a file or a directory on disk).
    fn new(input: &'a str) -> Self {
        Resolver {
            input,
            input_is_dir: Path::new(input).is_dir(),
        }
    }

    /// The artifact that holds evidence file `file` (see the module documentation).
    fn artifact(&self, file: &str) -> ArtifactLocation {
        let (outer, entry) = match file.split_once('!') {
            Some((outer, entry)) => (outer, Some(entry)),
            None => (file, None),
        };
        let path = if self.input_is_dir {
            let root = self.input.trim_end_matches(['/', '\\']);
            if root.is_empty() && self.input.starts_with('/') {
                format!("/{outer}")
            } else if root.is_empty() || root == "." {
                outer.to_owned()
            } else {
                format!("{root}/{outer}")
            }
        } else {
            self.input.to_owned()
        };
        // A single-file input is the artifact itself; a name other than its own is an
        // entry inside it.
        let entry = entry.or_else(|| {
            let own_name = Path::new(self.input)
                .file_name()
                .map(|n| n.to_string_lossy());
            (!self.input_is_dir && own_name.as_deref() != Some(file)).then_some(file)
        });
        ArtifactLocation {
            uri: path_to_uri(&path),
            properties: entry.map(|entry| ArtifactProperties {
                archive_entry: entry.to_owned(),
            }),
        }
    }

    /// The locations of an indicator: its sampled occurrences.
    fn locations<'i>(&'i self, indicator: &'i Indicator) -> impl Iterator<Item = Location> + 'i {
        indicator.samples().map(|e| Location {
            physical_location: PhysicalLocation {
                artifact_location: self.artifact(&e.file),
                region: Some(Region {
                    start_line: e.line.unwrap_or(1),
                    start_column: e.column,
                    byte_offset: e.offset,
                    byte_length: e.length,
                }),
            },
        })
    }
}

/// A file path as a URI reference: relative paths stay relative, absolute ones become
/// `file://` URIs; bytes outside RFC 3986 path characters are percent-encoded (`:` too,
/// so a first segment never reads as a scheme).
fn path_to_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `Time-zone identifier` → `TimeZoneIdentifier` (a rule's `name`).
fn pascal_case(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// What a rule's alert asks of the reader: decide whether the tool does this, and say so
/// in its manifest.
fn help(full: &str, category: Option<ClaimCategory>) -> Help {
    let declare = match category {
        Some(category) => format!(
            "If the tool does this, its vendor declares it in `candor.toml` under \
             `[[claims.{category}]]`; if it does not (a string the tool never uses), an \
             `[[exception]]` with the reason says so. An auditor checks that the claim \
             matches what the code does."
        ),
        None => "Review the entry by hand: candor cannot tell what it does.".to_owned(),
    };
    Help {
        text: format!("{full} {declare}"),
        markdown: format!("{full}\n\n{declare}"),
    }
}

fn rules() -> Vec<Rule> {
    KINDS
        .iter()
        .map(|&kind| {
            let (category, short, full) = describe(kind);
            let mut tags = vec!["candor".to_owned()];
            tags.extend(category.map(|c| c.as_str().to_owned()));
            // A name that differs from the id only in case is no name (SARIF1001).
            let mut name = pascal_case(short);
            if name.eq_ignore_ascii_case(kind.as_str()) {
                name.push_str("Reference");
            }
            Rule {
                id: kind.as_str(),
                name,
                short_description: Text::new(short),
                full_description: Text::new(full),
                help: help(full, category),
                default_configuration: Configuration {
                    level: category.map_or(Level::Note, level),
                },
                properties: RuleProperties { category, tags },
            }
        })
        .collect()
}

fn message(indicator: &Indicator) -> String {
    let mut text = format!(
        "{} {}: {} ({})",
        indicator.category,
        indicator.kind,
        indicator.value,
        indicator.chain_text()
    );
    if let Some(section) = &indicator.evidence.section {
        let _ = write!(text, " in section {section}");
    }
    text
}

fn properties(indicator: &Indicator, occurrences: u64) -> ResultProperties {
    let e = &indicator.evidence;
    ResultProperties {
        category: indicator.category,
        kind: indicator.kind,
        value: indicator.value.clone(),
        chain: e.chain.clone(),
        excerpt: e.excerpt.clone(),
        section: e.section.clone(),
        file: e.file.clone(),
        occurrences,
        tags: vec![indicator.category.as_str().to_owned()],
    }
}

fn result(resolver: &Resolver<'_>, indicator: &Indicator) -> SarifResult {
    let mut text = message(indicator);
    if indicator.occurrences > 1 {
        let _ = write!(text, "; {} occurrences", indicator.occurrences);
    }
    SarifResult {
        rule_id: indicator.kind.as_str(),
        rule_index: rule_index(indicator.kind),
        level: level(indicator.category),
        message: Text::new(text),
        locations: resolver.locations(indicator).collect(),
        baseline_state: None,
        properties: properties(indicator, indicator.occurrences),
    }
}

/// An added indicator: one result, every sampled occurrence (in every file and chain) a
/// location. `None` if the change has no evidence (a diff never makes one).
fn added_result(resolver: &Resolver<'_>, change: &Change) -> Option<SarifResult> {
    let first = change.evidence.first()?;
    let count: u64 = change.evidence.iter().map(|i| i.occurrences).sum();
    let mut text = format!("added: {}", message(first));
    if count > 1 {
        let _ = write!(text, "; {count} occurrences");
    }
    Some(SarifResult {
        rule_id: change.kind.as_str(),
        rule_index: rule_index(change.kind),
        level: level(change.category),
        message: Text::new(text),
        locations: change
            .evidence
            .iter()
            .flat_map(|i| resolver.locations(i))
            .collect(),
        baseline_state: Some("new"),
        properties: properties(first, count),
    })
}

fn log(
    results: Vec<SarifResult>,
    notifications: Vec<Notification>,
    properties: serde_json::Map<String, serde_json::Value>,
) -> Log {
    let version = env!("CARGO_PKG_VERSION");
    Log {
        schema: SARIF_SCHEMA_URI,
        version: SARIF_VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "candor",
                    version,
                    semantic_version: version,
                    information_uri: INFORMATION_URI,
                    rules: rules(),
                },
            },
            column_kind: "unicodeCodePoints",
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            results,
            properties,
        }],
    }
}

/// A tool-execution notification that `skipped` (of the input `input`) was not scanned;
/// `note` ends the message.
fn skipped_notification(
    resolver: &Resolver<'_>,
    input: &str,
    skipped: &Skipped,
    note: &str,
) -> Notification {
    Notification {
        level: Level::Warning,
        message: Text::new(format!(
            "{input}: skipped {}: {}{note}",
            skipped.path, skipped.reason
        )),
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: resolver.artifact(&skipped.path),
                region: None,
            },
        }],
    }
}

/// Scan reports (one per input) as one SARIF run: every indicator a result, every skipped
/// entry, every degraded file and every capped file a tool-execution notification.
pub fn to_sarif(reports: &[ScanReport]) -> Log {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    let mut inputs = Vec::new();
    for report in reports {
        let resolver = Resolver::new(&report.input);
        results.extend(report.indicators.iter().map(|i| result(&resolver, i)));
        notifications.extend(
            report
                .skipped
                .iter()
                .map(|s| skipped_notification(&resolver, &report.input, s, "")),
        );
        notifications.extend(report.degraded.iter().map(|d| Notification {
            level: Level::Warning,
            message: Text::new(format!(
                "{}: degraded {}: {}",
                report.input, d.path, d.reason
            )),
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: resolver.artifact(&d.path),
                    region: None,
                },
            }],
        }));
        notifications.extend(report.capped.iter().map(|c| Notification {
            level: Level::Warning,
            message: Text::new(format!("{}: {}", report.input, c.summary())),
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: resolver.artifact(&c.file),
                    region: None,
                },
            }],
        }));
        inputs.push(serde_json::json!({
            "input": report.input,
            "files": report.files.len(),
            "bytes": report.bytes(),
            "indicators": report.indicators.len(),
            "skipped": report.skipped.len(),
            "degraded": report.degraded.len(),
            "capped": report.capped.len(),
        }));
    }
    let mut properties = serde_json::Map::new();
    properties.insert("inputs".to_owned(), inputs.into());
    log(results, notifications, properties)
}

/// A diff as one SARIF run whose results are the indicators added in the new release
/// (`baselineState: "new"`); removed and unchanged ones are only counted, in the run's
/// `properties.diff`. What the new release left unscanned is a tool-execution
/// notification each, those the old release did not skip marked new, and so is each file
/// of the new release with more distinct indicators than a scan keeps.
pub fn diff_to_sarif(diff: &ScanDiff) -> Log {
    let resolver = Resolver::new(&diff.new);
    let results = diff
        .added
        .iter()
        .filter_map(|change| added_result(&resolver, change))
        .collect();
    let mut notifications: Vec<Notification> = diff
        .skipped
        .new
        .iter()
        .map(|s| {
            let note = if diff.skipped.added.contains(s) {
                " (not skipped in the old release)"
            } else {
                ""
            };
            skipped_notification(&resolver, &diff.new, s, note)
        })
        .collect();
    notifications.extend(diff.new_capped.iter().map(|c| Notification {
        level: Level::Warning,
        message: Text::new(format!("{}: {}", diff.new, c.summary())),
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: resolver.artifact(&c.file),
                region: None,
            },
        }],
    }));
    let mut properties = serde_json::Map::new();
    properties.insert(
        "diff".to_owned(),
        serde_json::json!({
            "old": diff.old,
            "new": diff.new,
            "added": diff.added.len(),
            "removed": diff.removed.len(),
            "unchanged": diff.unchanged,
            "skipped": {
                "added": diff.skipped.added.len(),
                "removed": diff.skipped.removed.len(),
                "old": diff.skipped.old.len(),
                "new": diff.skipped.new.len(),
            },
            "capped": {
                "old": diff.old_capped.len(),
                "new": diff.new_capped.len(),
            },
        }),
    );
    log(results, notifications, properties)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_rule() {
        for (index, kind) in KINDS.iter().enumerate() {
            assert_eq!(rule_index(*kind), index, "{kind}");
        }
        let rules = rules();
        assert_eq!(rules.len(), KINDS.len());
        assert_eq!(rules[3].id, "env-var");
        assert_eq!(rules[3].name, "EnvironmentVariableRead");
        assert_eq!(rules[8].name, "LocaleOrTimeZoneAPI");
        assert_eq!(rules[3].properties.category, Some(ClaimCategory::Env));
    }

    #[test]
    fn levels() {
        assert_eq!(level(ClaimCategory::Obfuscation), Level::Warning);
        assert_eq!(level(ClaimCategory::OutputMarking), Level::Warning);
        assert_eq!(level(ClaimCategory::Conditional), Level::Warning);
        assert_eq!(level(ClaimCategory::Network), Level::Note);
        assert_eq!(level(ClaimCategory::Env), Level::Note);
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(path_to_uri("dist/cli.js"), "dist/cli.js");
        assert_eq!(path_to_uri("/tmp/a b/ü.js"), "file:///tmp/a%20b/%C3%BC.js");
        assert_eq!(path_to_uri("c:\\x\\y#1.js"), "c%3A/x/y%231.js");
        assert_eq!(path_to_uri("100%.js"), "100%25.js");
    }

    #[test]
    fn archive_entries_name_the_archive() {
        let resolver = Resolver {
            input: "releases/",
            input_is_dir: true,
        };
        let a = resolver.artifact("agent-1.4.0.tgz!package/dist/cli.js");
        assert_eq!(a.uri, "releases/agent-1.4.0.tgz");
        assert_eq!(
            a.properties.map(|p| p.archive_entry).as_deref(),
            Some("package/dist/cli.js")
        );
        let a = resolver.artifact("lib/x.js");
        assert_eq!(a.uri, "releases/lib/x.js");
        assert!(a.properties.is_none());

        let resolver = Resolver {
            input: "dl/agent-1.4.0.tgz",
            input_is_dir: false,
        };
        for file in ["agent-1.4.0.tgz!package/cli.js", "package/cli.js"] {
            let a = resolver.artifact(file);
            assert_eq!(a.uri, "dl/agent-1.4.0.tgz");
            assert_eq!(
                a.properties.map(|p| p.archive_entry).as_deref(),
                Some("package/cli.js")
            );
        }
        let a = resolver.artifact("agent-1.4.0.tgz");
        assert_eq!(a.uri, "dl/agent-1.4.0.tgz");
        assert!(a.properties.is_none());

        let resolver = Resolver {
            input: ".",
            input_is_dir: true,
        };
        assert_eq!(resolver.artifact("a.js").uri, "a.js");
    }
}
