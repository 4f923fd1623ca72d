//! `candor manifest generate`: the manifest of a tagged release, through the completeness
//! gate, with its behaviour changelog.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_release::generate::{self, GenerateReport, GenerateRequest};
use candor_release::statement::ArtifactSpec;
use candor_sign::file::{FileMode, write_atomic};
use clap::Args;

use crate::error::CliError;
use crate::output::{self, Format};

/// Arguments of `candor manifest generate`.
#[derive(Debug, Args)]
#[command(
    after_help = "The declaration is read from candor.toml in the commit TAG points at \
(not the work tree), and its [source] must agree with the repository (origin remote, tag, commit). \
Every artifact is digested (sha256; with --sha512 also sha512) and scanned; the completeness gate fails (exit 1, \
nothing written) when the scanner finds behaviour no claim declares, listing each finding with \
its evidence and decoding chain, unless candor.toml records an [[exception]] with a reason, \
which then travels in the signed manifest. Claims nothing in the artifacts supports are warnings. \
The manifest carries a changelog against the previous release (--previous, default the nearest \
earlier tag); with --previous-artifact it includes what the scanner sees added and removed.\n\n\
Examples:\n  \
candor manifest generate --repo . --tag v1.4.1 \\\n    --artifact dist/agent-1.4.1.tgz=pkg:npm/%40acme/agent@1.4.1 \\\n    --out statement.json\n  \
candor manifest generate --repo . --tag v1.4.1 \\\n    --artifact dist/agent-linux --artifact dist/agent-macos \\\n    --previous-artifact old/agent-linux --notes NOTES.md \\\n    --out statement.json"
)]
pub struct GenerateArgs {
    /// The release's git repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// The release's tag.
    #[arg(long, value_name = "TAG")]
    tag: String,
    /// An artifact of the release: PATH, or PATH=PURL to name it. Repeatable (a
    /// multi-platform release is one manifest).
    #[arg(long = "artifact", value_name = "PATH[=PURL]", required = true)]
    artifacts: Vec<String>,
    /// The previous release's tag (default: the nearest earlier tag).
    #[arg(long, value_name = "TAG")]
    previous: Option<String>,
    /// An artifact of the previous release, scanned for the changelog's indicators.
    /// Repeatable.
    #[arg(long = "previous-artifact", value_name = "PATH")]
    previous_artifacts: Vec<PathBuf>,
    /// The published manifest envelope this one replaces (same release and signer).
    #[arg(long, value_name = "ENVELOPE")]
    supersedes: Option<PathBuf>,
    /// Also record each artifact's sha512 beside its sha256.
    #[arg(long)]
    sha512: bool,
    /// Write the Statement here (atomically); without it, the Statement goes to stdout
    /// and the report to stderr.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Write the changelog as Markdown here, for the release notes.
    #[arg(long, value_name = "FILE")]
    notes: Option<PathBuf>,
    /// Replace --out and --notes if they exist (without it, existing files are refused).
    #[arg(long)]
    force: bool,
}

/// Run `candor manifest generate`.
pub fn run(args: &GenerateArgs, format: Format) -> Result<ExitCode, CliError> {
    for out in args.out.iter().chain(&args.notes) {
        candor_sign::file::refuse_existing(out, args.force)?;
    }
    if format != Format::Human && args.out.is_none() {
        return Err(CliError::usage(
            "--format json prints the report on stdout; the Statement needs --out",
            "pass --out statement.json",
        ));
    }
    let artifacts = args
        .artifacts
        .iter()
        .map(|spec| ArtifactSpec::parse(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let generated = generate::generate(&GenerateRequest {
        repo: args.repo.clone(),
        tag: args.tag.clone(),
        artifacts,
        previous: args.previous.clone(),
        previous_artifacts: args.previous_artifacts.clone(),
        supersedes: args.supersedes.clone(),
        sha512: args.sha512,
    })?;
    let report = &generated.report;
    if let Some(statement) = &generated.statement {
        let text = statement.to_pretty_json();
        match &args.out {
            Some(out) => write_atomic(out, text.as_bytes(), FileMode::Public)?,
            None => output::stdout(&text),
        }
        if let (Some(notes), Some(markdown)) = (&args.notes, &report.changelog_markdown) {
            write_atomic(notes, markdown.as_bytes(), FileMode::Public)?;
        }
    }
    match format {
        Format::Json | Format::Sarif => output::json(report),
        Format::Human => {
            let text = human(report, args.out.as_ref());
            if args.out.is_some() || !report.gate.passed {
                output::stdout(&text);
            } else {
                output::stderr(text.trim_end());
            }
        }
    }
    Ok(if report.gate.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn human(report: &GenerateReport, out: Option<&PathBuf>) -> String {
    let mut text = String::new();
    let tag_kind = match (report.tag_annotated, report.tag_signed) {
        (true, true) => "annotated, signed tag",
        (true, false) => "annotated tag",
        _ => "lightweight tag",
    };
    let gate = &report.gate;
    if gate.passed {
        let _ = writeln!(
            text,
            "generated manifest for {} {} at {} (commit {}, {tag_kind})",
            report.tool,
            report.version,
            report.tag,
            &report.commit[..report.commit.len().min(12)]
        );
    } else {
        let unscanned = gate.unscanned.iter().filter(|e| !e.excepted).count();
        let _ = writeln!(
            text,
            "completeness gate FAILED for {} {} at {}: {} finding(s) no claim declares{}",
            report.tool,
            report.version,
            report.tag,
            gate.uncovered.len(),
            if unscanned > 0 {
                format!(
                    ", {unscanned} entr{} not scanned",
                    if unscanned == 1 { "y" } else { "ies" }
                )
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(text, "  release date  {}", report.release_date);
    for subject in &report.subjects {
        let _ = writeln!(
            text,
            "  subject       {} sha256 {}",
            subject.name,
            subject.digest.sha256().unwrap_or_default()
        );
    }
    let _ = writeln!(
        text,
        "  gate          {} indicator(s): {} covered by claims, {} by exceptions, {} informational, {} finding(s) undeclared",
        gate.indicators,
        gate.covered,
        gate.excepted,
        gate.informational,
        gate.uncovered.len()
    );
    for exception in &gate.exceptions {
        let _ = writeln!(
            text,
            "  exception     {} {} ({} covered): {}",
            exception.kind, exception.value, exception.covered, exception.reason
        );
    }
    human_uncovered(&mut text, &gate.uncovered);
    for entry in &gate.unscanned {
        let _ = writeln!(
            text,
            "\n  {} {}: {}",
            if entry.excepted {
                "UNSCANNED (excepted)"
            } else {
                "UNSCANNED"
            },
            entry.path,
            entry.reason
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(text, "warning: {warning}");
    }
    if !gate.passed {
        text.push_str(
            "hint: declare the behaviour in candor.toml (a claim of the category named), or, \
             if it is not behaviour of the tool, an [[exception]] with the reason; content \
             not scanned needs an [[exception]] of kind \"unscanned\" naming its path, or \
             the artifact fixed; then tag again\n",
        );
        return text;
    }
    if let Some(out) = out {
        let _ = writeln!(text, "  wrote         {}", out.display());
    }
    let _ = writeln!(
        text,
        "  time          git {:.2} s, digests {:.2} s, scan {:.2} s",
        report.timings.git_seconds, report.timings.digest_seconds, report.timings.scan_seconds
    );
    if let Some(markdown) = &report.changelog_markdown {
        let _ = write!(text, "\n{markdown}");
    }
    text
}

/// Each finding no claim declares, with where it was found and its decoding chain.
fn human_uncovered(text: &mut String, groups: &[candor_release::generate::UncoveredGroup]) {
    for group in groups {
        let _ = writeln!(text, "\n  UNDECLARED {}: {}", group.category, group.summary);
        for evidence in &group.evidence {
            let _ = writeln!(
                text,
                "    {}{} @{}  {}",
                evidence.file,
                evidence
                    .section
                    .as_ref()
                    .map(|s| format!(" [{s}]"))
                    .unwrap_or_default(),
                evidence.offset,
                if evidence.chain.is_empty() {
                    "plain".to_owned()
                } else {
                    evidence.chain.join(" → ")
                }
            );
            let _ = writeln!(text, "      {}", evidence.excerpt);
        }
        if group.occurrences > group.evidence.len() {
            let _ = writeln!(
                text,
                "    … and {} more place(s)",
                group.occurrences - group.evidence.len()
            );
        }
    }
}
