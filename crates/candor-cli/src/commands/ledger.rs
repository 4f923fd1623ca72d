//! `candor ledger`: the trust ledger per vendor, from the local store.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_model::audit::{FindingStatus, Severity};
use candor_model::response::ResponseStatus;
use candor_verify::ledger::{
    BySeverity, DowngradeKind, EquivocationSource, FindingEntry, LedgerReport, LedgerRequest,
    ToolLedger, Totals, Verification, VersionLedger, ledger,
};
use clap::Args;

use super::feed::StoreArgs;
use crate::error::CliError;
use crate::output::{self, Format, Paint, plural};

/// Arguments of `candor ledger`.
#[derive(Debug, Args)]
#[command(
    after_help = "Nothing is verified without --policy: every document is then counted as it \
claims to be, and the output says so.\n\n\
Exit codes: 0 the ledger was read, 2 usage or input error (no store, unknown vendor).\n\n\
Examples:\n  \
candor ledger --policy policy.toml\n  \
candor ledger \"Example Vendor\" --policy policy.toml\n  \
candor ledger acme --policy policy.toml --format json | jq \\\n    '.vendors[0].totals'\n  \
candor feed sync && candor ledger"
)]
pub struct LedgerArgs {
    /// Only this vendor, as its manifests name it (`vendor.name`, any case); every
    /// vendor when absent.
    #[arg(value_name = "VENDOR")]
    vendor: Option<String>,
    /// The trust policy: only documents by the signers it trusts are counted, the
    /// others are listed as untrusted.
    #[arg(long, value_name = "FILE", env = "CANDOR_POLICY")]
    policy: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
    /// The Sigstore trusted root for identities in the policy (default: the embedded
    /// production root).
    #[arg(long, value_name = "FILE", requires = "policy")]
    trusted_root: Option<PathBuf>,
}

/// Run `candor ledger`.
pub fn run(args: &LedgerArgs, format: Format) -> Result<ExitCode, CliError> {
    let report = ledger(&LedgerRequest {
        store: super::feed::store_dir(&args.store)?,
        policy: args.policy.clone(),
        vendor: args.vendor.clone(),
        trusted_root: args.trusted_root.clone(),
    })?;
    match format {
        Format::Json | Format::Sarif => output::json(&report),
        Format::Human => output::stdout(&human(&report, Paint::stdout())),
    }
    Ok(ExitCode::SUCCESS)
}

/// The human rendering of a ledger.
pub fn human(report: &LedgerReport, paint: Paint) -> String {
    let mut out = String::new();
    match &report.verification {
        Verification::Policy { file, version, .. } => {
            let _ = writeln!(
                out,
                "documents verified against {file} (version {version}); untrusted ones are \
                 listed, never counted"
            );
        }
        Verification::Unverified { notice } => {
            let _ = writeln!(out, "{} {notice}", paint.yellow("UNVERIFIED:"));
        }
    }
    if report.documents == 0 {
        let _ = writeln!(
            out,
            "\nthe store ({}) holds no documents: sync a feed first",
            report.store.display()
        );
        return out;
    }
    if report.vendors.is_empty() && report.vendor.is_none() {
        let _ = writeln!(out, "\nno counted manifest names a vendor");
    }
    for vendor in &report.vendors {
        let _ = writeln!(
            out,
            "\n{}  ({} tool{})",
            paint.bold(&vendor.vendor),
            vendor.tools.len(),
            plural(vendor.tools.len())
        );
        for tool in &vendor.tools {
            render_tool(&mut out, tool, paint);
        }
        if vendor.tools.len() > 1 {
            let _ = writeln!(out, "\n  all tools: {}", totals_line(&vendor.totals));
        }
    }
    if !report.unattributed.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.bold("tools no counted manifest names a vendor for")
        );
        for tool in &report.unattributed {
            render_tool(&mut out, tool, paint);
        }
    }
    out
}

fn render_tool(out: &mut String, tool: &ToolLedger, paint: Paint) {
    let _ = writeln!(out, "\n  {}", paint.bold(&tool.tool));
    if !tool.other_vendor_names.is_empty() {
        let _ = writeln!(
            out,
            "  (its manifests also name: {})",
            tool.other_vendor_names.join(", ")
        );
    }
    if !tool.versions.is_empty() {
        let rows: Vec<[Cell; 6]> = tool.versions.iter().map(|v| row(tool, v)).collect();
        table(out, &HEADER, &rows, paint);
    }
    render_findings(out, tool, paint);
    render_events(out, tool, paint);
    let _ = writeln!(out, "  totals: {}", totals_line(&tool.totals));
}

/// A table cell: its text and colour.
#[derive(Debug, Clone)]
struct Cell {
    text: String,
    tone: Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    Good,
    Warn,
    Bad,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone: Tone::Plain,
        }
    }

    fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Self {
            text: text.into(),
            tone,
        }
    }
}

const HEADER: [&str; 6] = [
    "version",
    "manifest",
    "findings",
    "answered",
    "fixed in",
    "response days",
];

fn table<R: AsRef<[Cell]>>(out: &mut String, header: &[&str], rows: &[R], paint: Paint) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(cell.text.chars().count());
        }
    }
    let mut line = String::from("   ");
    for (name, &width) in header.iter().zip(&widths) {
        let _ = write!(line, " {name:<width$} ");
    }
    let _ = writeln!(out, "{}", paint.bold(line.trim_end()));
    for row in rows {
        let mut line = String::from("   ");
        for (cell, &width) in row.as_ref().iter().zip(&widths) {
            let padded = format!("{:<width$}", cell.text);
            let painted = match cell.tone {
                Tone::Plain => padded,
                Tone::Good => paint.green(&padded),
                Tone::Warn => paint.yellow(&padded),
                Tone::Bad => paint.red(&padded),
            };
            let _ = write!(line, " {painted} ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn row(tool: &ToolLedger, version: &VersionLedger) -> [Cell; 6] {
    let against: Vec<&FindingEntry> = version
        .audits
        .iter()
        .flat_map(|a| &a.findings)
        .filter(|f| f.against)
        .collect();
    let mut severities = BySeverity::default();
    for finding in &against {
        severities.add(finding.severity);
    }
    let answered = against.iter().filter(|f| !f.answers.is_empty()).count();
    let findings = if version.audits.is_empty() {
        Cell::toned("not audited", Tone::Warn)
    } else if against.is_empty() {
        Cell::toned("none", Tone::Good)
    } else {
        Cell::toned(
            severity_list(&severities),
            if answered < against.len() {
                Tone::Bad
            } else {
                Tone::Warn
            },
        )
    };
    let answered = if against.is_empty() {
        Cell::plain("-")
    } else {
        Cell::toned(
            format!("{answered}/{}", against.len()),
            if answered == against.len() {
                Tone::Good
            } else {
                Tone::Bad
            },
        )
    };
    let fixed: BTreeSet<&str> = against
        .iter()
        .filter_map(|f| f.fixed_in.as_ref().map(|x| x.version.as_str()))
        .collect();
    let fixed = if fixed.is_empty() {
        "-".to_owned()
    } else {
        fixed.into_iter().collect::<Vec<_>>().join(", ")
    };
    let days: Vec<i64> = against
        .iter()
        .filter_map(|f| f.answers.iter().map(|a| a.days).min())
        .collect();
    let days = match (days.iter().min(), days.iter().max()) {
        (Some(low), Some(high)) if low == high => low.to_string(),
        (Some(low), Some(high)) => format!("{low}-{high}"),
        _ => "-".to_owned(),
    };
    [
        Cell::plain(version.version.clone()),
        manifest_cell(tool, version),
        findings,
        answered,
        Cell::plain(fixed),
        Cell::plain(days),
    ]
}

fn manifest_cell(tool: &ToolLedger, version: &VersionLedger) -> Cell {
    let equivocating = tool
        .equivocations
        .iter()
        .any(|e| e.version == version.version);
    if version.manifests.is_empty() {
        let downgrade = tool
            .downgrades
            .iter()
            .any(|d| d.to == version.version && d.kind == DowngradeKind::NoManifest);
        return Cell::toned("none", if downgrade { Tone::Bad } else { Tone::Warn });
    }
    let superseded = version
        .manifests
        .iter()
        .filter(|m| m.superseded_by.is_some())
        .count();
    let mut text = match &version.in_force {
        Some(sha) => short(sha),
        None => format!("{} in force", version.manifests.len() - superseded),
    };
    if superseded > 0 {
        let _ = write!(text, " (+{superseded} superseded)");
    }
    if equivocating {
        text.push_str(" EQUIVOCATION");
        return Cell::toned(text, Tone::Bad);
    }
    Cell::plain(text)
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

fn severity_list(counts: &BySeverity) -> String {
    counts
        .counts()
        .into_iter()
        .map(|(severity, n)| format!("{n} {}", severity_name(severity)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_name(status: FindingStatus) -> &'static str {
    match status {
        FindingStatus::Confirmed => "confirmed",
        FindingStatus::Contradicted => "contradicted",
        FindingStatus::Undeclared => "undeclared",
        FindingStatus::Inconclusive => "inconclusive",
    }
}

const FINDING_HEADER: [&str; 9] = [
    "date", "version", "finding", "severity", "status", "category", "answer", "days", "summary",
];

/// The findings against the vendor and the open questions, by date then severity.
fn render_findings(out: &mut String, tool: &ToolLedger, paint: Paint) {
    let mut findings: Vec<(&str, &FindingEntry)> = Vec::new();
    for version in &tool.versions {
        for audit in &version.audits {
            for finding in audit
                .findings
                .iter()
                .filter(|f| f.status != FindingStatus::Confirmed)
            {
                findings.push((&version.version, finding));
            }
        }
    }
    if findings.is_empty() {
        return;
    }
    findings.sort_by(|(_, a), (_, b)| {
        a.date
            .to_offset_date_time()
            .cmp(&b.date.to_offset_date_time())
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.id.cmp(&b.id))
    });
    let rows: Vec<Vec<Cell>> = findings
        .into_iter()
        .map(|(version, finding)| {
            let severity = Cell::toned(
                severity_name(finding.severity),
                match finding.severity {
                    Severity::Critical | Severity::High => Tone::Bad,
                    Severity::Medium => Tone::Warn,
                    Severity::Low | Severity::Info => Tone::Plain,
                },
            );
            vec![
                Cell::plain(date(&finding.date)),
                Cell::plain(version),
                Cell::plain(finding.id.clone()),
                severity,
                Cell::plain(status_name(finding.status)),
                Cell::plain(finding.category.as_str()),
                answer_cell(finding),
                Cell::plain(
                    finding
                        .answers
                        .iter()
                        .map(|a| a.days)
                        .min()
                        .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                ),
                Cell::plain(truncate(&finding.summary, 60)),
            ]
        })
        .collect();
    out.push('\n');
    table(out, &FINDING_HEADER, &rows, paint);
}

/// The vendor's latest answer to a finding, and whether the fixing release is known.
fn answer_cell(finding: &FindingEntry) -> Cell {
    let Some(last) = finding.answers.last() else {
        return if finding.against {
            Cell::toned("OPEN", Tone::Bad)
        } else {
            Cell::plain("-")
        };
    };
    match &finding.fixed_in {
        Some(fixed) if last.status == ResponseStatus::Fixed => {
            let mut text = format!("fixed in {}", fixed.version);
            if !fixed.manifest {
                text.push_str(" (no manifest of it here)");
            }
            Cell::toned(text, Tone::Good)
        }
        _ => Cell::toned(
            serde_plain(&last.status),
            if last.status == ResponseStatus::Disputed {
                Tone::Warn
            } else {
                Tone::Plain
            },
        ),
    }
}

fn render_events(out: &mut String, tool: &ToolLedger, paint: Paint) {
    let has_any =
        !tool.equivocations.is_empty() || !tool.downgrades.is_empty() || !tool.untrusted.is_empty();
    if has_any {
        out.push('\n');
    }
    for e in &tool.equivocations {
        let found: Vec<&str> = e
            .found_by
            .iter()
            .map(|s| match s {
                EquivocationSource::Manifests => "manifests",
                EquivocationSource::StoreEvent => "store event",
            })
            .collect();
        let _ = writeln!(
            out,
            "    {}  {}: {} [{}; {}]",
            paint.red("equivocation"),
            e.version,
            e.detail,
            e.manifests
                .iter()
                .map(|m| short(m))
                .collect::<Vec<_>>()
                .join(", "),
            found.join(", ")
        );
    }
    for d in &tool.downgrades {
        let what = match d.kind {
            DowngradeKind::FewerExhaustive => format!(
                "fewer categories asserted exhaustive: {} no longer",
                d.dropped
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            DowngradeKind::NoManifest => format!("no manifest, where {} had one", d.from),
        };
        let _ = writeln!(
            out,
            "    {}     {} -> {}: {what}",
            paint.yellow("downgrade"),
            d.from,
            d.to
        );
    }
    for u in &tool.untrusted {
        let _ = writeln!(
            out,
            "    {}     {} {} for {} (signer {}), not counted: {}",
            paint.yellow("untrusted"),
            u.kind,
            short(&u.sha256),
            u.version,
            if u.claimed_signer.is_empty() {
                "?"
            } else {
                &u.claimed_signer
            },
            u.reason
        );
    }
    out.push('\n');
}

fn totals_line(t: &Totals) -> String {
    let mut line = format!(
        "{} manifest{}, {} audit{}; {} finding{} against the vendor",
        t.manifests,
        plural(t.manifests),
        t.audits,
        plural(t.audits),
        t.findings,
        plural(t.findings)
    );
    if t.findings > 0 {
        let _ = write!(
            line,
            " ({}): {} answered, {} open, {} fixed",
            severity_list(&t.by_severity),
            t.answered,
            t.open,
            t.fixed
        );
    }
    if t.confirmed > 0 {
        let _ = write!(line, "; {} confirmed", t.confirmed);
    }
    if let (Some(median), Some(max)) = (t.median_response_days, t.max_response_days) {
        let _ = write!(line, "; response days median {median}, max {max}");
    }
    let _ = write!(
        line,
        "; {} equivocation{}, {} downgrade{}, {} untrusted",
        t.equivocations,
        plural(t.equivocations),
        t.downgrades,
        plural(t.downgrades),
        t.untrusted
    );
    line
}

fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The date part of a timestamp (`2026-11-29`).
fn date(timestamp: &candor_model::ids::Timestamp) -> String {
    timestamp.as_str().chars().take(10).collect()
}

fn short(sha256: &str) -> String {
    sha256.chars().take(16).collect()
}

fn truncate(text: &str, max: usize) -> String {
    let text = text.replace('\n', " ");
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}
