//! `candor scan` and `candor scan --diff OLD NEW`.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use candor_scan::{
    Capped, Change, Indicator, ScanDiff, ScanOutcome, ScanReport, ScanRequest, Skipped, sarif,
};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
candor scan --rules extra-rules.toml dist/agent"
)]
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
}

/// Run `candor scan`.
pub fn run(args: &ScanArgs, format: Format) -> Result<ExitCode, CliError> {
    let progress = Progress::start(&args.paths);
    let outcome = candor_scan::scan(
        &ScanRequest {
            paths: args.paths.clone(),
            rules: args.rules.clone(),
            max_depth: args.max_depth,
            diff: args.diff,
        },
        &mut |event| match event {
            candor_scan::Progress::Scanning { path, .. } => progress.scanning(path),
            candor_scan::Progress::Scanned { index } => progress.scanned(index),
        },
    )?;
    progress.finish();
    match (outcome, format) {
        (ScanOutcome::Diff(output), Format::Human) => render(|out| write_diff(out, &output.diff)),
        (ScanOutcome::Diff(output), Format::Json) => output::json(&output),
        (ScanOutcome::Diff(output), Format::Sarif) => {
            output::json(&sarif::diff_to_sarif(&output.diff));
        }
        (ScanOutcome::Reports(output), Format::Human) => render(|out| {
            output
                .reports
                .iter()
                .try_for_each(|report| write_report(out, report))
        }),
        (ScanOutcome::Reports(output), Format::Json) => output::json(&output),
        (ScanOutcome::Reports(output), Format::Sarif) => {
            output::json(&sarif::to_sarif(&output.reports));
        }
    }
    Ok(ExitCode::SUCCESS)
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

/// `cli.js [.rodata] @120  plain`, or `cli.js @120 … @98765  base64` for a value found
/// more than once.
fn location(indicator: &Indicator) -> String {
    let e = &indicator.evidence;
    let last = if indicator.occurrences > 1 {
        format!(" … @{}", indicator.last_offset)
    } else {
        String::new()
    };
    format!(
        "{}{} @{}{last}  {}",
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

fn write_report(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let occurrences: u64 = report.indicators.iter().map(|i| i.occurrences).sum();
    write!(
        out,
        "scanned {}: {} file(s), {} bytes, {} indicator(s)",
        report.input,
        report.files.len(),
        report.bytes(),
        report.indicators.len()
    )?;
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
            writeln!(out, "  {:<14} {}", "", location(i))?;
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
