//! `candor scan` and `candor scan --diff OLD NEW`.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use candor_scan::{
    Capped, Change, Indicator, Role, ScanDiff, ScanFilter, ScanOutcome, ScanReport, ScanRequest,
    Skipped, sarif,
};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use candor_model::audit::Severity;
use candor_model::claims::ClaimCategory;
use candor_model::pattern::Pattern;

use candor_audit::draft::ManifestSource;
use candor_scan::coverage::ManifestMatch;
use candor_sign::verify::TrustedSigners;

use crate::error::CliError;
use crate::output::{self, Format};

/// Inputs larger than this (in total) get a progress bar, when stderr is a terminal.
const PROGRESS_MIN_BYTES: u64 = 50_000_000;

/// Arguments of `candor scan`.
#[derive(Debug, Args)]
#[command(
    after_help = "Finds network endpoints, environment variables, paths, processes, time-zone and \
locale conditions, telemetry SDKs, look-alike and invisible characters, and encoded blobs, including what \
hides under base64, hex, escapes, String.fromCharCode and single-byte XOR (every key).\n\n\
Examples:\n  \
candor scan dist/agent.js\n  \
candor scan node_modules/@acme/agent --format json\n  \
candor scan dist/ --format sarif > candor.sarif\n  \
candor scan --diff agent-1.3.0/ agent-1.4.0/\n  \
candor scan --diff agent-1.3.0.tgz agent-1.4.0.tgz --fail-on conditional\n  \
candor scan agent-1.4.0.tgz --manifest manifest.dsse.json --key vendor.pub\n  \
candor scan --rules extra-rules.toml dist/agent"
)]
#[allow(clippy::struct_excessive_bools)] // each a flag of the command line
pub struct ScanArgs {
    /// Files or directories to scan (with --diff: exactly OLD and NEW).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Report what was added and removed between OLD and NEW.
    #[arg(long)]
    diff: bool,
    /// Extra rules (TOML: [[rule]] category = …, literal = … or regex = …). Repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// How many decodings deep to look (base64 → xor → hex is 3).
    #[arg(long, default_value_t = 3)]
    max_depth: usize,
    /// Report the plain-text indicators of documentation and type declarations too
    /// (Markdown, licences, changelogs, READMEs, .d.ts); by default they are counted
    /// apart. What hides in them (decoded content, obfuscation) is always reported.
    #[arg(long)]
    include_docs: bool,
    /// Only indicators of this category (network, env, process, conditional …).
    /// Repeatable.
    #[arg(long = "category", value_name = "CATEGORY")]
    categories: Vec<ClaimCategory>,
    /// Leave out files matching PATTERN (`*` matches anything, `/` included), tried on
    /// the full name, the path inside the archive and the base name. Repeatable.
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<Pattern>,
    /// Only indicators of at least this severity (info, low, medium, high, critical;
    /// what an undeclared indicator of its category rates).
    #[arg(long, value_name = "SEVERITY")]
    min_severity: Option<Severity>,
    /// One line per file (its role and indicators by category) instead of every
    /// indicator; JSON keeps the files and drops the indicator list.
    #[arg(long)]
    summary: bool,
    /// Exit 1 when an indicator (with --diff: an added one) of this CATEGORY or of at
    /// least this SEVERITY is reported, when anything was added (`added`, with --diff),
    /// or when an entry was skipped (`skipped`; with --diff: newly skipped). Repeatable.
    #[arg(long = "fail-on", value_name = "CATEGORY|SEVERITY|added|skipped")]
    fail_on: Vec<FailOn>,
    /// Show which indicators this manifest (envelope or bundle) covers, by which claim
    /// or exception, and which it does not.
    #[arg(long, value_name = "ENVELOPE", conflicts_with = "diff")]
    manifest: Option<PathBuf>,
    /// The vendor's public key to check --manifest with. Repeatable.
    #[arg(long = "key", value_name = "PUB", requires = "manifest")]
    keys: Vec<PathBuf>,
    /// Read --manifest without checking its signature (the report says so).
    #[arg(long, requires = "manifest", conflicts_with = "keys")]
    untrusted_manifest: bool,
}

/// A condition that makes `candor scan` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// An indicator of this category.
    Category(ClaimCategory),
    /// An indicator of at least this severity.
    Severity(Severity),
    /// Anything added (diff).
    Added,
    /// An entry skipped (diff: newly skipped).
    Skipped,
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "added" => Ok(FailOn::Added),
            "skipped" => Ok(FailOn::Skipped),
            _ => s
                .parse()
                .map(FailOn::Category)
                .or_else(|_| s.parse().map(FailOn::Severity))
                .map_err(|_| {
                    format!(
                        "expected a category ({}), a severity (info, low, medium, high, \
                         critical), `added` or `skipped`",
                        ClaimCategory::ALL.map(ClaimCategory::as_str).join(", ")
                    )
                }),
        }
    }
}

impl std::fmt::Display for FailOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailOn::Category(c) => write!(f, "{c}"),
            FailOn::Severity(s) => write!(f, "{s}"),
            FailOn::Added => f.write_str("added"),
            FailOn::Skipped => f.write_str("skipped"),
        }
    }
}

/// What matched each `--fail-on` condition: `(condition, count, first match)`.
fn fail_matches(
    conditions: &[FailOn],
    indicators: &[&Indicator],
    skipped: &[&Skipped],
    diff: bool,
) -> Vec<(FailOn, usize, String)> {
    conditions
        .iter()
        .filter_map(|&condition| {
            let described =
                |i: &&Indicator| format!("{} {} in {}", i.kind.as_str(), i.value, i.evidence.file);
            let (count, first) = match condition {
                FailOn::Category(c) => {
                    let hits: Vec<_> = indicators.iter().filter(|i| i.category == c).collect();
                    (hits.len(), hits.first().map(|i| described(i)))
                }
                FailOn::Severity(min) => {
                    let hits: Vec<_> = indicators.iter().filter(|i| i.severity() >= min).collect();
                    (hits.len(), hits.first().map(|i| described(i)))
                }
                FailOn::Added if diff => (indicators.len(), indicators.first().map(described)),
                FailOn::Added => (0, None),
                FailOn::Skipped => (
                    skipped.len(),
                    skipped.first().map(|s| format!("{}: {}", s.path, s.reason)),
                ),
            };
            first.map(|first| (condition, count, first))
        })
        .collect()
}

/// Run `candor scan`.
pub fn run(args: &ScanArgs, format: Format) -> Result<ExitCode, CliError> {
    if args.fail_on.contains(&FailOn::Added) && !args.diff {
        return Err(CliError::usage(
            "--fail-on added needs --diff: only a diff has added indicators",
            "pass --diff OLD NEW, or fail on a category or severity",
        ));
    }
    let manifest = manifest_source(args)?;
    let progress = Progress::start(&args.paths);
    let outcome = candor_scan::scan(
        &ScanRequest {
            paths: args.paths.clone(),
            rules: args.rules.clone(),
            max_depth: args.max_depth,
            diff: args.diff,
            include_docs: args.include_docs,
            filter: ScanFilter {
                categories: args.categories.clone(),
                exclude: args.exclude.clone(),
                min_severity: args.min_severity,
            },
        },
        &mut |event| match event {
            candor_scan::Progress::Scanning { path, .. } => progress.scanning(path),
            candor_scan::Progress::Scanned { index } => progress.scanned(index),
        },
    )?;
    progress.finish();
    let mut outcome = outcome;
    if let (Some(source), ScanOutcome::Reports(output)) = (&manifest, &mut outcome) {
        let indicators: Vec<Indicator> = output
            .reports
            .iter()
            .flat_map(|r| r.indicators.iter().cloned())
            .collect();
        output.manifest = Some(candor_audit::draft::manifest_match(source, &indicators)?);
    }
    let failed = match &outcome {
        ScanOutcome::Diff(output) => {
            // One per value added, as the diff counts them.
            let added: Vec<&Indicator> = output
                .diff
                .added
                .iter()
                .filter_map(|c| c.evidence.first())
                .collect();
            let skipped: Vec<&Skipped> = output.diff.skipped.added.iter().collect();
            fail_matches(&args.fail_on, &added, &skipped, true)
        }
        ScanOutcome::Reports(output) => {
            let indicators: Vec<&Indicator> =
                output.reports.iter().flat_map(|r| &r.indicators).collect();
            let skipped: Vec<&Skipped> = output.reports.iter().flat_map(|r| &r.skipped).collect();
            fail_matches(&args.fail_on, &indicators, &skipped, false)
        }
    };
    match (outcome, format) {
        (ScanOutcome::Diff(output), Format::Human) => render(|out| write_diff(out, &output.diff)),
        (ScanOutcome::Diff(output), Format::Json) => output::json(&output),
        (ScanOutcome::Diff(output), Format::Sarif) => {
            output::json(&sarif::diff_to_sarif(&output.diff));
        }
        (ScanOutcome::Reports(output), Format::Human) if args.summary => render(|out| {
            output
                .reports
                .iter()
                .try_for_each(|report| write_summary(out, report))
        }),
        (ScanOutcome::Reports(mut output), Format::Json) if args.summary => {
            for report in &mut output.reports {
                report.indicators.clear();
            }
            output::json(&output);
        }
        (ScanOutcome::Reports(output), Format::Human) => render(|out| {
            output
                .reports
                .iter()
                .try_for_each(|report| write_report(out, report))?;
            output
                .manifest
                .as_ref()
                .map_or(Ok(()), |m| write_manifest_match(out, m))
        }),
        (ScanOutcome::Reports(output), Format::Json) => output::json(&output),
        (ScanOutcome::Reports(output), Format::Sarif) => {
            output::json(&sarif::to_sarif(&output.reports));
        }
    }
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for (condition, count, first) in &failed {
        output::stderr(&format!(
            "fail-on {condition}: {count} match(es), the first {first}"
        ));
    }
    Ok(ExitCode::FAILURE)
}

/// A progress bar on stderr while large inputs are scanned: the scanner reports no
/// progress of its own, so the bar advances by whole inputs, and a spinner and the
/// elapsed time show that a long single input is still being read. Hidden unless stderr
/// is a terminal and the inputs exceed [`PROGRESS_MIN_BYTES`].
struct Progress {
    bar: ProgressBar,
    /// Bytes of each input, in order.
    sizes: Vec<u64>,
}

impl Progress {
    fn start(paths: &[PathBuf]) -> Self {
        let hidden = || Progress {
            bar: ProgressBar::hidden(),
            sizes: Vec::new(),
        };
        // Sizing a directory walks it: only worth it when a bar may be drawn.
        if !std::io::stderr().is_terminal() {
            return hidden();
        }
        let sizes: Vec<u64> = paths.iter().map(|p| input_bytes(p)).collect();
        let total = sizes.iter().sum();
        if !shows_progress(true, total) {
            return hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        // One input: nothing to count but its size; several: inputs done, in bytes.
        let template = if paths.len() == 1 {
            "{spinner} [{elapsed_precise}] scanning {msg} ({total_bytes})"
        } else {
            "{spinner} [{elapsed_precise}] scanning {msg}  {bytes}/{total_bytes} {wide_bar}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar, sizes }
    }

    fn scanning(&self, path: &Path) {
        self.bar.set_message(path.display().to_string());
    }

    fn scanned(&self, index: usize) {
        self.bar.inc(self.sizes.get(index).copied().unwrap_or(0));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// An error leaves no stale bar above its message.
impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Whether a scan of `total` bytes shows a progress bar.
fn shows_progress(stderr_is_terminal: bool, total: u64) -> bool {
    stderr_is_terminal && total > PROGRESS_MIN_BYTES
}

/// Bytes of the regular files under `path` (followed if it is a symbolic link, as the
/// scan follows it; links inside not followed, unreadable entries counted as 0: the scan
/// itself reports them).
fn input_bytes(path: &Path) -> u64 {
    match fs_err::metadata(path) {
        Ok(metadata) if metadata.is_file() => metadata.len(),
        Ok(metadata) if metadata.is_dir() => directory_bytes(path),
        _ => 0,
    }
}

/// Bytes of the regular files under `path`, links not followed.
fn tree_bytes(path: &Path) -> u64 {
    match fs_err::symlink_metadata(path) {
        Ok(metadata) if metadata.is_file() => metadata.len(),
        Ok(metadata) if metadata.is_dir() => directory_bytes(path),
        _ => 0,
    }
}

/// Bytes of the regular files in the directory `path`, links inside not followed.
fn directory_bytes(path: &Path) -> u64 {
    fs_err::read_dir(path).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|entry| tree_bytes(&entry.path()))
            .sum()
    })
}

/// Write human output to stdout as it is rendered; a closed pipe ends it quietly.
fn render(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
    let mut out = output::stdout_writer();
    let _ = write(&mut out).and_then(|()| out.flush());
}

/// `cli.js:3:14 @120  plain` (line and column in a text file), `agent [.rodata] @120
/// plain`, or `cli.js:3:14 @120 … @98765  base64` for a value found more than once.
fn location(indicator: &Indicator) -> String {
    let e = &indicator.evidence;
    let last = if indicator.occurrences > 1 {
        format!(" … @{}", indicator.last_offset)
    } else {
        String::new()
    };
    let line = match (e.line, e.column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        _ => String::new(),
    };
    format!(
        "{}{line}{} @{}{last}  {}",
        e.file,
        e.section
            .as_ref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default(),
        e.offset,
        indicator.chain_text()
    )
}

/// `  ×12` for a value found 12 times, nothing for one found once.
fn times(occurrences: u64) -> String {
    if occurrences > 1 {
        format!("  ×{occurrences}")
    } else {
        String::new()
    }
}

/// `scanned x.tgz: 92 file(s), 2235438 bytes, 175 indicator(s)`, no line end.
fn write_header(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    write!(
        out,
        "scanned {}: {} file(s), {} bytes, {} indicator(s)",
        report.input,
        report.files.len(),
        report.bytes(),
        report.indicators.len()
    )
}

fn write_report(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let occurrences: u64 = report.indicators.iter().map(|i| i.occurrences).sum();
    write_header(out, report)?;
    if occurrences > report.indicators.len() as u64 {
        write!(out, ", {occurrences} occurrences")?;
    }
    // What was not read, or not read fully, is said up front: the lists come last.
    let mut caveats = Vec::new();
    if !report.skipped.is_empty() {
        caveats.push(format!("{} not scanned", report.skipped.len()));
    }
    if !report.degraded.is_empty() {
        caveats.push(format!(
            "{} scanned in a degraded way",
            report.degraded.len()
        ));
    }
    if !report.capped.is_empty() {
        caveats.push(format!(
            "{} with indicators past the cap",
            report.capped.len()
        ));
    }
    if !caveats.is_empty() {
        write!(out, "; {} (listed below)", caveats.join(", "))?;
    }
    writeln!(out)?;
    write_install_scripts(out, report)?;
    write_set_aside(out, report)?;
    let install: std::collections::HashSet<&str> = report
        .files
        .iter()
        .filter(|f| f.role == Role::InstallScript)
        .map(|f| f.path.as_str())
        .collect();
    let mut by_category: BTreeMap<_, Vec<&Indicator>> = BTreeMap::new();
    for indicator in &report.indicators {
        by_category
            .entry(indicator.category)
            .or_default()
            .push(indicator);
    }
    for (category, indicators) in by_category {
        writeln!(out, "\n{category} ({})", indicators.len())?;
        for i in indicators {
            writeln!(
                out,
                "  {:<14} {}{}",
                i.kind.as_str(),
                i.value,
                times(i.occurrences)
            )?;
            let runs = if install.contains(i.evidence.file.as_str()) {
                "  (runs on install)"
            } else {
                ""
            };
            writeln!(out, "  {:<14} {}{runs}", "", location(i))?;
            writeln!(out, "  {:<14} {}", "", i.evidence.excerpt)?;
        }
    }
    write_capped(out, "capped", &report.capped)?;
    let skipped: Vec<&Skipped> = report.skipped.iter().collect();
    write_skipped(out, "skipped", &skipped)?;
    if !report.degraded.is_empty() {
        writeln!(out, "\ndegraded ({})", report.degraded.len())?;
        for d in &report.degraded {
            writeln!(out, "  {}: {}", d.path, d.reason)?;
        }
    }
    Ok(())
}

/// What the package manifests make npm run on install, first: it runs before anyone has
/// used the tool.
fn write_install_scripts(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    for script in &report.install_scripts {
        write!(
            out,
            "runs on install: {} `{}` ({})",
            script.hook, script.command, script.package
        )?;
        if !script.files.is_empty() {
            write!(out, ": {}", script.files.join(", "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One line on what the report sets aside, when it sets anything aside.
fn write_set_aside(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    if report.set_aside.is_empty() {
        return Ok(());
    }
    let indicators: usize = report.set_aside.iter().map(|s| s.indicators).sum();
    writeln!(
        out,
        "set aside: {indicators} indicator(s) in {} documentation or declaration file(s), not \
         listed (--include-docs lists them; the release gate and verify --scan judge them)",
        report.set_aside.len()
    )
}

/// One line per file: its role, and its indicators by category.
fn write_summary(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    write_header(out, report)?;
    writeln!(out)?;
    write_install_scripts(out, report)?;
    let mut by_file: BTreeMap<&str, BTreeMap<ClaimCategory, usize>> = BTreeMap::new();
    for i in &report.indicators {
        *by_file
            .entry(i.evidence.file.as_str())
            .or_default()
            .entry(i.category)
            .or_default() += 1;
    }
    let aside: BTreeMap<&str, usize> = report
        .set_aside
        .iter()
        .map(|s| (s.path.as_str(), s.indicators))
        .collect();
    let width = report.files.iter().map(|f| f.path.len()).max().unwrap_or(0);
    for file in &report.files {
        let counts = by_file.get(file.path.as_str());
        let total: usize = counts.map_or(0, |c| c.values().sum());
        let detail = match (counts, aside.get(file.path.as_str())) {
            (Some(counts), _) => counts
                .iter()
                .map(|(category, n)| format!("{category} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            (None, Some(n)) => format!("{n} set aside"),
            (None, None) => String::new(),
        };
        writeln!(
            out,
            "  {:<width$}  {:<14} {total:>6}  {detail}",
            file.path,
            file.role.as_str()
        )?;
    }
    let skipped: Vec<&Skipped> = report.skipped.iter().collect();
    write_skipped(out, "skipped", &skipped)
}

/// The manifest to match the indicators with, from `--manifest`, `--key` and
/// `--untrusted-manifest`.
fn manifest_source(args: &ScanArgs) -> Result<Option<ManifestSource>, CliError> {
    let Some(file) = &args.manifest else {
        return Ok(None);
    };
    if args.untrusted_manifest {
        return Ok(Some(ManifestSource::Untrusted { file: file.clone() }));
    }
    if args.keys.is_empty() {
        return Err(CliError::usage(
            "no vendor key given to check --manifest with",
            "pass --key VENDOR.pub, or --untrusted-manifest to read it without checking",
        ));
    }
    let signers = TrustedSigners::from_files(
        &args.keys,
        Vec::new(),
        None,
        candor_sign::sigstore::Instance::Production,
    )
    .map_err(|e| CliError::Envelope(candor_verify::envelope::EnvelopeError::Trust(e)))?;
    Ok(Some(ManifestSource::Verified {
        file: file.clone(),
        signers,
        threshold: std::num::NonZeroUsize::MIN,
    }))
}

/// What the manifest covers: by claim, by exception, and what it does not.
fn write_manifest_match(out: &mut dyn Write, m: &ManifestMatch) -> io::Result<()> {
    let checked = if m.signature_checked {
        "signature checked"
    } else {
        "signature NOT checked"
    };
    writeln!(
        out,
        "\nmanifest {} ({} {}, {checked})",
        m.manifest, m.tool, m.version
    )?;
    let covered: Vec<_> = m.claims.iter().filter(|c| !c.values.is_empty()).collect();
    writeln!(out, "  covered by a claim ({})", covered.len())?;
    for c in covered {
        writeln!(out, "    {}: {}", c.claim, c.values.join(", "))?;
    }
    let excepted: Vec<_> = m
        .exceptions
        .iter()
        .filter(|e| !e.values.is_empty())
        .collect();
    if !excepted.is_empty() {
        writeln!(out, "  covered by an exception ({})", excepted.len())?;
        for e in excepted {
            writeln!(out, "    {} {}: {}", e.kind, e.value, e.values.join(", "))?;
        }
    }
    writeln!(out, "  not covered ({})", m.uncovered.len())?;
    for u in &m.uncovered {
        writeln!(out, "    {}: {}", u.category, u.summary)?;
    }
    let unsupported: Vec<&str> = m
        .claims
        .iter()
        .filter(|c| c.values.is_empty())
        .map(|c| c.claim.as_str())
        .collect();
    if !unsupported.is_empty() {
        writeln!(
            out,
            "  claims the scan shows nothing of ({}): {}",
            unsupported.len(),
            unsupported.join(", ")
        )?;
    }
    Ok(())
}

/// Files with more distinct indicators than a scan keeps, under `title`.
fn write_capped(out: &mut dyn Write, title: &str, capped: &[Capped]) -> io::Result<()> {
    if !capped.is_empty() {
        writeln!(out, "\n{title} ({})", capped.len())?;
        for c in capped {
            writeln!(out, "  {}", c.summary())?;
        }
    }
    Ok(())
}

fn write_changes(out: &mut dyn Write, title: &str, changes: &[Change]) -> io::Result<()> {
    writeln!(out, "\n{title} ({})", changes.len())?;
    for change in changes {
        let occurrences: u64 = change.evidence.iter().map(|i| i.occurrences).sum();
        writeln!(
            out,
            "  {:<14} {:<14} {}{}",
            change.category.as_str(),
            change.kind.as_str(),
            change.value,
            times(occurrences)
        )?;
        for i in &change.evidence {
            writeln!(out, "  {:<29} {}", "", location(i))?;
        }
    }
    Ok(())
}

/// Skipped entries under `title`; nothing when there are none.
fn write_skipped(out: &mut dyn Write, title: &str, skipped: &[&Skipped]) -> io::Result<()> {
    if !skipped.is_empty() {
        writeln!(out, "\n{title} ({})", skipped.len())?;
        for s in skipped {
            writeln!(out, "  {}: {}", s.path, s.reason)?;
        }
    }
    Ok(())
}

/// What changed, and what went unscanned: entries the new release's scan skipped and the
/// old one's did not are a change (`newly skipped`); those skipped in both, and those no
/// longer skipped, are listed when there are any, and so are files either side with
/// indicators past the cap.
fn write_diff(out: &mut dyn Write, diff: &ScanDiff) -> io::Result<()> {
    let skipped = &diff.skipped;
    writeln!(
        out,
        "diff {} → {}: {} added, {} removed, {} unchanged, {} newly skipped",
        diff.old,
        diff.new,
        diff.added.len(),
        diff.removed.len(),
        diff.unchanged,
        skipped.added.len()
    )?;
    write_changes(out, "added", &diff.added)?;
    write_changes(out, "removed", &diff.removed)?;
    let newly: Vec<&Skipped> = skipped.added.iter().collect();
    writeln!(out, "\nnewly skipped ({})", newly.len())?;
    for s in &newly {
        writeln!(out, "  {}: {}", s.path, s.reason)?;
    }
    let still: Vec<&Skipped> = skipped
        .new
        .iter()
        .filter(|s| !skipped.added.contains(s))
        .collect();
    write_skipped(out, "still skipped", &still)?;
    let gone: Vec<&Skipped> = skipped.removed.iter().collect();
    write_skipped(out, "no longer skipped", &gone)?;
    write_capped(
        out,
        "capped in old, not compared past the cap",
        &diff.old_capped,
    )?;
    write_capped(
        out,
        "capped in new, not compared past the cap",
        &diff.new_capped,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_for_large_inputs_on_a_terminal() {
        assert!(!shows_progress(true, PROGRESS_MIN_BYTES));
        assert!(shows_progress(true, PROGRESS_MIN_BYTES + 1));
        assert!(!shows_progress(false, 1 << 40));
    }

    #[test]
    fn input_bytes_sums_a_tree_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(dir.path().join("a/b")).unwrap();
        fs_err::write(dir.path().join("a/x"), [0u8; 10]).unwrap();
        fs_err::write(dir.path().join("a/b/y"), [0u8; 32]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("link")).unwrap();
        assert_eq!(input_bytes(dir.path()), 42);
        assert_eq!(input_bytes(&dir.path().join("a/x")), 10);
        assert_eq!(input_bytes(&dir.path().join("missing")), 0);
        // A link given as the input is followed, as the scan follows it.
        #[cfg(unix)]
        assert_eq!(input_bytes(&dir.path().join("link")), 42);
    }
}
