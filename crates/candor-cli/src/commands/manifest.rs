//! `candor manifest init|validate|statement`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use candor_model::claims::ClaimCategory;
use candor_model::ids::Purl;
use candor_model::manifest::Declaration;
use candor_model::{DocumentErrors, Subject};
use candor_sign::file::{FileMode, write_atomic};
use clap::{Args, Subcommand};
use serde_json::json;

use super::check_overwrite;
use crate::output::{self, Format, hinted};

/// The commented template `candor manifest init` writes.
pub const TEMPLATE: &str = include_str!("../../templates/candor.toml");

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
candor manifest statement candor.toml --artifact 'dist/agent.tgz=pkg:npm/%40acme/agent@1.4.0' --out statement.json")]
    Statement(StatementArgs),
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
    /// The candor.toml to check.
    file: PathBuf,
}

/// Arguments of `candor manifest statement`.
#[derive(Debug, Args)]
pub struct StatementArgs {
    /// The candor.toml declaration.
    file: PathBuf,
    /// An artifact of the release: PATH, or PATH=PURL to name it. Repeatable. Without a
    /// name the subject is `pkg:generic/<file name>@<tool.version>`.
    #[arg(long = "artifact", value_name = "PATH[=PURL]")]
    artifacts: Vec<String>,
    /// Write the Statement here (atomically) instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// Run a manifest command.
pub fn run(command: ManifestCommand, format: Format) -> anyhow::Result<ExitCode> {
    match command {
        ManifestCommand::Init(args) => init(&args, format),
        ManifestCommand::Validate(args) => validate(&args, format),
        ManifestCommand::Statement(args) => statement(&args),
    }
}

fn init(args: &InitArgs, format: Format) -> anyhow::Result<ExitCode> {
    check_overwrite(&args.out, args.force)?;
    write_atomic(&args.out, TEMPLATE.as_bytes(), FileMode::Public)?;
    match format {
        Format::Human => output::stdout(&format!(
            "wrote {}: fill it in, then run `candor manifest validate {}`\n",
            args.out.display(),
            args.out.display()
        )),
        Format::Json | Format::Sarif => output::json(&json!({ "ok": true, "written": args.out })),
    }
    Ok(ExitCode::SUCCESS)
}

/// Read and parse a declaration; the outer error is an input error, the inner a
/// document that does not validate.
fn read_declaration(path: &Path) -> anyhow::Result<Result<Declaration, DocumentErrors>> {
    let bytes = candor_sign::file::read_capped(
        path,
        candor_model::MAX_TOML_DOCUMENT_BYTES as u64,
        "a candor.toml",
    )?;
    let name = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(Declaration::from_toml(&text, &name))
}

fn validate(args: &ValidateArgs, format: Format) -> anyhow::Result<ExitCode> {
    let file = args.file.display().to_string();
    match read_declaration(&args.file)? {
        Ok(declaration) => {
            let claims = declaration.claims.ids().len();
            let categories: Vec<&str> = ClaimCategory::ALL
                .into_iter()
                .filter(|c| declaration.claims.count(*c) > 0)
                .map(ClaimCategory::as_str)
                .collect();
            let exhaustive: Vec<&str> = declaration
                .completeness
                .exhaustive
                .iter()
                .map(|c| c.as_str())
                .collect();
            match format {
                Format::Human => output::stdout(&format!(
                    "{file}: valid behaviour manifest for {} {}\n  claims      {claims}{}\n  exhaustive  {}\n",
                    declaration.tool.name,
                    declaration.tool.version,
                    if categories.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", categories.join(", "))
                    },
                    if exhaustive.is_empty() {
                        "none".to_owned()
                    } else {
                        exhaustive.join(", ")
                    },
                )),
                Format::Json | Format::Sarif => output::json(&json!({
                    "file": file,
                    "valid": true,
                    "tool": declaration.tool.name,
                    "version": declaration.tool.version,
                    "claims": claims,
                    "categories": categories,
                    "exhaustive": exhaustive,
                    "errors": [],
                })),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            match format {
                Format::Human => {
                    output::stdout(&format!("{errors}\n"));
                    output::stderr(&format!(
                        "{file}: invalid ({} error{})",
                        errors.0.len(),
                        if errors.0.len() == 1 { "" } else { "s" }
                    ));
                }
                Format::Json | Format::Sarif => output::json(&json!({
                    "file": file,
                    "valid": false,
                    "errors": output::document_errors_json(&errors),
                })),
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn statement(args: &StatementArgs) -> anyhow::Result<ExitCode> {
    let declaration = read_declaration(&args.file)?.map_err(|errors| {
        hinted(
            format!(
                "{} is not a valid declaration:\n{errors}",
                args.file.display()
            ),
            format!(
                "run `candor manifest validate {}` for details",
                args.file.display()
            ),
        )
    })?;
    let mut subjects = Vec::new();
    for spec in &args.artifacts {
        // PATH=PURL, unless the whole argument names a file (paths may contain `=`).
        let (path, name) = match spec.split_once('=') {
            Some((path, purl)) if !Path::new(spec).exists() => {
                (PathBuf::from(path), Some(purl.to_owned()))
            }
            _ => (PathBuf::from(spec), None),
        };
        let name = if let Some(purl) = name {
            purl.parse::<Purl>()
                .map_err(|e| anyhow::anyhow!("--artifact {spec}: {e}"))?
                .to_string()
        } else {
            let file_name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                anyhow::anyhow!("--artifact {spec}: the path has no UTF-8 file name")
            })?;
            Purl::generic(file_name, declaration.tool.version.as_str())
                .map_err(|e| anyhow::anyhow!("--artifact {spec}: {e}"))?
                .to_string()
        };
        let digest = candor_sign::artifact::digest_file(&path)
            .with_context(|| format!("cannot digest artifact {}", path.display()))?;
        subjects.push(Subject { name, digest });
    }
    let statement = declaration.to_statement_with(subjects);
    let violations = statement.violations();
    if let Some(first) = violations.first() {
        return Err(if statement.subject.is_empty() {
            hinted(
                "the Statement has no subjects",
                "name the release's artifacts with --artifact PATH (or list [[subject]] in candor.toml)",
            )
        } else {
            anyhow::anyhow!("invalid Statement at {}: {}", first.path, first.message)
        });
    }
    let text = statement.to_pretty_json();
    match &args.out {
        Some(out) => {
            write_atomic(out, text.as_bytes(), FileMode::Public)?;
            output::stderr(&format!(
                "wrote {} ({} subject{})",
                out.display(),
                statement.subject.len(),
                if statement.subject.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        None => output::stdout(&text),
    }
    Ok(ExitCode::SUCCESS)
}
