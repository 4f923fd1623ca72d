//! `candor policy init|check`: the enterprise's trust policy.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use candor_model::ids::ToolName;
use candor_verify::policy::{self, InitRequest, PolicyReport};
use clap::{Args, Subcommand};

use super::feed::StoreArgs;
use crate::error::CliError;
use crate::output::{self, Format};

/// Policy commands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write a commented trust policy to fill in.
    #[command(after_help = "Examples:\n  \
candor policy init\n  \
candor policy init --tool agent --key acme-release.pub --out policy.toml")]
    Init(InitArgs),
    /// Check a trust policy: every problem located, the rules each tool gets, and
    /// whether the store has seen a newer version.
    #[command(
        after_help = "Exit code 2 when the policy is invalid or older than one the store has seen.\n\n\
Example:\n  candor policy check policy.toml"
    )]
    Check(CheckArgs),
}

/// Arguments of `candor policy init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the policy.
    #[arg(long, short, default_value = "policy.toml")]
    out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
    /// A tool to trust (with --key: its vendor's public keys).
    #[arg(long, requires = "keys")]
    tool: Option<ToolName>,
    /// A public key of the tool's vendor. Repeatable.
    #[arg(long = "key", value_name = "PUB", requires = "tool")]
    keys: Vec<PathBuf>,
}

/// Arguments of `candor policy check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The policy.
    #[arg(default_value = "policy.toml")]
    file: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

/// Run a policy command.
pub fn run(command: PolicyCommand, format: Format) -> Result<ExitCode, CliError> {
    match command {
        PolicyCommand::Init(args) => {
            let report = policy::init(&InitRequest {
                out: args.out.clone(),
                force: args.force,
                tool: args.tool.clone().map(|t| (t, args.keys.clone())),
            })?;
            match format {
                Format::Human => output::stdout(&format!(
                    "wrote {}{}: fill it in, then run `candor policy check {}`\n",
                    report.written,
                    report
                        .tool
                        .as_ref()
                        .map_or_else(String::new, |t| format!(" (trusting `{t}`)")),
                    report.written
                )),
                Format::Json | Format::Sarif => output::json(&report),
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Check(args) => {
            let store = super::feed::store_dir(&args.store).ok();
            let report = policy::check(&args.file, store.as_deref())?;
            match format {
                Format::Human => output::stdout(&human(&report)),
                Format::Json | Format::Sarif => output::json(&report),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn human(report: &PolicyReport) -> String {
    let mut out = format!(
        "{}: valid trust policy, version {}{}\n",
        report.file,
        report.version,
        match report.store_highest {
            Some(v) if v == report.version => " (the store's current version)".to_owned(),
            Some(v) => format!(" (the store has seen up to version {v})"),
            None => String::new(),
        }
    );
    for auditor in &report.auditors {
        let _ = writeln!(
            out,
            "  auditor  {} ({}): {}",
            auditor.id,
            auditor.organization,
            auditor.signers.join(", ")
        );
    }
    if report.tools.is_empty() {
        out.push_str("  no [[tool]] yet: every verification fails with `tool-trusted`\n");
    }
    for tool in &report.tools {
        let _ = writeln!(
            out,
            "  tool     {}: {} of {} signer(s); manifest {}; {} audit(s) from distinct organisations ({}); deny [{}]; endpoints {}; undeclared {:?}, contradicted {:?}, downgrade {:?}{}{}",
            tool.tool,
            tool.threshold,
            tool.signers.len(),
            if tool.require_manifest {
                "required"
            } else {
                "optional"
            },
            tool.min_audits,
            tool.auditors.join(", "),
            tool.deny_categories.join(", "),
            tool.allowed_endpoints
                .as_ref()
                .map_or_else(|| "any".to_owned(), |p| p.join(", ")),
            tool.on_undeclared,
            tool.on_contradicted,
            tool.on_downgrade,
            tool.max_age_days
                .map_or_else(String::new, |d| format!("; manifests ≤ {d} days old")),
            tool.max_audit_age_days
                .map_or_else(String::new, |d| format!("; audits ≤ {d} days old")),
        );
    }
    out
}
