//! `candor manifest init|validate|statement` (and `generate`, in its own module).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_model::error::LocatedError;
use candor_release::declaration::{self, ValidationReport};
use candor_release::statement::{self, ArtifactSpec, StatementRequest};
use candor_sign::file::{FileMode, Input, write_atomic};
use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::output::{self, Format};

/// Manifest commands.
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Write a commented candor.toml template to fill in.
    #[command(after_help = "Example:\n  candor manifest init && $EDITOR candor.toml")]
    Init(InitArgs),
    /// Check a candor.toml: every error with line:column and what was expected.
    #[command(
        after_help = "Exit code 1 when the file is invalid.\n\nExample:\n  candor manifest validate candor.toml"
    )]
    Validate(ValidateArgs),
    /// Digest the artifacts and print the unsigned in-toto Statement.
    #[command(after_help = "Examples:\n  \
candor manifest statement candor.toml --artifact dist/agent-1.4.0.tgz\n  \
candor manifest statement candor.toml \\\n    --artifact 'dist/agent.tgz=pkg:npm/%40acme/agent@1.4.0' \\\n    --out statement.json")]
    Statement(StatementArgs),
    /// Generate the manifest of a tagged release: declaration from the tag, artifacts
    /// digested and scanned through the completeness gate, changelog against the previous
    /// release.
    Generate(super::generate::GenerateArgs),
}

/// Arguments of `candor manifest init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the template.
    #[arg(long, short, default_value = "candor.toml")]
    out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

/// Arguments of `candor manifest validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The candor.toml to check; `-` reads it from standard input.
    file: PathBuf,
}

/// Arguments of `candor manifest statement`.
#[derive(Debug, Args)]
pub struct StatementArgs {
    /// The candor.toml declaration; `-` reads it from standard input.
    file: PathBuf,
    /// An artifact of the release: PATH, or PATH=PURL to name it. Repeatable. Without a
    /// name the subject is `pkg:generic/<file name>@<tool.version>`.
    #[arg(long = "artifact", value_name = "PATH[=PURL]")]
    artifacts: Vec<String>,
    /// Write the Statement here (atomically) instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Replace the output file if it exists (without it, an existing file is refused).
    #[arg(long)]
    force: bool,
    /// The published manifest envelope this release's manifest replaces (same release,
    /// same signer): its sha256 is recorded as `supersedes`, which a feed requires
    /// before it accepts a second manifest for the release. `-` reads it from standard
    /// input.
    #[arg(long, value_name = "ENVELOPE")]
    supersedes: Option<PathBuf>,
}

/// Run a manifest command.
pub fn run(command: ManifestCommand, format: Format) -> Result<ExitCode, CliError> {
    match command {
        ManifestCommand::Init(args) => init(&args, format),
        ManifestCommand::Validate(args) => validate(&args, format),
        ManifestCommand::Statement(args) => statement(&args),
        ManifestCommand::Generate(args) => super::generate::run(&args, format),
    }
}

fn init(args: &InitArgs, format: Format) -> Result<ExitCode, CliError> {
    let report = declaration::write_template(&args.out, args.force)?;
    match format {
        Format::Human => output::stdout(&format!(
            "wrote {}: fill it in, then run `candor manifest validate {}`\n",
            report.written, report.written
        )),
        Format::Json | Format::Sarif => output::json(&report),
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(args: &ValidateArgs, format: Format) -> Result<ExitCode, CliError> {
    super::check_stdin(&[("FILE", Some(&args.file))])?;
    let report = declaration::validate(&Input::from_arg(&args.file))?;
    match (&report, format) {
        (_, Format::Json | Format::Sarif) => output::json(&report),
        (ValidationReport::Valid(valid), Format::Human) => output::stdout(&format!(
            "{}: valid behaviour manifest for {} {}\n  claims      {}{}\n  exhaustive  {}\n",
            valid.file,
            valid.tool,
            valid.version,
            valid.claims,
            if valid.categories.is_empty() {
                String::new()
            } else {
                format!(" ({})", valid.categories.join(", "))
            },
            if valid.exhaustive.is_empty() {
                "none".to_owned()
            } else {
                valid.exhaustive.join(", ")
            },
        )),
        (ValidationReport::Invalid(invalid), Format::Human) => {
            let mut text = String::new();
            for error in &invalid.errors {
                text.push_str(&located_line(error));
                text.push('\n');
            }
            let total = invalid.errors.len() + invalid.more_errors;
            if invalid.more_errors > 0 {
                let _ = writeln!(
                    text,
                    "… and {} more error{} not shown",
                    invalid.more_errors,
                    output::plural(invalid.more_errors)
                );
            }
            output::stdout(&text);
            output::stderr(&format!(
                "{}: invalid ({total} error{}{})",
                invalid.file,
                output::plural(total),
                if invalid.more_errors > 0 {
                    format!("; the first {} shown", invalid.errors.len())
                } else {
                    String::new()
                }
            ));
        }
    }
    Ok(match report {
        ValidationReport::Valid(_) => ExitCode::SUCCESS,
        ValidationReport::Invalid(_) => ExitCode::from(1),
    })
}

/// A located error as one line: `file:line:column: message`, `file: at $.path: message`
/// or `file: message`.
fn located_line(error: &LocatedError) -> String {
    match (error.line, error.column, &error.path) {
        (Some(line), Some(column), Some(path)) => {
            format!("{}:{line}:{column} ({path}): {}", error.file, error.message)
        }
        (Some(line), Some(column), None) => {
            format!("{}:{line}:{column}: {}", error.file, error.message)
        }
        (_, _, Some(path)) => format!("{}: at {path}: {}", error.file, error.message),
        _ => format!("{}: {}", error.file, error.message),
    }
}

fn statement(args: &StatementArgs) -> Result<ExitCode, CliError> {
    if let Some(out) = &args.out {
        candor_sign::file::refuse_existing(out, args.force)?;
    }
    let artifacts = args
        .artifacts
        .iter()
        .map(|spec| ArtifactSpec::parse(spec))
        .collect::<Result<Vec<_>, _>>()?;
    super::check_stdin(&[
        ("FILE", Some(&args.file)),
        ("--supersedes", args.supersedes.as_deref()),
    ])?;
    let made = statement::make_statement(&StatementRequest {
        declaration: Input::from_arg(&args.file),
        artifacts,
        supersedes: args.supersedes.as_ref().map(Input::from_arg),
    })?;
    // Say which name each artifact got, and why, where candor chose it.
    for choice in made.subjects.iter().filter(|c| !c.given) {
        output::stderr(&format!(
            "note: {} is subject {} (no package URL given: the generic form of its file \
             name and the release; name it with --artifact {}=pkg:TYPE/NAME@VERSION)",
            choice.artifact, choice.name, choice.artifact
        ));
    }
    match &args.out {
        Some(out) => {
            write_atomic(out, made.text.as_bytes(), FileMode::Public)?;
            let subjects = made.statement.subject.len();
            output::stderr(&format!(
                "wrote {} ({subjects} subject{})",
                out.display(),
                output::plural(subjects)
            ));
        }
        None => output::stdout(&made.text),
    }
    Ok(ExitCode::SUCCESS)
}
